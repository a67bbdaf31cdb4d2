//! Resource exports, read as a stream: `az resource list`, Resource Graph from the CLI (both
//! extension versions), REST and PowerShell, and Resource Graph Explorer's CSV. Each row becomes
//! a [`RawResource`] handed to a callback at once, so a million rows never exist as a JSON tree.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;
use std::sync::mpsc;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::diag::{Diagnostic, Location};

/// Resource Graph returns pages of at most this many rows.
const PAGE_SIZE: usize = 1000;
/// Resource Graph Explorer's CSV download stops at this many rows.
const CSV_CAP: usize = 55_000;

/// Tag pairs as a row gives them.
pub type RawTags<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// One resource row, with the fields mdrplan uses. Keys are matched in the casing each tool
/// writes (camelCase, PascalCase from PowerShell). Text borrows from the row's bytes where it
/// can; nested objects are read without building a JSON tree.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawResource<'a> {
    #[serde(
        borrow,
        deserialize_with = "text",
        alias = "Id",
        alias = "ID",
        alias = "ResourceId",
        alias = "resourceId"
    )]
    pub id: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        deserialize_with = "text",
        alias = "Name",
        alias = "ResourceName"
    )]
    pub name: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        deserialize_with = "text",
        rename = "type",
        alias = "Type",
        alias = "ResourceType"
    )]
    pub type_name: Option<Cow<'a, str>>,
    #[serde(borrow, deserialize_with = "text", alias = "Kind")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, deserialize_with = "text", alias = "Location")]
    pub location: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        deserialize_with = "text",
        rename = "resourceGroup",
        alias = "ResourceGroup",
        alias = "ResourceGroupName"
    )]
    pub resource_group: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        deserialize_with = "text",
        rename = "subscriptionId",
        alias = "SubscriptionId"
    )]
    pub subscription_id: Option<Cow<'a, str>>,
    #[serde(borrow, alias = "Tags", deserialize_with = "tags")]
    pub tags: RawTags<'a>,
    #[serde(alias = "Sku", deserialize_with = "lenient_owned")]
    pub sku: Option<Cow<'a, RawSku>>,
    #[serde(
        borrow,
        deserialize_with = "text",
        rename = "managedBy",
        alias = "ManagedBy"
    )]
    pub managed_by: Option<Cow<'a, str>>,
    #[serde(alias = "Plan", deserialize_with = "lenient_owned")]
    pub plan: Option<Cow<'a, RawPlan>>,
    #[serde(alias = "Properties", deserialize_with = "lenient_owned")]
    pub properties: Option<Cow<'a, RawProperties>>,
}

impl<'a> RawResource<'a> {
    /// The row's single text fields, in the order a [`PackedRow`] keeps them.
    fn text_fields(&mut self) -> [&mut Option<Cow<'a, str>>; 8] {
        [
            &mut self.id,
            &mut self.name,
            &mut self.type_name,
            &mut self.kind,
            &mut self.location,
            &mut self.resource_group,
            &mut self.subscription_id,
            &mut self.managed_by,
        ]
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawSku {
    #[serde(alias = "Name")]
    pub name: Option<String>,
    #[serde(alias = "Tier")]
    pub tier: Option<String>,
    #[serde(alias = "Capacity", deserialize_with = "number")]
    pub capacity: Option<u64>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawPlan {
    #[serde(alias = "Product")]
    pub product: Option<String>,
}

/// The few properties that carry relations and variants.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawProperties {
    #[serde(rename = "serverFarmId", alias = "ServerFarmId")]
    pub server_farm_id: Option<String>,
    #[serde(rename = "nodeResourceGroup", alias = "NodeResourceGroup")]
    pub node_resource_group: Option<String>,
    #[serde(rename = "workspaceResourceId", alias = "WorkspaceResourceId")]
    pub workspace_resource_id: Option<String>,
    #[serde(alias = "Capabilities", deserialize_with = "lenient")]
    pub capabilities: Option<Vec<RawCapability>>,
    /// A Kubernetes cluster's node pools.
    #[serde(
        rename = "agentPoolProfiles",
        alias = "AgentPoolProfiles",
        deserialize_with = "lenient"
    )]
    pub agent_pool_profiles: Option<Vec<RawAgentPool>>,
    /// Resource Graph's `extended.instanceView` of a virtual machine (its power state).
    #[serde(alias = "Extended", deserialize_with = "lenient")]
    pub extended: Option<RawExtended>,
    #[serde(
        rename = "privateLinkServiceConnections",
        alias = "PrivateLinkServiceConnections",
        deserialize_with = "lenient"
    )]
    pub private_link_service_connections: Option<Vec<RawLinkConnection>>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawAgentPool {
    #[serde(alias = "Count", deserialize_with = "number")]
    pub count: Option<u64>,
    #[serde(rename = "vmSize", alias = "VmSize")]
    pub vm_size: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawExtended {
    #[serde(
        rename = "instanceView",
        alias = "InstanceView",
        deserialize_with = "lenient"
    )]
    pub instance_view: Option<RawInstanceView>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawInstanceView {
    #[serde(
        rename = "powerState",
        alias = "PowerState",
        deserialize_with = "lenient"
    )]
    pub power_state: Option<RawPowerState>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawPowerState {
    #[serde(alias = "Code")]
    pub code: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawCapability {
    #[serde(alias = "Name")]
    pub name: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawLinkConnection {
    #[serde(alias = "Properties", deserialize_with = "lenient")]
    pub properties: Option<RawLinkProperties>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct RawLinkProperties {
    #[serde(rename = "privateLinkServiceId", alias = "PrivateLinkServiceId")]
    pub private_link_service_id: Option<String>,
}

/// A nested object or list that some exports flatten to text (PowerShell's `ConvertTo-Json` at
/// its default depth writes a type name; CSV cells hold JSON text): read it when it is one, or
/// JSON text of one, and take it as absent otherwise.
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    struct Lenient<T>(PhantomData<T>);

    impl<'de, T: DeserializeOwned> Visitor<'de> for Lenient<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object, a list, or JSON text of one")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<T>, A::Error> {
            T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Some)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Option<T>, E> {
            Ok(serde_json::from_str(text).ok())
        }

        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<T>, E> {
            Ok(None)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<T>, E> {
            Ok(None)
        }
    }

    d.deserialize_any(Lenient(PhantomData))
}

/// [`lenient`], owned inside a [`Cow`]: a row replayed from the reading thread lends its own.
fn lenient_owned<'de, 'a, D: Deserializer<'de>, T: DeserializeOwned + Clone>(
    d: D,
) -> Result<Option<Cow<'a, T>>, D::Error> {
    lenient(d).map(|value| value.map(Cow::Owned))
}

/// Text, or `null`, borrowed from the row where it can: serde's own `Option<Cow<str>>` always
/// copies, which for a million rows is millions of allocations freed at once.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct Text;

    impl<'de> Visitor<'de> for Text {
        type Value = Option<Cow<'de, str>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }

        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Borrowed(v)))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v.to_owned())))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(Cow::Owned(v)))
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }

    d.deserialize_option(Text)
}

/// A number that may be written as text.
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A tag's value, whatever JSON type the export gave it, as text.
struct TagValue<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for TagValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TagValue<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a tag value")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Owned(v)))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Owned(v.to_string())))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Owned(v.to_string())))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Owned(v.to_string())))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Owned(v.to_string())))
            }

            fn visit_unit<E: de::Error>(self) -> Result<TagValue<'de>, E> {
                Ok(TagValue(Cow::Borrowed("")))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TagValue<'de>, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(TagValue(Cow::Borrowed("")))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TagValue<'de>, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(TagValue(Cow::Borrowed("")))
            }
        }
        d.deserialize_any(V)
    }
}

/// Tags: an object of key to value (values that are not text are turned into text), `null`,
/// or JSON text of such an object (CSV, PowerShell).
fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<RawTags<'de>, D::Error> {
    struct Tags;

    impl<'de> Visitor<'de> for Tags {
        type Value = RawTags<'de>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of tags")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<TagValue<'de>, TagValue<'de>>()? {
                out.push((k.0, v.0));
            }
            Ok(out)
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            let parsed: Option<BTreeMap<String, serde_json::Value>> =
                serde_json::from_str(text).ok();
            Ok(parsed
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (Cow::Owned(k), Cow::Owned(v))
                })
                .collect())
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
    }

    d.deserialize_any(Tags)
}

/// What the wrapper of a Resource Graph page says about its completeness.
#[derive(Debug, Default)]
pub struct PageInfo {
    pub rows: usize,
    pub count: Option<u64>,
    pub total: Option<u64>,
    pub skip_token: bool,
    pub truncated: bool,
    /// A bare array: no wrapper to say anything.
    pub bare: bool,
}

impl PageInfo {
    /// A warning when the page looks incomplete.
    pub fn truncation(&self) -> Option<String> {
        if self.truncated {
            return Some(
                "the export says its result was truncated (resultTruncated); rows are missing"
                    .into(),
            );
        }
        if self.skip_token {
            return Some(
                "the export has a skip token: more pages follow; give every page as input".into(),
            );
        }
        if let (Some(count), Some(total)) = (self.count, self.total)
            && count < total
        {
            return Some(format!(
                "the page holds {count} of {total} rows and no skip token: rows are missing"
            ));
        }
        if self.rows == PAGE_SIZE && !self.bare {
            return Some(format!(
                "the page holds exactly {PAGE_SIZE} rows, a full page: there may be more"
            ));
        }
        None
    }
}

/// A JSON error with its position, saying when the file was cut off.
pub fn json_error(file: &str, e: &serde_json::Error) -> Diagnostic {
    let at = Location::at(file, e.line(), e.column());
    let text = e.to_string();
    let text = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i]);
    if e.is_eof() {
        Diagnostic::error(
            at,
            "the file ends in the middle of the JSON: it was cut off",
        )
        .with_help("export it again, and check that the copy or download finished")
    } else {
        Diagnostic::error(at, format!("invalid JSON: {text}"))
            .with_help("fix the JSON at that position, or export the file again if it was damaged")
    }
}

/// Streams the rows of a JSON resource export to `sink`.
///
/// Two threads share the work. A reading thread walks the outer levels by hand (a bare array,
/// or a Resource Graph page with `data` beside `count`, `total_records`, `skip_token` and
/// `resultTruncated`), holding one chunk of the file at a time, and cuts the rows out into
/// slabs; this thread parses each row from its bytes and hands it to `sink`. When this thread
/// falls behind (the hand-over is full), the reading thread parses a slab itself rather than
/// wait, and this thread only replays its rows: both stay busy. An error in a row comes before
/// anything the reading thread finds later in the file, so it wins.
pub fn read_json(
    file: &str,
    reader: impl Read + Send,
    sink: &mut dyn FnMut(&RawResource<'_>, At),
) -> Result<PageInfo, Diagnostic> {
    std::thread::scope(|scope| {
        // Made inside the scope, so that the parsing end is dropped, and the reading thread
        // stops, even if this thread unwinds.
        let (full, cut) = mpsc::sync_channel(SLABS_IN_FLIGHT);
        let (spare, reuse) = mpsc::channel();
        let reading = scope.spawn(move || {
            let mut s = Scanner {
                file,
                reader,
                buf: Vec::with_capacity(CHUNK),
                pos: 0,
                eof: false,
                line: 1,
                line_start: 0,
                consumed: 0,
            };
            let mut slabs = Slabs {
                file,
                full,
                reuse,
                open: Slab::new(),
            };
            let page = s.page(&mut slabs);
            // The rows cut before an error too: a bad one among them is the first error.
            slabs.hand_over();
            page
        });
        let parsed = parse_slabs(file, &cut, &spare, sink);
        // A bad row stops the reading thread at its next hand-over.
        drop(cut);
        let page = reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        parsed.and(page)
    })
}

/// Where a row starts in its file (1-based line and column), for the locations reports give.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct At {
    pub line: u32,
    pub column: u32,
}

impl At {
    fn new(line: usize, column: usize) -> At {
        At {
            line: u32::try_from(line).unwrap_or(0),
            column: u32::try_from(column).unwrap_or(0),
        }
    }
}

/// Parses the rows of each slab as it comes (unless the reading thread has parsed them while
/// this thread was behind), and sends the emptied slab back for reuse.
fn parse_slabs(
    file: &str,
    cut: &mpsc::Receiver<Cut>,
    spare: &mpsc::Sender<Cut>,
    sink: &mut dyn FnMut(&RawResource<'_>, At),
) -> Result<(), Diagnostic> {
    for mut slab in cut {
        match (std::mem::replace(&mut slab.state, Parse::Left), &slab.text) {
            (Parse::Done, Text::Utf8(text)) => slab.parsed.replay(text, sink),
            (Parse::Failed(e), _) => return Err(e),
            _ => slab.parse(file, sink)?,
        }
        // The reading thread may have finished: then the slab is dropped here.
        let _ = spare.send(slab);
    }
    Ok(())
}

/// A row's parse error, placed in the file from the row's start.
fn row_error(file: &str, line: usize, column: usize, e: &serde_json::Error) -> Diagnostic {
    let at_line = line + e.line() - 1;
    let at_column = if e.line() == 1 {
        column + e.column() - 1
    } else {
        e.column()
    };
    let text = e.to_string();
    let text = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i])
        .to_owned();
    Diagnostic::error(
        Location::at(file, at_line, at_column),
        format!("invalid JSON: {text}"),
    )
    .with_help("fix the row, or export the file again if it was damaged")
}

/// Rows cut out of the file, one after another, for the parsing thread.
#[derive(Debug)]
struct Slab {
    text: Vec<u8>,
    rows: Vec<RowSpan>,
    /// Room for the rows parsed, kept from slab to slab.
    parsed: Parsed,
}

impl Slab {
    fn new() -> Slab {
        Slab {
            text: Vec::with_capacity(SLAB_BYTES),
            rows: Vec::new(),
            parsed: Parsed::default(),
        }
    }
}

/// A slab as handed over.
#[derive(Debug)]
struct Cut {
    text: Text,
    rows: Vec<RowSpan>,
    /// Whether the reading thread parsed the rows itself, and what it found.
    state: Parse,
    /// Those rows.
    parsed: Parsed,
}

impl Cut {
    /// Parses each row and hands it to `sink`; the first bad row's error.
    fn parse(
        &self,
        file: &str,
        sink: &mut dyn FnMut(&RawResource<'_>, At),
    ) -> Result<(), Diagnostic> {
        parse_rows(file, &self.text, &self.rows, &mut |raw, at| sink(&raw, at))
    }

    /// Parses the rows here, on the reading thread, keeping them as places in the text. Text
    /// that is not UTF-8 is left for the parsing thread, which says where it goes wrong.
    fn parse_here(&mut self, file: &str) {
        let Text::Utf8(base) = &self.text else {
            return;
        };
        let parsed = &mut self.parsed;
        parsed.rows.reserve(self.rows.len());
        self.state = match parse_rows(file, &self.text, &self.rows, &mut |raw, at| {
            parsed.keep(base, raw, at)
        }) {
            Ok(()) => Parse::Done,
            Err(e) => Parse::Failed(e),
        };
    }
}

/// Parses a slab's rows one after another, handing each to `sink`; the first bad row's error.
fn parse_rows(
    file: &str,
    text: &Text,
    rows: &[RowSpan],
    sink: &mut dyn FnMut(RawResource<'_>, At),
) -> Result<(), Diagnostic> {
    let mut start = 0;
    for row in rows {
        // Rows begin and end with brackets, so they begin and end on characters.
        let raw = match text {
            Text::Utf8(text) => serde_json::from_str(&text[start..row.end]),
            Text::Bytes(bytes) => serde_json::from_slice(&bytes[start..row.end]),
        }
        .map_err(|e| row_error(file, row.line, row.column, &e))?;
        sink(raw, At::new(row.line, row.column));
        start = row.end;
    }
    Ok(())
}

/// Whether the reading thread parsed a slab's rows.
#[derive(Debug)]
enum Parse {
    Left,
    Done,
    Failed(Diagnostic),
}

/// Where a piece of a parsed row's text lies: in its slab, or (when it had escapes) in the
/// text kept beside the rows.
#[derive(Debug, Clone, Copy)]
enum Span {
    Slab(u32, u32),
    Kept(u32, u32),
}

/// A slab's rows parsed by the reading thread, held without borrowing the slab, so that both
/// can be handed over together.
#[derive(Debug, Default)]
struct Parsed {
    rows: Vec<PackedRow>,
    tags: Vec<(Span, Span)>,
    kept: String,
}

/// A [`RawResource`] whose text is kept as [`Span`]s.
#[derive(Debug)]
struct PackedRow {
    at: At,
    text: [Option<Span>; 8],
    tags: (u32, u32),
    sku: Option<RawSku>,
    plan: Option<RawPlan>,
    properties: Option<RawProperties>,
}

impl Parsed {
    /// Where `text` lies: a piece borrowed from the slab is known by its distance from the
    /// slab's start; any other text (unescaped, or made by the parser) is kept here.
    fn span(&mut self, base: &str, text: &str) -> Span {
        let start = text.as_ptr().addr().wrapping_sub(base.as_ptr().addr());
        if start.saturating_add(text.len()) <= base.len() {
            return Span::Slab(start as u32, (start + text.len()) as u32);
        }
        let start = self.kept.len();
        self.kept.push_str(text);
        Span::Kept(start as u32, self.kept.len() as u32)
    }

    fn keep(&mut self, base: &str, mut raw: RawResource<'_>, at: At) {
        let mut text = [None; 8];
        for (slot, field) in text.iter_mut().zip(raw.text_fields()) {
            *slot = field.as_ref().map(|t| self.span(base, t));
        }
        let first = self.tags.len() as u32;
        for (k, v) in &raw.tags {
            let pair = (self.span(base, k), self.span(base, v));
            self.tags.push(pair);
        }
        self.rows.push(PackedRow {
            at,
            text,
            tags: (first, self.tags.len() as u32),
            sku: raw.sku.map(Cow::into_owned),
            plan: raw.plan.map(Cow::into_owned),
            properties: raw.properties.map(Cow::into_owned),
        });
    }

    /// Hands each row to `sink` as if it had been parsed here, lending it the row's nested
    /// parts. Their allocations stay in the rows, to be freed on the reading thread that made
    /// them: glibc frees memory from another thread's arena under that arena's lock, which the
    /// reading thread keeps busy.
    fn replay(&self, base: &str, sink: &mut dyn FnMut(&RawResource<'_>, At)) {
        let Parsed { rows, tags, kept } = self;
        let text = |span: Span| -> Cow<'_, str> {
            Cow::Borrowed(match span {
                Span::Slab(a, b) => &base[a as usize..b as usize],
                Span::Kept(a, b) => &kept[a as usize..b as usize],
            })
        };
        for row in rows {
            let mut raw = RawResource {
                tags: tags[row.tags.0 as usize..row.tags.1 as usize]
                    .iter()
                    .map(|(k, v)| (text(*k), text(*v)))
                    .collect(),
                sku: row.sku.as_ref().map(Cow::Borrowed),
                plan: row.plan.as_ref().map(Cow::Borrowed),
                properties: row.properties.as_ref().map(Cow::Borrowed),
                ..RawResource::default()
            };
            for (field, span) in raw.text_fields().into_iter().zip(row.text) {
                *field = span.map(text);
            }
            sink(&raw, row.at);
        }
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.tags.clear();
        self.kept.clear();
    }
}

/// A slab's text, checked as UTF-8 by the reading thread all at once, so that the parser need
/// not check each string again. Text that is not UTF-8 goes as bytes, for the parser to say
/// where.
#[derive(Debug)]
enum Text {
    Utf8(String),
    Bytes(Vec<u8>),
}

impl From<Slab> for Cut {
    fn from(slab: Slab) -> Cut {
        let text = match String::from_utf8(slab.text) {
            Ok(text) => Text::Utf8(text),
            Err(e) => Text::Bytes(e.into_bytes()),
        };
        Cut {
            text,
            rows: slab.rows,
            state: Parse::Left,
            parsed: slab.parsed,
        }
    }
}

impl From<Cut> for Slab {
    /// The cut's space, emptied for another slab.
    fn from(cut: Cut) -> Slab {
        let mut text = match cut.text {
            Text::Utf8(text) => text.into_bytes(),
            Text::Bytes(bytes) => bytes,
        };
        let (mut rows, mut parsed) = (cut.rows, cut.parsed);
        text.clear();
        rows.clear();
        parsed.clear();
        Slab { text, rows, parsed }
    }
}

/// Where a row ends in its slab's text, and where it starts in the file.
#[derive(Debug)]
struct RowSpan {
    end: usize,
    line: usize,
    column: usize,
}

/// A slab is handed over before it would hold more than this many bytes of rows.
const SLAB_BYTES: usize = 256 << 10;
/// Slabs cut and waiting to be parsed, at most. With the one being filled and the one being
/// parsed, this bounds the memory the rows take between the threads.
const SLABS_IN_FLIGHT: usize = 2;

/// The reading thread's end of the hand-over: the slab being filled, where full ones go, and
/// emptied ones coming back.
struct Slabs<'f> {
    file: &'f str,
    full: mpsc::SyncSender<Cut>,
    reuse: mpsc::Receiver<Cut>,
    open: Slab,
}

impl Slabs<'_> {
    /// Hands the open slab over, unless it is empty, and starts another; false when the
    /// parsing thread has stopped or a row is bad. While the parsing thread is behind, this
    /// thread parses the slab itself rather than wait, so that both keep busy.
    fn hand_over(&mut self) -> bool {
        if self.open.rows.is_empty() {
            return true;
        }
        let next = self
            .reuse
            .try_recv()
            .map_or_else(|_| Slab::new(), Slab::from);
        let full = std::mem::replace(&mut self.open, next);
        match self.full.try_send(full.into()) {
            Ok(()) => true,
            Err(mpsc::TrySendError::Disconnected(_)) => false,
            Err(mpsc::TrySendError::Full(mut cut)) => {
                cut.parse_here(self.file);
                let bad = matches!(cut.state, Parse::Failed(_));
                self.full.send(cut).is_ok() && !bad
            }
        }
    }
}

/// The file is read this many bytes at a time (more when a row is longer).
const CHUNK: usize = 1 << 20;
/// The longest row, or other value, an export may hold: far beyond any resource's, and a bound
/// on what a damaged file (a quote never closed, say) makes mdrplan hold in memory.
const MAX_ROW: usize = 64 << 20;

/// A cursor over the file's bytes, read a chunk at a time, that knows its line and column.
struct Scanner<'f, R> {
    file: &'f str,
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    line: usize,
    /// Offset (in the whole file) of the current line's start.
    line_start: usize,
    /// Bytes dropped from the front of `buf` so far.
    consumed: usize,
}

impl<R: Read> Scanner<'_, R> {
    /// Walks the export's outer levels, its rows cut into `slabs`; what the page says.
    fn page(&mut self, slabs: &mut Slabs<'_>) -> Result<PageInfo, Diagnostic> {
        let mut info = PageInfo::default();
        self.skip_ws()?;
        match self.peek()? {
            Some(b'[') => {
                info.bare = true;
                info.rows = self.rows(slabs)?;
            }
            Some(b'{') => {
                self.bump();
                let mut saw_data = false;
                loop {
                    self.skip_ws()?;
                    match self.peek()? {
                        Some(b'}') => {
                            self.bump();
                            break;
                        }
                        Some(b'"') => {}
                        _ => return Err(self.error("expected a key in quotes")),
                    }
                    let key = self.string()?.to_ascii_lowercase();
                    self.skip_ws()?;
                    self.expect(b':')?;
                    self.skip_ws()?;
                    match key.as_str() {
                        "data" => {
                            saw_data = true;
                            info.rows = self.rows(slabs)?;
                        }
                        _ => {
                            let value: serde_json::Value = self.value()?;
                            match key.as_str() {
                                "count" => info.count = value.as_u64(),
                                "total_records" | "totalrecords" => info.total = value.as_u64(),
                                "skip_token" | "$skiptoken" | "skiptoken" => {
                                    info.skip_token = value.as_str().is_some_and(|t| !t.is_empty());
                                }
                                "resulttruncated" => {
                                    info.truncated = value.as_bool() == Some(true)
                                        || value
                                            .as_str()
                                            .is_some_and(|t| t.eq_ignore_ascii_case("true"));
                                }
                                _ => {}
                            }
                        }
                    }
                    self.skip_ws()?;
                    match self.peek()? {
                        Some(b',') => self.bump(),
                        Some(b'}') => {}
                        _ => return Err(self.error("expected `,` or `}`")),
                    }
                }
                if !saw_data {
                    return Err(Diagnostic::error(Location::file(self.file), "an object without `data`: not a resource export")
                        .with_help("give the output of `az graph query`, `az resource list` or the Resource Graph REST API"));
                }
            }
            None => return Err(self.cut_off()),
            Some(_) => {
                return Err(self.error("expected a list of resources or a Resource Graph page"));
            }
        }
        self.skip_ws()?;
        if self.peek()?.is_some() {
            return Err(self.error("unexpected text after the end of the JSON"));
        }
        Ok(info)
    }

    /// Reads more of the file; false at its end.
    fn fill(&mut self) -> Result<bool, Diagnostic> {
        if self.eof {
            return Ok(false);
        }
        // What is left unread is at most a row: move it to the front rather than grow.
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.consumed += self.pos;
            self.pos = 0;
        }
        // At least a chunk, and room for as much again as a row cut off at the end holds.
        let start = self.buf.len();
        if start > MAX_ROW {
            return Err(Diagnostic::error(
                self.location(),
                format!(
                    "a single value longer than {} MiB: no resource row is this long",
                    MAX_ROW >> 20
                ),
            )
            .with_help("the file is damaged (a quote or bracket never closed?) or not a resource export; export it again"));
        }
        self.buf.resize(CHUNK.max(2 * start), 0);
        let n = loop {
            match self.reader.read(&mut self.buf[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(start);
                    return Err(Diagnostic::error(
                        self.location(),
                        format!("cannot read the file: {e}"),
                    )
                    .with_help("check the file's encoding and that it is readable"));
                }
            }
        };
        self.buf.truncate(start + n);
        self.eof = n == 0;
        Ok(n > 0)
    }

    fn peek(&mut self) -> Result<Option<u8>, Diagnostic> {
        while self.pos >= self.buf.len() {
            if !self.fill()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    fn bump(&mut self) {
        if self.buf[self.pos] == b'\n' {
            self.line += 1;
            self.line_start = self.consumed + self.pos + 1;
        }
        self.pos += 1;
    }

    fn skip_ws(&mut self) -> Result<(), Diagnostic> {
        while let Some(b) = self.peek()? {
            if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.bump();
        }
        Ok(())
    }

    fn expect(&mut self, b: u8) -> Result<(), Diagnostic> {
        match self.peek()? {
            Some(x) if x == b => {
                self.bump();
                Ok(())
            }
            None => Err(self.cut_off()),
            Some(_) => Err(self.error(&format!("expected `{}`", b as char))),
        }
    }

    /// The column of `pos`, from 1.
    fn column(&self) -> usize {
        self.consumed + self.pos - self.line_start + 1
    }

    fn location(&self) -> Location {
        Location::at(self.file, self.line, self.column())
    }

    fn error(&self, what: &str) -> Diagnostic {
        Diagnostic::error(self.location(), format!("invalid JSON: {what}"))
            .with_help("fix the JSON at that position, or export the file again if it was damaged")
    }

    fn cut_off(&self) -> Diagnostic {
        Diagnostic::error(
            self.location(),
            "the file ends in the middle of the JSON: it was cut off",
        )
        .with_help("export it again, and check that the copy or download finished")
    }

    /// The end (exclusive) of the JSON value starting at `pos`, reading more as needed. Inside
    /// strings it jumps to the next quote or backslash, which is most of a row.
    fn value_end(&mut self) -> Result<usize, Diagnostic> {
        let (mut depth, mut in_string) = (0usize, false);
        let mut i = self.pos;
        loop {
            if i >= self.buf.len() {
                let before = self.pos;
                if !self.fill()? {
                    return Err(self.cut_off());
                }
                // `fill` moves what is left unread to the front of the buffer.
                i -= before - self.pos;
                continue;
            }
            if in_string {
                // Most strings in a row are short keys and values: a plain look at their first
                // bytes beats setting up a vector search.
                let rest = &self.buf[i..];
                let near = rest[..rest.len().min(16)]
                    .iter()
                    .position(|b| matches!(b, b'"' | b'\\'));
                let found = match near {
                    Some(k) => Some(k),
                    None if rest.len() <= 16 => None,
                    None => memchr::memchr2(b'"', b'\\', &rest[16..]).map(|k| k + 16),
                };
                match found {
                    None => i = self.buf.len(),
                    Some(k) if self.buf[i + k] == b'\\' => {
                        // Skip the escaped character too (it may lie past the buffer's end).
                        i += k + 2;
                        if i > self.buf.len() {
                            let before = self.pos;
                            if !self.fill()? {
                                return Err(self.cut_off());
                            }
                            i -= before - self.pos;
                        }
                    }
                    Some(k) => {
                        i += k + 1;
                        in_string = false;
                        if depth == 0 {
                            return Ok(i);
                        }
                    }
                }
                continue;
            }
            match self.buf[i] {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        return Ok(i);
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i + 1);
                    }
                }
                b',' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => return Ok(i),
                _ => {}
            }
            i += 1;
        }
    }

    /// Moves past a value that ends at `end`, counting its lines.
    fn advance(&mut self, end: usize) {
        let bytes = &self.buf[self.pos..end];
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            self.line += memchr::memchr_iter(b'\n', bytes).count();
            self.line_start = self.consumed + self.pos + last + 1;
        }
        self.pos = end;
    }

    /// Parses the value at `pos` as `T`.
    fn parse<T: DeserializeOwned>(&mut self) -> Result<T, Diagnostic> {
        let end = self.value_end()?;
        let value = serde_json::from_slice::<T>(&self.buf[self.pos..end])
            .map_err(|e| row_error(self.file, self.line, self.column(), &e))?;
        self.advance(end);
        Ok(value)
    }

    fn value(&mut self) -> Result<serde_json::Value, Diagnostic> {
        if self.peek()?.is_none() {
            return Err(self.cut_off());
        }
        self.parse()
    }

    fn string(&mut self) -> Result<String, Diagnostic> {
        let v: serde_json::Value = self.parse()?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.error("expected a key in quotes"))
    }

    /// Cuts the rows of a list into `slabs`; the list's length. Each row is found by its
    /// brackets and quotes only: the parsing thread reads it, and says what is wrong with it.
    fn rows(&mut self, slabs: &mut Slabs<'_>) -> Result<usize, Diagnostic> {
        self.expect(b'[')?;
        let mut n = 0;
        loop {
            self.skip_ws()?;
            match self.peek()? {
                Some(b']') => {
                    self.bump();
                    return Ok(n);
                }
                Some(b'{') => {
                    let end = self.value_end()?;
                    if slabs.open.text.len() + (end - self.pos) > SLAB_BYTES && !slabs.hand_over() {
                        // The parsing thread stopped at a bad row: its error is the one told,
                        // and nothing more is read.
                        return Ok(n);
                    }
                    let (line, column) = (self.line, self.column());
                    let open = &mut slabs.open;
                    open.text.extend_from_slice(&self.buf[self.pos..end]);
                    open.rows.push(RowSpan {
                        end: open.text.len(),
                        line,
                        column,
                    });
                    self.advance(end);
                    n += 1;
                }
                None => return Err(self.cut_off()),
                Some(_) => return Err(self.error("expected a resource object")),
            }
            self.skip_ws()?;
            match self.peek()? {
                Some(b',') => self.bump(),
                Some(b']') => {}
                None => return Err(self.cut_off()),
                Some(_) => return Err(self.error("expected `,` or `]` after a resource")),
            }
        }
    }
}

/// What a CSV export's header says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvShape {
    /// "Download as CSV" of raw results: the projected columns, `id` among them.
    Raw,
    /// "Formatted results": display names, no `id`.
    Formatted,
}

/// The shape of a CSV header, or `None` when it is not a resource export.
pub fn csv_shape(header: &[String]) -> Option<CsvShape> {
    let has = |name: &str| header.iter().any(|h| h.trim().eq_ignore_ascii_case(name));
    if has("id") && has("type") {
        Some(CsvShape::Raw)
    } else if has("name")
        && has("type")
        && (has("resource group") || has("subscription") || has("resourcegroup"))
    {
        Some(CsvShape::Formatted)
    } else {
        None
    }
}

/// What a CSV export held.
#[derive(Debug)]
pub struct CsvRead {
    pub rows: usize,
    pub shape: CsvShape,
    /// Formatted results: the subscriptions as their rows name them (display names).
    pub subscription_names: BTreeSet<String>,
}

/// Streams the rows of a Resource Graph CSV export to `sink`. A formatted-results file has no
/// ids: each row is given one made of its subscription, resource group, type and name (unique
/// as a resource id is), with the warning of what the file lacks.
pub fn read_csv(
    file: &str,
    reader: impl Read,
    sink: &mut dyn FnMut(&RawResource<'_>, At),
    warn: &mut dyn FnMut(Diagnostic),
) -> Result<CsvRead, Diagnostic> {
    // Bytes read since the last whole record: a quote never closed must not make one record
    // of the rest of the file.
    let unbroken = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let bounded = Bounded {
        inner: reader,
        read: std::rc::Rc::clone(&unbroken),
    };
    let mut csv = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, bounded));
    let header: Vec<String> = csv
        .headers()
        .map_err(|e| csv_error(file, &e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let shape = csv_shape(&header).ok_or_else(|| {
        Diagnostic::error(Location::at(file, 1, 1), "a CSV file without the columns of a resource export (id, type)")
            .with_help("download the raw results from Resource Graph Explorer (Download as CSV), with id, name and type projected")
    })?;
    if shape == CsvShape::Formatted {
        warn(
            Diagnostic::warning(
                Location::at(file, 1, 1),
                "formatted Resource Graph results: no resource ids, kinds, SKUs or properties; types and subscriptions by display name",
            )
            .with_help("resources are told apart by subscription, group, type and name, and cannot be related to each other or checked for plan variants; download the raw results (Download as CSV) instead"),
        );
    }
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let id = column(&["id"]);
    let name = column(&["name"]);
    let type_name = column(&["type"]);
    let kind = column(&["kind"]);
    let location = column(&["location"]);
    let group = column(&["resourceGroup", "resource group"]);
    let subscription = column(&["subscriptionId", "subscription"]);
    let tags_col = column(&["tags"]);
    let sku = column(&["sku"]);
    let managed_by = column(&["managedBy"]);
    let plan = column(&["plan"]);
    let properties = column(&["properties"]);

    let mut rows = 0;
    let mut subscription_names = BTreeSet::new();
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => unbroken.set(0),
            Err(e) => return Err(csv_error(file, &e)),
        }
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .filter(|v| !v.is_empty() && *v != "null")
                .map(str::to_owned)
        };
        let text = |i: Option<usize>| cell(i).map(Cow::Owned);
        let row_id = match shape {
            CsvShape::Raw => text(id),
            CsvShape::Formatted => {
                let sub = cell(subscription);
                if let Some(s) = &sub {
                    subscription_names.insert(s.clone());
                }
                match (cell(name), cell(type_name)) {
                    (Some(n), Some(t)) => Some(Cow::Owned(format!(
                        "/subscriptions/{}/resourceGroups/{}/providers/{t}/{n}",
                        sub.as_deref().unwrap_or("-"),
                        cell(group).as_deref().unwrap_or("-"),
                    ))),
                    _ => None,
                }
            }
        };
        let raw = RawResource {
            id: row_id,
            name: text(name),
            type_name: text(type_name),
            kind: text(kind),
            location: text(location),
            resource_group: text(group),
            subscription_id: text(subscription),
            tags: cell(tags_col)
                .map(|t| tags(serde_json::Value::String(t)).unwrap_or_default())
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
            sku: from_json(cell(sku)).map(Cow::Owned),
            managed_by: text(managed_by),
            plan: from_json(cell(plan)).map(Cow::Owned),
            properties: from_json(cell(properties)).map(Cow::Owned),
        };
        let line = record.position().map_or(0, |p| p.line());
        sink(&raw, At::new(usize::try_from(line).unwrap_or(0), 1));
        rows += 1;
    }
    if rows == CSV_CAP {
        warn(Diagnostic::warning(
            Location::file(file),
            format!("the CSV holds exactly {CSV_CAP} rows, Resource Graph Explorer's limit: rows are probably missing"),
        )
        .with_help("export with `az graph query` or split the query so each download stays under the limit"));
    }
    Ok(CsvRead {
        rows,
        shape,
        subscription_names,
    })
}

/// A reader that fails once more than [`MAX_ROW`] bytes (plus a read-ahead buffer) pass without
/// the count being reset.
struct Bounded<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<usize>>,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n);
        if self.read.get() > MAX_ROW + (2 << 20) {
            return Err(std::io::Error::other(format!(
                "a single record longer than {} MiB: a quote never closed?",
                MAX_ROW >> 20
            )));
        }
        Ok(n)
    }
}

/// A CSV cell holding JSON text, read into `T` (absent when it does not parse).
fn from_json<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

fn csv_error(file: &str, e: &csv::Error) -> Diagnostic {
    let at = e.position().map_or_else(
        || Location::file(file),
        |p| Location::at(file, p.line() as usize, 1),
    );
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Diagnostic::error(
            at,
            format!("a row with {len} fields where the header has {expected_len}"),
        )
        .with_help("the row is ragged: check for an unquoted comma or a cut-off line, or export the file again"),
        csv::ErrorKind::Utf8 { .. } => Diagnostic::error(at, "the CSV is not valid UTF-8 text")
            .with_help("save it as UTF-8 (Excel: CSV UTF-8), or export it again"),
        _ => Diagnostic::error(at, format!("invalid CSV: {e}")).with_help("export the file again"),
    }
}

/// Tag pairs as a sorted map, for tests and messages.
pub fn tag_map<'t>(tags: &'t [(Cow<'_, str>, Cow<'_, str>)]) -> BTreeMap<&'t str, &'t str> {
    tags.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the tests check of a row, owned.
    #[derive(Debug)]
    struct Row {
        id: Option<String>,
        type_name: Option<String>,
        tags: Vec<(String, String)>,
        capacity: Option<u64>,
        has_sku: bool,
        node_group: Option<String>,
    }

    fn own(r: &RawResource<'_>) -> Row {
        Row {
            id: r.id.as_deref().map(str::to_owned),
            type_name: r.type_name.as_deref().map(str::to_owned),
            tags: r
                .tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            capacity: r.sku.as_ref().and_then(|s| s.capacity),
            has_sku: r.sku.is_some(),
            node_group: r
                .properties
                .as_ref()
                .and_then(|p| p.node_resource_group.clone()),
        }
    }

    /// A slab of the given rows, as the reading thread hands it over.
    fn cut(rows: &[&str]) -> Cut {
        let mut slab = Slab::new();
        for (i, row) in rows.iter().enumerate() {
            slab.text.extend_from_slice(row.as_bytes());
            slab.rows.push(RowSpan {
                end: slab.text.len(),
                line: i + 2,
                column: 1,
            });
        }
        Cut::from(slab)
    }

    #[test]
    fn rows_parsed_on_the_reading_thread_are_replayed_as_if_parsed_here() {
        let mut cut = cut(&[
            r#"{"id":"/subscriptions/s/resourceGroups/g/providers/Microsoft.Web/sites/caf\u00e9","name":"a\"b","type":"Microsoft.Web/sites","kind":"app","location":"westeurope","resourceGroup":"g","subscriptionId":"s","managedBy":"m","tags":{"env":"prod","n":5,"none":null,"k\n":"v\t"},"sku":{"name":"P1v3","tier":"PremiumV3","capacity":"2"},"plan":{"product":"p"},"properties":{"serverFarmId":"/x/serverfarms/f","agentPoolProfiles":[{"count":3,"vmSize":"D4"}]}}"#,
            r#"{"id":"/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/vm","type":"Microsoft.Compute/virtualMachines","tags":"{\"a\":\"b\"}","properties":"{\"nodeResourceGroup\":\"mc_g\"}"}"#,
            r#"{"Id":"x","Type":"y","Tags":null,"Sku":null,"Kind":""}"#,
        ]);
        let mut direct = Vec::new();
        cut.parse("f.json", &mut |r, at| direct.push(format!("{at:?} {r:?}")))
            .unwrap();
        cut.parse_here("f.json");
        assert!(matches!(cut.state, Parse::Done));
        let Text::Utf8(text) = &cut.text else {
            panic!("the rows are UTF-8");
        };
        let mut replayed = Vec::new();
        cut.parsed
            .replay(text, &mut |r, at| replayed.push(format!("{at:?} {r:?}")));
        assert_eq!(replayed, direct);
        assert!(direct[0].contains(r#"name: Some("a\"b")"#), "{}", direct[0]);
        assert!(direct[0].contains(r#"("k\n", "v\t")"#), "{}", direct[0]);
        assert!(direct[0].contains(r#"("n", "5")"#), "{}", direct[0]);
        assert!(direct[1].contains(r#"("a", "b")"#), "{}", direct[1]);
        assert!(direct[1].contains(r#"Some("mc_g")"#), "{}", direct[1]);
    }

    #[test]
    fn a_bad_row_parsed_on_the_reading_thread_is_told_as_if_parsed_here() {
        let mut cut = cut(&[r#"{"id":"a","type":"t"}"#, r#"{"id":"b","type":}"#]);
        let here = cut.parse("f.json", &mut |_, _| {}).unwrap_err();
        cut.parse_here("f.json");
        let Parse::Failed(there) = &cut.state else {
            panic!("the second row is bad");
        };
        assert_eq!(there.to_string(), here.to_string());
        assert!(here.to_string().contains("f.json:3:"), "{here}");
    }

    fn rows(json: &str) -> (Vec<Row>, PageInfo) {
        let mut out = Vec::new();
        let info = read_json("f.json", json.as_bytes(), &mut |r, _| out.push(own(r))).unwrap();
        (out, info)
    }

    #[test]
    fn reads_the_cli_page_and_says_when_it_is_incomplete() {
        let (r, info) = rows(include_str!("../../tests/fixtures/exports/arg-cli.json"));
        assert_eq!(r.len(), 4);
        let aks = &r[0];
        assert_eq!(
            aks.type_name.as_deref(),
            Some("microsoft.containerservice/managedclusters")
        );
        assert_eq!(
            aks.node_group.as_deref(),
            Some("MC_rg-orders_aks-orders_westeurope")
        );
        assert!(
            aks.tags
                .contains(&("Criticality".into(), "Mission-critical".into()))
        );
        assert_eq!(r[1].capacity, Some(3));
        assert!(info.truncation().is_none());
        let (_, info) = rows(
            r#"{"count": 2, "data": [{"id": "a"}, {"id": "b"}], "skip_token": "x", "total_records": 5}"#,
        );
        assert!(info.truncation().unwrap().contains("skip token"));
        let (_, info) = rows(
            r#"{"totalRecords": 5, "count": 1, "resultTruncated": "true", "data": [{"id": "a"}]}"#,
        );
        assert!(info.truncation().unwrap().contains("truncated"));
    }

    #[test]
    fn reads_bare_arrays_with_nulls_escapes_and_pascal_case() {
        let (r, info) = rows(
            r#"[{"id": "/x", "name": "a", "type": "T", "tags": null, "sku": null, "properties": null},
            {"Id": "/y\u0041", "Name": "b", "Type": "T", "Tags": {"Env": 1, "Owner": "J\u00f6rg"}, "Sku": "Microsoft.Azure.Management.Sku", "Properties": "System.Object"}]"#,
        );
        assert!(info.bare);
        assert!(r[0].tags.is_empty());
        assert_eq!(r[1].id.as_deref(), Some("/yA"), "escaped text is read too");
        assert_eq!(
            r[1].tags,
            vec![
                ("Env".to_owned(), "1".to_owned()),
                ("Owner".to_owned(), "Jörg".to_owned())
            ]
        );
        assert!(
            !r[1].has_sku,
            "a type name where an object belongs is no SKU"
        );
    }

    #[test]
    fn a_cut_off_file_is_named_as_such() {
        let mut sink = |_: &RawResource<'_>, _: At| {};
        let e = read_json(
            "f.json",
            &b"{\"data\": [{\"id\": \"a\"}, {\"id\": "[..],
            &mut sink,
        )
        .unwrap_err();
        assert!(e.message.contains("cut off"), "{e}");
        assert_eq!(e.location.line, Some(1));
    }

    #[test]
    fn row_errors_point_into_the_file() {
        let mut sink = |_: &RawResource<'_>, _: At| {};
        let text = "{\"data\": [\n  {\"id\": \"a\"},\n  {\"id\": \"b\", \"tags\": {\"x\" 1}}\n]}";
        let e = read_json("f.json", text.as_bytes(), &mut sink).unwrap_err();
        assert_eq!(
            (e.location.line, e.location.column),
            (Some(3), Some(28)),
            "{e}"
        );
    }

    #[test]
    fn rows_longer_than_a_chunk_and_a_slab_are_read_whole() {
        let long = "v".repeat(3 * CHUNK + SLAB_BYTES);
        let text = format!(
            "[{{\"id\": \"a\", \"type\": \"t\"}},\n {{\"id\": \"b\", \"type\": \"t\", \"tags\": {{\"k\": \"{long}\"}}}},\n {{\"id\": \"c\", \"type\": \"t\"}}]"
        );
        let mut rows = Vec::new();
        read_json("big.json", text.as_bytes(), &mut |r, _| rows.push(own(r))).unwrap();
        let ids: Vec<_> = rows
            .iter()
            .map(|r| r.id.clone().unwrap_or_default())
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(rows[1].tags, [("k".to_owned(), long)]);
    }

    #[test]
    fn a_row_without_end_is_refused_at_a_bounded_length() {
        // A quote never closed: the rest of the file would be one string.
        let mut text = b"[{\"id\": \"".to_vec();
        text.resize(MAX_ROW + 4 * CHUNK, b'a');
        let mut sink = |_: &RawResource<'_>, _: At| {};
        let e = read_json("open.json", text.as_slice(), &mut sink).unwrap_err();
        assert!(e.message.contains("longer than 64 MiB"), "{e}");
        assert_eq!(e.location.line, Some(1), "{e}");
    }

    #[test]
    fn a_csv_quote_never_closed_is_refused_at_a_bounded_length() {
        let mut text = b"id,name,type\n/a,a,P/t\n\"/b".to_vec();
        text.resize(MAX_ROW + 4 * CHUNK, b'a');
        let e = read_csv("open.csv", text.as_slice(), &mut |_, _| {}, &mut |_| {}).unwrap_err();
        assert!(e.message.contains("longer than 64 MiB"), "{e}");
    }

    #[test]
    fn a_bad_row_stops_the_reading_early_and_is_the_error_told() {
        let row = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/P/t/n", "type": "P/t"}"#;
        let mut lines = vec![row; 4 * CHUNK / row.len()];
        lines[2] = r#"{"id": "x" "type": "P/t"}"#;
        // Past the rows, more that is wrong: the bad row comes first in the file.
        let text = format!("[{}\n, oops", lines.join(",\n"));
        let mut sink = |_: &RawResource<'_>, _: At| {};
        let e = read_json("f.json", text.as_bytes(), &mut sink).unwrap_err();
        assert_eq!(
            (e.location.line, e.location.column),
            (Some(3), Some(12)),
            "{e}"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_placed_in_their_row() {
        let mut sink = |_: &RawResource<'_>, _: At| {};
        let text = b"[{\"id\": \"a\"},\n {\"id\": \"b\xff\"}]";
        let e = read_json("f.json", &text[..], &mut sink).unwrap_err();
        assert!(e.message.contains("invalid unicode code point"), "{e}");
        assert_eq!(
            (e.location.line, e.location.column),
            (Some(2), Some(11)),
            "{e}"
        );
    }

    #[test]
    fn rows_that_cross_chunk_edges_are_read_whole() {
        let row = r#"{"id": "/subscriptions/s/resourceGroups/g/providers/P/t/NAME", "type": "P/t", "tags": {"k": "v"}}"#;
        let n = 3 * CHUNK / row.len();
        let body: Vec<String> = (0..n)
            .map(|i| row.replace("NAME", &i.to_string()))
            .collect();
        let text = format!("[{}]", body.join(",\n"));
        let mut count = 0;
        let mut last = String::new();
        read_json("big.json", text.as_bytes(), &mut |r, _| {
            count += 1;
            last = r.id.as_deref().unwrap_or_default().to_owned();
        })
        .unwrap();
        assert_eq!(count, n);
        assert!(last.ends_with(&format!("/{}", n - 1)));
    }

    #[test]
    fn reads_raw_csv_and_refuses_ragged_rows() {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        let text = include_str!("../../tests/fixtures/exports/arg-results.csv");
        read_csv(
            "r.csv",
            text.as_bytes(),
            &mut |r, _| out.push(own(r)),
            &mut |w| warnings.push(w),
        )
        .unwrap();
        assert!(!out.is_empty());
        assert!(out.iter().all(|r| r.id.is_some() && r.type_name.is_some()));
        assert!(warnings.is_empty());
        let ragged = "id,name,type\n/a,a,T\n/b,b\n";
        let e = read_csv("r.csv", ragged.as_bytes(), &mut |_, _| {}, &mut |_| {}).unwrap_err();
        assert!(e.message.contains("2 fields where the header has 3"), "{e}");
        assert_eq!(e.location.line, Some(3));
    }
}
