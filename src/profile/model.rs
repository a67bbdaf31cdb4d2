//! The profile's data model: every fact about the vendor's products that the pipeline uses,
//! each with its sources. The types reject unknown keys so that a mistyped profile fails loudly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Delivery, Exposure, Impact, Sensitivity, Severity, Tenancy};

/// A whole profile as written in YAML. A profile that `extends` another holds only what it
/// adds or overrides; [`super::merge`] folds it onto its parent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The date the facts were last checked against the vendor's documentation (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// Source keys used by `sources:` lists below, each with the document it names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<Module>,
    /// Modules that watch every asset, whatever its type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub always_modules: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<Plan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<AssetClass>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_types: Vec<ResourceType>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagMappings>,
    /// What an asset gets when nothing classifies it (and `unclassified-asset` is raised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_classification: Option<AxisValues>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierRequirement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<SeverityPolicy>,
    /// The vendor's words for rules' documentation (`rules explain`, SARIF help) and for the
    /// fix findings carry, by rule name; what a rule leaves out keeps the catalogue's
    /// vendor-neutral text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rule_docs: BTreeMap<String, RuleDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub use_cases: Vec<UseCase>,
    /// Where an application's own alerts can get their data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telemetry: Vec<TelemetrySource>,
    /// How `alerts` writes analytics rules: what is not per use case or per source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_rules: Option<AlertRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licences: Option<Licences>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_checks: Vec<OrganizationCheck>,
    /// Defender for Cloud integration settings the plans rely on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setting_checks: Vec<SettingCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    /// List prices of the plans, for the cost estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<PriceSheet>,
    /// Virtual machine sizes and their vCPUs, for plans billed per vCore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vm_sizes: Option<VmSizes>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModuleScope {
    /// Present for every customer (the base service).
    Always,
    /// Delivered once for the organisation (licences, SIEM).
    Organization,
    /// Delivered per asset, through the asset's plan.
    Asset,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub id: String,
    pub name: String,
    pub watches: String,
    pub scope: ModuleScope,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delivered_through: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Current,
    Legacy,
    Deprecated,
}

/// A paid protection plan, as the vendor's pricing API names it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub name: String,
    pub product: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced_by: Vec<String>,
    /// Sub-plans, weakest first: a later one covers everything an earlier current one does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_plans: Vec<SubPlan>,
    /// The sub-plan that switching the plan on without naming one gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_sub_plan: Option<String>,
    /// Whole-subscription plans protect the subscription itself, not listed resources.
    #[serde(default)]
    pub subscription_wide: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubPlan {
    pub name: String,
    pub status: Status,
    /// What can be done to this sub-plan on a single resource rather than the subscription.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_level: Vec<ResourceLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A sub-plan set on one resource: switched on there while the subscription is off, or
/// switched off there while the subscription has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceLevel {
    Enable,
    Disable,
}

/// How a resource of a type counts towards its plan's bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Billing {
    /// One unit per resource.
    Each,
    /// `sku.capacity` units (instances of a scale set).
    Capacity,
    /// Billed through the resource it runs on (an app's App Service plan): the host's
    /// `sku.capacity`, each host once.
    HostCapacity,
    /// The vCPUs of the node pools (node count times the size's vCPUs).
    NodeVcores,
    /// Provisioned throughput in RU/s (`sku.capacity` where the inventory gives it).
    Throughput,
    /// Billed through another resource (a database through its server): no units of its own.
    Through,
    /// The plan is billed per subscription, whatever the count.
    Subscription,
}

/// What a price is charged per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriceUnit {
    ServerMonth,
    InstanceMonth,
    VcoreMonth,
    StorageAccountMonth,
    ServerOrInstanceMonth,
    ResourceMonth,
    KeyVaultMonth,
    SubscriptionMonth,
    #[serde(rename = "100-rus-hour")]
    HundredRusHour,
    #[serde(rename = "10k-transactions")]
    TenThousandTransactions,
    #[serde(rename = "1m-transactions")]
    MillionTransactions,
    #[serde(rename = "1m-api-calls")]
    MillionApiCalls,
}

impl PriceUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            PriceUnit::ServerMonth => "server-month",
            PriceUnit::InstanceMonth => "instance-month",
            PriceUnit::VcoreMonth => "vcore-month",
            PriceUnit::StorageAccountMonth => "storage-account-month",
            PriceUnit::ServerOrInstanceMonth => "server-or-instance-month",
            PriceUnit::ResourceMonth => "resource-month",
            PriceUnit::KeyVaultMonth => "key-vault-month",
            PriceUnit::SubscriptionMonth => "subscription-month",
            PriceUnit::HundredRusHour => "100-rus-hour",
            PriceUnit::TenThousandTransactions => "10k-transactions",
            PriceUnit::MillionTransactions => "1m-transactions",
            PriceUnit::MillionApiCalls => "1m-api-calls",
        }
    }

    /// Units metered by use (transactions, calls), which no inventory export gives.
    pub fn is_metered(self) -> bool {
        matches!(
            self,
            PriceUnit::TenThousandTransactions
                | PriceUnit::MillionTransactions
                | PriceUnit::MillionApiCalls
        )
    }
}

/// The list prices of the plans. Entries are keyed by plan and sub-plan; an entry without a
/// sub-plan prices the plan whatever its sub-plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSheet {
    /// Hours billed in a month, for prices per hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_per_month: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Price>,
}

/// One list price, in US dollars.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub plan: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_plan: Option<String>,
    pub usd: f64,
    pub unit: PriceUnit,
    /// Where the price was read.
    pub source: String,
    /// When the source gave it (YYYY-MM or YYYY-MM-DD).
    pub as_of: String,
    /// What the price leaves out (charges by use, add-ons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Price {
    /// The key entries merge by: the plan, and the sub-plan where given.
    pub fn key(&self) -> String {
        match &self.sub_plan {
            Some(s) => format!("{}/{s}", self.plan),
            None => self.plan.clone(),
        }
    }
}

/// A file given with `--prices`: the `prices` section of a profile, alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceFile {
    pub prices: PriceSheet,
}

/// Virtual machine sizes by name, with their vCPUs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmSizes {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// Size name (compared without case) to vCPUs.
    pub vcpus: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClassCoverage {
    /// Watched through a plan of its resource type.
    Plan,
    /// No plan protects it directly (disks, networks, ...).
    NotApplicable,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetClass {
    pub id: String,
    pub name: String,
    pub coverage: ClassCoverage,
    /// Assets of this class mark an organisation that builds on PaaS.
    #[serde(default)]
    pub app_platform: bool,
    /// Servers: the class whose assets need an endpoint sensor and a server plan.
    #[serde(default)]
    pub server: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceType {
    /// The resource type as the vendor spells it (compared without case).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Short names an overlay may use instead, e.g. `server`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The names the Azure portal shows for the type (`Virtual machine`), as Resource Graph
    /// Explorer's formatted results give them; read as the type, without case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub display_names: Vec<String>,
    pub class: String,
    /// Modules delivered through this type's plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// How a resource of this type counts towards its plan's bill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
    /// Classification when nothing stronger says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<PartialAxes>,
    /// Variants of this type that the plan cannot protect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_covered: Vec<Variant>,
    /// Variants billed by what they use rather than by what the export gives (a serverless
    /// Cosmos DB account has no provisioned throughput): their plan's cost is not estimated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billed_by_use: Option<UsageBilling>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub id: String,
    pub description: String,
    pub when: VariantCondition,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// Facts of a resource that pick out a variant. Every field given must match (each is a list
/// of glob patterns, any of which may match, compared without case).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantCondition {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kind: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sku_name: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sku_tier: Vec<String>,
    /// The SKU tier of the plan the resource runs on (an app's App Service plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_sku_tier: Vec<String>,
    /// Any of the resource's capabilities (Cosmos DB `EnableCassandra`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capability: Vec<String>,
}

/// How to tell a resource billed by its use, and where that is documented.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageBilling {
    pub when: VariantCondition,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A role an asset plays beyond its type (SQL Server on a machine), with the plan it needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub description: String,
    /// Classes of asset the role can be given to.
    pub applies_to: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// How an asset with the role counts towards the role's plan's bill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagMappings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<TagAxis<Sensitivity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<TagAxis<Impact>>,
}

/// Tag keys that carry one axis, and what their values mean. Keys and values are compared
/// without case, spaces, hyphens or underscores, so `Highly confidential` and
/// `highly-confidential` are one value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagAxis<T> {
    pub keys: Vec<String>,
    pub values: BTreeMap<String, T>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisValues {
    pub sensitivity: Sensitivity,
    pub impact: Impact,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialAxes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
}

/// Which sub-plan of a plan each tier needs. A weaker sub-plan raises `rule`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRequirement {
    pub plan: String,
    /// Tier (1 to 4) to the sub-plan it needs.
    pub sub_plans: BTreeMap<u8, String>,
    pub rule: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// Base severities per rule, and how an asset's tier moves them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityPolicy {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub base: BTreeMap<String, Severity>,
    /// Tier (1 to 4) to the number of steps it moves a severity (+1 up, -1 down).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tier_shift: BTreeMap<u8, i8>,
}

/// A rule's documentation in a vendor's terms: any of its parts, with the sources of the
/// facts they state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A kind of misuse only an application's own alerts can see.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseCase {
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attack: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owasp: Vec<String>,
    /// The SIEM's names for the tactics of `attack`, as analytics rules list them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tactics: Vec<String>,
    /// The telemetry sources best placed to see it, best first: a rule for it is written from
    /// the first of them an application has, before any other source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telemetry: Vec<String>,
    /// Required when any of these matches the application (an empty list: never required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_when: Vec<AppCondition>,
}

/// A Defender for Cloud setting (`az security setting list`) that a subscription needs on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingCheck {
    /// The setting's name as the export gives it (`WDATP`, `Sentinel`, `MCAS`).
    pub setting: String,
    pub name: String,
    /// Needed in a subscription where assets need this plan and it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Needed in every subscription with a plan on, once a SIEM workspace is known.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_siem: bool,
    /// What is lost while it is off.
    pub effect: String,
    /// The command that switches it on (`{subscription}`).
    pub fix: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A source of application telemetry in a Log Analytics workspace: what custom alerts query.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySource {
    pub id: String,
    pub name: String,
    /// The workspace tables it fills.
    pub tables: Vec<String>,
    /// The Sentinel data connector an analytics rule names for it, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<DataConnector>,
    /// Resource types whose presence among an application's components implies the source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred_from: Vec<String>,
    /// By resource type, the resource-log categories a diagnostic setting sends for it (empty:
    /// it does not travel by diagnostic settings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_categories: BTreeMap<String, Vec<String>>,
    /// Query templates by use case id: what `alerts` writes for a use case this source serves.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub queries: BTreeMap<String, QueryTemplate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A detection for one use case over one telemetry source. The query's placeholders are
/// `{resource_ids}` (the application's components that write the source, as a list of quoted
/// resource ids), `{application_name}` (the application's name, quoted) and the names of
/// `parameters` (numbers as written, texts quoted).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryTemplate {
    /// What the rule detects, in a sentence or two, for the rule's description.
    pub detects: String,
    /// How often the rule runs (`5m`, `1h`, `1d`).
    pub frequency: String,
    /// How far back each run looks; at least `frequency`.
    pub period: String,
    pub query: String,
    /// Values the team must tune to its own traffic, by placeholder name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, QueryParameter>,
    /// The entities the query's result columns carry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<EntityColumn>,
}

/// A value in a query template that depends on the application's traffic.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryParameter {
    pub value: ParameterValue,
    /// What the value means, for the rule's description.
    pub meaning: String,
}

/// A parameter's value: a number is written into the query as it is, a text as a string literal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParameterValue {
    Integer(i64),
    Number(f64),
    Text(String),
}

/// One entity a rule maps from a result column: e.g. `IP`, identifier `Address`, from `ClientIP`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityColumn {
    pub entity: String,
    pub identifier: String,
    pub column: String,
}

/// What analytics rules written by `alerts` take from the profile besides the use case and the
/// telemetry source.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRules {
    /// The rule's severity by the application's tier (1 to 4).
    pub severity: BTreeMap<u8, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A Sentinel data connector as analytics rules name it under `requiredDataConnectors`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConnector {
    pub id: String,
    pub data_types: Vec<String>,
}

/// Facts of an application; every one given must match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Exposure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenancy: Option<Tenancy>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licences {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<Product>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_plans: Vec<ServicePlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<LicenceSku>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub id: String,
    pub name: String,
}

/// A service plan inside a licence, and the products it grants.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePlan {
    pub name: String,
    pub grants: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A licence as sold (its SKU part number), with its service plans.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceSku {
    pub part_number: String,
    pub name: String,
    pub service_plans: Vec<String>,
    /// Products the SKU grants beyond its security service plans (e.g. the mail suite itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// An organisation-wide requirement: when every fact of `when` holds, one of `requires_any`
/// must hold too, or `rule` is raised. Facts are product ids granted by licences, plus
/// `endpoints` (managed clients exist), `on-premises-ad` and `siem` (a SIEM workspace is known).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationCheck {
    pub id: String,
    pub rule: String,
    pub module: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<String>,
    pub requires_any: Vec<String>,
    pub message: String,
    pub remediation: String,
}

/// Command templates for fixing plan findings. `{plan}`, `{sub_plan}` and `{subscription}`
/// are replaced.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    pub enable_plan: String,
    pub enable_sub_plan: String,
    /// The command that sends a resource's logs to a workspace (`{resource}`, `{workspace}`,
    /// `{logs}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_logs: Option<String>,
}

/// The facts an organisation check can test besides licensed products.
pub const ORGANIZATION_FACTS: &[&str] = &["endpoints", "on-premises-ad", "siem"];
