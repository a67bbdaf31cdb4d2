//! Evaluation: the rules run over the classified, mapped inventory, giving findings and each
//! asset's coverage. A finding names what it concerns by index; its fingerprint, a fixed hash of
//! the rule and that subject, is computed when a report asks for it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::classify::Classification;
use crate::domain::{Coverage, Delivery, Exposure, Routing, Severity, Tier};
use crate::inventory::{AppId, AssetId, Inventory};
use crate::map::Mapping;
use crate::profile::Catalog;
use crate::profile::model::{AppCondition, ModuleScope, Status};
use crate::report::escape::shell_word;
use crate::rules::Rule;

/// What a finding concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Asset(AssetId),
    /// An application, with what in it (a use case, an alert) when the finding is about a part.
    Application(AppId, Option<String>),
    /// A subscription (by id; `None` for assets in none) and what in it.
    Subscription(Option<String>, String),
    /// An organisation check, by id.
    Organization(String),
    /// A resource type, lower-cased.
    ResourceType(String),
}

/// One gap or problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'c> {
    pub rule: Rule,
    pub severity: Severity,
    pub subject: Subject,
    pub module: Option<&'c str>,
    pub plan: Option<&'c str>,
    pub message: Message<'c>,
    pub remediation: Fix<'c>,
    /// Orders findings of one rule on one subject (use cases in the profile's order).
    pub rank: usize,
}

/// A finding's message: its text, or what is needed to write it when a report asks (the two
/// findings a large tenant has by the hundred thousand are kept that way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'c> {
    Text(String),
    /// `unclassified-asset` on the finding's asset.
    Unclassified,
    /// `defender-plan-off` on the finding's asset, for its plan (and the role needing it).
    PlanOff {
        role: Option<&'c str>,
    },
}

impl From<String> for Message<'_> {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}

/// A finding's remediation: text of its own or the profile's, or one shared by the many
/// findings it fixes (the command that switches a plan on in a subscription).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix<'c> {
    Text(Cow<'c, str>),
    Shared(std::sync::Arc<str>),
}

impl std::ops::Deref for Fix<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Fix::Text(t) => t,
            Fix::Shared(s) => s,
        }
    }
}

impl<'c> From<Cow<'c, str>> for Fix<'c> {
    fn from(text: Cow<'c, str>) -> Self {
        Fix::Text(text)
    }
}

impl Finding<'_> {
    /// The subject's kind and index, for ordering findings.
    fn primary(&self) -> (u8, usize) {
        match &self.subject {
            Subject::Asset(a) => (0, *a),
            Subject::Application(a, _) => (1, *a),
            Subject::Subscription(..) => (2, 0),
            Subject::Organization(_) => (3, 0),
            Subject::ResourceType(_) => (4, 0),
        }
    }

    pub fn asset(&self) -> Option<AssetId> {
        match self.subject {
            Subject::Asset(a) => Some(a),
            _ => None,
        }
    }

    pub fn application(&self) -> Option<AppId> {
        match self.subject {
            Subject::Application(a, _) => Some(a),
            _ => None,
        }
    }

    /// The subscription the finding is in: its own, or its asset's.
    pub fn subscription<'i>(&'i self, inv: &'i Inventory) -> Option<&'i str> {
        match &self.subject {
            Subject::Asset(a) => inv.subscription_of(&inv.assets[*a]),
            Subject::Subscription(s, _) => s.as_deref(),
            _ => None,
        }
    }

    /// The finding's message in words.
    pub fn message<'s>(&'s self, inv: &Inventory, classes: &Classification) -> Cow<'s, str> {
        let asset = self.asset().map(|a| (&inv.assets[a], &classes.assets[a]));
        match (&self.message, asset) {
            (Message::Text(t), _) => Cow::Borrowed(t),
            (Message::Unclassified, Some((a, c))) => Cow::Owned(format!(
                "{}: nothing classifies it; the profile's default ({} / {}) applies",
                a.name(),
                c.sensitivity,
                c.impact
            )),
            (Message::PlanOff { role }, Some((a, c))) => {
                let sub = inv
                    .subscription(inv.subscription_of(a))
                    .map_or("no subscription", |s| s.label());
                let role = role
                    .map(|r| format!(" (needed for its role {r})"))
                    .unwrap_or_default();
                Cow::Owned(format!(
                    "{} (tier {}): plan {} is Free in {sub}{role}",
                    a.name(),
                    c.tier,
                    self.plan.unwrap_or("")
                ))
            }
            _ => Cow::Borrowed(""),
        }
    }

    /// A fixed hash of the rule and what the finding concerns: stable across runs and versions.
    pub fn fingerprint(&self, inv: &Inventory) -> String {
        let subject = match &self.subject {
            Subject::Asset(a) => Cow::Borrowed(&*inv.assets[*a].id),
            Subject::Application(a, None) => {
                Cow::Owned(format!("application|{}", inv.applications[*a].id))
            }
            Subject::Application(a, Some(part)) => {
                Cow::Owned(format!("application|{}|{part}", inv.applications[*a].id))
            }
            Subject::Subscription(s, what) => {
                Cow::Owned(format!("{}|{what}", s.as_deref().unwrap_or("")))
            }
            Subject::Organization(check) => Cow::Owned(format!("organization|{check}")),
            Subject::ResourceType(t) => Cow::Borrowed(t.as_str()),
        };
        fingerprint(self.rule, &subject)
    }
}

/// Whether a plan is on, off, or not known, in a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
    Unknown,
}

impl Switch {
    pub fn as_str(self) -> &'static str {
        match self {
            Switch::On => "on",
            Switch::Off => "off",
            Switch::Unknown => "unknown",
        }
    }
}

/// How one plan an asset needs stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCheck<'c> {
    pub plan: &'c str,
    pub required_sub_plan: Option<&'c str>,
    /// `on`, `off` or `unknown`.
    pub state: Switch,
    /// The sub-plan in use, spelled as the profile spells it (borrowed) where it knows it.
    pub sub_plan: Option<Cow<'c, str>>,
    pub coverage: Coverage,
}

/// An asset's coverage; its plan checks are in [`Evaluation::plan_checks`].
#[derive(Debug, Clone)]
pub struct AssetCoverage {
    /// Where the asset's checks lie in [`Evaluation::plan_checks`].
    plans: std::ops::Range<u32>,
    pub coverage: Coverage,
}

#[derive(Debug, Clone)]
pub struct ApplicationCoverage {
    pub required: Vec<String>,
    pub covered: Vec<String>,
    /// Each required use case's state, in the profile's order.
    pub use_cases: Vec<UseCaseCheck>,
    /// Analytics rules that evidently concern the application (its id or name in their name or
    /// query) but that it does not declare: suggestions, not counted.
    pub suggested_rules: Vec<usize>,
    pub coverage: Coverage,
}

impl ApplicationCoverage {
    /// The share of required use cases covered, in percent; `None` when none is required.
    pub fn score(&self) -> Option<u8> {
        let required = self.required.len();
        (required > 0).then(|| u8::try_from(self.covered.len() * 100 / required).unwrap_or(100))
    }
}

/// A required use case of an application and how far its alerting gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseCaseCheck {
    pub use_case: String,
    pub status: UseCaseStatus,
    /// The declared rule that decides the status, if any.
    pub rule: Option<String>,
}

/// How far a use case's alerting gets, from nothing to an enabled rule routed to Sentinel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UseCaseStatus {
    /// No alert is declared for it.
    Missing,
    /// The declared rule is not among the analytics rules given.
    RuleAbsent,
    /// The declared rule is there but disabled.
    RuleDisabled,
    /// The alert goes somewhere other than Sentinel.
    NotRouted,
    /// Declared and routed to Sentinel; no rules export to check it against.
    Declared,
    /// Declared, routed, and found enabled among the rules given.
    Verified,
}

impl UseCaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UseCaseStatus::Missing => "missing",
            UseCaseStatus::RuleAbsent => "rule-absent",
            UseCaseStatus::RuleDisabled => "rule-disabled",
            UseCaseStatus::NotRouted => "not-routed",
            UseCaseStatus::Declared => "declared",
            UseCaseStatus::Verified => "verified",
        }
    }

    /// Whether the use case counts as covered.
    pub fn covers(self) -> bool {
        matches!(self, UseCaseStatus::Declared | UseCaseStatus::Verified)
    }
}

/// A subscription's state for one plan, with the assets that need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefenderRow<'c> {
    pub subscription: Option<String>,
    pub plan: &'c str,
    pub state: &'static str,
    pub sub_plan: Option<String>,
    pub required_sub_plan: Option<&'c str>,
    pub resources: usize,
}

#[derive(Debug)]
pub struct Evaluation<'c> {
    pub findings: Vec<Finding<'c>>,
    pub assets: Vec<AssetCoverage>,
    /// Every asset's plan checks, one asset after another (one list rather than one per
    /// asset: a million assets would be a million allocations).
    plan_checks: Vec<PlanCheck<'c>>,
    pub applications: Vec<ApplicationCoverage>,
    /// Organisation-level modules and whether their checks pass.
    pub organization: BTreeMap<String, Coverage>,
    /// For each component of an application, the worst coverage among its applications.
    pub components: rustc_hash::FxHashMap<AssetId, Coverage>,
    /// The assets in id order (without case, then as written).
    pub order: Vec<u32>,
    pub defender: Vec<DefenderRow<'c>>,
}

/// A fixed hash of a rule and what it concerns: stable across runs and versions.
///
/// The first sixteen bytes of the SHA-256 of the rule's name, a zero byte and the subject in
/// lower case, in hexadecimal.
pub fn fingerprint(rule: Rule, subject: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = Sha256::new();
    hasher.update(rule.name().as_bytes());
    hasher.update([0]);
    hasher.update(subject.to_lowercase().as_bytes());
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(32);
    for b in &digest[..16] {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

struct Ctx<'a, 'c> {
    inv: &'a Inventory,
    classes: &'a Classification,
    catalog: &'c Catalog,
    findings: Vec<Finding<'c>>,
    /// Plan commands already written, by plan, sub-plan and subscription.
    fixes: FixCache<'a, 'c>,
}

/// Remediation commands shared by the findings of one plan in one subscription.
type FixCache<'a, 'c> =
    rustc_hash::FxHashMap<(&'c str, Option<&'c str>, Option<&'a str>), std::sync::Arc<str>>;

impl<'a, 'c> Ctx<'a, 'c> {
    /// The command that switches a plan on, written once per plan, sub-plan and subscription.
    fn plan_fix(
        &mut self,
        plan: &'c str,
        sub_plan: Option<&'c str>,
        subscription: Option<&'a str>,
    ) -> Fix<'c> {
        if let Some(fix) = self.fixes.get(&(plan, sub_plan, subscription)) {
            return Fix::Shared(fix.clone());
        }
        let text: std::sync::Arc<str> = self
            .remediation(plan, sub_plan, subscription)
            .as_ref()
            .into();
        self.fixes
            .insert((plan, sub_plan, subscription), text.clone());
        Fix::Shared(text)
    }

    fn severity(&self, rule: Rule, tier: Option<Tier>) -> Severity {
        let base = self.catalog.base_severity(rule);
        match tier {
            Some(t) if !rule.is_organization_wide() => base.shifted(self.catalog.tier_shift(t)),
            _ => base,
        }
    }

    fn remediation(
        &self,
        plan: &str,
        sub_plan: Option<&str>,
        subscription: Option<&str>,
    ) -> Cow<'c, str> {
        let Some(r) = &self.catalog.profile.remediation else {
            return Cow::Borrowed("");
        };
        let template = if sub_plan.is_some() {
            &r.enable_sub_plan
        } else {
            &r.enable_plan
        };
        Cow::Owned(
            template
                .replace("{plan}", &shell_word(plan))
                .replace("{sub_plan}", &shell_word(sub_plan.unwrap_or("")))
                .replace(
                    "{subscription}",
                    &subscription.map_or_else(|| "<subscription>".to_owned(), shell_word),
                ),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        tier: Option<Tier>,
        subject: Subject,
        module: Option<&'c str>,
        plan: Option<&'c str>,
        message: impl Into<Message<'c>>,
        remediation: impl Into<Fix<'c>>,
    ) {
        let severity = self.severity(rule, tier);
        self.findings.push(Finding {
            rule,
            severity,
            subject,
            module,
            plan,
            message: message.into(),
            remediation: remediation.into(),
            rank: 0,
        });
    }

    fn sub_label(&self, sub: Option<&str>) -> String {
        match self.inv.subscription(sub) {
            Some(s) => s.label().to_owned(),
            None => "no subscription".into(),
        }
    }
}

const CLOUD_PLATFORM: Option<&str> = Some("cloud-platform");
const CUSTOM_APPLICATION: Option<&str> = Some("custom-application");

/// Subscriptions already looked up, by symbol.
type SubCache<'i> = rustc_hash::FxHashMap<
    Option<crate::inventory::Sym>,
    Option<&'i crate::inventory::Subscription>,
>;

/// Plan states already looked up, by subscription symbol and plan.
type StateCache<'i, 'p> = rustc_hash::FxHashMap<
    (Option<crate::inventory::Sym>, &'p str),
    Option<&'i crate::inventory::PlanState>,
>;

/// Per subscription and plan: the assets that need it, the best tier among them, and the
/// strongest sub-plan their tiers need.
type Rows<'c> = BTreeMap<(Option<String>, &'c str), RowTotals<'c>>;

/// How many assets need a plan, the best tier among them, and the strongest sub-plan needed.
type RowTotals<'c> = (usize, Tier, Option<&'c str>);

pub fn evaluate<'c>(
    inv: &Inventory,
    classes: &Classification,
    mapping: &Mapping<'c>,
    catalog: &'c Catalog,
) -> Evaluation<'c> {
    evaluate_in_order(inv, classes, mapping, catalog, id_order(inv))
}

/// The assets in id order: without case, then as written.
///
/// It depends on the ids alone, so [`crate::analyze`] sorts on a second thread while the
/// assets are classified and mapped, and hands the order to [`evaluate_in_order`].
pub fn id_order(inv: &Inventory) -> Vec<u32> {
    sort_ids(inv.assets.len(), |a| inv.assets[a as usize].id.as_bytes())
}

/// Places `0..n` in the order of their ids: without ASCII case, then as written.
///
/// A radix sort sixteen bytes at a time. Comparing ids one against another reads two of them
/// from all over memory at every step, twenty steps deep for a million, and ids share most of
/// their text. Here each id is read once per sixteen bytes of it: those bytes, lower-cased,
/// become a key beside its number, the keys are sorted where they lie together, and each run of
/// equal keys is sorted again by the next sixteen bytes. A run whose ids all end within the
/// next sixteen bytes is put in order by comparing them whole, which also settles ids that
/// differ only in case.
fn sort_ids<'i>(n: usize, id: impl Fn(u32) -> &'i [u8]) -> Vec<u32> {
    let mut keyed: Vec<Keyed> = (0..n as u32).map(|at| Keyed { key: [0; 2], at }).collect();
    sort_run(&mut keyed, 0, &id);
    // A list of its own: collected in place, it would keep the keys' larger allocation.
    let mut order = Vec::with_capacity(n);
    order.extend(keyed.iter().map(|k| k.at));
    order
}

/// An id's number and sixteen of its bytes, lower-cased, as two big-endian numbers (zeros past
/// the id's end, so that a shorter id comes first).
#[derive(Clone, Copy)]
struct Keyed {
    key: [u64; 2],
    at: u32,
}

/// Runs of at most this many ids are sorted by comparing them whole.
const SHORT_RUN: usize = 64;

/// Sorts ids that share their first `depth` bytes (without case).
fn sort_run<'i>(mut run: &mut [Keyed], mut depth: usize, id: &impl Fn(u32) -> &'i [u8]) {
    // The ids of a run agree (without case) on their first `depth` bytes, or on all of the
    // shorter one's: compared whole, they are compared from there, which for ids sharing a long
    // subscription and group prefix is most of the work saved.
    let whole = |depth: usize| {
        move |a: &Keyed, b: &Keyed| {
            let (x, y) = (id(a.at), id(b.at));
            let from = depth.min(x.len()).min(y.len());
            cmp_fold(&x[from..], &y[from..]).then_with(|| x.cmp(y))
        }
    };
    loop {
        if run.len() < 2 {
            return;
        }
        // A short run (a resource group's resources, say) is put in order by comparing its ids
        // whole: they stay in the cache while it is sorted, where going sixteen bytes deeper at
        // a time would read each of them again at every level.
        if run.len() <= SHORT_RUN {
            run.sort_unstable_by(whole(depth));
            return;
        }
        let mut ended = true;
        for k in run.iter_mut() {
            let text = id(k.at);
            let mut bytes = [0u8; 16];
            match text.get(depth..depth + 16) {
                // A copy of a known length is a pair of moves, not a call.
                Some(sixteen) => bytes.copy_from_slice(sixteen),
                None => {
                    let from = text.len().min(depth);
                    bytes[..text.len() - from].copy_from_slice(&text[from..]);
                }
            }
            bytes.make_ascii_lowercase();
            let (high, low) = bytes.split_at(8);
            k.key =
                [high, low].map(|half| u64::from_be_bytes(half.try_into().expect("eight bytes")));
            ended &= text.len() <= depth + 16;
        }
        if ended {
            run.sort_unstable_by(whole(depth));
            return;
        }
        // Ids that share these sixteen bytes too (a subscription's, a resource group's) need
        // no sorting at this depth.
        if run.iter().any(|k| k.key != run[0].key) {
            run.sort_unstable_by_key(|k| k.key);
        }
        depth += 16;
        // The runs of equal keys; the last is sorted by going round again rather than by a
        // call, so that ids sharing a long prefix do not nest calls deep.
        let mut start = 0;
        while let Some(len) = run[start..].iter().position(|k| k.key != run[start].key) {
            sort_run(&mut run[start..start + len], depth, id);
            start += len;
        }
        run = &mut std::mem::take(&mut run)[start..];
    }
}

/// [`evaluate`], given the assets' [`id_order`].
pub fn evaluate_in_order<'c>(
    inv: &Inventory,
    classes: &Classification,
    mapping: &Mapping<'c>,
    catalog: &'c Catalog,
    order: Vec<u32>,
) -> Evaluation<'c> {
    debug_assert_eq!(order.len(), inv.assets.len());
    let mut cx = Ctx {
        inv,
        classes,
        catalog,
        findings: Vec::new(),
        fixes: FixCache::default(),
    };
    let organization = organization_checks(&mut cx, mapping);
    let applications = application_checks(&mut cx);
    component_log_checks(&mut cx);

    let mut states: StateCache<'_, '_> = StateCache::default();
    let mut subs: SubCache<'_> = SubCache::default();
    // Accumulated by symbol (no text copied per asset), then keyed by subscription id.
    let mut by_sym: rustc_hash::FxHashMap<(Option<crate::inventory::Sym>, &'c str), RowTotals<'c>> =
        rustc_hash::FxHashMap::default();
    // Unknown types by lower-cased name: the first spelling seen, and the count.
    let mut unknown_types: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut assets = Vec::with_capacity(inv.assets.len());
    let mut plan_checks = Vec::with_capacity(
        (0..inv.assets.len())
            .map(|i| mapping.requirements(i).len())
            .sum(),
    );

    for (i, a) in inv.assets.iter().enumerate() {
        let m = &mapping.assets[i];
        let c = &classes.assets[i];
        let sub_id = inv.subscription_of(a);
        let sub = *subs
            .entry(a.subscription)
            .or_insert_with(|| inv.subscription(sub_id));
        if !m.known_type() {
            let t = inv.type_of(a);
            unknown_types
                .entry(t.to_ascii_lowercase())
                .or_insert_with(|| (t.to_owned(), 0))
                .1 += 1;
        }
        // Infrastructure needs no decision of the consultant's: only assets a plan or an
        // application concerns are reported as unclassified.
        if c.unclassified() && !m.not_applicable {
            cx.push(
                Rule::UnclassifiedAsset,
                Some(c.tier),
                Subject::Asset(i),
                None,
                None,
                Message::Unclassified,
                Cow::Borrowed(cx.catalog.rule_fix(Rule::UnclassifiedAsset)),
            );
        }
        let first_plan = plan_checks.len();
        for req in mapping.requirements(i) {
            let entry = by_sym
                .entry((a.subscription, req.plan))
                .or_insert((0, c.tier, None));
            entry.0 += 1;
            entry.1 = entry.1.min(c.tier);
            if let Some(need) = req.sub_plan
                && entry
                    .2
                    .is_none_or(|have| weaker(catalog, req.plan, have, Some(need)))
            {
                entry.2 = Some(need);
            }
            // Subscription-level states are looked up once per subscription and plan.
            let state = if inv.plan_states.resources.is_empty() {
                *states
                    .entry((a.subscription, req.plan))
                    .or_insert_with(|| inv.plan_states.lookup(sub, req.plan))
            } else {
                inv.plan_states.lookup_asset(&a.id, sub, req.plan)
            };
            let uncovered = m.uncovered.iter().find(|u| u.plan == req.plan);
            let (coverage, state_name, sub_plan) = match (uncovered, state) {
                (Some(u), s) => {
                    cx.push(
                        Rule::PlanDoesNotCover,
                        Some(c.tier),
                        Subject::Asset(i),
                        CLOUD_PLATFORM,
                        Some(req.plan),
                        format!(
                            "{}: {} ({}); plan {} cannot protect it",
                            a.name(),
                            u.description,
                            u.variant,
                            req.plan
                        ),
                        Cow::Borrowed(cx.catalog.rule_fix(Rule::PlanDoesNotCover)),
                    );
                    (
                        Coverage::Gap,
                        s.map_or(
                            Switch::Unknown,
                            |s| if s.on { Switch::On } else { Switch::Off },
                        ),
                        s.and_then(|s| sub_plan_name(catalog, req.plan, s.sub_plan.as_deref())),
                    )
                }
                (None, None) => (Coverage::Unknown, Switch::Unknown, None),
                (None, Some(s)) if !s.on => {
                    let fix = cx.plan_fix(req.plan, req.sub_plan, sub_id);
                    cx.push(
                        Rule::DefenderPlanOff,
                        Some(c.tier),
                        Subject::Asset(i),
                        CLOUD_PLATFORM,
                        Some(req.plan),
                        Message::PlanOff { role: req.role },
                        fix,
                    );
                    (Coverage::Gap, Switch::Off, None)
                }
                (None, Some(s)) => {
                    let effective = sub_plan_name(catalog, req.plan, s.sub_plan.as_deref())
                        .or_else(|| {
                            catalog
                                .plan(req.plan)
                                .and_then(|p| p.default_sub_plan.as_deref())
                                .map(Cow::Borrowed)
                        });
                    let coverage = match (req.sub_plan, effective.as_deref()) {
                        (Some(need), Some(have))
                            if is_current(catalog, req.plan, have)
                                && weaker(catalog, req.plan, have, Some(need)) =>
                        {
                            let rule = req.weaker_rule.unwrap_or(Rule::ServersP2Required);
                            let fix = cx.plan_fix(req.plan, Some(need), sub_id);
                            cx.push(
                                rule,
                                Some(c.tier),
                                Subject::Asset(i),
                                CLOUD_PLATFORM,
                                Some(req.plan),
                                format!(
                                    "{} (tier {}) runs on {} {have}; its tier needs {need}",
                                    a.name(),
                                    c.tier,
                                    req.plan
                                ),
                                fix,
                            );
                            Coverage::Gap
                        }
                        _ => Coverage::Covered,
                    };
                    (coverage, Switch::On, effective)
                }
            };
            plan_checks.push(PlanCheck {
                plan: req.plan,
                required_sub_plan: req.sub_plan,
                state: state_name,
                sub_plan,
                coverage,
            });
        }
        let plans = &plan_checks[first_plan..];
        let coverage = if !m.known_type() {
            Coverage::Unknown
        } else if plans.is_empty() {
            Coverage::NotApplicable
        } else {
            plans
                .iter()
                .map(|p| p.coverage)
                .max_by_key(|c| coverage_rank(*c))
                .unwrap_or(Coverage::Covered)
        };
        assets.push(AssetCoverage {
            plans: first_plan as u32..plan_checks.len() as u32,
            coverage,
        });
    }

    for (lower, (type_name, count)) in unknown_types {
        cx.push(
            Rule::UnknownResourceType,
            None,
            Subject::ResourceType(lower),
            None,
            None,
            format!("{count} asset(s) of type {type_name}, which the profile does not know; their coverage is unknown"),
            Cow::Borrowed(cx.catalog.rule_fix(Rule::UnknownResourceType)),
        );
    }

    let rows: Rows<'c> = by_sym
        .into_iter()
        .map(|((sub, plan), v)| ((inv.opt(sub).map(str::to_owned), plan), v))
        .collect();
    let defender = subscription_checks(&mut cx, &rows);
    setting_checks(&mut cx, &rows, &defender);
    let mut findings = cx.findings;
    // Each asset's place in id order.
    let mut place = vec![0u32; order.len()];
    for (p, a) in order.iter().enumerate() {
        place[*a as usize] = p as u32;
    }
    // Worst first; then by rule, and by what the findings concern (assets in id order).
    let key = |f: &Finding<'_>| {
        let (kind, index) = f.primary();
        let index = if kind == 0 {
            place[index] as usize
        } else {
            index
        };
        (std::cmp::Reverse(f.severity), f.rule, kind, index, f.rank)
    };
    findings.sort_unstable_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.subject.cmp(&b.subject)));
    drop(place);
    findings.shrink_to_fit();
    // Each component takes the worst coverage among the applications it belongs to.
    let mut components: rustc_hash::FxHashMap<AssetId, Coverage> = rustc_hash::FxHashMap::default();
    for (app, coverage) in inv.applications.iter().zip(&applications) {
        for c in &app.components {
            let e = components.entry(*c).or_insert(Coverage::NotApplicable);
            if coverage_rank(coverage.coverage) > coverage_rank(*e) {
                *e = coverage.coverage;
            }
        }
    }
    Evaluation {
        findings,
        assets,
        plan_checks,
        applications,
        organization,
        components,
        defender,
        order,
    }
}

/// A sub-plan's name as the profile spells it, borrowed; as given when the profile does not
/// know it.
fn sub_plan_name<'c>(
    catalog: &'c Catalog,
    plan: &str,
    given: Option<&str>,
) -> Option<Cow<'c, str>> {
    let given = given?;
    let known = catalog.plan(plan).and_then(|p| {
        p.sub_plans
            .iter()
            .find(|x| x.name.eq_ignore_ascii_case(given))
    });
    Some(known.map_or_else(
        || Cow::Owned(given.to_owned()),
        |x| Cow::Borrowed(x.name.as_str()),
    ))
}

/// Compares without ASCII case. Ids share long prefixes (`/subscriptions/<id>/resourceGroups/`),
/// skipped eight bytes at a time where they are the same to the byte.
fn cmp_fold(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    let mut i = 0;
    let word =
        |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("eight bytes"));
    while i < n {
        if i + 8 <= n && word(a, i) == word(b, i) {
            i += 8;
            continue;
        }
        let (x, y) = (a[i].to_ascii_lowercase(), b[i].to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

fn coverage_rank(c: Coverage) -> u8 {
    match c {
        Coverage::NotApplicable => 0,
        Coverage::Covered => 1,
        Coverage::Unknown => 2,
        Coverage::Gap => 3,
    }
}

fn sub_plan_index(catalog: &Catalog, plan: &str, sub: &str) -> Option<usize> {
    catalog
        .plan(plan)?
        .sub_plans
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(sub))
}

/// Whether `have` is weaker than `need` in the plan's order of sub-plans.
fn weaker(catalog: &Catalog, plan: &str, have: &str, need: Option<&str>) -> bool {
    match (
        sub_plan_index(catalog, plan, have),
        need.and_then(|n| sub_plan_index(catalog, plan, n)),
    ) {
        (Some(h), Some(n)) => h < n,
        _ => false,
    }
}

fn is_current(catalog: &Catalog, plan: &str, sub: &str) -> bool {
    catalog
        .plan(plan)
        .and_then(|p| {
            p.sub_plans
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(sub))
        })
        .is_none_or(|s| s.status == Status::Current)
}

impl<'c> Evaluation<'c> {
    /// The checks of the plans an asset needs, in the order the mapping gave them.
    pub fn plans(&self, asset: AssetId) -> &[PlanCheck<'c>] {
        let range = &self.assets[asset].plans;
        &self.plan_checks[range.start as usize..range.end as usize]
    }

    /// How a module watches one asset: the base service always; organisation-wide modules by the
    /// organisation's checks; custom application alerting by the asset's applications; the rest
    /// through the asset's plans. A plan that is on but weaker than the tier needs still
    /// delivers the endpoint module (every server sub-plan includes the endpoint sensor).
    pub fn module_coverage(&self, catalog: &Catalog, asset: AssetId, module: usize) -> Coverage {
        let Some(m) = catalog.profile.modules.get(module) else {
            return Coverage::NotApplicable;
        };
        match m.scope {
            ModuleScope::Always => Coverage::Covered,
            ModuleScope::Organization => self
                .organization
                .get(&m.id)
                .copied()
                .unwrap_or(Coverage::Covered),
            _ if m.id == "custom-application" => self
                .components
                .get(&asset)
                .copied()
                .unwrap_or(Coverage::NotApplicable),
            // The endpoint sensor comes with the asset's own server plan (its type's, listed
            // first), whatever the sub-plan; a role's extra plan does not deliver it.
            _ if m.id == "endpoint" => match self.plans(asset).first() {
                Some(p) if p.state == Switch::On && p.coverage != Coverage::Unknown => {
                    Coverage::Covered
                }
                Some(p) if p.state == Switch::On => Coverage::Unknown,
                Some(p) if p.state == Switch::Off => Coverage::Gap,
                Some(_) => Coverage::Unknown,
                None => self.assets[asset].coverage,
            },
            _ => self.assets[asset].coverage,
        }
    }
}

fn organization_checks<'c>(
    cx: &mut Ctx<'_, 'c>,
    mapping: &Mapping<'c>,
) -> BTreeMap<String, Coverage> {
    let mut modules: BTreeMap<String, Coverage> = BTreeMap::new();
    for m in cx
        .catalog
        .profile
        .modules
        .iter()
        .filter(|m| m.scope == ModuleScope::Organization)
    {
        modules.insert(m.id.clone(), Coverage::NotApplicable);
    }
    let catalog = cx.catalog;
    for check in &catalog.profile.organization_checks {
        if !check.when.iter().all(|f| mapping.facts.contains(f)) {
            continue;
        }
        let ok = check.requires_any.iter().any(|f| mapping.facts.contains(f));
        let entry = modules
            .entry(check.module.clone())
            .or_insert(Coverage::NotApplicable);
        if ok {
            if *entry != Coverage::Gap {
                *entry = Coverage::Covered;
            }
            continue;
        }
        *entry = Coverage::Gap;
        let Some(rule) = Rule::from_name(&check.rule) else {
            continue;
        };
        let wanted: Vec<&str> = check
            .requires_any
            .iter()
            .map(|p| catalog.product_name(p))
            .collect();
        let message = check
            .message
            .replace("{clients}", &cx.inv.clients.total().to_string())
            .replace("{requires}", &wanted.join(" or "));
        cx.push(
            rule,
            None,
            Subject::Organization(check.id.clone()),
            Some(check.module.as_str()),
            None,
            message,
            Cow::Borrowed(check.remediation.as_str()),
        );
    }
    modules
}

fn required_use_cases(catalog: &Catalog, app: &crate::inventory::Application) -> Vec<String> {
    let matches = |c: &AppCondition| {
        c.delivery.is_none_or(|d| d == app.delivery)
            && c.exposure.is_none_or(|e| e == app.exposure)
            && c.tenancy.is_none_or(|t| t == app.tenancy)
    };
    catalog
        .profile
        .use_cases
        .iter()
        .filter(|u| u.required_when.iter().any(matches))
        .map(|u| u.id.clone())
        .collect()
}

/// A telemetry source an application has: declared in the overlay, or implied by components.
#[derive(Debug, Clone)]
pub struct TelemetryUse<'c> {
    pub source: &'c crate::profile::model::TelemetrySource,
    /// The components that imply it; empty when the overlay declares it.
    pub from: Vec<AssetId>,
}

/// An application's telemetry sources, in the profile's order: those its overlay declares, or,
/// when it declares none, those its components' types imply.
pub fn app_telemetry<'c>(
    inv: &Inventory,
    catalog: &'c Catalog,
    app: &crate::inventory::Application,
) -> Vec<TelemetryUse<'c>> {
    catalog
        .profile
        .telemetry
        .iter()
        .filter_map(|source| {
            if !app.telemetry.is_empty() {
                return app.telemetry.contains(&source.id).then(|| TelemetryUse {
                    source,
                    from: Vec::new(),
                });
            }
            let from: Vec<AssetId> = app
                .components
                .iter()
                .copied()
                .filter(|c| {
                    let t = inv.type_of(&inv.assets[*c]);
                    source
                        .inferred_from
                        .iter()
                        .any(|f| f.eq_ignore_ascii_case(t))
                })
                .collect();
            (!from.is_empty()).then_some(TelemetryUse { source, from })
        })
        .collect()
}

/// Where an alert's rule stands against the analytics rules given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleState {
    /// No rules were given: the overlay is trusted.
    Unchecked,
    Enabled,
    Disabled,
    Absent,
}

fn application_checks(cx: &mut Ctx<'_, '_>) -> Vec<ApplicationCoverage> {
    let inv = cx.inv;
    // Analytics rules by every key an overlay may name them by.
    let mut rules_by_key: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
    for (k, r) in inv.analytics_rules.iter().enumerate() {
        for key in r.keys() {
            rules_by_key.entry(key).or_default().push(k);
        }
    }
    let rule_state = |name: &str| -> RuleState {
        if !inv.rules_given {
            return RuleState::Unchecked;
        }
        match rules_by_key.get(&crate::inventory::rule_key(name)) {
            None => RuleState::Absent,
            Some(found) if found.iter().any(|k| inv.analytics_rules[*k].enabled) => {
                RuleState::Enabled
            }
            Some(_) => RuleState::Disabled,
        }
    };
    let rule_files = || {
        let mut files: Vec<&str> = inv
            .analytics_rules
            .iter()
            .map(|r| inv.files[r.origin.file as usize].as_str())
            .collect();
        files.sort_unstable();
        files.dedup();
        files.join(", ")
    };

    let mut out = Vec::new();
    for (i, app) in inv.applications.iter().enumerate() {
        let tier = cx.classes.applications[i].tier;
        let required = required_use_cases(cx.catalog, app);
        let exposed = app.delivery == Delivery::Saas || app.exposure == Exposure::Internet;
        let mut gap = false;

        // Each alert's state: routed where, and its rule found how.
        let states: Vec<(UseCaseStatus, RuleState)> = app
            .alerts
            .iter()
            .map(|a| {
                // An alert that goes elsewhere is not looked for among Sentinel's rules.
                if a.routed_to != Routing::Sentinel {
                    return (UseCaseStatus::NotRouted, RuleState::Unchecked);
                }
                let state = rule_state(&a.rule);
                let status = {
                    match state {
                        RuleState::Unchecked => UseCaseStatus::Declared,
                        RuleState::Enabled => UseCaseStatus::Verified,
                        RuleState::Disabled => UseCaseStatus::RuleDisabled,
                        RuleState::Absent => UseCaseStatus::RuleAbsent,
                    }
                };
                (status, state)
            })
            .collect();
        let use_cases: Vec<UseCaseCheck> = required
            .iter()
            .map(|uc| {
                // The best any of its alerts gets to.
                let best = app
                    .alerts
                    .iter()
                    .zip(&states)
                    .filter(|(a, _)| a.use_case == *uc)
                    .max_by_key(|(_, (status, _))| *status);
                UseCaseCheck {
                    use_case: uc.clone(),
                    status: best.map_or(UseCaseStatus::Missing, |(_, (s, _))| *s),
                    rule: best.map(|(a, _)| a.rule.clone()),
                }
            })
            .collect();

        if exposed && app.alerts.is_empty() {
            gap = true;
            let list = if required.is_empty() {
                "none".into()
            } else {
                required.join(", ")
            };
            cx.push(
                Rule::CustomAppAlertingMissing,
                Some(tier),
                Subject::Application(i, None),
                CUSTOM_APPLICATION,
                None,
                format!(
                    "application {} ({}, {}) has no custom alerts; required use cases: {list}",
                    app.id, app.delivery, app.exposure
                ),
                Cow::Borrowed(cx.catalog.rule_fix(Rule::CustomAppAlertingMissing)),
            );
        } else {
            for check in use_cases
                .iter()
                .filter(|c| c.status == UseCaseStatus::Missing)
            {
                gap = true;
                let uc = &check.use_case;
                let name = cx
                    .catalog
                    .use_case(uc)
                    .map_or(uc.as_str(), |u| u.name.as_str());
                cx.push(
                    Rule::CustomAppUseCaseMissing,
                    Some(tier),
                    Subject::Application(i, Some(uc.clone())),
                    CUSTOM_APPLICATION,
                    None,
                    format!("application {} has no alert for {uc} ({name})", app.id),
                    Cow::Owned(format!("Build an alert for {uc} in {} and declare it under its `alerts:`, routed to the SIEM; `mdrplan alerts INPUT... --app {}` writes a starting point.", app.id, app.id)),
                );
                if let Some(f) = cx.findings.last_mut() {
                    f.rank = use_case_rank(cx.catalog, uc);
                }
            }
        }
        for (alert, (status, state)) in app.alerts.iter().zip(&states) {
            let part = format!("{}|{}", alert.use_case, alert.rule);
            if *status == UseCaseStatus::NotRouted {
                gap = true;
                cx.push(
                    Rule::CustomAppAlertNotRouted,
                    Some(tier),
                    Subject::Application(i, Some(part.clone())),
                    CUSTOM_APPLICATION,
                    None,
                    format!(
                        "application {}: alert \"{}\" ({}) is routed to {}, not to the SIEM",
                        app.id, alert.rule, alert.use_case, alert.routed_to
                    ),
                    Cow::Borrowed(cx.catalog.rule_fix(Rule::CustomAppAlertNotRouted)),
                );
            }
            let why = match state {
                RuleState::Absent => format!(
                    "is not among the {} analytics rules given ({})",
                    inv.analytics_rules.len(),
                    rule_files()
                ),
                RuleState::Disabled => {
                    let at = inv
                        .analytics_rules
                        .iter()
                        .find(|r| {
                            r.keys()
                                .any(|k| k == crate::inventory::rule_key(&alert.rule))
                        })
                        .map(|r| inv.location(r.origin).to_string())
                        .unwrap_or_default();
                    format!("is disabled ({at})")
                }
                RuleState::Enabled | RuleState::Unchecked => continue,
            };
            gap = true;
            cx.push(
                Rule::CustomAppAlertRuleNotFound,
                Some(tier),
                Subject::Application(i, Some(part)),
                CUSTOM_APPLICATION,
                None,
                format!(
                    "application {}: the rule \"{}\" declared for {} {why}",
                    app.id, alert.rule, alert.use_case
                ),
                Cow::Borrowed(cx.catalog.rule_fix(Rule::CustomAppAlertRuleNotFound)),
            );
        }
        let coverage = if gap {
            Coverage::Gap
        } else if required.is_empty() && app.alerts.is_empty() {
            Coverage::NotApplicable
        } else {
            Coverage::Covered
        };
        let covered = use_cases
            .iter()
            .filter(|c| c.status.covers())
            .map(|c| c.use_case.clone())
            .collect();
        out.push(ApplicationCoverage {
            required,
            covered,
            use_cases,
            suggested_rules: suggested_rules(inv, app),
            coverage,
        });
    }
    out
}

/// With diagnostic settings given: each component of a tier 1 or 2 application whose type sends
/// application telemetry by diagnostic settings must send it to a Sentinel workspace.
fn component_log_checks(cx: &mut Ctx<'_, '_>) {
    let inv = cx.inv;
    if !inv.diagnostics_given {
        return;
    }
    // Each component once, with the most important application it serves and the telemetry
    // sources of every such application (declared, or inferred from the components' types): an
    // application that declares its sources relies on those alone.
    let mut components: BTreeMap<AssetId, (Tier, usize, BTreeSet<usize>)> = BTreeMap::new();
    for (i, app) in inv.applications.iter().enumerate() {
        let tier = cx.classes.applications[i].tier;
        if tier.0 > 2 {
            continue;
        }
        let sources: BTreeSet<usize> = app_telemetry(inv, cx.catalog, app)
            .iter()
            .filter_map(|t| {
                cx.catalog
                    .profile
                    .telemetry
                    .iter()
                    .position(|s| s.id == t.source.id)
            })
            .collect();
        for c in &app.components {
            let e = components
                .entry(*c)
                .or_insert_with(|| (tier, i, BTreeSet::new()));
            if tier < e.0 {
                (e.0, e.1) = (tier, i);
            }
            e.2.extend(sources.iter().copied());
        }
    }
    let sentinel = &inv.siem_workspaces;
    for (c, (_, app, sources)) in components {
        let asset = &inv.assets[c];
        let type_name = inv.type_of(asset);
        let categories: Vec<&str> = sources
            .iter()
            .flat_map(|s| {
                cx.catalog.profile.telemetry[*s]
                    .log_categories
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(type_name))
                    .flat_map(|(_, v)| v.iter().map(String::as_str))
            })
            .collect();
        if categories.is_empty() {
            continue;
        }
        let wanted =
            |cat: &str| cat == "alllogs" || categories.iter().any(|w| w.eq_ignore_ascii_case(cat));
        let settings = inv
            .diagnostics
            .get(&asset.id.to_ascii_lowercase())
            .map_or(&[][..], Vec::as_slice);
        let to_sentinel: Vec<_> = settings
            .iter()
            .filter(|s| s.workspace.as_ref().is_some_and(|w| sentinel.contains(w)))
            .collect();
        if to_sentinel
            .iter()
            .any(|s| s.categories.iter().any(|cat| wanted(cat)))
        {
            continue;
        }
        let list = categories.join(", ");
        let why = if settings.is_empty() {
            format!("no diagnostic setting in the exports sends its {list} logs anywhere")
        } else if let Some(s) = to_sentinel.first() {
            format!(
                "its diagnostic setting `{}` sends to the Sentinel workspace {} but not its {list} logs",
                s.name,
                s.workspace.as_deref().unwrap_or_default()
            )
        } else {
            let names: Vec<String> = settings
                .iter()
                .map(|s| match &s.workspace {
                    Some(w) => format!("`{}` to workspace {w}", s.name),
                    None => format!("`{}` to no workspace", s.name),
                })
                .collect();
            format!(
                "its diagnostic settings ({}) reach no Sentinel workspace",
                names.join(", ")
            )
        };
        let app = &inv.applications[app];
        let tier = cx.classes.assets[c].tier;
        let workspace = match sentinel.iter().collect::<Vec<_>>().as_slice() {
            [one] => (*one).clone(),
            _ => "<sentinel-workspace>".to_owned(),
        };
        let logs = categories
            .iter()
            .map(|c| format!("{{\"category\":\"{c}\",\"enabled\":true}}"))
            .collect::<Vec<_>>()
            .join(",");
        let fix = cx
            .catalog
            .profile
            .remediation
            .as_ref()
            .and_then(|r| r.send_logs.as_deref())
            .map(|t| {
                t.replace("{resource}", &shell_word(&asset.id))
                    .replace("{workspace}", &shell_word(&workspace))
                    .replace("{logs}", &format!("[{logs}]"))
            })
            .unwrap_or_default();
        cx.push(
            Rule::ComponentLogsNotInSentinel,
            Some(tier),
            Subject::Asset(c),
            CUSTOM_APPLICATION,
            None,
            format!(
                "{} (component of application {}): {why}",
                asset.name(),
                app.id
            ),
            Cow::Owned(fix),
        );
    }
}

/// Rules whose name or query mentions the application (its id, or its name when that is not
/// the id) and that none of its alerts names.
fn suggested_rules(inv: &Inventory, app: &crate::inventory::Application) -> Vec<usize> {
    let declared: BTreeSet<String> = app
        .alerts
        .iter()
        .map(|a| crate::inventory::rule_key(&a.rule))
        .collect();
    let needles: Vec<String> = [app.id.as_str(), app.name.as_str()]
        .iter()
        .map(|n| n.trim().to_lowercase())
        .filter(|n| n.len() >= 3)
        .collect();
    inv.analytics_rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.keys().any(|k| declared.contains(&k)))
        .filter(|(_, r)| {
            let (name, query) = (r.name.to_lowercase(), r.query.to_lowercase());
            needles
                .iter()
                .any(|n| mentions(&name, n) || mentions(&query, n))
        })
        .map(|(k, _)| k)
        .collect()
}

/// Whether `text` holds `word` as a word of its own (not inside a longer identifier).
fn mentions(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// A use case's place in the profile, so findings come in the profile's order.
fn use_case_rank(catalog: &Catalog, id: &str) -> usize {
    catalog
        .profile
        .use_cases
        .iter()
        .position(|u| u.id == id)
        .unwrap_or(usize::MAX)
}

/// Defender for Cloud integrations the plans rely on, where the settings export says they are
/// off: WDATP where Defender for Servers is on, Sentinel alert sync where any plan is on and a
/// SIEM is known. A subscription the export does not cover is not judged.
fn setting_checks<'c>(cx: &mut Ctx<'_, 'c>, rows: &Rows<'c>, defender: &[DefenderRow<'c>]) {
    let inv = cx.inv;
    if inv.settings.is_empty() {
        return;
    }
    let catalog = cx.catalog;
    for check in &catalog.profile.setting_checks {
        if check.needs_siem && inv.siem_workspaces.is_empty() {
            continue;
        }
        // The subscriptions that rely on the setting, with the best tier among their assets.
        let mut relying: BTreeMap<Option<&str>, Tier> = BTreeMap::new();
        for d in defender.iter().filter(|d| d.state == "on") {
            if check.plan.as_deref().is_some_and(|p| p != d.plan) {
                continue;
            }
            let Some((_, tier, _)) = rows.get(&(d.subscription.clone(), d.plan)) else {
                continue;
            };
            let e = relying.entry(d.subscription.as_deref()).or_insert(*tier);
            *e = (*e).min(*tier);
        }
        for (sub, tier) in relying {
            let off = inv.settings.iter().any(|s| {
                !s.enabled
                    && s.name.eq_ignore_ascii_case(&check.setting)
                    && s.subscription.as_deref() == sub.map(str::to_ascii_lowercase).as_deref()
            });
            if !off {
                continue;
            }
            let label = cx.sub_label(sub);
            let why = match &check.plan {
                Some(plan) => format!("plan {plan} is on"),
                None => "Defender plans are on and Sentinel is in use".to_owned(),
            };
            cx.push(
                Rule::DefenderIntegrationOff,
                Some(tier),
                Subject::Subscription(sub.map(str::to_owned), check.setting.clone()),
                CLOUD_PLATFORM,
                check.plan.as_deref(),
                format!(
                    "{label}: the {} ({}) is off while {why}: {}",
                    check.name, check.setting, check.effect
                ),
                Cow::Owned(check.fix.replace(
                    "{subscription}",
                    &sub.map_or_else(|| "<subscription>".to_owned(), shell_word),
                )),
            );
        }
    }
}

/// Subscription-level rules: unknown plan states, deprecated plans and legacy sub-plans in use.
fn subscription_checks<'c>(cx: &mut Ctx<'_, 'c>, rows: &Rows<'c>) -> Vec<DefenderRow<'c>> {
    let mut out = Vec::new();
    for ((sub_id, plan), (count, tier, required)) in rows {
        let sub = cx.inv.subscription(sub_id.as_deref());
        let state = cx.inv.plan_states.lookup(sub, plan);
        if state.is_none() {
            let label = cx.sub_label(sub_id.as_deref());
            cx.push(
                Rule::DefenderPlanUnknown,
                Some(*tier),
                Subject::Subscription(sub_id.clone(), (*plan).to_owned()),
                CLOUD_PLATFORM,
                Some(plan),
                format!("no state known for plan {plan} in {label} ({count} asset(s) need it)"),
                Cow::Owned(format!("Give a pricing export for {label} or declare {plan} under `defender:` in the overlay.")),
            );
        }
        out.push(DefenderRow {
            subscription: sub_id.clone(),
            plan,
            state: state.map_or("unknown", |s| if s.on { "on" } else { "off" }),
            sub_plan: state.and_then(|s| s.sub_plan.clone()),
            required_sub_plan: *required,
            resources: *count,
        });
    }

    // Deprecated plans and legacy sub-plans, in every subscription the inputs name. Their
    // severity follows the best tier among the assets that need the plan (or its replacement).
    let mut subs: Vec<Option<String>> = cx
        .inv
        .subscriptions
        .iter()
        .map(|s| Some(s.id.clone()))
        .collect();
    if subs.is_empty() || cx.inv.assets.iter().any(|a| a.subscription.is_none()) {
        subs.push(None);
    }
    let catalog = cx.catalog;
    for sub_id in subs {
        let sub = cx.inv.subscription(sub_id.as_deref());
        let best_tier = |plans: &[&str]| {
            rows.iter()
                .filter(|((s, p), _)| *s == sub_id && plans.contains(p))
                .map(|(_, v)| v.1)
                .min()
        };
        for plan in &catalog.profile.plans {
            let Some(state) = cx.inv.plan_states.lookup(sub, &plan.name).filter(|s| s.on) else {
                continue;
            };
            let label = cx.sub_label(sub_id.as_deref());
            let replaced_on = plan
                .replaced_by
                .iter()
                .any(|r| cx.inv.plan_states.lookup(sub, r).is_some_and(|s| s.on));
            if plan.status == Status::Deprecated && !replaced_on {
                let replacements: Vec<&str> = plan.replaced_by.iter().map(String::as_str).collect();
                let fix = plan
                    .replaced_by
                    .first()
                    .map(|r| cx.remediation(r, None, sub_id.as_deref()))
                    .unwrap_or_default();
                cx.push(
                    Rule::DeprecatedPlan,
                    best_tier(&replacements),
                    Subject::Subscription(sub_id.clone(), plan.name.clone()),
                    CLOUD_PLATFORM,
                    Some(&plan.name),
                    format!(
                        "deprecated plan {} is on in {label} while its replacement {} is off",
                        plan.name,
                        replacements.join(" or ")
                    ),
                    fix,
                );
            }
            if let Some(sp) = state.sub_plan.as_deref().and_then(|s| {
                plan.sub_plans
                    .iter()
                    .find(|x| x.name.eq_ignore_ascii_case(s))
            }) && sp.status != Status::Current
            {
                let replacement = sp
                    .replaced_by
                    .as_deref()
                    .or(plan.default_sub_plan.as_deref());
                let fix = cx.remediation(&plan.name, replacement, sub_id.as_deref());
                let then = replacement
                    .map(|r| format!("; replaced by {r}"))
                    .unwrap_or_default();
                cx.push(
                    Rule::DeprecatedPlan,
                    best_tier(&[plan.name.as_str()]),
                    Subject::Subscription(sub_id.clone(), format!("{}|{}", plan.name, sp.name)),
                    CLOUD_PLATFORM,
                    Some(&plan.name),
                    format!(
                        "plan {} in {label} uses the legacy sub-plan {}{then}",
                        plan.name, sp.name
                    ),
                    fix,
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The radix sort of ids gives the order of comparing them whole, whatever their length,
    /// case, shared prefixes and odd bytes.
    #[test]
    fn ids_sort_as_they_compare() {
        let mut ids: Vec<String> = Vec::new();
        let prefix = "/subscriptions/0D83b3e2-487a/resourceGroups/RG";
        // Enough ids that runs of them outlast the short-run cut-off and go deep.
        for i in 0..3000u32 {
            let mut id = format!("{prefix}{}/providers/x/{}", i % 7, i * 7919 % 1000);
            if i % 3 == 0 {
                id = id.to_ascii_uppercase();
            }
            ids.push(id[..id.len() - (i % 5) as usize].to_owned());
        }
        ids.extend(
            [
                "", "a", "A", "a\0", "a\0b", "ab", "aB", "Ab", "é", "e", prefix, prefix,
            ]
            .map(str::to_owned),
        );
        ids.push(format!("{prefix}/{}", "x".repeat(40)));
        ids.push(format!("{prefix}/{}", "X".repeat(40)));

        let order = sort_ids(ids.len(), |i| ids[i as usize].as_bytes());
        let mut expected: Vec<u32> = (0..ids.len() as u32).collect();
        expected.sort_by(|a, b| {
            let (x, y) = (&ids[*a as usize], &ids[*b as usize]);
            cmp_fold(x.as_bytes(), y.as_bytes()).then_with(|| x.cmp(y))
        });
        let text = |o: &[u32]| {
            o.iter()
                .map(|i| ids[*i as usize].clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(text(&order), text(&expected));
    }

    #[test]
    fn fingerprints_are_fixed_and_case_blind() {
        assert_eq!(
            fingerprint(Rule::DefenderPlanOff, "VM-1"),
            fingerprint(Rule::DefenderPlanOff, "vm-1")
        );
        assert_ne!(
            fingerprint(Rule::DefenderPlanOff, "vm-1"),
            fingerprint(Rule::ServersP2Required, "vm-1")
        );
        // A changed fingerprint breaks every user's baseline: this value must never change.
        assert_eq!(
            fingerprint(Rule::DefenderPlanOff, "vm-1"),
            "2eb85e6908df6dc22b2dd5d3fa83b8c8"
        );
        assert_eq!(
            fingerprint(Rule::DefenderPlanOff, "/subscriptions/S/VM-É"),
            "adc0ea55b77ee9a2c64a5289b58686ac"
        );
    }
}
