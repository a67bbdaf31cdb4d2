//! Readers for the small Azure and Microsoft 365 exports: Defender pricings and settings,
//! licences, and Resource Graph `resourcecontainers` rows. Each turns a parsed JSON document into
//! typed records, or says what is wrong with it.
//!
//! This file holds what the readers share: finding the record list inside any wrapper (`value`,
//! `data`, a bare array), reading a field whether the tool flattened it or left it under
//! `properties`, the lenient conversions the exports need (booleans and numbers written as
//! strings), the subscription of an ARM id, and the warning for a page that looks incomplete.

pub mod containers;
pub mod diagnostics;
pub mod licences;
pub mod pricing;
pub mod sentinel;
pub mod settings;

use serde_json::{Map, Value};

use crate::diag::{Diagnostic, Location};

/// The page size of Resource Graph: a page of exactly this many rows probably has a next one.
const PAGE_SIZE: usize = 1000;

/// The keys under which the exports put their record lists: Graph and ARM use `value`, Resource
/// Graph `data`.
const WRAPPER_KEYS: &[&str] = &["value", "data"];

/// The record list of an export and where it sits in the document, so that messages can name a
/// record the way a user would find it (`value[3]`, `data[0]`, `[2]`).
#[derive(Debug, Clone, Copy)]
pub struct Records<'a> {
    /// The wrapper key as written in the file; `None` for a bare array or a single object.
    key: Option<&'a str>,
    /// A single object stands for itself and has no index.
    single: bool,
    pub items: &'a [Value],
}

impl<'a> Records<'a> {
    /// How a message names item `index`.
    pub fn path(&self, index: usize) -> String {
        match (self.key, self.single) {
            // A lone object needs no name: its fields are named from the top.
            (_, true) => String::new(),
            (Some(key), false) => format!("{key}[{index}]"),
            (None, false) => format!("[{index}]"),
        }
    }

    /// Item `index` (which [`Records::iter`] keeps in range) as a [`Record`], or an error when
    /// it is not an object.
    fn record(
        &self,
        file: &'a str,
        index: usize,
        rerun: &'a str,
    ) -> Result<Record<'a>, Diagnostic> {
        let path = self.path(index);
        match &self.items[index] {
            Value::Object(fields) => Ok(Record::new(file, path, fields, rerun)),
            other => Err(Diagnostic::error(
                Location::file(file),
                format!(
                    "{}expected an object for each record, found {}",
                    prefix(&path),
                    describe(other)
                ),
            )
            .with_help(rerun)),
        }
    }

    /// Every item as a [`Record`], in file order.
    pub fn iter(
        &self,
        file: &'a str,
        rerun: &'a str,
    ) -> impl Iterator<Item = Result<Record<'a>, Diagnostic>> + '_ {
        (0..self.items.len()).map(move |i| self.record(file, i, rerun))
    }
}

/// The record list of an export in any wrapper: a bare array, `{"value": [...]}` (Graph, ARM,
/// the current CLI), or `{"data": [...]}` (Resource Graph, CLI and REST). `None` for anything
/// else, including Resource Graph's old table format (`data` holding `columns` and `rows`).
pub fn rows(value: &Value) -> Option<&Vec<Value>> {
    wrapped(value).map(|(_, list)| list)
}

/// [`rows`] with the key the list was found under.
fn wrapped(value: &Value) -> Option<(Option<&str>, &Vec<Value>)> {
    match value {
        Value::Array(list) => Some((None, list)),
        Value::Object(map) => WRAPPER_KEYS.iter().find_map(|key| match lookup(map, key) {
            Some((found, Value::Array(list))) => Some((Some(found), list)),
            _ => None,
        }),
        _ => None,
    }
}

/// The records of `value`: those of any wrapper [`rows`] knows, or `value` itself when it is a
/// single object that `is_record` accepts (PowerShell's `ConvertTo-Json` writes one item without
/// the surrounding array, and `az ... show` prints one object).
pub fn records(value: &Value, is_record: impl Fn(&Value) -> bool) -> Option<Records<'_>> {
    if let Some((key, list)) = wrapped(value) {
        return Some(Records {
            key,
            single: false,
            items: list,
        });
    }
    (value.is_object() && is_record(value)).then(|| Records {
        key: None,
        single: true,
        items: std::slice::from_ref(value),
    })
}

/// The item that decides what an export is: the first record of a wrapper, or a lone object.
pub fn first_item(value: &Value) -> Option<&Value> {
    match wrapped(value) {
        Some((_, list)) => list.first(),
        None => value.is_object().then_some(value),
    }
}

/// The subscription GUID in an ARM id (`/subscriptions/<guid>/...`), lower-cased: ARM ids keep
/// whatever casing the caller or provider used, and the same subscription must compare equal.
pub fn subscription_of(id: &str) -> Option<String> {
    let mut segments = id.split('/');
    while let Some(segment) = segments.next() {
        if segment.eq_ignore_ascii_case("subscriptions") {
            return segments
                .next()
                .filter(|guid| is_guid(guid))
                .map(str::to_ascii_lowercase);
        }
    }
    None
}

/// Whether `text` has the 8-4-4-4-12 hexadecimal shape of a GUID.
pub fn is_guid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A warning text when the wrapper says, or the row count suggests, that the export is one page
/// of a longer result; `None` when it looks complete. The reader goes on either way: the rows it
/// has are still right, there are just not all of them.
pub fn truncation(value: &Value) -> Option<String> {
    let page = rows(value).map(Vec::len);

    if let Value::Object(map) = value {
        if lookup(map, "resultTruncated").and_then(|(_, v)| as_bool(v)) == Some(true) {
            return Some(
                "Resource Graph marked the result as truncated (resultTruncated is true): rows are \
                 missing; page through the query with its skip token, or narrow it"
                    .to_string(),
            );
        }

        if lookup(map, "@odata.nextLink").is_some_and(|(_, v)| non_empty_str(v)) {
            return Some(
                "Microsoft Graph says more pages follow (@odata.nextLink): the export is one page; \
                 export all of them (`Get-MgSubscribedSku -All`)"
                    .to_string(),
            );
        }

        let skip_token = ["skip_token", "$skipToken", "skipToken"]
            .iter()
            .any(|key| lookup(map, key).is_some_and(|(_, v)| non_empty_str(v)));
        if skip_token {
            return Some(
                "the export carries a skip token, so it is one page of several: give every page \
                 as an input (`az graph query ... --skip-token <token>` fetches the next one)"
                    .to_string(),
            );
        }

        let total = ["total_records", "totalRecords"]
            .iter()
            .find_map(|key| lookup(map, key).and_then(|(_, v)| as_u64(v)));
        let count = lookup(map, "count")
            .and_then(|(_, v)| as_u64(v))
            .or(page.map(|n| n as u64));
        if let (Some(count), Some(total)) = (count, total)
            && count < total
        {
            return Some(format!(
                "the export holds {count} of {total} rows and no skip token to fetch the rest: \
                 run the query again with `--first 1000` (the CLI returns 100 rows unless told \
                 otherwise), and with `--skip-token` for each further page"
            ));
        }
    }

    (page == Some(PAGE_SIZE)).then(|| {
        format!(
            "the export holds exactly {PAGE_SIZE} rows, the size of one Resource Graph page: it \
             is probably incomplete; page through the query with `--skip-token` and give every \
             page as an input"
        )
    })
}

/// One record of an export: its fields, the `properties` bag ARM and Resource Graph nest most of
/// them in, and what a message needs to point at it.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub file: &'a str,
    /// How messages name the record: `value[3]`.
    pub path: String,
    fields: &'a Map<String, Value>,
    properties: Option<&'a Map<String, Value>>,
    /// The advice given with a malformed field: how to export the file again.
    rerun: &'a str,
}

/// A field found in a record, with the path a message names it by (`value[3].properties.x`).
#[derive(Debug, Clone)]
pub struct Field<'a> {
    pub value: &'a Value,
    pub path: String,
}

impl<'a> Record<'a> {
    pub fn new(
        file: &'a str,
        path: String,
        fields: &'a Map<String, Value>,
        rerun: &'a str,
    ) -> Self {
        let properties = match lookup(fields, "properties") {
            Some((_, Value::Object(props))) => Some(props),
            _ => None,
        };
        Record {
            file,
            path,
            fields,
            properties,
            rerun,
        }
    }

    /// A field, at the top (flattened by the CLI, or a Resource Graph column) or under
    /// `properties` (REST, Resource Graph). Keys are compared without case, because PowerShell
    /// writes them in PascalCase. A `null` counts as absent: the CLI writes every field, most of
    /// them `null`.
    pub fn get(&self, key: &str) -> Option<Field<'a>> {
        if let Some((found, value)) = lookup(self.fields, key)
            && !value.is_null()
        {
            return Some(Field {
                value,
                path: join(&self.path, found),
            });
        }
        let (found, value) = lookup(self.properties?, key)?;
        (!value.is_null()).then(|| Field {
            value,
            path: join(&self.path, &format!("properties.{found}")),
        })
    }

    /// An error about this record (`path` is the record's or one of its fields').
    pub fn error(&self, path: &str, message: impl std::fmt::Display) -> Diagnostic {
        Diagnostic::error(
            Location::file(self.file),
            format!("{}{message}", prefix(path)),
        )
    }

    /// The error for a field that holds the wrong kind of value.
    pub fn wrong_kind(&self, field: &Field<'_>, expected: &str) -> Diagnostic {
        self.error(
            &field.path,
            format!("expected {expected}, found {}", describe(field.value)),
        )
        .with_help(self.rerun)
    }

    /// The error for a field that is absent (or `null`).
    pub fn missing(&self, key: &str) -> Diagnostic {
        self.error(&self.path, format!("the record has no `{key}`"))
            .with_help(self.rerun)
    }

    /// A field that must be there.
    pub fn require(&self, key: &str) -> Result<Field<'a>, Diagnostic> {
        self.get(key).ok_or_else(|| self.missing(key))
    }

    /// A text field that may be absent; an empty text counts as absent.
    pub fn optional_str(&self, key: &str) -> Result<Option<&'a str>, Diagnostic> {
        match self.get(key) {
            None => Ok(None),
            Some(Field {
                value: Value::String(text),
                ..
            }) => Ok(Some(text.as_str()).filter(|t| !t.trim().is_empty())),
            Some(field) => Err(self.wrong_kind(&field, "a text")),
        }
    }

    /// A text field that must be there and not be empty.
    pub fn required_str(&self, key: &str) -> Result<&'a str, Diagnostic> {
        let field = self.require(key)?;
        match field.value {
            Value::String(text) if !text.trim().is_empty() => Ok(text.as_str()),
            _ => Err(self.wrong_kind(&field, "a text that is not empty")),
        }
    }

    /// A boolean field that may be absent, written as `true` or as the text `"True"`.
    pub fn optional_bool(&self, key: &str) -> Result<Option<bool>, Diagnostic> {
        match self.get(key) {
            None => Ok(None),
            Some(field) => match as_bool(field.value) {
                Some(flag) => Ok(Some(flag)),
                None => Err(self.wrong_kind(&field, "true or false")),
            },
        }
    }

    /// A count that may be absent, written as a number or as a text of digits.
    pub fn optional_u64(&self, key: &str) -> Result<Option<u64>, Diagnostic> {
        match self.get(key) {
            None => Ok(None),
            Some(field) => match as_u64(field.value) {
                Some(n) => Ok(Some(n)),
                None => Err(self.wrong_kind(&field, "a whole number of 0 or more")),
            },
        }
    }

    /// The subscription the record belongs to: Resource Graph's `subscriptionId` column, else
    /// the GUID in the record's `id`. `None` when neither says.
    pub fn subscription(&self) -> Result<Option<String>, Diagnostic> {
        if let Some(field) = self.get("subscriptionId") {
            return match field.value.as_str().map(str::trim) {
                Some(guid) if is_guid(guid) => Ok(Some(guid.to_ascii_lowercase())),
                _ => Err(self.wrong_kind(&field, "a subscription id (a GUID)")),
            };
        }
        Ok(self.optional_str("id")?.and_then(subscription_of))
    }

    /// The record's `type`, when it has one.
    pub fn kind_of(&self) -> Result<Option<&'a str>, Diagnostic> {
        self.optional_str("type")
    }
}

/// A key of `map` and its value, found exactly or else without case.
pub fn lookup<'a>(map: &'a Map<String, Value>, key: &str) -> Option<(&'a str, &'a Value)> {
    map.get_key_value(key)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
        .map(|(k, v)| (k.as_str(), v))
}

/// Whether an item's `type` is `expected`, compared without case (Resource Graph lower-cases
/// types, ARM does not).
pub fn type_is(item: &Value, expected: &str) -> bool {
    item.as_object()
        .and_then(|map| lookup(map, "type"))
        .and_then(|(_, v)| v.as_str())
        .is_some_and(|t| t.eq_ignore_ascii_case(expected))
}

/// Whether an item has `key`, at the top or under `properties`, compared without case.
pub fn has_key(item: &Value, key: &str) -> bool {
    let Some(map) = item.as_object() else {
        return false;
    };
    lookup(map, key).is_some()
        || matches!(lookup(map, "properties"), Some((_, Value::Object(props))) if lookup(props, key).is_some())
}

/// A boolean written as JSON `true`/`false` or as text (`"True"`, `"false"`): the Security
/// provider writes several of its flags as strings.
pub fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A count written as a JSON number or as text (`"5000"`); a fraction or a negative is not one.
pub fn as_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The path of a field inside the record at `path` (which is empty for a lone object).
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// What a message starts with to point at `path`: `value[3].x: `, or nothing for the top.
fn prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

fn non_empty_str(value: &Value) -> bool {
    value.as_str().is_some_and(|t| !t.trim().is_empty())
}

/// A value as a message shows it: its kind, and a short excerpt when it is text.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(flag) => format!("`{flag}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(text) => format!("the text `{}`", excerpt(text)),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// The start of a long text, cut at a character boundary, so that one message stays one line.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_finds_the_list_in_every_wrapper() {
        let bare = json!([{"a": 1}]);
        let graph = json!({"@odata.context": "x", "value": [{"a": 1}, {"a": 2}]});
        let arg = json!({"count": 1, "data": [{"a": 1}], "skip_token": null});
        let pascal = json!({"Data": [{"a": 1}]});
        assert_eq!(rows(&bare).map(Vec::len), Some(1));
        assert_eq!(rows(&graph).map(Vec::len), Some(2));
        assert_eq!(rows(&arg).map(Vec::len), Some(1));
        assert_eq!(rows(&pascal).map(Vec::len), Some(1));

        // Resource Graph's old table format and plain objects are not record lists.
        assert!(rows(&json!({"data": {"columns": [], "rows": []}})).is_none());
        assert!(rows(&json!({"version": 1})).is_none());
        assert!(rows(&json!("text")).is_none());
    }

    #[test]
    fn records_name_items_by_their_wrapper() {
        let graph = json!({"value": [{"a": 1}, 7]});
        let list = records(&graph, |_| false).expect("a wrapper");
        assert_eq!(list.path(1), "value[1]");
        let err = list.record("f.json", 1, "re-run").unwrap_err();
        assert_eq!(
            err.message,
            "value[1]: expected an object for each record, found the number 7"
        );

        let bare = json!([{"a": 1}]);
        assert_eq!(records(&bare, |_| false).unwrap().path(0), "[0]");

        // A lone object counts only when the reader recognises it.
        let single = json!({"skuPartNumber": "SPB"});
        assert!(records(&single, |_| false).is_none());
        let one = records(&single, |v| has_key(v, "skuPartNumber")).expect("one record");
        assert_eq!(one.items.len(), 1);
        assert_eq!(one.path(0), "");
        let record = one.record("one.json", 0, "re-run").unwrap();
        assert_eq!(record.get("skuPartNumber").unwrap().path, "skuPartNumber");
        assert_eq!(
            record.missing("servicePlans").message,
            "the record has no `servicePlans`"
        );
    }

    #[test]
    fn subscription_of_takes_the_guid_lower_cased() {
        assert_eq!(
            subscription_of(
                "/subscriptions/6F1C2A3E-8B4D-4C2A-9E11-3A5B7C9D0E21/resourceGroups/rg/providers/x/y/z"
            ),
            Some("6f1c2a3e-8b4d-4c2a-9e11-3a5b7c9d0e21".to_string())
        );
        assert_eq!(
            subscription_of("/SUBSCRIPTIONS/0b7e9d42-1c3f-4a8e-b6d2-5f4e3c2b1a09"),
            Some("0b7e9d42-1c3f-4a8e-b6d2-5f4e3c2b1a09".to_string())
        );
        assert_eq!(
            subscription_of("/subscriptions/{subscriptionId}/providers/x"),
            None
        );
        assert_eq!(
            subscription_of("/providers/Microsoft.Management/managementGroups/root"),
            None
        );
        assert_eq!(subscription_of(""), None);
    }

    #[test]
    fn a_record_reads_flattened_and_nested_fields_without_case() {
        let item = json!({"Name": "x", "pricingTier": null, "properties": {"pricingTier": "Free", "n": "12"}});
        let record = Record::new(
            "f.json",
            "value[0]".into(),
            item.as_object().unwrap(),
            "re-run",
        );
        let tier = record.get("pricingTier").expect("under properties");
        assert_eq!(tier.value, "Free");
        assert_eq!(tier.path, "value[0].properties.pricingTier");
        assert_eq!(record.required_str("name").unwrap(), "x");
        assert_eq!(record.optional_u64("n").unwrap(), Some(12));

        let err = record.required_str("id").unwrap_err();
        assert_eq!(err.message, "value[0]: the record has no `id`");
        assert_eq!(err.help.as_deref(), Some("re-run"));
    }

    #[test]
    fn lenient_conversions_accept_text_and_refuse_nonsense() {
        assert_eq!(as_bool(&json!("True")), Some(true));
        assert_eq!(as_bool(&json!(" false ")), Some(false));
        assert_eq!(as_bool(&json!(false)), Some(false));
        assert_eq!(as_bool(&json!("yes")), None);
        assert_eq!(as_bool(&json!(1)), None);
        assert_eq!(as_u64(&json!("5000")), Some(5000));
        assert_eq!(as_u64(&json!(850.0)), Some(850));
        assert_eq!(as_u64(&json!(-1)), None);
        assert_eq!(as_u64(&json!(2.5)), None);
        assert_eq!(as_u64(&json!("many")), None);
    }

    #[test]
    fn a_complete_page_raises_no_truncation_warning() {
        let complete =
            json!({"count": 2, "data": [{}, {}], "skip_token": null, "total_records": 2});
        assert_eq!(truncation(&complete), None);
        assert_eq!(truncation(&json!([{}, {}])), None);
        assert_eq!(
            truncation(
                &json!({"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": [{}]})
            ),
            None
        );
    }

    #[test]
    fn an_incomplete_page_raises_a_warning_that_says_why() {
        let short = json!({"count": 2, "data": [{}, {}], "skip_token": null, "total_records": 5});
        assert!(truncation(&short).unwrap().contains("2 of 5 rows"));

        let token = json!({"count": 2, "data": [{}, {}], "skip_token": "ew0K", "total_records": 5});
        assert!(truncation(&token).unwrap().contains("skip token"));

        let rest = json!({"totalRecords": 1, "count": 1, "resultTruncated": "true", "data": [{}]});
        assert!(truncation(&rest).unwrap().contains("resultTruncated"));

        let graph = json!({"value": [{}], "@odata.nextLink": "https://graph.microsoft.com/next"});
        assert!(truncation(&graph).unwrap().contains("-All"));

        let full_page = Value::Array(vec![json!({}); PAGE_SIZE]);
        assert!(
            truncation(&full_page)
                .unwrap()
                .contains("exactly 1000 rows")
        );
        let less = Value::Array(vec![json!({}); PAGE_SIZE - 1]);
        assert_eq!(truncation(&less), None);
    }

    #[test]
    fn excerpt_cuts_long_text_at_a_character() {
        let long = "é".repeat(100);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 83);
        assert!(cut.ends_with("..."));
        assert_eq!(excerpt("short"), "short");
    }
}
