//! Turning the bytes of an input file into text: byte-order marks, UTF-16 from Windows
//! PowerShell, and a clear refusal of anything that is not text.

use crate::diag::{Diagnostic, Location};

/// The encodings mdrplan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }
}

const FIX_ENCODING: &str = "save the file as UTF-8 (in PowerShell: `... | Out-File -Encoding utf8 FILE`), or as UTF-16 with a byte-order mark";

/// Decodes a file's bytes, refusing by name what is not text in a supported encoding.
pub fn decode(path: &str, bytes: &[u8]) -> Result<(String, Encoding), Diagnostic> {
    let here = || Location::file(path);
    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(
            Diagnostic::error(here(), "the file is UTF-32, which mdrplan does not read")
                .with_help(FIX_ENCODING),
        );
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(path, rest).map(|s| (s, Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(path, rest, u16::from_le_bytes).map(|s| (s, Encoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(path, rest, u16::from_be_bytes).map(|s| (s, Encoding::Utf16Be));
    }
    match sniff_nul(bytes) {
        Some(true) => {
            return Err(Diagnostic::error(
                here(),
                "the file looks like UTF-16 without a byte-order mark, which cannot be read safely",
            )
            .with_help(FIX_ENCODING));
        }
        Some(false) => {
            return Err(Diagnostic::error(here(), "the file is binary, not text").with_help(
                "mdrplan reads text inputs (JSON, YAML, CSV): check that this is the file you meant",
            ));
        }
        None => {}
    }
    utf8(path, bytes).map(|s| (s, Encoding::Utf8))
}

/// For a file without a byte-order mark that holds NUL bytes: `Some(true)` when it looks like
/// UTF-16 that lost its mark, `Some(false)` when it is binary.
fn sniff_nul(bytes: &[u8]) -> Option<bool> {
    let head = &bytes[..bytes.len().min(4096)];
    if !head.contains(&0) {
        return None;
    }
    // UTF-16 text without a mark: one byte of each pair is NUL, the other printable.
    let looks_utf16 = |zero_at: usize| {
        let pairs = head.chunks_exact(2);
        let total = pairs.len().max(1);
        let matching = pairs
            .filter(|p| {
                p[zero_at] == 0
                    && (p[1 - zero_at].is_ascii_graphic() || p[1 - zero_at].is_ascii_whitespace())
            })
            .count();
        matching * 10 >= total * 9
    };
    Some(looks_utf16(0) || looks_utf16(1))
}

fn utf8(path: &str, bytes: &[u8]) -> Result<String, Diagnostic> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            let column = at
                - bytes[..at]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            Err(Diagnostic::error(
                Location::at(path, line, column),
                format!("the file is not valid UTF-8 text (byte {at})"),
            )
            .with_help(FIX_ENCODING))
        }
    }
}

fn utf16(path: &str, bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Diagnostic> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Diagnostic::error(
            Location::file(path),
            "the file is UTF-16 but has an odd number of bytes: it was probably cut off",
        )
        .with_help("export the file again"));
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| {
            Diagnostic::error(Location::file(path), "the file is not valid UTF-16 text")
                .with_help(FIX_ENCODING)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        for u in s.encode_utf16() {
            out.extend(u.to_le_bytes());
        }
        out
    }

    #[test]
    fn reads_boms_and_utf16() {
        assert_eq!(
            decode("f", b"\xEF\xBB\xBFa: 1").unwrap(),
            ("a: 1".into(), Encoding::Utf8Bom)
        );
        assert_eq!(decode("f", &utf16le("[1]\r\n")).unwrap().0, "[1]\r\n");
        let mut be = vec![0xFE, 0xFF];
        for u in "x".encode_utf16() {
            be.extend(u.to_be_bytes());
        }
        assert_eq!(decode("f", &be).unwrap(), ("x".into(), Encoding::Utf16Be));
    }

    #[test]
    fn refuses_utf16_without_bom_and_binary() {
        let no_bom = &utf16le("{\"a\": 1}")[2..];
        let e = decode("f.json", no_bom).unwrap_err();
        assert!(
            e.message.contains("UTF-16 without a byte-order mark"),
            "{e}"
        );
        let e = decode("f.bin", &[0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0]).unwrap_err();
        assert!(e.message.contains("binary"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let e = decode("f", b"a: 1\nb: \xFF\n").unwrap_err();
        assert_eq!(e.location, Location::at("f", 2, 4));
    }
}
