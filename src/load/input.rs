//! Opening an input: its encoding from the byte-order mark, a first look at its content to
//! decide what it is, and a reader that yields UTF-8 whatever the file's encoding, so that
//! exports of any size are read as a stream.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::text::{Encoding, decode};
use crate::diag::{Diagnostic, Location};

/// How much of a file the first look reads.
const PREFIX: usize = 64 * 1024;

/// What an input file holds, decided from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Overlay,
    Resources,
    ResourcesCsv,
    Containers,
    Pricings,
    Settings,
    Licences,
    SentinelRules,
    DiagnosticSettings,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Overlay => "overlay",
            Kind::Resources => "resources",
            Kind::ResourcesCsv => "resources (CSV)",
            Kind::Containers => "containers",
            Kind::Pricings => "pricings",
            Kind::Settings => "settings",
            Kind::Licences => "licences",
            Kind::SentinelRules => "sentinel rules",
            Kind::DiagnosticSettings => "diagnostic settings",
        }
    }
}

/// A file opened for reading, with what its first bytes say.
#[derive(Debug)]
pub struct Opened {
    pub display: String,
    pub size: u64,
    pub encoding: Encoding,
    /// The start of the text, decoded.
    pub prefix: String,
}

fn io_error(display: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(
        Location::file(display),
        format!("cannot read the file: {e}"),
    )
    .with_help("check that the file exists and is readable")
}

/// Reads the first bytes of a file: its encoding, and the start of its text.
pub fn open(path: &Path, display: &str) -> Result<Opened, Diagnostic> {
    let file = File::open(path).map_err(|e| io_error(display, &e))?;
    let size = file.metadata().map_err(|e| io_error(display, &e))?.len();
    let mut head = Vec::with_capacity(PREFIX);
    file.take(PREFIX as u64)
        .read_to_end(&mut head)
        .map_err(|e| io_error(display, &e))?;

    // Cut the prefix at a character boundary before decoding it; the decoder names the rest.
    let mut cut = head.clone();
    let (encoding, prefix) = loop {
        match decode(display, &cut) {
            Ok((text, enc)) => break (enc, text),
            Err(e)
                if (size as usize) <= PREFIX
                    || cut.len() + 4 < head.len()
                    || !e.message.contains("not valid") =>
            {
                return Err(e);
            }
            Err(_) => {
                cut.pop();
            }
        }
    };
    Ok(Opened {
        display: display.to_owned(),
        size,
        encoding,
        prefix,
    })
}

/// Decides what a file is from the start of its text.
pub fn sniff(o: &Opened) -> Result<Kind, Diagnostic> {
    let text = o.prefix.trim_start();
    if text.is_empty() && o.size as usize <= PREFIX {
        return Err(Diagnostic::error(Location::file(&o.display), "the file is empty").with_help(
            "an overlay starts with `version: 1`; an export holds its records: remove the file from the inputs or export it again",
        ));
    }
    let lower = text.to_ascii_lowercase();
    let has = |needle: &str| lower.contains(needle);
    // mdrplan's own JSON (a report, a diff, a graph) opens with its schema version: written
    // into an input folder, it would otherwise be read as a mistyped overlay on the next run.
    if text
        .strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with("\"schema_version\""))
    {
        return Err(Diagnostic::error(
            Location::file(&o.display),
            "this is a JSON report written by mdrplan, not an input",
        )
        .with_help(
            "give an earlier report with `--baseline FILE` or to `diff`, and write reports outside the input folders",
        ));
    }
    if text.starts_with('{') || text.starts_with('[') {
        let kind = if has("\"skupartnumber\"") {
            Kind::Licences
        } else if has("microsoft.security/pricings") || has("\"pricingtier\"") {
            Kind::Pricings
        } else if has("microsoft.security/settings")
            || has("alertsyncsettings")
            || has("dataexportsettings")
        {
            Kind::Settings
        } else if has("/providers/microsoft.insights/diagnosticsettings/") {
            Kind::DiagnosticSettings
        } else if has("\"microsoft.resources/subscriptions") {
            Kind::Containers
        } else if has("microsoft.securityinsights/alertrules")
            || has("workspaces/providers/alertrules")
            || has("\"queryfrequency\"")
        {
            // Not any `/alertrules`: Resource Graph lists classic Azure Monitor alert rules
            // (`microsoft.insights/alertrules`) among ordinary resources.
            Kind::SentinelRules
        } else if super::overlay::looks_like_overlay(&o.prefix)
            || (text.starts_with('{') && has("\"version\"") && !has("\"data\""))
        {
            Kind::Overlay
        } else {
            Kind::Resources
        };
        return Ok(kind);
    }
    if let Some(first) = text.lines().next()
        && first.contains(',')
    {
        let header: Vec<String> = first
            .split(',')
            .map(|h| h.trim().trim_matches('"').to_owned())
            .collect();
        if super::resources::csv_shape(&header).is_some() {
            return Ok(Kind::ResourcesCsv);
        }
    }
    if has("\nqueryfrequency:") || has("\nquery:") {
        return Ok(Kind::SentinelRules);
    }
    if lower.lines().any(|l| l.starts_with("waivers:")) {
        return Err(Diagnostic::error(
            Location::file(&o.display),
            "this is a waiver file, not an input",
        )
        .with_help("pass it with `--waivers FILE`, and keep it out of the input folders"));
    }
    Ok(Kind::Overlay)
}

/// The whole text of a small file, refused past `cap` bytes.
pub fn read_all(path: &Path, o: &Opened, cap: u64, what: &str) -> Result<String, Diagnostic> {
    if o.size > cap {
        return Err(Diagnostic::error(
            Location::file(&o.display),
            format!(
                "the file is {} MiB, far larger than any {what}",
                o.size / (1024 * 1024)
            ),
        )
        .with_help("check that this is the file you meant"));
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(&o.display, &e))?;
    Ok(decode(&o.display, &bytes)?.0)
}

/// A reader of the file's text as UTF-8, whatever its encoding.
pub fn reader(
    path: &Path,
    o: &Opened,
    progress: Option<&indicatif::ProgressBar>,
) -> Result<Box<dyn Read + Send>, Diagnostic> {
    let mut file = File::open(path).map_err(|e| io_error(&o.display, &e))?;
    let bom = match o.encoding {
        Encoding::Utf8 => 0,
        Encoding::Utf8Bom => 3,
        Encoding::Utf16Le | Encoding::Utf16Be => 2,
    };
    let mut skip = vec![0; bom];
    file.read_exact(&mut skip)
        .map_err(|e| io_error(&o.display, &e))?;
    let raw: Box<dyn Read + Send> = match progress {
        Some(bar) => Box::new(bar.wrap_read(file)),
        None => Box::new(file),
    };
    Ok(match o.encoding {
        Encoding::Utf8 | Encoding::Utf8Bom => raw,
        Encoding::Utf16Le => Box::new(Utf16Reader::new(raw, false)),
        Encoding::Utf16Be => Box::new(Utf16Reader::new(raw, true)),
    })
}

/// Transcodes UTF-16 to UTF-8 as it reads.
struct Utf16Reader<R> {
    inner: BufReader<R>,
    big_endian: bool,
    out: Vec<u8>,
    pos: usize,
    /// A byte of a code unit, or a high surrogate, carried into the next chunk.
    carry: Vec<u8>,
}

impl<R: Read> Utf16Reader<R> {
    fn new(inner: R, big_endian: bool) -> Self {
        Utf16Reader {
            inner: BufReader::with_capacity(1 << 20, inner),
            big_endian,
            out: Vec::new(),
            pos: 0,
            carry: Vec::new(),
        }
    }

    /// Decodes the next chunk into `out`; false at the end of the file.
    fn fill(&mut self) -> std::io::Result<bool> {
        let mut chunk = std::mem::take(&mut self.carry);
        let start = chunk.len();
        chunk.resize(start + (1 << 16), 0);
        let n = self.inner.read(&mut chunk[start..])?;
        chunk.truncate(start + n);
        if n == 0 {
            if chunk.is_empty() {
                return Ok(false);
            }
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the UTF-16 text ends in the middle of a character",
            ));
        }
        let whole = chunk.len() / 2 * 2;
        let mut units: Vec<u16> = chunk[..whole]
            .chunks_exact(2)
            .map(|c| {
                if self.big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        self.carry.extend_from_slice(&chunk[whole..]);
        // A high surrogate at the end waits for its pair.
        if let Some(last) = units.last()
            && (0xD800..0xDC00).contains(last)
        {
            let last = units.pop().expect("just seen");
            let bytes = if self.big_endian {
                last.to_be_bytes()
            } else {
                last.to_le_bytes()
            };
            let mut carry = bytes.to_vec();
            carry.extend_from_slice(&self.carry);
            self.carry = carry;
        }
        self.out.clear();
        self.pos = 0;
        for c in char::decode_utf16(units) {
            let c = c.map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "invalid UTF-16 text")
            })?;
            let mut buf = [0; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_transcoded_across_chunk_edges() {
        let text = "[{\"name\": \"été 😀\"}]".repeat(5000);
        let mut le = Vec::new();
        for u in text.encode_utf16() {
            le.extend(u.to_le_bytes());
        }
        let mut out = String::new();
        Utf16Reader::new(&le[..], false)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }
}
