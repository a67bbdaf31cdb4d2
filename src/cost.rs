//! The cost estimate: for each subscription and plan, how many units the inventory bills (servers,
//! plan instances, vCores, ...), what the plan costs a month as it is set today, and what the
//! cheapest setting that meets every asset's tier would cost, with the arithmetic.
//!
//! Quantities are counted in one pass over the assets. How a resource counts is its type's
//! `billing` in the profile; prices come from the profile's price sheet. A quantity or price
//! the inputs or the sheet do not give leaves the cost unknown (`None`), with the reason: it is
//! never taken as zero.

use std::collections::BTreeMap;

use crate::evaluate::{Evaluation, Switch};
use crate::inventory::{AssetId, Inventory, RelationKind, Sym};
use crate::map::Mapping;
use crate::profile::Catalog;
use crate::profile::model::{Billing, Plan, PriceUnit, ResourceLevel, Status};

/// One subscription's plan, costed.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCost<'c> {
    /// Billed units (`None`: the inventory does not say how many).
    pub quantity: Option<f64>,
    /// What a unit is, in words ("servers", "vCores", ...).
    pub unit: &'static str,
    /// Machines left out because the export says they are deallocated.
    pub deallocated: usize,
    pub current: Setting<'c>,
    pub recommended: Setting<'c>,
    /// Why the cost cannot be given, when it cannot.
    pub unknown: Option<String>,
    /// The options compared and the arithmetic, in words.
    pub reasoning: Vec<String>,
}

impl PlanCost<'_> {
    /// Recommended minus current, when both are known.
    pub fn difference(&self) -> Option<f64> {
        Some(round(
            self.recommended.monthly_usd? - self.current.monthly_usd?,
        ))
    }
}

/// A way the plan is or could be set, with its price and monthly cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<'c> {
    /// `on`, `off` or `unknown` for the current setting; what to set, for the recommended one.
    pub label: String,
    pub sub_plan: Option<&'c str>,
    pub unit_usd: Option<f64>,
    /// What `unit_usd` is charged per, where a price is known.
    pub price_unit: Option<PriceUnit>,
    pub monthly_usd: Option<f64>,
}

/// The costs, in the order of [`Evaluation::defender`].
#[derive(Debug, Default)]
pub struct Estimate<'c> {
    pub plans: Vec<PlanCost<'c>>,
}

/// What is known of the sub-plan an asset runs on today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Have {
    Off,
    Unknown,
    /// On, at this sub-plan (its place in the plan's list; `None`: the plan's default).
    On(Option<u8>),
}

/// Units of one row that share a need and a current state.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    need: Option<u8>,
    have: Have,
    units: f64,
}

/// Why a row's quantity is unknown, and for which asset (the first met).
#[derive(Debug, Clone, Copy)]
enum Gap {
    NoBilling,
    NoCapacity,
    NoHost,
    NoPools,
    PoolCount,
    UnknownSize(Sym),
    NoThroughput,
    Serverless,
}

#[derive(Debug, Default)]
struct Acc {
    buckets: Vec<Bucket>,
    billing: Option<Billing>,
    hosts: rustc_hash::FxHashSet<AssetId>,
    gap: Option<(Gap, AssetId)>,
    gaps: usize,
    deallocated: usize,
    /// Machines whose export gives no power state.
    power_unknown: usize,
    not_billable: usize,
}

impl Acc {
    fn add(&mut self, need: Option<u8>, have: Have, units: f64) {
        match self
            .buckets
            .iter_mut()
            .find(|b| b.need == need && b.have == have)
        {
            Some(b) => b.units += units,
            None => self.buckets.push(Bucket { need, have, units }),
        }
    }

    fn gap(&mut self, gap: Gap, asset: AssetId) {
        self.gaps += 1;
        self.gap.get_or_insert((gap, asset));
    }
}

fn sub_index(plan: Option<&Plan>, name: Option<&str>) -> Option<u8> {
    let plan = plan?;
    let name = name?;
    plan.sub_plans
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(name))
        .and_then(|i| u8::try_from(i).ok())
}

/// Costs every row of the evaluation's plan table.
pub fn estimate<'c>(
    inv: &Inventory,
    mapping: &Mapping<'c>,
    evaluation: &Evaluation<'c>,
    catalog: &'c Catalog,
) -> Estimate<'c> {
    let hosts: rustc_hash::FxHashMap<AssetId, AssetId> = inv
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::HostedOn)
        .map(|r| (r.from, r.to))
        .collect();
    let mut rows: rustc_hash::FxHashMap<(Option<Sym>, &'c str), Acc> =
        rustc_hash::FxHashMap::default();

    for (i, a) in inv.assets.iter().enumerate() {
        let m = &mapping.assets[i];
        let requirements = mapping.requirements(i);
        if requirements.is_empty() {
            continue;
        }
        let checks = evaluation.plans(i);
        let rt = inv.resource_type(catalog, a);
        let is_server = m
            .class(catalog)
            .and_then(|c| catalog.class(c))
            .is_some_and(|c| c.server);
        for (k, req) in requirements.iter().enumerate() {
            let acc = rows.entry((a.subscription, req.plan)).or_default();
            let billing = match req.role {
                Some(role) => catalog.role(role).and_then(|r| r.billing),
                None => rt.and_then(|t| t.billing),
            };
            if acc.billing.is_none() || billing == Some(Billing::Subscription) {
                acc.billing = billing.or(acc.billing);
            }
            let plan = catalog.plan(req.plan);
            let need = sub_index(plan, req.sub_plan);
            let have = match checks.get(k) {
                Some(c) if c.state == Switch::On => {
                    Have::On(sub_index(plan, c.sub_plan.as_deref()))
                }
                Some(c) if c.state == Switch::Off => Have::Off,
                _ => Have::Unknown,
            };
            // Resources that bill nothing still tell how the plan is set.
            if m.uncovered.iter().any(|u| u.plan == req.plan) {
                acc.not_billable += 1;
                acc.add(need, have, 0.0);
                continue;
            }
            if is_server && a.flags & crate::inventory::Asset::POWER_KNOWN == 0 {
                acc.power_unknown += 1;
            }
            if a.is_deallocated() {
                acc.deallocated += 1;
                acc.add(need, have, 0.0);
                continue;
            }
            let units = match billing {
                None => {
                    acc.gap(Gap::NoBilling, i);
                    continue;
                }
                Some(Billing::Each) => 1.0,
                Some(Billing::Through) => 0.0,
                // Billed once for the subscription: counted below, not per resource.
                Some(Billing::Subscription) => 0.0,
                Some(Billing::Capacity) => match a.sku.as_ref().and_then(|s| s.capacity) {
                    Some(c) => c as f64,
                    None => {
                        acc.gap(Gap::NoCapacity, i);
                        continue;
                    }
                },
                Some(Billing::HostCapacity) => match hosts.get(&i) {
                    None => {
                        acc.gap(Gap::NoHost, i);
                        continue;
                    }
                    Some(h) if !acc.hosts.insert(*h) => 0.0,
                    Some(h) => match inv.assets[*h].sku.as_ref().and_then(|s| s.capacity) {
                        Some(c) => c as f64,
                        None => {
                            acc.gap(Gap::NoCapacity, *h);
                            continue;
                        }
                    },
                },
                Some(Billing::NodeVcores) => match node_vcores(inv, catalog, a) {
                    Ok(v) => v,
                    Err(g) => {
                        acc.gap(g, i);
                        continue;
                    }
                },
                Some(Billing::Throughput) => {
                    let serverless = rt
                        .and_then(|t| t.billed_by_use.as_ref())
                        .is_some_and(|b| crate::map::variant_matches(inv, &b.when, a, None));
                    match a.sku.as_ref().and_then(|s| s.capacity) {
                        Some(rus) => rus as f64 / 100.0,
                        None if serverless => {
                            acc.gap(Gap::Serverless, i);
                            continue;
                        }
                        None => {
                            acc.gap(Gap::NoThroughput, i);
                            continue;
                        }
                    }
                }
            };
            acc.add(need, have, units);
        }
    }

    let plans = evaluation
        .defender
        .iter()
        .map(|row| {
            let sym = row
                .subscription
                .as_deref()
                .and_then(|s| inv.strings.find(s));
            let acc = rows.remove(&(sym, row.plan)).unwrap_or_default();
            cost_row(inv, catalog, row.plan, row.state, &acc)
        })
        .collect();
    Estimate { plans }
}

/// A cluster's vCPUs: each pool's node count times its size's vCPUs.
fn node_vcores(
    inv: &Inventory,
    catalog: &Catalog,
    a: &crate::inventory::Asset,
) -> Result<f64, Gap> {
    let pools = a.sku.as_ref().map_or(&[][..], |s| &s.pools[..]);
    if pools.is_empty() {
        return Err(Gap::NoPools);
    }
    let mut total = 0.0;
    for (size, count) in pools {
        if *count == u32::MAX {
            return Err(Gap::PoolCount);
        }
        let vcpus = catalog.vcpus(inv.s(*size)).ok_or(Gap::UnknownSize(*size))?;
        total += f64::from(*count) * f64::from(vcpus);
    }
    Ok(total)
}

fn gap_text(inv: &Inventory, gap: Gap, asset: AssetId, count: usize) -> String {
    let name = inv.assets[asset].name();
    let what = match gap {
        Gap::NoBilling => format!(
            "the profile does not say how {} ({}) is billed",
            name,
            inv.type_of(&inv.assets[asset])
        ),
        Gap::NoCapacity => format!("{name} has no sku.capacity (instance count) in the inputs"),
        Gap::NoHost => format!("the App Service plan {name} runs on is not in the inputs"),
        Gap::NoPools => {
            format!("{name}: the export holds no node pools (properties.agentPoolProfiles)")
        }
        Gap::PoolCount => format!("{name}: a node pool without a node count"),
        Gap::UnknownSize(s) if inv.s(s).is_empty() => {
            format!("{name}: a node pool without a VM size")
        }
        Gap::UnknownSize(s) => format!(
            "{name}: VM size {} is not in the profile's vm_sizes",
            inv.s(s)
        ),
        Gap::NoThroughput => format!(
            "{name}: its provisioned throughput (RU/s) is set on its databases and containers, which the resource export does not give"
        ),
        Gap::Serverless => {
            format!("{name} is serverless: billed by request units used, which no export gives")
        }
    };
    if count > 1 {
        format!("{what} (and {} more)", count - 1)
    } else {
        what
    }
}

fn unit_label(price: Option<PriceUnit>, billing: Option<Billing>) -> &'static str {
    match (price, billing) {
        (Some(PriceUnit::ServerMonth), _) => "servers",
        (Some(PriceUnit::InstanceMonth), _) | (None, Some(Billing::HostCapacity)) => {
            "plan instances"
        }
        (Some(PriceUnit::VcoreMonth), _) | (None, Some(Billing::NodeVcores)) => "vCores",
        (Some(PriceUnit::StorageAccountMonth), _) => "storage accounts",
        (Some(PriceUnit::ServerOrInstanceMonth), _) => "servers or instances",
        (Some(PriceUnit::KeyVaultMonth), _) => "key vaults",
        (Some(PriceUnit::HundredRusHour), _) | (None, Some(Billing::Throughput)) => "100 RU/s",
        (Some(PriceUnit::SubscriptionMonth), _) | (None, Some(Billing::Subscription)) => {
            "subscription"
        }
        (None, Some(Billing::Capacity)) => "instances",
        _ => "resources",
    }
}

/// Dollars, rounded to the cent.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A dollar amount as the reasoning writes it: no cents when there are none.
/// A cost for a person to read: dollars, or `unknown`.
pub fn money(x: Option<f64>) -> String {
    x.map_or_else(|| "unknown".into(), usd)
}

/// A difference in cost: `+$100`, `-$20`, `0`, or `-` when it cannot be told.
pub fn change(x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(d) if d.abs() < 0.005 => "0".into(),
        Some(d) if d > 0.0 => format!("+{}", usd(d)),
        Some(d) => format!("-{}", usd(-d)),
    }
}

pub fn usd(x: f64) -> String {
    let x = x + 0.0;
    if x != 0.0 && x.abs() < 0.1 {
        format!("${x}")
    } else if (x - x.round()).abs() < 0.005 {
        format!("${:.0}", x.round() + 0.0)
    } else {
        format!("${x:.2}")
    }
}

/// A quantity as people write it: whole numbers without a decimal point.
/// A quantity with its unit, the unit's words singular for one: `1 storage account`,
/// `10 servers`, `2.5 100 RU/s`.
pub fn quantity(x: f64, unit: &str) -> String {
    let n = count(x);
    if n != "1" {
        return format!("{n} {unit}");
    }
    let words: Vec<&str> = unit
        .split(' ')
        .map(|w| match w.strip_suffix('s') {
            Some(one) if one.len() > 1 && w.chars().all(char::is_alphabetic) => one,
            _ => w,
        })
        .collect();
    format!("{n} {}", words.join(" "))
}

pub fn count(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x}")
    }
}

/// What one month costs at `price` for `units`; `None` for prices by use.
fn monthly(catalog: &Catalog, unit: PriceUnit, usd_per_unit: f64, units: f64) -> Option<f64> {
    if unit.is_metered() {
        return None;
    }
    Some(round(match unit {
        PriceUnit::SubscriptionMonth => {
            if units > 0.0 {
                usd_per_unit
            } else {
                0.0
            }
        }
        PriceUnit::HundredRusHour => units * usd_per_unit * catalog.hours_per_month()?,
        _ => units * usd_per_unit,
    }))
}

/// "n × $p = $x", or the flat price.
fn arithmetic(unit: PriceUnit, usd_per_unit: f64, units: f64, total: f64, hours: f64) -> String {
    match unit {
        PriceUnit::SubscriptionMonth => format!("{} a month", usd(total)),
        PriceUnit::HundredRusHour => format!(
            "{} × {} × {} h = {}",
            count(units),
            usd(usd_per_unit),
            count(hours),
            usd(total)
        ),
        _ => format!("{} × {} = {}", count(units), usd(usd_per_unit), usd(total)),
    }
}

fn cost_row<'c>(
    inv: &Inventory,
    catalog: &'c Catalog,
    plan_name: &'c str,
    // The plan's state in the subscription (`on`, `off`, `unknown`), for when no unit could be
    // counted to tell it.
    state: &str,
    acc: &Acc,
) -> PlanCost<'c> {
    let plan = catalog.plan(plan_name);
    let subs = plan.map_or(&[][..], |p| &p.sub_plans[..]);
    let name_of = |i: Option<u8>| -> Option<&'c str> {
        i.and_then(|i| subs.get(i as usize))
            .map(|s| s.name.as_str())
    };
    let default_sub = plan
        .and_then(|p| p.default_sub_plan.as_deref())
        .and_then(|d| sub_index(plan, Some(d)));
    let flat = acc.billing == Some(Billing::Subscription);
    let units: f64 = if flat {
        1.0
    } else {
        acc.buckets.iter().map(|b| b.units).sum()
    };
    let any_price = catalog.price(plan_name, None).or_else(|| {
        subs.iter()
            .find_map(|s| catalog.price(plan_name, Some(&s.name)))
    });
    let unit = unit_label(any_price.map(|p| p.unit), acc.billing);
    let hours = catalog.hours_per_month().unwrap_or(0.0);
    let mut reasoning = Vec::new();
    if acc.deallocated > 0 {
        reasoning.push(format!(
            "{} deallocated machine(s) left out: deallocated machines are not billed",
            acc.deallocated
        ));
    }
    if acc.power_unknown > 0 {
        reasoning.push(format!(
            "{} machine(s) without a power state in the inputs are counted as running",
            acc.power_unknown
        ));
    }
    if acc.not_billable > 0 {
        reasoning.push(format!(
            "{} resource(s) the plan cannot protect are not counted",
            acc.not_billable
        ));
    }

    // Today's setting: the sub-plan most of the units run on decides the label.
    let on_subs: Vec<Option<u8>> = acc
        .buckets
        .iter()
        .filter_map(|b| match b.have {
            Have::On(s) => Some(s.or(default_sub)),
            _ => None,
        })
        .collect();
    let any_unknown = acc.buckets.iter().any(|b| b.have == Have::Unknown);
    let current_sub = on_subs.iter().copied().max().flatten();
    let mut current = Setting {
        label: if acc.buckets.is_empty() {
            state.into()
        } else if any_unknown {
            "unknown".into()
        } else if on_subs.is_empty() {
            "off".into()
        } else {
            "on".into()
        },
        sub_plan: name_of(current_sub),
        unit_usd: None,
        price_unit: None,
        monthly_usd: None,
    };
    let mut unknown = acc.gap.map(|(g, a)| gap_text(inv, g, a, acc.gaps));
    let price_at = |s: Option<u8>| catalog.price(plan_name, name_of(s));
    if unknown.is_none() {
        if any_unknown {
            current.monthly_usd = None;
        } else {
            let mut total = Some(0.0);
            let mut done_flat = false;
            for b in &acc.buckets {
                let Have::On(s) = b.have else { continue };
                let s = s.or(default_sub);
                let Some(p) = price_at(s) else {
                    total = None;
                    break;
                };
                current.unit_usd = Some(p.usd);
                current.price_unit = Some(p.unit);
                if flat && done_flat {
                    continue;
                }
                done_flat = true;
                let units = if flat { 1.0 } else { b.units };
                total = match (total, monthly(catalog, p.unit, p.usd, units)) {
                    (Some(t), Some(m)) => Some(t + m),
                    _ => {
                        if p.unit.is_metered() {
                            reasoning.push(format!(
                                "today's {} is billed per {}, which no export gives",
                                name_of(s).unwrap_or(plan_name),
                                p.unit.as_str()
                            ));
                        }
                        None
                    }
                };
            }
            current.monthly_usd = total.map(round);
        }
    }

    // The cheapest setting that meets every unit's need.
    let max_need = acc.buckets.iter().filter_map(|b| b.need).max();
    let mut recommended = Setting {
        label: String::new(),
        sub_plan: None,
        unit_usd: None,
        price_unit: None,
        monthly_usd: None,
    };
    let current_ok = |i: usize| subs[i].status == Status::Current;
    if subs.is_empty() {
        recommended.label = "on for the subscription".into();
        match price_at(None) {
            Some(_) if acc.gap.is_some() => {}
            Some(p) => {
                recommended.unit_usd = Some(p.usd);
                recommended.price_unit = Some(p.unit);
                recommended.monthly_usd = monthly(catalog, p.unit, p.usd, units);
                if let Some(m) = recommended.monthly_usd {
                    reasoning.push(format!(
                        "on for the subscription: {}",
                        arithmetic(p.unit, p.usd, units, m, hours)
                    ));
                }
            }
            None => {
                unknown
                    .get_or_insert_with(|| format!("the price sheet has no price for {plan_name}"));
            }
        }
    } else {
        // With no need stated, a plan that is on keeps its sub-plan (Defender for APIs' differ
        // in the calls they include, not in what they detect).
        let floor = match (max_need, current_sub) {
            (Some(n), _) => Some(n as usize),
            (None, Some(c)) if current_ok(c as usize) => Some(c as usize),
            (None, _) => None,
        };
        let mut best: Option<(f64, usize, bool)> = None;
        let options_before = reasoning.len();
        for (i, s) in subs.iter().enumerate() {
            if !current_ok(i) {
                continue;
            }
            let meets = floor.is_none_or(|f| i >= f);
            let Some(p) = catalog.price(plan_name, Some(&s.name)) else {
                if meets {
                    reasoning.push(format!(
                        "{} for the subscription: no price in the sheet",
                        s.name
                    ));
                }
                continue;
            };
            let Some(m) = monthly(catalog, p.unit, p.usd, units) else {
                continue;
            };
            let text = arithmetic(p.unit, p.usd, units, m, hours);
            if meets {
                // With no tier stating a need, the stronger sub-plans are no option to weigh.
                if max_need.is_some() || best.is_none() {
                    reasoning.push(format!("{} for the subscription: {text}", s.name));
                }
                if best.is_none_or(|(b, ..)| m < b - 1e-9) {
                    best = Some((m, i, false));
                }
            } else if max_need.is_some_and(|n| i < n as usize) {
                let short: f64 = acc
                    .buckets
                    .iter()
                    .filter(|b| b.need.is_some_and(|n| (n as usize) > i))
                    .map(|b| b.units)
                    .sum();
                reasoning.push(format!(
                    "{} for the subscription: {text}, but {} of the {unit} need a stronger sub-plan",
                    s.name,
                    count(short)
                ));
            }
        }
        mixed_options(
            catalog,
            plan_name,
            subs,
            acc,
            unit,
            &mut reasoning,
            &mut best,
        );
        match best {
            Some((m, i, per_resource)) => {
                let s = &subs[i];
                let how = if per_resource {
                    "each resource at the sub-plan its tier needs, set per resource".to_owned()
                } else {
                    format!("{} for the subscription", s.name)
                };
                recommended.label = how.clone();
                recommended.sub_plan = Some(s.name.as_str());
                let price = catalog.price(plan_name, Some(&s.name));
                recommended.unit_usd = price.map(|p| p.usd);
                recommended.price_unit = price.map(|p| p.unit);
                recommended.monthly_usd = Some(m);
                if reasoning.len() > options_before + 1 {
                    reasoning.push(format!("cheapest that meets every tier: {how}, {}", usd(m)));
                }
            }
            None => {
                recommended.label =
                    name_of(floor.and_then(|f| u8::try_from(f).ok()).or(default_sub))
                        .map_or_else(|| "on".into(), |s| format!("{s} for the subscription"));
                recommended.sub_plan =
                    name_of(floor.and_then(|f| u8::try_from(f).ok()).or(default_sub));
                unknown.get_or_insert_with(|| {
                    format!(
                        "the price sheet has no price for {plan_name}{}",
                        recommended
                            .sub_plan
                            .map(|s| format!(" {s}"))
                            .unwrap_or_default()
                    )
                });
            }
        }
    }
    if let Some(p) = any_price.and_then(|p| p.note.as_deref()) {
        reasoning.push(format!("about the price: {p}"));
    }
    if unknown.is_some() {
        recommended.monthly_usd = None;
        current.monthly_usd = current.monthly_usd.filter(|_| acc.gap.is_none());
    }
    if current.label == "off" {
        // Off costs nothing today, however many units there would be.
        current.monthly_usd = Some(0.0);
    }
    PlanCost {
        quantity: acc.gap.is_none().then_some(round_units(units)),
        unit,
        deallocated: acc.deallocated,
        current,
        recommended,
        unknown,
        reasoning,
    }
}

fn round_units(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Where the units need different sub-plans: whether each could run its own, set per
/// resource, and what splitting them into subscriptions of their own would cost.
fn mixed_options(
    catalog: &Catalog,
    plan_name: &str,
    subs: &[crate::profile::model::SubPlan],
    acc: &Acc,
    unit: &str,
    reasoning: &mut Vec<String>,
    best: &mut Option<(f64, usize, bool)>,
) {
    let mut by_need: BTreeMap<u8, f64> = BTreeMap::new();
    for b in &acc.buckets {
        if let Some(n) = b.need {
            *by_need.entry(n).or_default() += b.units;
        }
    }
    if by_need.len() < 2 || acc.billing == Some(Billing::Subscription) {
        return;
    }
    let needs: Vec<String> = by_need
        .iter()
        .rev()
        .map(|(n, u)| format!("{} need {}", count(*u), subs[*n as usize].name))
        .collect();
    reasoning.insert(0, format!("{unit}: {}", needs.join(", ")));
    let mut parts = Vec::new();
    let mut total = 0.0;
    for (n, u) in by_need.iter().rev() {
        let Some(p) = catalog.price(plan_name, Some(&subs[*n as usize].name)) else {
            return;
        };
        let Some(m) = monthly(catalog, p.unit, p.usd, *u) else {
            return;
        };
        total += m;
        parts.push(format!("{} × {}", count(*u), usd(p.usd)));
    }
    let split = format!("{} = {}", parts.join(" + "), usd(round(total)));
    let not_per_resource: Vec<&str> = by_need
        .keys()
        .map(|n| &subs[*n as usize])
        .filter(|s| !s.resource_level.contains(&ResourceLevel::Enable))
        .map(|s| s.name.as_str())
        .collect();
    if not_per_resource.is_empty() {
        reasoning.push(format!(
            "each at its own sub-plan, set per resource: {split}"
        ));
        // Chosen only when cheaper than any setting for the whole subscription.
        if best.is_none_or(|(b, ..)| round(total) < b - 1e-9) {
            let strongest = *by_need.keys().next_back().unwrap_or(&0);
            *best = Some((round(total), strongest as usize, true));
        }
    } else {
        reasoning.push(format!(
            "each at its own sub-plan ({split}) is not possible in one subscription: {} can only be set for the whole subscription; it takes a subscription of their own for the {unit} that need less",
            not_per_resource.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_read_as_people_write_them() {
        assert_eq!(usd(180.0), "$180");
        assert_eq!(usd(0.0012), "$0.0012");
        assert_eq!(usd(12.5), "$12.50");
    }
}

#[cfg(test)]
mod quantity_tests {
    use super::quantity;

    #[test]
    fn one_unit_is_written_in_the_singular() {
        assert_eq!(quantity(1.0, "storage accounts"), "1 storage account");
        assert_eq!(
            quantity(1.0, "servers or instances"),
            "1 server or instance"
        );
        assert_eq!(quantity(10.0, "servers"), "10 servers");
        assert_eq!(quantity(1.0, "100 RU/s"), "1 100 RU/s");
        assert_eq!(quantity(44.0, "vCores"), "44 vCores");
        assert_eq!(quantity(1.0, "vCores"), "1 vCore");
    }
}
