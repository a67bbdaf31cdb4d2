//! Mapping: each asset to its class, the MDR modules that watch it and the plans (with the
//! sub-plan its tier needs) that deliver them; the organisation's facts (licensed products,
//! clients, directories, SIEM) and its archetype. Names are borrowed from the profile, so a
//! mapped asset costs a few words.

use std::collections::BTreeSet;

use crate::classify::Classification;
use crate::domain::{Archetype, Delivery};
use crate::inventory::{Asset, Inventory, RelationKind};
use crate::profile::Catalog;
use crate::profile::model::{ClassCoverage, VariantCondition};
use crate::rules::Rule;

/// A plan an asset needs, with the sub-plan its tier needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Requirement<'c> {
    pub plan: &'c str,
    pub sub_plan: Option<&'c str>,
    /// The rule raised when the plan runs a weaker sub-plan.
    pub weaker_rule: Option<Rule>,
    /// The role that brings the requirement, when it is not the asset's type.
    pub role: Option<&'c str>,
}

/// A variant of the asset's type that its plan cannot protect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered<'c> {
    pub plan: &'c str,
    pub variant: &'c str,
    pub description: &'c str,
}

/// The profile's modules that watch an asset, as a set of indexes into `profile.modules`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModuleSet(u64);

impl ModuleSet {
    fn insert(&mut self, i: usize) {
        if i < 64 {
            self.0 |= 1 << i;
        }
    }

    pub fn contains(self, i: usize) -> bool {
        i < 64 && self.0 & (1 << i) != 0
    }

    /// The module ids, in the profile's order.
    pub fn ids<'c>(self, catalog: &'c Catalog) -> impl Iterator<Item = &'c str> + 'c {
        catalog
            .profile
            .modules
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.contains(*i))
            .map(|(_, m)| m.id.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Mapped<'c> {
    /// `None` when the profile does not know the type.
    /// The class, by its place in the profile (`None` when the profile does not know the
    /// type); [`Mapped::class`] gives its id.
    pub class_index: Option<u16>,
    pub not_applicable: bool,
    pub modules: ModuleSet,
    /// The plans the asset needs, by their place in [`Mapping::requirement_sets`].
    requirements: u32,
    pub uncovered: Box<[Uncovered<'c>]>,
}

impl<'c> Mapped<'c> {
    /// The asset's class id, `None` when the profile does not know its type.
    pub fn class(&self, catalog: &'c Catalog) -> Option<&'c str> {
        self.class_index
            .map(|i| catalog.profile.classes[i as usize].id.as_str())
    }

    pub fn known_type(&self) -> bool {
        self.class_index.is_some()
    }
}

#[derive(Debug)]
pub struct Mapping<'c> {
    pub assets: Vec<Mapped<'c>>,
    /// Each different list of plans that assets need, kept once: a million assets need a
    /// few dozen of them. The first is the empty list.
    requirement_sets: Vec<Box<[Requirement<'c>]>>,
    /// Licensed products plus `endpoints`, `on-premises-ad` and `siem` where they hold.
    pub facts: BTreeSet<String>,
    pub archetype: Archetype,
}

impl<'c> Mapping<'c> {
    /// The plans an asset needs.
    pub fn requirements(&self, asset: usize) -> &[Requirement<'c>] {
        &self.requirement_sets[self.assets[asset].requirements as usize]
    }
}

pub fn map<'c>(inv: &Inventory, classes: &Classification, catalog: &'c Catalog) -> Mapping<'c> {
    let mut in_app = vec![false; inv.assets.len()];
    for app in &inv.applications {
        for c in &app.components {
            in_app[*c] = true;
        }
    }
    let hosts = host_of(inv);
    let mut mapper = Mapper {
        catalog,
        modules: ModuleIndex::new(catalog),
        sets: RequirementSets::default(),
    };
    let assets: Vec<Mapped<'c>> = inv
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let host = hosts[i].map(|h| &inv.assets[h]);
            mapper.asset(inv, a, host, classes.assets[i].tier, in_app[i])
        })
        .collect();

    let archetype = if inv
        .applications
        .iter()
        .any(|a| a.delivery == Delivery::Saas)
    {
        Archetype::SaasProvider
    } else if assets.iter().any(|m| {
        m.class(catalog)
            .and_then(|c| catalog.class(c))
            .is_some_and(|c| c.app_platform)
    }) {
        Archetype::InternalPaas
    } else {
        Archetype::Traditional
    };

    Mapping {
        assets,
        requirement_sets: mapper.sets.lists,
        facts: facts(inv, catalog),
        archetype,
    }
}

/// Module ids to their index in the profile.
struct ModuleIndex<'c> {
    ids: Vec<&'c str>,
}

impl<'c> ModuleIndex<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        ModuleIndex {
            ids: catalog
                .profile
                .modules
                .iter()
                .map(|m| m.id.as_str())
                .collect(),
        }
    }

    fn add(&self, set: &mut ModuleSet, id: &str) {
        if let Some(i) = self.ids.iter().position(|m| *m == id) {
            set.insert(i);
        }
    }
}

/// The asset each asset runs on, where an input says.
fn host_of(inv: &Inventory) -> Vec<Option<usize>> {
    let mut out = vec![None; inv.assets.len()];
    for r in inv
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::HostedOn)
    {
        out[r.from].get_or_insert(r.to);
    }
    out
}

/// What mapping one asset needs from the others: the profile, its modules by id, and the
/// lists of requirements met so far.
struct Mapper<'c> {
    catalog: &'c Catalog,
    modules: ModuleIndex<'c>,
    sets: RequirementSets<'c>,
}

impl<'c> Mapper<'c> {
    fn asset(
        &mut self,
        inv: &Inventory,
        a: &Asset,
        host: Option<&Asset>,
        tier: crate::domain::Tier,
        in_app: bool,
    ) -> Mapped<'c> {
        let (catalog, index) = (self.catalog, &self.modules);
        let profile = &catalog.profile;
        let mut modules = ModuleSet::default();
        for m in &profile.always_modules {
            index.add(&mut modules, m);
        }
        if in_app {
            index.add(&mut modules, "custom-application");
        }
        let Some(rt) = inv.resource_type(catalog, a) else {
            return Mapped {
                class_index: None,
                not_applicable: false,
                modules,
                requirements: RequirementSets::EMPTY,
                uncovered: Box::new([]),
            };
        };
        // A Kubernetes node pool is watched through its cluster's plan, not as servers.
        let not_applicable = a.is_node_pool()
            || catalog
                .class(&rt.class)
                .is_some_and(|c| c.coverage == ClassCoverage::NotApplicable);
        let mut requirements = Vec::new();
        let mut uncovered = Vec::new();
        if !not_applicable {
            for m in &rt.modules {
                index.add(&mut modules, m);
            }
            if let Some(plan) = &rt.plan {
                requirements.push(requirement(plan, tier, None, catalog));
                for v in rt
                    .not_covered
                    .iter()
                    .filter(|v| variant_matches(inv, &v.when, a, host))
                {
                    uncovered.push(Uncovered {
                        plan: plan.as_str(),
                        variant: &v.id,
                        description: &v.description,
                    });
                }
            }
        }
        for role in a.roles.iter().filter_map(|r| catalog.role(inv.s(*r))) {
            for m in &role.modules {
                index.add(&mut modules, m);
            }
            if let Some(plan) = &role.plan
                && !requirements.iter().any(|r| r.plan == plan)
            {
                requirements.push(requirement(plan, tier, Some(&role.id), catalog));
            }
        }
        Mapped {
            class_index: catalog.class_index(&rt.class).map(|i| i as u16),
            not_applicable: not_applicable && requirements.is_empty(),
            modules,
            requirements: self.sets.place(&requirements),
            uncovered: uncovered.into_boxed_slice(),
        }
    }
}

/// The different lists of requirements met so far, each by its place.
struct RequirementSets<'c> {
    lists: Vec<Box<[Requirement<'c>]>>,
    places: rustc_hash::FxHashMap<Box<[Requirement<'c>]>, u32>,
}

impl Default for RequirementSets<'_> {
    fn default() -> Self {
        RequirementSets {
            lists: vec![Box::new([])],
            places: [(Box::from([]), Self::EMPTY)].into_iter().collect(),
        }
    }
}

impl<'c> RequirementSets<'c> {
    /// The place of the empty list.
    const EMPTY: u32 = 0;

    /// The place of this list, added when it is new.
    fn place(&mut self, list: &[Requirement<'c>]) -> u32 {
        if let Some(place) = self.places.get(list) {
            return *place;
        }
        let place = self.lists.len() as u32;
        self.lists.push(list.into());
        self.places.insert(list.into(), place);
        place
    }
}

fn requirement<'c>(
    plan: &'c str,
    tier: crate::domain::Tier,
    role: Option<&'c str>,
    catalog: &'c Catalog,
) -> Requirement<'c> {
    let name = catalog.plan(plan).map_or(plan, |p| p.name.as_str());
    let tiered = catalog.tier_requirement(plan);
    Requirement {
        plan: name,
        sub_plan: tiered
            .and_then(|t| t.sub_plans.get(&tier.0))
            .map(String::as_str),
        weaker_rule: tiered.and_then(|t| Rule::from_name(&t.rule)),
        role,
    }
}

fn any_glob(patterns: &[String], value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    patterns
        .iter()
        .any(|p| crate::inventory::Pattern::new(p).is_ok_and(|p| p.is_match(value)))
}

/// Whether every condition given matches the asset.
pub fn variant_matches(
    inv: &Inventory,
    when: &VariantCondition,
    a: &Asset,
    host: Option<&Asset>,
) -> bool {
    let sku = a.sku.as_deref();
    let checks = [
        (&when.kind, inv.opt(a.kind)),
        (&when.sku_name, sku.and_then(|s| inv.opt(s.name))),
        (&when.sku_tier, sku.and_then(|s| inv.opt(s.tier))),
        (
            &when.host_sku_tier,
            host.and_then(|h| h.sku.as_deref())
                .and_then(|s| inv.opt(s.tier)),
        ),
    ];
    let given = checks.iter().filter(|(p, _)| !p.is_empty()).count()
        + usize::from(!when.capability.is_empty());
    given > 0
        && checks.iter().all(|(p, v)| p.is_empty() || any_glob(p, *v))
        && (when.capability.is_empty()
            || a.capabilities
                .iter()
                .any(|c| any_glob(&when.capability, Some(inv.s(*c)))))
}

fn facts(inv: &Inventory, catalog: &Catalog) -> BTreeSet<String> {
    let mut out = inv.products.clone();
    for l in &inv.licences {
        out.extend(catalog.licence_products(&l.name).unwrap_or_default());
    }
    if inv.clients.total() > 0 {
        out.insert("endpoints".into());
    }
    if inv.on_premises_ad {
        out.insert("on-premises-ad".into());
    }
    if !inv.siem_workspaces.is_empty() {
        out.insert("siem".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Sku;

    #[test]
    fn consumption_host_and_cosmos_apis_are_variants() {
        let catalog = crate::profile::load("standard").unwrap();
        let mut inv = Inventory::default();
        let mut func = crate::classify::tests::asset(&mut inv, "func");
        func.type_name = inv.strings.intern("Microsoft.Web/sites");
        let mut plan = crate::classify::tests::asset(&mut inv, "plan");
        plan.sku = Some(Box::new(Sku {
            name: Some(inv.strings.intern("Y1")),
            tier: Some(inv.strings.intern("Dynamic")),
            capacity: None,
            pools: Box::new([]),
        }));
        let rt = catalog.resource_type("Microsoft.Web/sites").unwrap();
        assert!(
            rt.not_covered
                .iter()
                .any(|v| variant_matches(&inv, &v.when, &func, Some(&plan)))
        );
        assert!(
            !rt.not_covered
                .iter()
                .any(|v| variant_matches(&inv, &v.when, &func, None))
        );

        let mut cosmos = crate::classify::tests::asset(&mut inv, "c");
        cosmos.capabilities = vec![inv.strings.intern("EnableCassandra")].into();
        let rt = catalog
            .resource_type("Microsoft.DocumentDB/databaseAccounts")
            .unwrap();
        assert!(
            rt.not_covered
                .iter()
                .any(|v| variant_matches(&inv, &v.when, &cosmos, None))
        );
        cosmos.capabilities = Box::new([]);
        cosmos.kind = Some(inv.strings.intern("GlobalDocumentDB"));
        assert!(
            !rt.not_covered
                .iter()
                .any(|v| variant_matches(&inv, &v.when, &cosmos, None))
        );
    }
}
