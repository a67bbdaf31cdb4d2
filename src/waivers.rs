//! Waivers: gaps a team has accepted for a while (the README, under "Waivers, baselines and diffs").
//!
//! A waived finding stays in every report, marked with the waiver's reason, owner and expiry,
//! and stops counting towards `--fail-on`. A waiver past its expiry date no longer applies, and
//! the run says so on standard error; so does a waiver that matches no finding, which is usually
//! a typo or a gap that has been closed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, InputErrors, Location, suggestion};
use crate::evaluate::Finding;
use crate::inventory::{Inventory, Pattern};
use crate::rules::Rule;

/// The waiver file as written (format version 1).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mdrplan waivers (format version 1)")]
pub struct WaiverFile {
    /// Format version; this mdrplan reads version 1.
    #[schemars(extend("const" = 1))]
    pub version: u32,
    #[serde(default)]
    pub waivers: Vec<Waiver>,
}

/// One accepted gap. At most one of `asset`, `application`, `subscription` and `fingerprint`
/// narrows it; with none, it covers every finding of its rule (the way to waive an
/// organisation-wide rule).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("not" = {"anyOf": [
    {"required": ["asset", "application"]},
    {"required": ["asset", "subscription"]},
    {"required": ["asset", "fingerprint"]},
    {"required": ["application", "subscription"]},
    {"required": ["application", "fingerprint"]},
    {"required": ["subscription", "fingerprint"]},
]}))]
pub struct Waiver {
    /// The rule's name, as `mdrplan rules` lists it.
    #[schemars(schema_with = "rule_name_schema")]
    pub rule: String,
    /// An asset id or name, or a glob over either (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// An application id or name, or a glob over either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// A subscription id or display name, or a glob over either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<String>,
    /// One finding's fingerprint, as the JSON report gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Why the gap is accepted.
    #[schemars(extend("pattern" = "\\S"))]
    pub reason: String,
    /// Who answers for it (a person or team, usually an address).
    #[schemars(extend("pattern" = "\\S"))]
    pub owner: String,
    /// The last day the waiver applies, as YYYY-MM-DD.
    #[schemars(extend("format" = "date", "pattern" = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub expires: String,
}

/// A rule name in the schema: one of the catalogue's, so that an editor can offer them.
fn rule_name_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let names: Vec<&str> = Rule::names().collect();
    schemars::json_schema!({
        "description": "The rule's name, as `mdrplan rules` lists it.",
        "type": "string",
        "enum": names,
    })
}

/// What a report shows of the waiver that covers a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverMark {
    pub reason: String,
    pub owner: String,
    pub expires: String,
    /// Where the waiver is written (file:line:column).
    pub source: String,
}

/// A calendar day, for expiry dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// Reads `YYYY-MM-DD`, checking the day exists.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(all_digits(y) && all_digits(m) && all_digits(d)) {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        let valid = (1..=12).contains(&date.month)
            && (1..=days_in_month(date.year, date.month)).contains(&date.day);
        valid.then_some(date)
    }

    /// Today, by the system clock (UTC).
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The day `days` after 1970-01-01 (the civil-from-days calculation of the proleptic
    /// Gregorian calendar).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u32::try_from(month).unwrap_or(1),
            day: u32::try_from(day).unwrap_or(1),
        }
    }

    /// Days since 1970-01-01.
    fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A waiver file, checked and ready to match findings.
#[derive(Debug)]
pub struct Waivers {
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    rule: Rule,
    asset: Option<Pattern>,
    application: Option<Pattern>,
    subscription: Option<Pattern>,
    fingerprint: Option<String>,
    expires: Date,
    mark: WaiverMark,
    location: Location,
}

impl Entry {
    fn matches(&self, f: &Finding<'_>, inv: &Inventory) -> bool {
        if f.rule != self.rule {
            return false;
        }
        if let Some(p) = &self.asset {
            let Some(a) = f.asset().map(|a| &inv.assets[a]) else {
                return false;
            };
            if !(p.is_match(&a.id) || p.is_match(a.name())) {
                return false;
            }
        }
        if let Some(p) = &self.application {
            let Some(app) = f.application().map(|a| &inv.applications[a]) else {
                return false;
            };
            if !(p.is_match(&app.id) || p.is_match(&app.name)) {
                return false;
            }
        }
        if let Some(p) = &self.subscription {
            let Some(id) = f.subscription(inv) else {
                return false;
            };
            let name = inv.subscription(Some(id)).and_then(|s| s.name.as_deref());
            if !(p.is_match(id) || name.is_some_and(|n| p.is_match(n))) {
                return false;
            }
        }
        self.fingerprint
            .as_ref()
            .is_none_or(|fp| f.fingerprint(inv).eq_ignore_ascii_case(fp))
    }
}

/// The waivers applied to one set of findings.
#[derive(Debug, Default)]
pub struct Applied {
    /// For each finding (in the evaluation's order), the index of the waiver covering it.
    pub by_finding: Vec<Option<u32>>,
    /// What the report shows of each waiver, by index.
    pub marks: Vec<WaiverMark>,
    /// Expired and unused waivers, to print as warnings.
    pub notes: Vec<Diagnostic>,
}

impl Applied {
    /// The waiver covering finding `i`, if one does.
    pub fn mark(&self, i: usize) -> Option<&WaiverMark> {
        self.by_finding
            .get(i)
            .copied()
            .flatten()
            .map(|w| &self.marks[w as usize])
    }

    /// How many findings are waived.
    pub fn waived(&self) -> usize {
        self.by_finding.iter().filter(|w| w.is_some()).count()
    }
}

impl Waivers {
    /// Reads and checks a waiver file. Every problem in it is reported, each with its position.
    pub fn load(path: &std::path::Path) -> Result<Waivers, InputErrors> {
        let display = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            InputErrors::one(
                Diagnostic::error(
                    Location::file(display.as_str()),
                    format!("cannot read the waiver file: {e}"),
                )
                .with_help("check the path given to --waivers"),
            )
        })?;
        let (text, _) = crate::load::text::decode(&display, &bytes).map_err(InputErrors::one)?;
        Waivers::parse(&display, &text)
    }

    /// Checks a waiver file's text; `path` names it in messages.
    pub fn parse(path: &str, text: &str) -> Result<Waivers, InputErrors> {
        if text.trim().is_empty() {
            return Err(InputErrors::one(
                Diagnostic::error(Location::file(path), "the waiver file is empty").with_help(
                    "write `version: 1` and a `waivers:` list (`mdrplan schema waivers` gives the format)",
                ),
            ));
        }
        let file: WaiverFile =
            crate::load::yaml::from_str(path, text).map_err(|mut d| {
                if d.help.is_none() {
                    d.help = Some(
                        "a waiver has `rule`, one of `asset`, `application`, `subscription` or `fingerprint`, and `reason`, `owner`, `expires` (see the README, under \"Waivers\")"
                            .into(),
                    );
                }
                InputErrors::one(d)
            })?;
        let positions = crate::load::yaml::Positions::index(text);
        let mut errors = Vec::new();
        if file.version != 1 {
            errors.push(
                Diagnostic::error(
                    positions.locate(path, "version"),
                    format!("waiver format version {} is not supported", file.version),
                )
                .with_help("this mdrplan reads waiver format version 1: set `version: 1`"),
            );
        }
        let mut entries = Vec::with_capacity(file.waivers.len());
        for (i, w) in file.waivers.into_iter().enumerate() {
            let at = |key: &str| positions.locate(path, &format!("waivers[{i}].{key}"));
            let mut error = |key: &str, message: String, help: String| {
                errors.push(Diagnostic::error(at(key), message).with_help(help));
            };
            let rule = Rule::from_name(w.rule.trim());
            if rule.is_none() {
                error(
                    "rule",
                    format!("unknown rule `{}`", w.rule),
                    format!(
                        "{} (`mdrplan rules` lists them)",
                        suggestion(&w.rule, Rule::names())
                    ),
                );
            }
            let given: Vec<&str> = [
                ("asset", &w.asset),
                ("application", &w.application),
                ("subscription", &w.subscription),
                ("fingerprint", &w.fingerprint),
            ]
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| *k)
            .collect();
            if given.len() > 1 {
                error(
                    given[1],
                    format!(
                        "a waiver names one of asset, application, subscription or fingerprint; this one names {}",
                        given.join(" and ")
                    ),
                    "split it into one waiver for each".into(),
                );
            }
            let mut pattern = |key: &str, text: &Option<String>| -> Option<Pattern> {
                let text = text.as_deref()?;
                match Pattern::new(text.trim()) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        error(
                            key,
                            format!("`{text}` is not a valid glob: {e}"),
                            "use `*` for any run of characters and `?` for one".into(),
                        );
                        None
                    }
                }
            };
            let asset = pattern("asset", &w.asset);
            let application = pattern("application", &w.application);
            let subscription = pattern("subscription", &w.subscription);
            for (key, value) in [("reason", &w.reason), ("owner", &w.owner)] {
                if value.trim().is_empty() {
                    error(
                        key,
                        format!("the waiver's `{key}` is empty"),
                        "a waiver says why the gap is accepted and who answers for it".into(),
                    );
                }
            }
            let expires = Date::parse(&w.expires);
            if expires.is_none() {
                error(
                    "expires",
                    format!("`{}` is not a date", w.expires),
                    "write the last day the waiver applies as YYYY-MM-DD, e.g. 2027-03-31".into(),
                );
            }
            if let (Some(rule), Some(expires)) = (rule, expires) {
                let location = positions.locate(path, &format!("waivers[{i}]"));
                entries.push(Entry {
                    rule,
                    asset,
                    application,
                    subscription,
                    fingerprint: w.fingerprint.map(|f| f.trim().to_ascii_lowercase()),
                    expires,
                    mark: WaiverMark {
                        reason: w.reason.trim().to_owned(),
                        owner: w.owner.trim().to_owned(),
                        expires: expires.to_string(),
                        source: location.to_string(),
                    },
                    location,
                });
            }
        }
        if errors.is_empty() {
            Ok(Waivers { entries })
        } else {
            Err(InputErrors(errors))
        }
    }

    /// How many waivers the file holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Marks each finding with the first waiver in the file that covers it and is still in force
    /// on `today` (its expiry day included).
    pub fn apply(&self, findings: &[Finding<'_>], inv: &Inventory, today: Date) -> Applied {
        let mut by_rule: Vec<Vec<usize>> = vec![Vec::new(); Rule::ALL.len()];
        for (k, e) in self.entries.iter().enumerate() {
            by_rule[e.rule as usize].push(k);
        }
        let mut hits = vec![0usize; self.entries.len()];
        let mut by_finding = Vec::with_capacity(findings.len());
        for f in findings {
            let mut cover = None;
            for &k in &by_rule[f.rule as usize] {
                let e = &self.entries[k];
                if e.matches(f, inv) {
                    hits[k] += 1;
                    if e.expires >= today {
                        cover = Some(u32::try_from(k).unwrap_or(u32::MAX));
                        break;
                    }
                }
            }
            by_finding.push(cover);
        }

        let mut notes = Vec::new();
        for (e, hits) in self.entries.iter().zip(hits) {
            let who = format!("waiver of `{}` owned by {}", e.rule.name(), e.mark.owner);
            if e.expires < today {
                let message = if hits > 0 {
                    format!(
                        "{who} expired on {}: the {hits} finding(s) it covered count again",
                        e.expires
                    )
                } else {
                    format!(
                        "{who} expired on {} and matches no finding any more",
                        e.expires
                    )
                };
                notes.push(
                    Diagnostic::warning(e.location.clone(), message).with_help(
                        "close the gap, or renew the waiver with a later `expires` date",
                    ),
                );
            } else if hits == 0 {
                notes.push(
                    Diagnostic::warning(
                        e.location.clone(),
                        format!("{who} matches no finding"),
                    )
                    .with_help(
                        "remove it if the gap is closed; otherwise check its rule and selector against the findings in `--format json`",
                    ),
                );
            } else if e.expires.days() - today.days() <= 14 {
                log::info!(
                    "{}: {who} expires on {} ({} day(s) left)",
                    e.location,
                    e.expires,
                    e.expires.days() - today.days()
                );
            }
        }
        Applied {
            by_finding,
            marks: self.entries.iter().map(|e| e.mark.clone()).collect(),
            notes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_check_the_calendar_and_count_days() {
        assert_eq!(Date::parse("2027-03-31").unwrap().to_string(), "2027-03-31");
        assert!(Date::parse("2027-02-29").is_none());
        assert!(Date::parse("2028-02-29").is_some());
        assert!(Date::parse("2100-02-29").is_none());
        assert!(Date::parse("2027-13-01").is_none());
        assert!(Date::parse("27-03-31").is_none());
        assert!(Date::parse("2027-3-31").is_none());
        assert!(Date::parse("next year").is_none());
        for days in [0, 1, 59, 60, 365, 10_957, 20_000, 20_790] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_790).to_string(), "2026-12-03");
        assert!(Date::parse("2026-12-03") < Date::parse("2027-01-01"));
    }

    #[test]
    fn every_problem_in_a_file_is_reported_with_its_position() {
        let text = "version: 1\nwaivers:\n  - rule: defender-plan-of\n    asset: vm-1\n    reason: x\n    owner: y\n    expires: 2027-02-30\n  - rule: servers-p2-required\n    asset: vm-1\n    subscription: s\n    reason: ' '\n    owner: y\n    expires: 2027-01-01\n";
        let errors = Waivers::parse("w.yaml", text).unwrap_err().0;
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 4, "{shown:#?}");
        assert!(shown[0].contains("w.yaml:3:") && shown[0].contains("defender-plan-off"));
        assert!(shown[1].contains("w.yaml:7:") && shown[1].contains("not a date"));
        assert!(shown[2].contains("w.yaml:10:") && shown[2].contains("asset and subscription"));
        assert!(shown[3].contains("w.yaml:11:") && shown[3].contains("`reason` is empty"));
    }

    #[test]
    fn a_mistyped_key_is_located_with_the_closest_key() {
        let text = "version: 1\nwaivers:\n  - rule: defender-plan-off\n    asset: vm-1\n    reason: x\n    ownr: y\n    expires: 2027-01-01\n";
        let errors = Waivers::parse("w.yaml", text).unwrap_err().0;
        let shown = errors[0].to_string();
        assert!(shown.contains("w.yaml:6:"), "{shown}");
        assert!(shown.contains("did you mean `owner`?"), "{shown}");
    }
}
