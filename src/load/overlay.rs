//! The overlay file (format version 1): what exports cannot say, written by the consultant.
//!
//! The types mirror DESIGN.md section 6 and reject unknown keys; [`parse`] turns serde's
//! errors into located diagnostics with the closest accepted key or value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::domain::{Delivery, Exposure, Impact, Routing, Sensitivity, Tenancy};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    pub version: u32,
    #[serde(default)]
    pub organization: Option<String>,
    /// SKU part numbers or service-plan names.
    #[serde(default)]
    pub licences: Vec<String>,
    #[serde(default)]
    pub endpoints: Option<Endpoints>,
    #[serde(default)]
    pub identity: Option<Identity>,
    /// Workspaces running the SIEM, when no export shows them.
    #[serde(default)]
    pub sentinel: Vec<String>,
    /// Plan state per subscription, when no pricing export is given.
    #[serde(default)]
    pub defender: Vec<DefenderEntry>,
    #[serde(default)]
    pub assets: Vec<OverlayAsset>,
    #[serde(default)]
    pub classify: Vec<ClassifyRule>,
    #[serde(default)]
    pub applications: Vec<OverlayApplication>,
}

/// Managed clients by platform.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    #[serde(default)]
    pub on_premises_ad: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DefenderEntry {
    /// A subscription id, a name, a glob over either, or `*`.
    pub subscription: String,
    /// Plan name to `free`, `standard`, or a sub-plan name (which implies standard).
    pub plans: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sku {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub capacity: Option<u64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayAsset {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// A resource type (`Microsoft.Compute/virtualMachines`) or a profile alias (`server`).
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub sku: Option<Sku>,
    #[serde(default)]
    pub subscription: Option<String>,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default)]
    pub impact: Option<Impact>,
    #[serde(default)]
    pub roles: Vec<String>,
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
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub subscription: Option<String>,
    #[serde(default)]
    pub tag: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRule {
    #[serde(rename = "match")]
    pub selector: Selector,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default)]
    pub impact: Option<Impact>,
}

/// An application component: an asset id, or a selector.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "match")]
    pub selector: Option<Selector>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayAlert {
    pub use_case: String,
    pub rule: String,
    pub routed_to: Routing,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayApplication {
    pub id: String,
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
    #[serde(default)]
    pub components: Vec<ComponentRef>,
    #[serde(default)]
    pub depends_on: Vec<String>,
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
