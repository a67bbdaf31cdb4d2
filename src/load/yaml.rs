//! YAML (and JSON written as YAML) read into typed values, with errors that name the line and
//! column, and a position index so that checks made after parsing can point into the file too.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{Diagnostic, Location};

/// Deserializes `text` into `T`, turning serde's message into a diagnostic with a location and,
/// for a mistyped key or value, the closest accepted one.
pub fn from_str<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, Diagnostic> {
    serde_yaml::from_str(text).map_err(|e| to_diagnostic(path, &e))
}

/// A [`serde_yaml::Error`] as a diagnostic.
pub fn to_diagnostic(path: &str, e: &serde_yaml::Error) -> Diagnostic {
    let location = match e.location() {
        Some(l) => Location::at(path, l.line(), l.column()),
        None => Location::file(path),
    };
    let text = e.to_string();
    let message = strip_position(&text);
    let help = help_for(&message);
    let mut d = Diagnostic::error(location, message);
    if let Some(help) = help {
        d = d.with_help(help);
    }
    d
}

/// serde_yaml appends " at line L column C"; the location already says it.
fn strip_position(message: &str) -> String {
    let Some(i) = message.find(" at line ") else {
        return message.to_owned();
    };
    let rest = &message[i + " at line ".len()..];
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let n = digits(rest);
    let Some(after) = rest[n..].strip_prefix(" column ") else {
        return message.to_owned();
    };
    let m = digits(after);
    format!("{}{}", &message[..i], &after[m..])
}

/// Advice for serde's "unknown field `x`, expected one of `a`, `b`" and "unknown variant"
/// messages: the closest accepted name, or the list.
fn help_for(message: &str) -> Option<String> {
    let what = if message.contains("unknown field") {
        "key"
    } else if message.contains("unknown variant") {
        "value"
    } else if message.contains("recursion limit") || message.contains("repetition limit") {
        return Some(
            "the file nests or repeats YAML aliases beyond any real overlay, profile or rule file; remove the anchors (&) and aliases (*)"
                .into(),
        );
    } else {
        return None;
    };
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let (given, expected) = quoted.split_first()?;
    if expected.is_empty() {
        return Some(format!(
            "remove the {what} `{given}`: nothing is accepted here"
        ));
    }
    Some(
        match crate::diag::closest(given, expected.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("accepted: {}", expected.join(", ")),
        },
    )
}

/// Positions of every node of a YAML document by path: a mapping entry at its key, a sequence
/// item at the item. Aliases are not followed, so the index is linear in the file's size.
#[derive(Debug, Default)]
pub struct Positions {
    by_path: HashMap<String, (usize, usize)>,
}

impl Positions {
    /// Indexes `text`; a text that does not parse gives an empty index (its error is reported
    /// by the typed parse).
    pub fn index(text: &str) -> Positions {
        let mut receiver = Receiver::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut receiver, false).is_err() {
            return Positions::default();
        }
        Positions {
            by_path: receiver.by_path,
        }
    }

    /// The location of `path` in `file`, or of its nearest indexed ancestor.
    pub fn locate(&self, file: &str, path: &str) -> Location {
        match self.position(path) {
            Some((line, column)) => Location::at(file, line, column),
            None => Location::file(file),
        }
    }

    /// Line and column of `path`, or of its nearest indexed ancestor.
    pub fn position(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(at) = self.by_path.get(p) {
                return Some(*at);
            }
            p = &p[..p.rfind(['.', '['])?];
        }
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

/// Walks the parser's events keeping the current path as text, so that recording a position
/// costs one look-up.
#[derive(Default)]
struct Receiver {
    stack: Vec<Frame>,
    path: String,
    lengths: Vec<usize>,
    by_path: HashMap<String, (usize, usize)>,
}

impl Receiver {
    fn push_key(&mut self, key: &str) {
        self.lengths.push(self.path.len());
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
    }

    fn push_index(&mut self, i: usize) {
        use std::fmt::Write as _;
        self.lengths.push(self.path.len());
        let _ = write!(self.path, "[{i}]");
    }

    fn pop(&mut self) {
        if let Some(len) = self.lengths.pop() {
            self.path.truncate(len);
        }
    }

    /// Called when a node starts; returns whether it is a mapping key.
    fn enter_node(&mut self, mark: Marker, key_text: Option<&str>, starts_mapping: bool) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Map { key }) if key.is_none() => {
                // A mapping key: remember it, record its position as the entry's.
                let k = key_text.unwrap_or("").to_owned();
                // A block mapping's own mark is unreliable; its first key marks it.
                self.record(mark);
                self.push_key(&k);
                self.record(mark);
                self.pop();
                if let Some(Frame::Map { key }) = self.stack.last_mut() {
                    *key = Some(k);
                }
                true
            }
            Some(Frame::Map { key }) => {
                let k = key.take().unwrap_or_default();
                self.push_key(&k);
                false
            }
            Some(Frame::Seq { next }) => {
                let i = *next;
                *next += 1;
                self.push_index(i);
                if !starts_mapping {
                    self.record(mark);
                }
                false
            }
            None => false,
        }
    }

    /// Called when a value node ends: its parent mapping expects a key again.
    fn leave_node(&mut self) {
        if !self.stack.is_empty() {
            self.pop();
        }
    }

    fn record(&mut self, mark: Marker) {
        if !self.by_path.contains_key(&self.path) {
            self.by_path
                .insert(self.path.clone(), (mark.line(), mark.col() + 1));
        }
    }
}

impl MarkedEventReceiver for Receiver {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, ..) if !self.enter_node(mark, Some(&text), false) => {
                self.leave_node()
            }
            Event::Alias(_) if !self.enter_node(mark, None, false) => self.leave_node(),
            Event::MappingStart(..) => {
                self.enter_node(mark, None, true);
                self.stack.push(Frame::Map { key: None });
            }
            Event::SequenceStart(..) => {
                self.enter_node(mark, None, false);
                self.stack.push(Frame::Seq { next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.leave_node();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_keys_and_items() {
        let text = "version: 1\nassets:\n  - id: a\n    depends_on: [b, c]\n  - id: d\n";
        let p = Positions::index(text);
        assert_eq!(p.locate("f", "version"), Location::at("f", 1, 1));
        assert_eq!(p.locate("f", "assets[1].id"), Location::at("f", 5, 5));
        assert_eq!(
            p.locate("f", "assets[0].depends_on[1]"),
            Location::at("f", 4, 21)
        );
        assert_eq!(p.locate("f", "assets[0].nothing"), Location::at("f", 3, 5));
    }

    #[test]
    fn unknown_field_gets_the_closest_key() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct A {
            sensitivity: Option<String>,
            impact: Option<String>,
        }
        let e = from_str::<A>("o.yaml", "impact: low\nsensitivty: x\n").unwrap_err();
        assert_eq!(e.location, Location::at("o.yaml", 2, 1));
        assert_eq!(e.help.as_deref(), Some("did you mean `sensitivity`?"));
    }
}
