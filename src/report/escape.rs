//! Escaping of input text for each output format, in one place. Names, tags and messages come
//! from exports and overlays that anyone may have written: in every format they stay text and
//! never become markup, a terminal control sequence, a workflow command or a spreadsheet formula.

/// Whether a character must not reach an output as it is: a control character (a terminal
/// escape sequence starts with one), a bidirectional override or isolate, which makes a
/// terminal or a browser show text in another order than it is written ("Trojan Source"), or
/// U+FFFE and U+FFFF, which no XML document may hold.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{FFFE}'
                | '\u{FFFF}'
        )
}

/// Replaces control characters (terminal escape sequences among them) and bidirectional
/// overrides with U+FFFD, keeping line breaks.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if hidden(c) && c != '\n' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// Text for a Markdown table cell (GitHub Flavoured Markdown, rendered as HTML): characters
/// that Markdown or HTML would read as syntax become character references, a line break
/// becomes `<br>`. Nothing in the result can open a tag, a link, emphasis, code, a table
/// column or a mention.
pub fn markdown_cell(text: &str) -> String {
    markdown(text, "<br>")
}

/// Text for Markdown outside a table (headings, list items): as [`markdown_cell`], with a line
/// break written as a space.
pub fn markdown_text(text: &str) -> String {
    markdown(text, " ")
}

fn markdown(text: &str, line_break: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // GitHub finds mentions (`@team`), issue references (`#12`) and bare links
        // (`http://...`, `www.`) in the rendered text, after character references are read
        // back: a zero-width space (U+200B) after `@`, `#`, `:` before `//` and `www` keeps
        // them plain text.
        if c == 'w' && out.ends_with("ww") && chars.peek() == Some(&'.') {
            out.push_str("w&#8203;");
            continue;
        }
        if c == ':' && chars.peek() == Some(&'/') {
            out.push_str(":&#8203;");
            continue;
        }
        match c {
            '\n' => out.push_str(line_break),
            '\r' => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '*' => out.push_str("&#42;"),
            '_' => out.push_str("&#95;"),
            '[' => out.push_str("&#91;"),
            ']' => out.push_str("&#93;"),
            '\\' => out.push_str("&#92;"),
            '~' => out.push_str("&#126;"),
            '@' => out.push_str("&#64;&#8203;"),
            '#' => out.push_str("&#35;&#8203;"),
            '!' => out.push_str("&#33;"),
            // GitHub reads `$...$` as mathematics.
            '$' => out.push_str("&#36;"),
            c if hidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The message of a GitHub Actions workflow command (`::error ...::MESSAGE`).
pub fn github_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if hidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a GitHub Actions workflow command (`file=`, `title=`): as
/// [`github_message`], and `:` and `,`, which end a property, encoded too.
pub fn github_property(text: &str) -> String {
    github_message(text).replace(':', "%3A").replace(',', "%2C")
}

/// A property value or message of an Azure DevOps logging command (`##vso[...]...`).
pub fn azure(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%AZP25"),
            ';' => out.push_str("%3B"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ']' => out.push_str("%5D"),
            c if hidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A plain line of an Azure DevOps log (not a command): on one line, and with `##` split so
/// that no part of it reads as a `##vso[` command or a `##[` formatting mark.
pub fn azure_plain(text: &str) -> String {
    clean(&text.replace(['\r', '\n'], " ")).replace("##", "# #")
}

/// A CSV cell that a spreadsheet will not run as a formula: one that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'`. Control characters other than
/// line breaks are replaced (the csv writer quotes the cell where it must).
pub fn csv_cell(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let cleaned = clean(text);
    if risky {
        format!("'{cleaned}")
    } else {
        cleaned
    }
}

/// A path as a relative URI reference (SARIF's `artifactLocation.uri`): forward slashes, and
/// every byte other than unreserved characters, `/` and a few safe delimiters percent-encoded
/// (spaces, `%`, `#`, `?`, `:`, non-ASCII).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "<script>alert(1)</script> | =cmd %41 ;x ]y\nnext \u{1b}[31mred";

    #[test]
    fn clean_removes_escape_sequences_and_keeps_line_breaks() {
        assert_eq!(clean("a\u{1b}[31mb\tc\nd"), "a\u{FFFD}[31mb\u{FFFD}c\nd");
        // Not characters XML 1.0 allows, even as references.
        assert_eq!(clean("a\u{FFFE}\u{FFFF}\u{1}"), "a\u{FFFD}\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn bidirectional_overrides_are_replaced_in_every_text_format() {
        let reversed = "vm-\u{202E}lanigiro\u{2066}x\u{2069}";
        for out in [
            clean(reversed),
            markdown_cell(reversed),
            github_message(reversed),
            azure(reversed),
            csv_cell(reversed),
        ] {
            assert!(
                !out.contains(['\u{202E}', '\u{2066}', '\u{2069}']),
                "{out:?}"
            );
            assert!(out.contains("lanigiro"), "{out:?}");
        }
    }

    #[test]
    fn markdown_leaves_no_markup() {
        let cell = markdown_cell(HOSTILE);
        for bad in ["<script", "</script", "|", "\n", "\u{1b}", "]"] {
            assert!(!cell.contains(bad), "{bad:?} in {cell}");
        }
        assert!(cell.contains("&lt;script&gt;"));
        assert!(cell.contains("<br>next"));
        assert_eq!(markdown_cell("a & b"), "a &amp; b");
        assert_eq!(
            markdown_cell("*x* _y_ `z` [l](u) @team #1"),
            "&#42;x&#42; &#95;y&#95; &#96;z&#96; &#91;l&#93;(u) &#64;&#8203;team &#35;&#8203;1"
        );
        assert_eq!(
            markdown_cell("see http://evil.example or www.evil.example, a.www.b"),
            "see http:&#8203;//evil.example or www&#8203;.evil.example, a.www&#8203;.b"
        );
        assert_eq!(markdown_text("two\nlines"), "two lines");
    }

    #[test]
    fn github_commands_cannot_be_ended_early() {
        assert_eq!(github_message("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(
            github_property("a:b,c%\n::error::x"),
            "a%3Ab%2Cc%25%0A%3A%3Aerror%3A%3Ax"
        );
        assert!(!github_message("\u{1b}[31m").contains('\u{1b}'));
    }

    #[test]
    fn azure_commands_cannot_be_ended_early() {
        assert_eq!(
            azure("50%;]x\r\n##vso[task.complete]"),
            "50%AZP25%3B%5Dx%0D%0A##vso[task.complete%5D"
        );
    }

    #[test]
    fn uri_paths_are_relative_references() {
        assert_eq!(uri_path("exports/rg 1/res.json"), "exports/rg%201/res.json");
        assert_eq!(uri_path("a\\b#c?d%e:f"), "a/b%23c%3Fd%25e%3Af");
        assert_eq!(uri_path("données.json"), "donn%C3%A9es.json");
    }

    #[test]
    fn azure_plain_lines_hold_no_command() {
        assert_eq!(
            azure_plain("a\n##vso[task.complete result=Failed]"),
            "a # #vso[task.complete result=Failed]"
        );
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for risky in ["=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx"] {
            assert!(csv_cell(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(csv_cell("plain = text"), "plain = text");
        assert_eq!(csv_cell("a\u{1b}[31m"), "a\u{FFFD}[31m");
    }
}

/// A value as one word of a POSIX shell command: as it is when it holds only characters no
/// shell reads specially, single-quoted otherwise, so that text from an input can never end the
/// command or start another.
pub fn shell_word(value: &str) -> String {
    if !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b':'))
    {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod shell_tests {
    use super::shell_word;

    #[test]
    fn input_text_stays_one_shell_word() {
        assert_eq!(
            shell_word("6f1c2a3e-8b4d-4c2a-9e11-3a5b7c9d0e21"),
            "6f1c2a3e-8b4d-4c2a-9e11-3a5b7c9d0e21"
        );
        assert_eq!(
            shell_word("/subscriptions/s/resourceGroups/rg"),
            "/subscriptions/s/resourceGroups/rg"
        );
        assert_eq!(shell_word("sub;x]"), "'sub;x]'");
        assert_eq!(shell_word("it's $(rm -rf ~)"), "'it'\\''s $(rm -rf ~)'");
        assert_eq!(shell_word(""), "''");
    }
}
