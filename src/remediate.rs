//! Remediation: what switches on exactly the plans that are off or weaker than the tiers need,
//! per subscription, as an `az` script, a Bicep template or Terraform. Each change is commented
//! with the findings it closes. Plans already on as needed, and plans whose state is unknown,
//! are left alone.

use std::fmt::Write as _;

use crate::Analysis;
use crate::profile::Catalog;
use crate::rules::Rule;

/// The output formats of `remediate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Az,
    Bicep,
    Terraform,
}

/// One plan to switch on or strengthen in one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<'a> {
    pub subscription: &'a str,
    pub subscription_name: Option<&'a str>,
    pub plan: &'a str,
    pub sub_plan: Option<&'a str>,
    /// Today's state, in words ("off", "on P1").
    pub today: String,
    /// The plan's extensions an export shows enabled today: written out again, so the change
    /// keeps them on (Terraform's provider switches off every extension it is not given).
    pub extensions: Vec<&'a str>,
    /// The extensions the profile says the plan offers, for the comment.
    pub offered: &'a [String],
    /// The findings it closes: rule, what it concerns, fingerprint.
    pub closes: Vec<(&'static str, String, String)>,
}

/// How many findings a change lists before it counts the rest.
const MAX_LISTED: usize = 20;

/// The changes, by subscription id and plan; and the plans left alone because their state is
/// unknown or they concern no subscription.
pub fn changes<'a>(
    analysis: &'a Analysis<'_>,
    catalog: &'a Catalog,
) -> (Vec<Change<'a>>, Vec<String>) {
    let inv = &analysis.inventory;
    let ev = &analysis.evaluation;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (row, cost) in ev.defender.iter().zip(&analysis.cost.plans) {
        let weaker = row.state == "on"
            && match (row.sub_plan.as_deref(), row.required_sub_plan) {
                (Some(have), Some(need)) => sub_index(catalog, row.plan, have)
                    .zip(sub_index(catalog, row.plan, need))
                    .is_some_and(|(h, n)| h < n),
                _ => false,
            };
        if row.state != "off" && !weaker {
            if row.state == "unknown" {
                skipped.push(format!(
                    "{} in {}: state unknown (give a pricing export)",
                    row.plan,
                    label(inv, row.subscription.as_deref())
                ));
            }
            continue;
        }
        let Some(sub) = row.subscription.as_deref() else {
            skipped.push(format!(
                "{}: its assets are in no subscription (enable it where they are onboarded)",
                row.plan
            ));
            continue;
        };
        let sub_plan = row
            .required_sub_plan
            .or(cost.recommended.sub_plan)
            .or_else(|| {
                catalog
                    .plan(row.plan)
                    .and_then(|p| p.default_sub_plan.as_deref())
            });
        let mut closes: Vec<(&'static str, String, String)> = ev
            .findings
            .iter()
            .filter(|f| {
                f.plan == Some(row.plan)
                    && f.subscription(inv) == Some(sub)
                    && !matches!(f.rule, Rule::PlanDoesNotCover | Rule::DefenderPlanUnknown)
            })
            .map(|f| {
                let what = match f.asset() {
                    Some(a) => inv.assets[a].name().to_owned(),
                    None => format!("subscription {}", label(inv, Some(sub))),
                };
                (f.rule.name(), what, f.fingerprint(inv))
            })
            .collect();
        closes.sort();
        let today = match (row.state, row.sub_plan.as_deref()) {
            ("on", Some(s)) => format!("on {s}"),
            (s, _) => s.to_owned(),
        };
        let subscription = inv.subscription(Some(sub));
        let extensions = inv
            .plan_states
            .lookup(subscription, row.plan)
            .filter(|s| s.on)
            .map(|s| s.extensions.iter().map(String::as_str).collect())
            .unwrap_or_default();
        out.push(Change {
            subscription: sub,
            subscription_name: subscription.and_then(|s| s.name.as_deref()),
            plan: row.plan,
            sub_plan,
            today,
            extensions,
            offered: catalog
                .plan(row.plan)
                .map_or(&[][..], |p| &p.extensions[..]),
            closes,
        });
    }
    out.sort_by(|a, b| {
        (a.subscription.to_ascii_lowercase(), a.plan)
            .cmp(&(b.subscription.to_ascii_lowercase(), b.plan))
    });
    skipped.sort();
    (out, skipped)
}

fn sub_index(catalog: &Catalog, plan: &str, sub: &str) -> Option<usize> {
    catalog
        .plan(plan)?
        .sub_plans
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(sub))
}

fn label(inv: &crate::inventory::Inventory, sub: Option<&str>) -> String {
    inv.subscription(sub)
        .map(|s| s.label().to_owned())
        .or_else(|| sub.map(str::to_owned))
        .unwrap_or_else(|| "no subscription".into())
}

/// Text from the inputs made safe for a one-line comment.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A string literal: Bicep's single-quoted (`dollar` false) or Terraform's double-quoted,
/// with what each language would read as an escape or a template escaped.
fn quoted(value: &str, dollar: bool) -> String {
    let mut out = String::from(if dollar { "\"" } else { "'" });
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if dollar => out.push_str("\\\""),
            '\'' if !dollar => out.push_str("\\'"),
            '$' if !dollar => out.push_str("\\$"),
            '$' | '%' if dollar && chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push(if dollar { '"' } else { '\'' });
    out
}

fn header(out: &mut String, prefix: &str, catalog: &Catalog, skipped: &[String]) {
    let _ = writeln!(
        out,
        "{prefix} Written by mdrplan {} (profile {}): switches on the Defender plans that are off,",
        env!("CARGO_PKG_VERSION"),
        catalog.name()
    );
    let _ = writeln!(
        out,
        "{prefix} or weaker than the tiers of the assets need. Plans already on as needed are left alone."
    );
    for s in skipped {
        let _ = writeln!(out, "{prefix} Left alone: {}", comment_text(s));
    }
}

fn why(out: &mut String, prefix: &str, indent: &str, c: &Change<'_>) {
    let target = c.sub_plan.map(|s| format!(" -> {s}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{indent}{prefix} {}: {}{target}; closes {} finding(s):",
        c.plan,
        c.today,
        c.closes.len()
    );
    for (rule, what, fp) in c.closes.iter().take(MAX_LISTED) {
        let _ = writeln!(
            out,
            "{indent}{prefix}   {rule} {} ({fp})",
            comment_text(what)
        );
    }
    if c.closes.len() > MAX_LISTED {
        let _ = writeln!(
            out,
            "{indent}{prefix}   ... and {} more (the JSON report lists them all)",
            c.closes.len() - MAX_LISTED
        );
    }
    if !c.extensions.is_empty() {
        let names: Vec<String> = c.extensions.iter().map(|e| comment_text(e)).collect();
        let _ = writeln!(
            out,
            "{indent}{prefix} Extensions on today, kept on: {}",
            names.join(", ")
        );
    }
    let more: Vec<&str> = c
        .offered
        .iter()
        .map(String::as_str)
        .filter(|o| !c.extensions.iter().any(|e| e.eq_ignore_ascii_case(o)))
        .collect();
    if !more.is_empty() {
        let _ = writeln!(
            out,
            "{indent}{prefix} Extensions the plan offers, not switched on here: {}",
            more.join(", ")
        );
    }
}

/// The remediation in one format.
pub fn render(
    changes: &[Change<'_>],
    skipped: &[String],
    catalog: &Catalog,
    format: Format,
) -> String {
    match format {
        Format::Az => az(changes, skipped, catalog),
        Format::Bicep => bicep(changes, skipped, catalog),
        Format::Terraform => terraform(changes, skipped, catalog),
    }
}

fn az(changes: &[Change<'_>], skipped: &[String], catalog: &Catalog) -> String {
    let mut out = String::from("#!/usr/bin/env bash\n");
    header(&mut out, "#", catalog, skipped);
    if changes.iter().any(|c| !c.extensions.is_empty()) {
        out.push_str(
            "# Afterwards, check with `az security pricing show` that the extensions on today\n\
             # are still on.\n",
        );
    }
    out.push_str("set -euo pipefail\n");
    if changes.is_empty() {
        out.push_str("\n# Nothing to switch on.\n");
    }
    let templates = catalog.profile.remediation.as_ref();
    let mut last = None;
    for c in changes {
        if last != Some(c.subscription) {
            let name = c.subscription_name.map(comment_text).unwrap_or_default();
            let _ = writeln!(out, "\n# Subscription {} {name}", c.subscription);
            last = Some(c.subscription);
        }
        why(&mut out, "#", "", c);
        let template = match (templates, c.sub_plan) {
            (Some(t), Some(_)) => t.enable_sub_plan.as_str(),
            (Some(t), None) => t.enable_plan.as_str(),
            (None, _) => {
                "az security pricing create --subscription {subscription} --name {plan} --tier standard"
            }
        };
        let line = template
            .replace(
                "{subscription}",
                &crate::report::escape::shell_word(c.subscription),
            )
            .replace("{plan}", &crate::report::escape::shell_word(c.plan))
            .replace(
                "{sub_plan}",
                &crate::report::escape::shell_word(c.sub_plan.unwrap_or("")),
            );
        let _ = writeln!(out, "{line}");
    }
    out
}

fn bicep(changes: &[Change<'_>], skipped: &[String], catalog: &Catalog) -> String {
    let mut out = String::new();
    header(&mut out, "//", catalog, skipped);
    out.push_str(
        "// Deploy it to each subscription it names; elsewhere it changes nothing:\n\
         //   az deployment sub create --subscription SUBSCRIPTION --location LOCATION --template-file FILE\n\
         targetScope = 'subscription'\n\n\
         // The plans to switch on, by subscription id.\n\
         var plansBySubscription = {\n",
    );
    let mut i = 0;
    while i < changes.len() {
        let sub = changes[i].subscription;
        let name = changes[i]
            .subscription_name
            .map(comment_text)
            .unwrap_or_default();
        let _ = writeln!(out, "  // {name}");
        let _ = writeln!(out, "  {}: [", quoted(&sub.to_ascii_lowercase(), false));
        while i < changes.len() && changes[i].subscription == sub {
            let c = &changes[i];
            why(&mut out, "//", "    ", c);
            let _ = writeln!(
                out,
                "    {{\n      name: {}\n      properties: {{\n        pricingTier: 'Standard'",
                quoted(c.plan, false)
            );
            if let Some(s) = c.sub_plan {
                let _ = writeln!(out, "        subPlan: {}", quoted(s, false));
            }
            if !c.extensions.is_empty() {
                out.push_str("        extensions: [\n");
                for e in &c.extensions {
                    let _ = writeln!(
                        out,
                        "          {{\n            name: {}\n            isEnabled: 'True'\n          }}",
                        quoted(e, false)
                    );
                }
                out.push_str("        ]\n");
            }
            out.push_str("      }\n    }\n");
            i += 1;
        }
        out.push_str("  ]\n");
    }
    out.push_str(
        "}\n\n\
         var plans = contains(plansBySubscription, subscription().subscriptionId) ? plansBySubscription[subscription().subscriptionId] : []\n\n\
         // One at a time: the pricing API refuses a second change to a subscription's plans\n\
         // while one is in progress (409 Conflict).\n\
         @batchSize(1)\n\
         resource pricings 'Microsoft.Security/pricings@2024-01-01' = [for plan in plans: {\n  \
         name: plan.name\n  \
         properties: plan.properties\n\
         }]\n",
    );
    out
}

fn terraform(changes: &[Change<'_>], skipped: &[String], catalog: &Catalog) -> String {
    let mut out = String::new();
    header(&mut out, "#", catalog, skipped);
    out.push_str(
        "# Each subscription has a provider of its own: the resource sets the plan for the\n\
         # provider's subscription. The plans of one subscription are changed one after the\n\
         # other (`depends_on`): the pricing API refuses a change while another is in progress.\n\
         # The provider switches on only the extensions given as `extension` blocks: those on\n\
         # today are written out; add a block for each other one wanted.\n",
    );
    if changes.is_empty() {
        out.push_str("\n# Nothing to switch on.\n");
    }
    let alias = |sub: &str| -> String {
        let clean: String = sub
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("sub_{clean}")
    };
    let mut last = None;
    let mut previous: Option<String> = None;
    for c in changes {
        let a = alias(c.subscription);
        if last != Some(c.subscription) {
            previous = None;
            let name = c.subscription_name.map(comment_text).unwrap_or_default();
            let _ = writeln!(
                out,
                "\n# {name}\nprovider \"azurerm\" {{\n  alias           = \"{a}\"\n  subscription_id = {}\n  features {{}}\n}}",
                quoted(c.subscription, true)
            );
            last = Some(c.subscription);
        }
        out.push('\n');
        why(&mut out, "#", "", c);
        let _ = writeln!(
            out,
            "resource \"azurerm_security_center_subscription_pricing\" \"{a}_{}\" {{\n  provider      = azurerm.{a}\n  tier          = \"Standard\"\n  resource_type = {}",
            c.plan.to_ascii_lowercase(),
            quoted(c.plan, true)
        );
        if let Some(s) = c.sub_plan {
            let _ = writeln!(out, "  subplan       = {}", quoted(s, true));
        }
        for e in &c.extensions {
            let _ = writeln!(
                out,
                "\n  extension {{\n    name = {}\n  }}",
                quoted(e, true)
            );
        }
        if let Some(p) = &previous {
            let _ = writeln!(
                out,
                "\n  depends_on = [azurerm_security_center_subscription_pricing.{p}]"
            );
        }
        out.push_str("}\n");
        previous = Some(format!("{a}_{}", c.plan.to_ascii_lowercase()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_inputs_cannot_break_out_of_their_quotes() {
        assert_eq!(quoted("a'${b}", false), "'a\\'\\${b}'");
        assert_eq!(quoted("a\"${b}", true), "\"a\\\"$${b}\"");
    }
}
