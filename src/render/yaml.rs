//! YAML as `docker compose config` prints it: Go's yaml.v3 with an indent of 2 (block
//! collections, `{}`/`[]` for empty ones, no line folding) and its choice of scalar style.

use std::fmt::Write;

use serde_json::Value;

/// `v` as a YAML document; `escape_dollar` writes every `$` of a string value as `$$`.
pub(crate) fn document(v: &Value, escape_dollar: bool) -> String {
    let mut e = Emitter {
        out: String::new(),
        escape_dollar,
    };
    match v {
        Value::Object(m) if !m.is_empty() => e.entries(m, 0, false),
        Value::Array(a) if !a.is_empty() => e.items(a, 0, false),
        _ => {
            e.scalar(v, 0, false);
            e.out.push('\n');
        }
    }
    e.out
}

struct Emitter {
    out: String,
    escape_dollar: bool,
}

impl Emitter {
    fn pad(&mut self, col: usize) {
        self.out.extend(std::iter::repeat_n(' ', col));
    }

    /// A mapping's entries at column `col`; with `inline` the first one continues the line.
    fn entries(&mut self, m: &serde_json::Map<String, Value>, col: usize, inline: bool) {
        for (i, (k, x)) in m.iter().enumerate() {
            if i > 0 || !inline {
                self.pad(col);
            }
            if k.contains('\n') || k.len() > 128 {
                // not a simple key: `? key` then `: value`
                self.out.push_str("? ");
                self.string(k, col, false, false);
                if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                self.pad(col);
                self.out.push(':');
            } else {
                self.string(k, col, true, false);
                self.out.push(':');
            }
            self.value(x, col, false);
        }
    }

    /// A sequence's items at column `col`; with `inline` the first one continues the line.
    fn items(&mut self, a: &[Value], col: usize, inline: bool) {
        for (i, x) in a.iter().enumerate() {
            if i > 0 || !inline {
                self.pad(col);
            }
            self.out.push('-');
            self.value(x, col, true);
        }
    }

    /// The node after `key:` or `-` (whose indicator is at column `col`), to the end of its line.
    fn value(&mut self, v: &Value, col: usize, in_sequence: bool) {
        match v {
            // in a sequence a collection starts on the `-` line, under a key on the next one
            Value::Object(m) if !m.is_empty() => {
                self.out.push(if in_sequence { ' ' } else { '\n' });
                self.entries(m, col + 2, in_sequence);
            }
            Value::Array(a) if !a.is_empty() => {
                self.out.push(if in_sequence { ' ' } else { '\n' });
                self.items(a, col + 2, in_sequence);
            }
            _ => {
                self.out.push(' ');
                self.scalar(v, col, self.escape_dollar);
                if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
            }
        }
    }

    fn scalar(&mut self, v: &Value, col: usize, escape_dollar: bool) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.out.push_str(&n.to_string()),
            Value::String(s) => self.string(s, col, false, escape_dollar),
            Value::Array(_) => self.out.push_str("[]"),
            Value::Object(_) => self.out.push_str("{}"),
        }
    }

    /// A string in the style yaml.v3 picks; a literal block's lines go at `col + 2`.
    fn string(&mut self, s: &str, col: usize, key: bool, escape_dollar: bool) {
        let escaped;
        let s = if escape_dollar && s.contains('$') {
            escaped = s.replace('$', "$$");
            escaped.as_str()
        } else {
            s
        };
        match style(s, key) {
            Style::Plain => self.out.push_str(s),
            Style::Single => {
                self.out.push('\'');
                self.out.push_str(&s.replace('\'', "''"));
                self.out.push('\'');
            }
            Style::Double => double_quoted(&mut self.out, s),
            Style::Literal => self.literal(s, col + 2),
        }
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.out.push('|');
        if s.starts_with([' ', '\n']) {
            self.out.push('2');
        }
        if !s.ends_with('\n') {
            self.out.push('-');
        } else if s == "\n" || s.ends_with("\n\n") {
            self.out.push('+');
        }
        self.out.push('\n');
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            if !line.is_empty() {
                self.pad(indent);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }
}

#[derive(Debug, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// yaml.v3's choice: a string that would read back as another type (null, a bool, a number,
/// a time, YAML 1.1's `yes`/`on` and sexagesimal numbers) is double-quoted; one with a line
/// break is a literal block where that can hold it; otherwise plain where the text allows,
/// else single-quoted, else double-quoted.
fn style(s: &str, key: bool) -> Style {
    if s.is_empty() || reads_as_other_type(s) {
        return Style::Double;
    }
    let a = Analysis::of(s);
    if s.contains('\n') && !key {
        return if a.block_allowed() {
            Style::Literal
        } else {
            Style::Double
        };
    }
    if a.plain_allowed() {
        Style::Plain
    } else if a.single_allowed() {
        Style::Single
    } else {
        Style::Double
    }
}

/// What libyaml's emitter notes about a scalar's characters.
#[derive(Default)]
struct Analysis {
    block_indicators: bool,
    line_breaks: bool,
    special: bool,
    leading_space: bool,
    leading_break: bool,
    trailing_space: bool,
    trailing_break: bool,
    break_space: bool,
    space_break: bool,
}

impl Analysis {
    fn of(s: &str) -> Analysis {
        let mut a = Analysis::default();
        if s.starts_with("---") || s.starts_with("...") {
            a.block_indicators = true;
        }
        let chars: Vec<char> = s.chars().collect();
        let blank = |c: Option<&char>| matches!(c, None | Some(' ' | '\t' | '\n' | '\r'));
        let (mut preceded_by_blank, mut prev_space, mut prev_break) = (true, false, false);
        for (i, &c) in chars.iter().enumerate() {
            let followed_by_blank = blank(chars.get(i + 1));
            let last = i + 1 == chars.len();
            if i == 0 {
                match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => a.block_indicators = true,
                    '?' | ':' | '-' if followed_by_blank => a.block_indicators = true,
                    _ => {}
                }
            } else {
                match c {
                    ':' if followed_by_blank => a.block_indicators = true,
                    '#' if preceded_by_blank => a.block_indicators = true,
                    _ => {}
                }
            }
            if !printable(c)
                || c == '\u{feff}'
                || matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
            {
                a.special = true;
            }
            if c == ' ' {
                a.leading_space |= i == 0;
                a.trailing_space |= last;
                a.break_space |= prev_break;
                (prev_space, prev_break) = (true, false);
            } else if c == '\n' {
                a.line_breaks = true;
                a.leading_break |= i == 0;
                a.trailing_break |= last;
                a.space_break |= prev_space;
                (prev_space, prev_break) = (false, true);
            } else {
                (prev_space, prev_break) = (false, false);
            }
            preceded_by_blank = blank(Some(&c));
        }
        a
    }

    fn plain_allowed(&self) -> bool {
        !(self.leading_space
            || self.leading_break
            || self.trailing_space
            || self.trailing_break
            || self.break_space
            || self.space_break
            || self.special
            || self.line_breaks
            || self.block_indicators)
    }

    fn single_allowed(&self) -> bool {
        !(self.break_space || self.space_break || self.special)
    }

    fn block_allowed(&self) -> bool {
        !(self.trailing_space || self.space_break || self.special)
    }
}

fn printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        let named = match c {
            '\0' => "\\0",
            '\u{7}' => "\\a",
            '\u{8}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{b}' => "\\v",
            '\u{c}' => "\\f",
            '\r' => "\\r",
            '\u{1b}' => "\\e",
            '"' => "\\\"",
            '\\' => "\\\\",
            '\u{85}' => "\\N",
            '\u{2028}' => "\\L",
            '\u{2029}' => "\\P",
            _ => "",
        };
        if !named.is_empty() {
            out.push_str(named);
        } else if !printable(c) || c == '\u{feff}' {
            let n = c as u32;
            let _ = match n {
                0..=0xFF => write!(out, "\\x{n:02X}"),
                0x100..=0xFFFF => write!(out, "\\u{n:04X}"),
                _ => write!(out, "\\U{n:08X}"),
            };
        } else {
            out.push(c);
        }
    }
    out.push('"');
}

/// Whether yaml.v3 would read the plain text `s` as something other than a string.
fn reads_as_other_type(s: &str) -> bool {
    const OTHER: [&str; 39] = [
        "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", ".nan",
        ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
        "-.INF", // YAML 1.1's booleans, quoted for older readers
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "",
    ];
    if OTHER.contains(&s) {
        return true;
    }
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let plain = s.replace('_', "");
    is_int(&plain) || is_float(&plain) || is_time(s) || is_base60(s)
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint` accepting it.
fn is_int(s: &str) -> bool {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match body.get(..2) {
        Some("0x" | "0X") => (16, &body[2..]),
        Some("0o" | "0O") => (8, &body[2..]),
        Some("0b" | "0B") => (2, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..]),
        _ => (10, body),
    };
    if digits.is_empty() {
        return false;
    }
    match u128::from_str_radix(digits, radix) {
        Ok(n) if neg => n <= 1 << 63,
        Ok(n) => n <= u128::from(u64::MAX),
        Err(_) => false,
    }
}

/// yaml.v3's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// yaml.v3's timestamps: `2006-1-2`, with `T`/`t`/` ` and `15:4:5(.9)` and, but for the space
/// form, a zone (`Z` or `±07:00`).
fn is_time(s: &str) -> bool {
    fn num(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n < min || n > max {
            return None;
        }
        Some((s[..n].parse().ok()?, &s[n..]))
    }
    fn date(s: &str) -> Option<&str> {
        let (_, r) = num(s, 4, 4)?;
        let (m, r) = num(r.strip_prefix('-')?, 1, 2)?;
        let (d, r) = num(r.strip_prefix('-')?, 1, 2)?;
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some(r)
    }
    fn clock(s: &str) -> Option<&str> {
        let (h, r) = num(s, 1, 2)?;
        let (m, r) = num(r.strip_prefix(':')?, 1, 2)?;
        let (sec, mut r) = num(r.strip_prefix(':')?, 1, 2)?;
        if let Some(frac) = r.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            r = &frac[n..];
        }
        (h < 24 && m < 60 && sec < 60).then_some(r)
    }
    fn zone(s: &str) -> bool {
        if s == "Z" {
            return true;
        }
        let Some(r) = s.strip_prefix(['+', '-']) else {
            return false;
        };
        let Some((_, r)) = num(r, 2, 2) else {
            return false;
        };
        r.strip_prefix(':')
            .and_then(|m| num(m, 2, 2))
            .is_some_and(|(_, rest)| rest.is_empty())
    }
    let Some(rest) = date(s) else { return false };
    if rest.is_empty() {
        return true;
    }
    if let Some(t) = rest.strip_prefix(['T', 't']) {
        return clock(t).is_some_and(zone);
    }
    rest.strip_prefix(' ')
        .and_then(clock)
        .is_some_and(str::is_empty)
}

/// YAML 1.1's sexagesimal numbers (`1:20`, `190:20:30.15`), which yaml.v3 quotes.
fn is_base60(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (s, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let mut parts = s.split(':');
    let head = parts.next().unwrap_or("");
    if !head.starts_with(|c: char| c.is_ascii_digit())
        || !head.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    let mut sixties = 0;
    for p in parts {
        let b = p.as_bytes();
        let ok = match b {
            [d] => d.is_ascii_digit(),
            [t, d] => (b'0'..=b'5').contains(t) && d.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
        sixties += 1;
    }
    sixties > 0 && frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit() || b == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_take_the_style_yaml_v3_gives_them() {
        let cases = [
            ("8080:50", "\"8080:50\""),
            ("8080:80", "8080:80"),
            ("yes", "\"yes\""),
            ("0x1F", "\"0x1F\""),
            ("1_000", "\"1_000\""),
            (".5", "\".5\""),
            ("-.Inf", "\"-.Inf\""),
            ("2024-01-01", "\"2024-01-01\""),
            ("2024-01-01T10:00:00Z", "\"2024-01-01T10:00:00Z\""),
            ("12:30:45", "\"12:30:45\""),
            ("<<", "<<"),
            ("", "\"\""),
            ("a: b", "'a: b'"),
            ("a:b", "a:b"),
            ("-a", "-a"),
            ("- a", "'- a'"),
            ("-", "'-'"),
            ("?x", "?x"),
            ("#x", "'#x'"),
            ("a #b", "'a #b'"),
            ("x ", "'x '"),
            ("a\tb", "\"a\\tb\""),
            ("x]", "x]"),
            ("'a", "'''a'"),
            ("café", "café"),
            ("---", "'---'"),
            ("0.5.1", "0.5.1"),
            ("tRue", "tRue"),
            ("a \nb", "\"a \\nb\""),
        ];
        for (s, want) in cases {
            let mut e = Emitter {
                out: String::new(),
                escape_dollar: false,
            };
            e.string(s, 0, false, false);
            assert_eq!(e.out, want, "{s:?}");
        }
    }

    #[test]
    fn collections_nest_as_compose_prints_them() {
        let v = serde_json::json!({
            "command": ["a\nb", "\n lead", "x"],
            "x-nest": [["a", "b"], [["c"]], [], {}, [{"k": "v", "k2": "w"}], {"m": [1, 2]}],
            "keep": "a\nb\n\n",
            "none": null,
        });
        assert_eq!(
            document(&v, false),
            "command:\n  - |-\n    a\n    b\n  - |2-\n\n     lead\n  - x\n\
             x-nest:\n  - - a\n    - b\n  - - - c\n  - []\n  - {}\n  - - k: v\n      k2: w\n  - m:\n      - 1\n      - 2\n\
             keep: |+\n  a\n  b\n\nnone: null\n"
        );
    }
}
