//! The overlay file (format version 1): what exports cannot say, written by the consultant.
//!
//! The types mirror the format the README describes and reject unknown keys; [`parse`] turns serde's
//! errors into located diagnostics with the closest accepted key or value.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::domain::{Delivery, Exposure, Impact, Routing, Sensitivity, Tenancy};

/// What exports cannot say, written by hand: the organisation's licences, clients and
/// identity set-up, plan states, assets no export holds (or facts about exported ones),
/// classification rules, and home-built applications with their custom alerts.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mdrplan overlay (format version 1)")]
pub struct Overlay {
    /// The format version: 1.
    #[schemars(extend("const" = 1))]
    pub version: u32,
    /// The organisation's name, as reports show it.
    #[serde(default)]
    pub organization: Option<String>,
    /// SKU part numbers or service-plan names.
    #[serde(default)]
    pub licences: Vec<String>,
    /// Managed clients by platform.
    #[serde(default)]
    pub endpoints: Option<Endpoints>,
    /// The identity set-up (Entra ID is assumed).
    #[serde(default)]
    pub identity: Option<Identity>,
    /// Workspaces running the SIEM, when no export shows them.
    #[serde(default)]
    pub sentinel: Vec<String>,
    /// Plan state per subscription, when no pricing export is given.
    #[serde(default)]
    pub defender: Vec<DefenderEntry>,
    /// Assets no export holds (on-premises, other clouds), or facts about exported ones
    /// (matched by id, or by name where only one exported resource has it).
    #[serde(default)]
    pub assets: Vec<OverlayAsset>,
    /// Classification rules, in order: the first rule that sets an axis wins.
    #[serde(default)]
    pub classify: Vec<ClassifyRule>,
    /// Home-built applications and the assets they are made of.
    #[serde(default)]
    pub applications: Vec<OverlayApplication>,
}

/// Managed clients by platform.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    #[serde(default)]
    pub windows: u64,
    #[serde(default)]
    pub macos: u64,
    #[serde(default)]
    pub linux: u64,
    #[serde(default)]
    pub ios: u64,
    #[serde(default)]
    pub android: u64,
}

impl Endpoints {
    pub fn total(&self) -> u64 {
        self.windows + self.macos + self.linux + self.ios + self.android
    }
}

/// The identity set-up.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Whether an on-premises Active Directory is in use (it needs Defender for Identity).
    #[serde(default)]
    pub on_premises_ad: bool,
}

/// The state of Defender plans in the subscriptions an entry names.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DefenderEntry {
    /// A subscription id, a name, a glob over either, or `*`.
    pub subscription: String,
    /// Plan name to `free`, `standard`, or a sub-plan name (which implies standard).
    pub plans: BTreeMap<String, String>,
}

/// A resource's SKU, where it decides what a plan covers.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sku {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub capacity: Option<u64>,
}

/// An asset no export holds, or facts about an exported one.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayAsset {
    /// The asset's id; an exported resource's id, or a name only one exported resource has,
    /// adds to that resource.
    pub id: String,
    /// A display name, where it is not the id.
    #[serde(default)]
    pub name: Option<String>,
    /// A resource type (`Microsoft.Compute/virtualMachines`) or a profile alias (`server`).
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
    /// The resource's kind, e.g. a Cosmos DB account's `MongoDB`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sku: Option<Sku>,
    /// A subscription id or name.
    #[serde(default)]
    pub subscription: Option<String>,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// Tags, key to value; classification reads them as it reads exported tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default)]
    pub impact: Option<Impact>,
    /// What runs on the asset beyond its type, e.g. `sql-server` on a virtual machine.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Ids of the assets this one depends on.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// The asset this one runs on, e.g. a web app's App Service plan.
    #[serde(default)]
    pub hosted_on: Option<String>,
    /// Capabilities of the resource (Cosmos DB `EnableCassandra`, ...).
    #[serde(default)]
    pub capabilities: Vec<String>,
}

/// Picks assets by their facts: every field given must match (globs, without case).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct Selector {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// The resource type or a profile alias.
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
    #[serde(default)]
    pub resource_group: Option<String>,
    /// A subscription id or name.
    #[serde(default)]
    pub subscription: Option<String>,
    /// Tag key to a glob over its value.
    #[serde(default)]
    pub tag: BTreeMap<String, String>,
}

/// A classification rule: the assets a selector picks get the values it sets.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRule {
    #[serde(rename = "match")]
    pub selector: Selector,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default)]
    pub impact: Option<Impact>,
}

/// An application component: an asset id, or a selector; exactly one of them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct ComponentRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "match")]
    pub selector: Option<Selector>,
}

/// A custom alert the application's developers built.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayAlert {
    /// The use case it detects, e.g. `account-takeover` (`mdrplan profiles show standard`
    /// lists them).
    pub use_case: String,
    /// The alert rule's name, e.g. a Sentinel analytics rule's display name.
    pub rule: String,
    pub routed_to: Routing,
}

/// A home-built application.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayApplication {
    pub id: String,
    /// A display name, where it is not the id.
    #[serde(default)]
    pub name: Option<String>,
    pub delivery: Delivery,
    pub exposure: Exposure,
    #[serde(default = "single_tenant")]
    pub tenancy: Tenancy,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default)]
    pub impact: Option<Impact>,
    /// The assets it is made of: ids or selectors.
    #[serde(default)]
    pub components: Vec<ComponentRef>,
    /// Ids of assets it uses without being made of them.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Its custom alerts, one per use case they detect.
    #[serde(default)]
    pub alerts: Vec<OverlayAlert>,
    /// Where the application's telemetry lands (profile `telemetry` ids); inferred from its
    /// components when not given.
    #[serde(default)]
    pub telemetry: Vec<String>,
}

fn single_tenant() -> Tenancy {
    Tenancy::Single
}

/// Parses an overlay's text, checking its version.
pub fn parse(path: &str, text: &str) -> Result<Overlay, Diagnostic> {
    let overlay: Overlay = super::yaml::from_str(path, text).map_err(|mut d| {
        if d.help.is_none() {
            d.help = Some(if d.message.contains("while ") {
                "check the YAML at that position: indentation, quotes, a missing colon or dash"
                    .into()
            } else {
                "the overlay format is described in the README, under \"The overlay file\"".into()
            });
        }
        d
    })?;
    if overlay.version != 1 {
        let positions = super::yaml::Positions::index(text);
        return Err(Diagnostic::error(
            positions.locate(path, "version"),
            format!(
                "overlay format version {} is not supported",
                overlay.version
            ),
        )
        .with_help("this mdrplan reads overlay format version 1: set `version: 1`"));
    }
    Ok(overlay)
}

/// Whether a document looks like an overlay: it has a top-level `version` key and is not an
/// analytics rule (which has `version` too, but also a `query`). A first look at the text,
/// which builds no tree; the typed parse that follows decides.
pub fn looks_like_overlay(text: &str) -> bool {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        #[derive(Deserialize)]
        struct Probe {
            version: Option<serde::de::IgnoredAny>,
            query: Option<serde::de::IgnoredAny>,
            #[serde(rename = "queryFrequency")]
            query_frequency: Option<serde::de::IgnoredAny>,
        }
        return serde_json::from_str::<Probe>(text).is_ok_and(|p| {
            p.version.is_some() && p.query.is_none() && p.query_frequency.is_none()
        });
    }
    let top = |key: &str| {
        text.lines().any(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    };
    (top("version") || top("\"version\"")) && !top("query") && !top("queryFrequency")
}
