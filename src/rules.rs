//! The rule catalogue: every finding mdrplan can raise, with its stable kebab-case name, what
//! it concerns, and the documentation `rules explain` prints. The words here are
//! vendor-neutral; a profile's `rule_docs` puts them in its vendor's terms. Names are a
//! contract with users, scripts and baselines: never rename one.

use std::fmt;

use serde::Serialize;

use crate::domain::Severity;
use crate::profile::Catalog;

/// What a rule's findings are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Asset,
    Application,
    Subscription,
    Organization,
    ResourceType,
}

macro_rules! catalogue {
    ($($variant:ident => $name:literal, $scope:ident, $severity:ident, $summary:literal,
        why: $why:literal, fix: $fix:literal, example: $example:literal;)+) => {
        /// A rule of the catalogue.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),+ }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name),+ }
            }

            pub fn scope(self) -> Scope {
                match self { $(Rule::$variant => Scope::$scope),+ }
            }

            /// The base severity before the profile or the tier moves it.
            pub fn default_severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity),+ }
            }

            pub fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary),+ }
            }

            pub fn why(self) -> &'static str {
                match self { $(Rule::$variant => $why),+ }
            }

            pub fn fix(self) -> &'static str {
                match self { $(Rule::$variant => $fix),+ }
            }

            pub fn example(self) -> &'static str {
                match self { $(Rule::$variant => $example),+ }
            }
        }
    };
}

catalogue! {
    DefenderPlanOff => "defender-plan-off", Asset, High,
        "The asset's Defender plan is Free in its subscription.",
        why: "Without the plan, nothing raises threat alerts for the asset: the MDR service cannot see attacks on it.",
        fix: "Enable the plan on the subscription (the finding's remediation gives the command), or waive the finding with a reason.",
        example: "SQL Server VM vm-sql01 in subscription corp-prod: SqlServerVirtualMachines is Free.";
    DefenderPlanUnknown => "defender-plan-unknown", Subscription, Medium,
        "No plan state is known for a subscription and plan that assets need.",
        why: "A missing fact is not a covered asset. mdrplan never stays silent where it cannot tell.",
        fix: "Give an export of the plan states for the subscription, or declare the plan under `defender:` in the overlay.",
        example: "Subscription apps-prod: no state for CosmosDbs (3 assets need it).";
    ServersP2Required => "servers-p2-required", Asset, Medium,
        "A tier 1 or 2 server runs on a weaker server plan than its tier needs.",
        why: "The stronger server sub-plan adds protections the weaker one lacks, and the crown jewels need them.",
        fix: "Switch the subscription to the sub-plan the tier needs (the finding's remediation gives the command).",
        example: "vm-erp-app01 (tier 1) is on VirtualMachines P1; P2 required.";
    PlanDoesNotCover => "plan-does-not-cover", Asset, Medium,
        "The plan for this resource type cannot protect this variant of it.",
        why: "Paying for the plan does not watch the resource: its threats need another control, or a change of variant.",
        fix: "Move the resource to a variant the plan protects, or cover it with custom alerting and accept the gap explicitly.",
        example: "A function app runs on a hosting variant that its plan does not protect.";
    DeprecatedPlan => "deprecated-plan", Subscription, Low,
        "A deprecated plan or a legacy sub-plan is in use instead of its replacement.",
        why: "Deprecated plans lose features and support; legacy sub-plans are priced and scoped differently from their replacement.",
        fix: "Enable the replacement plan or sub-plan, then switch the old one off.",
        example: "A deprecated plan is on while the plan that replaces it is off.";
    DefenderIntegrationOff => "defender-integration-off", Subscription, Medium,
        "An integration setting that the subscription's plans rely on is switched off.",
        why: "Some of what a plan delivers travels through an integration setting: with it off, the plan delivers less than it is paid for, or its alerts do not reach the SIEM.",
        fix: "Switch the integration on in the subscription (the finding's remediation gives the command).",
        example: "Subscription corp-prod runs the server plan with the integration it relies on off.";
    LogDetectionMissing => "log-detection-missing", Organization, Critical,
        "No SIEM workspace is known.",
        why: "Log-based detections and the routing of every other alert into the MDR chain run through the SIEM.",
        fix: "Onboard a workspace to the SIEM and declare it under `sentinel:`, or give an export that shows it.",
        example: "No SIEM workspace in the inventory or the overlay.";
    EndpointProtectionMissing => "endpoint-protection-missing", Organization, High,
        "Managed clients have no endpoint detection and response licence.",
        why: "Clients are where most intrusions start; the MDR endpoint module needs the full EDR licence on them.",
        fix: "License the EDR product for the clients.",
        example: "850 Windows clients whose licences grant antivirus but no EDR.";
    IdentityProtectionMissing => "identity-protection-missing", Organization, High,
        "Identity protection is missing for cloud sign-ins or for on-premises directories.",
        why: "Stolen credentials are the commonest way in; without identity protection, risky sign-ins and directory attacks go unseen.",
        fix: "License the identity protection products: for cloud sign-ins, and for on-premises directories where there are any.",
        example: "On-premises AD with no product that watches it.";
    EmailProtectionMissing => "email-protection-missing", Organization, Medium,
        "Mail and collaboration have no advanced threat protection.",
        why: "Phishing and malicious attachments arrive by mail; the cloud-software module watches them through the mail protection product.",
        fix: "License the mail protection product.",
        example: "Cloud mail licensed with basic filtering only.";
    CustomAppAlertingMissing => "custom-app-alerting-missing", Application, High,
        "A SaaS or internet-facing application has no custom alerts at all.",
        why: "Generic platform plans cannot see misuse of the application itself: account takeover, API abuse, tenant-boundary breaches. Only its developers can build those alerts.",
        fix: "Build alerts for the required use cases in the application and route them to the SIEM; declare them under the application's `alerts:`.",
        example: "Application orders (saas, internet) declares no alerts.";
    CustomAppUseCaseMissing => "custom-app-use-case-missing", Application, Medium,
        "A use case the profile requires for this application has no alert.",
        why: "Each use case is a kind of misuse the MDR service can only see through the application's own alerts.",
        fix: "Build an alert for the use case and declare it under the application's `alerts:`.",
        example: "orders has no alert for tenant-isolation, required for multi-tenant applications.";
    CustomAppAlertNotRouted => "custom-app-alert-not-routed", Application, High,
        "A custom application alert is not routed to the SIEM.",
        why: "An alert that does not reach the SIEM does not reach the MDR analysts: it joins no incident and wakes nobody.",
        fix: "Send the alert to the SIEM workspace, as a rule of the SIEM on the application's logs.",
        example: "orders' api-abuse alert goes to the team's mailbox, not to the SIEM.";
    CustomAppAlertRuleNotFound => "custom-app-alert-rule-not-found", Application, High,
        "A declared alert's rule is absent or disabled in the given SIEM rules.",
        why: "A rule that is declared but not running protects nothing.",
        fix: "Create or enable the rule, or correct the name declared in the overlay.",
        example: "orders declares 'Orders - credential stuffing', which the rules export does not hold.";
    ComponentLogsNotInSentinel => "component-logs-not-in-sentinel", Asset, Medium,
        "A component of a tier 1 or 2 application sends no logs to a SIEM workspace.",
        why: "Custom detections need the component's logs in the SIEM.",
        fix: "Add a diagnostic setting that sends the component's logs to the SIEM workspace.",
        example: "apim-orders has no diagnostic setting pointing at law-sentinel.";
    UnclassifiedAsset => "unclassified-asset", Asset, Info,
        "Classification fell back to the profile's default.",
        why: "The default may over- or under-protect the asset; a consultant should decide.",
        fix: "Tag the resource with the classification tags the profile reads, add a `classify` rule, or give the asset an overlay entry.",
        example: "vm-test07: no tag, rule or relation classifies it; default internal/medium.";
    UnknownResourceType => "unknown-resource-type", ResourceType, Info,
        "The profile does not know this resource type.",
        why: "mdrplan cannot say which plan protects it, so its coverage is unknown.",
        fix: "Add the type to a user profile (`extends: standard`), or report it so the built-in profile learns it.",
        example: "Contoso.Widgets/widgets: 12 resources.";
}

impl Rule {
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    pub fn names() -> impl Iterator<Item = &'static str> + Clone {
        Rule::ALL.iter().map(|r| r.name())
    }

    /// Organisation-wide rules keep their base severity whatever the tiers.
    pub fn is_organization_wide(self) -> bool {
        self.scope() == Scope::Organization
    }

    /// What the rule's findings concern, in words (`asset`, `resource-type`, ...).
    pub fn scope_name(self) -> &'static str {
        match self.scope() {
            Scope::Asset => "asset",
            Scope::Application => "application",
            Scope::Subscription => "subscription",
            Scope::Organization => "organization",
            Scope::ResourceType => "resource-type",
        }
    }

    /// How severities move for this rule, in a sentence.
    pub fn severity_note(self) -> &'static str {
        if self.is_organization_wide() {
            "It is organisation-wide: its severity does not move with tiers."
        } else {
            "Tier 1 raises it one step (to at most critical), tier 3 lowers it one step and tier 4 two (to at least info)."
        }
    }

    /// The rule in full, as `rules explain` prints it: what it checks, its severity under the
    /// profile, why it matters, how to fix it, an example; in the profile's words where it has
    /// them (`rule_docs`).
    pub fn explain(self, catalog: &Catalog) -> String {
        format!(
            "{name}\n\n{summary}\n\nBase severity: {sev} (profile {profile}). {note}\nConcerns: {scope}\n\nWhy it matters\n  {why}\n\nHow to fix it\n  {fix}\n\nExample\n  {example}\n",
            name = self.name(),
            summary = catalog.rule_summary(self),
            sev = catalog.base_severity(self),
            profile = catalog.name(),
            note = self.severity_note(),
            scope = self.scope_name(),
            why = catalog.rule_why(self),
            fix = catalog.rule_fix(self),
            example = catalog.rule_example(self),
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let names: BTreeSet<_> = Rule::names().collect();
        assert_eq!(names.len(), Rule::ALL.len());
        for rule in Rule::ALL {
            let n = rule.name();
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n}"
            );
            assert_eq!(Rule::from_name(n), Some(*rule));
        }
    }

    #[test]
    fn the_catalogue_names_no_vendor_product() {
        // Product facts belong in a profile's `rule_docs`, with their sources; the words here
        // must hold for any vendor. (Rule names are a contract and keep their words.)
        let products = [
            "Microsoft",
            "Defender for",
            "Sentinel",
            "Entra",
            "WDATP",
            "E3",
            "E5",
            "az ",
            "DataClassification",
        ];
        for rule in Rule::ALL {
            for text in [rule.summary(), rule.why(), rule.fix(), rule.example()] {
                for product in products {
                    assert!(!text.contains(product), "{rule}: {product} in {text:?}");
                }
            }
        }
    }

    #[test]
    fn scope_names_are_the_serialised_ones() {
        for rule in Rule::ALL {
            assert_eq!(
                serde_json::to_value(rule.scope()).unwrap(),
                rule.scope_name()
            );
        }
    }

    #[test]
    fn catalogue_matches_the_design_table() {
        // Every rule of the original catalogue keeps its name; `defender-integration-off` is added.
        let design = [
            "defender-plan-off",
            "defender-plan-unknown",
            "servers-p2-required",
            "plan-does-not-cover",
            "deprecated-plan",
            "log-detection-missing",
            "endpoint-protection-missing",
            "identity-protection-missing",
            "email-protection-missing",
            "custom-app-alerting-missing",
            "custom-app-use-case-missing",
            "custom-app-alert-not-routed",
            "custom-app-alert-rule-not-found",
            "component-logs-not-in-sentinel",
            "unclassified-asset",
            "unknown-resource-type",
        ];
        for name in design {
            assert!(Rule::from_name(name).is_some(), "{name}");
        }
        assert_eq!(Rule::ALL.len(), design.len() + 1);
        assert_eq!(
            Rule::LogDetectionMissing.default_severity(),
            Severity::Critical
        );
        assert!(Rule::IdentityProtectionMissing.is_organization_wide());
        assert!(!Rule::DefenderPlanOff.is_organization_wide());
    }
}
