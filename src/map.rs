//! Mapping: each asset to its class, the MDR modules that watch it and the plans (with the
//! sub-plan its tier needs) that deliver them; the organisation's facts (licensed products,
//! clients, directories, SIEM) and its archetype.

use std::collections::BTreeSet;

use crate::classify::Classification;
use crate::domain::{Archetype, Delivery};
use crate::inventory::{Asset, Inventory, RelationKind};
use crate::profile::Catalog;
use crate::profile::model::{ClassCoverage, VariantCondition};

/// A plan an asset needs, with the sub-plan its tier needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub plan: String,
    pub sub_plan: Option<String>,
    /// The rule raised when the plan runs a weaker sub-plan.
    pub weaker_rule: Option<String>,
    /// Why the asset needs it: its type, or a role.
    pub because: String,
}

/// A variant of the asset's type that its plan cannot protect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    pub plan: String,
    pub variant: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Mapped {
    /// `None` when the profile does not know the type.
    pub class: Option<String>,
    pub not_applicable: bool,
    pub modules: Vec<String>,
    pub requirements: Vec<Requirement>,
    pub uncovered: Vec<Uncovered>,
}

#[derive(Debug)]
pub struct Mapping {
    pub assets: Vec<Mapped>,
    /// Licensed products plus `endpoints`, `on-premises-ad` and `siem` where they hold.
    pub facts: BTreeSet<String>,
    pub archetype: Archetype,
}

pub fn map(inv: &Inventory, classes: &Classification, catalog: &Catalog) -> Mapping {
    let mut in_app = vec![false; inv.assets.len()];
    for app in &inv.applications {
        for c in &app.components {
            in_app[*c] = true;
        }
    }
    let hosts = host_of(inv);
    let assets = inv
        .assets
        .iter()
        .enumerate()
        .map(|(i, a)| {
            map_asset(
                a,
                hosts[i].map(|h| &inv.assets[h]),
                classes.assets[i].tier,
                in_app[i],
                catalog,
            )
        })
        .collect::<Vec<_>>();

    let archetype = if inv
        .applications
        .iter()
        .any(|a| a.delivery == Delivery::Saas)
    {
        Archetype::SaasProvider
    } else if assets.iter().any(|m| {
        m.class
            .as_deref()
            .and_then(|c| catalog.class(c))
            .is_some_and(|c| c.app_platform)
    }) {
        Archetype::InternalPaas
    } else {
        Archetype::Traditional
    };

    Mapping {
        assets,
        facts: facts(inv, catalog),
        archetype,
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

fn map_asset(
    a: &Asset,
    host: Option<&Asset>,
    tier: crate::domain::Tier,
    in_app: bool,
    catalog: &Catalog,
) -> Mapped {
    let profile = &catalog.profile;
    let mut modules: BTreeSet<&str> = profile.always_modules.iter().map(String::as_str).collect();
    if in_app {
        modules.insert("custom-application");
    }
    let Some(rt) = catalog.resource_type(&a.type_name) else {
        return Mapped {
            class: None,
            not_applicable: false,
            modules: ordered(modules, catalog),
            requirements: vec![],
            uncovered: vec![],
        };
    };
    let not_applicable = catalog
        .class(&rt.class)
        .is_some_and(|c| c.coverage == ClassCoverage::NotApplicable);
    let mut requirements = Vec::new();
    let mut uncovered = Vec::new();
    if !not_applicable {
        modules.extend(rt.modules.iter().map(String::as_str));
        if let Some(plan) = &rt.plan {
            requirements.push(requirement(
                plan,
                tier,
                format!("type {}", rt.type_name),
                catalog,
            ));
            for v in rt
                .not_covered
                .iter()
                .filter(|v| variant_matches(&v.when, a, host))
            {
                uncovered.push(Uncovered {
                    plan: plan.clone(),
                    variant: v.id.clone(),
                    description: v.description.clone(),
                });
            }
        }
    }
    for role in a.roles.iter().filter_map(|r| catalog.role(r)) {
        modules.extend(role.modules.iter().map(String::as_str));
        if let Some(plan) = &role.plan
            && !requirements.iter().any(|r| &r.plan == plan)
        {
            requirements.push(requirement(
                plan,
                tier,
                format!("role {}", role.id),
                catalog,
            ));
        }
    }
    Mapped {
        class: Some(rt.class.clone()),
        not_applicable: not_applicable && requirements.is_empty(),
        modules: ordered(modules, catalog),
        requirements,
        uncovered,
    }
}

fn requirement(
    plan: &str,
    tier: crate::domain::Tier,
    because: String,
    catalog: &Catalog,
) -> Requirement {
    let name = catalog
        .plan(plan)
        .map_or(plan, |p| p.name.as_str())
        .to_owned();
    let tiered = catalog.tier_requirement(plan);
    Requirement {
        plan: name,
        sub_plan: tiered.and_then(|t| t.sub_plans.get(&tier.0).cloned()),
        weaker_rule: tiered.map(|t| t.rule.clone()),
        because,
    }
}

/// Modules in the profile's order.
fn ordered(modules: BTreeSet<&str>, catalog: &Catalog) -> Vec<String> {
    catalog
        .profile
        .modules
        .iter()
        .filter(|m| modules.contains(m.id.as_str()))
        .map(|m| m.id.clone())
        .collect()
}

fn any_glob(patterns: &[String], value: Option<&str>) -> bool {
    let Some(value) = value else { return false };
    patterns
        .iter()
        .any(|p| crate::inventory::Pattern::new(p).is_ok_and(|p| p.is_match(value)))
}

/// Whether every condition given matches the asset.
pub fn variant_matches(when: &VariantCondition, a: &Asset, host: Option<&Asset>) -> bool {
    let sku = a.sku.as_ref();
    let checks = [
        (&when.kind, a.kind.as_deref()),
        (&when.sku_name, sku.and_then(|s| s.name.as_deref())),
        (&when.sku_tier, sku.and_then(|s| s.tier.as_deref())),
        (
            &when.host_sku_tier,
            host.and_then(|h| h.sku.as_ref())
                .and_then(|s| s.tier.as_deref()),
        ),
    ];
    let given = checks.iter().filter(|(p, _)| !p.is_empty()).count()
        + usize::from(!when.capability.is_empty());
    given > 0
        && checks.iter().all(|(p, v)| p.is_empty() || any_glob(p, *v))
        && (when.capability.is_empty()
            || a.capabilities
                .iter()
                .any(|c| any_glob(&when.capability, Some(c))))
}

fn facts(inv: &Inventory, catalog: &Catalog) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
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
        let mut func = crate::classify::tests::asset("func");
        func.type_name = "Microsoft.Web/sites".into();
        let mut plan = crate::classify::tests::asset("plan");
        plan.sku = Some(Sku {
            name: Some("Y1".into()),
            tier: Some("Dynamic".into()),
            capacity: None,
        });
        let rt = catalog.resource_type("Microsoft.Web/sites").unwrap();
        assert!(
            rt.not_covered
                .iter()
                .any(|v| variant_matches(&v.when, &func, Some(&plan)))
        );
        assert!(
            !rt.not_covered
                .iter()
                .any(|v| variant_matches(&v.when, &func, None))
        );

        let mut cosmos = crate::classify::tests::asset("c");
        cosmos.capabilities = vec!["EnableCassandra".into()];
        let rt = catalog
            .resource_type("Microsoft.DocumentDB/databaseAccounts")
            .unwrap();
        assert!(
            rt.not_covered
                .iter()
                .any(|v| variant_matches(&v.when, &cosmos, None))
        );
        cosmos.capabilities.clear();
        cosmos.kind = Some("GlobalDocumentDB".into());
        assert!(
            !rt.not_covered
                .iter()
                .any(|v| variant_matches(&v.when, &cosmos, None))
        );
    }
}
