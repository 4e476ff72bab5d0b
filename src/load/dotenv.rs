//! The `.env` / `env_file` parser, following Compose's rules: `export`, comments, single quotes
//! taken literally, double quotes with escapes and substitution, bare `KEY` inherited.

use indexmap::IndexMap;

use super::interpolate::{Vars, substitute};

/// Parses `src`. `lookup` gives values from outside the file (the shell), which win over values
/// set earlier in the file when expanding `${...}`. Errors carry the 1-based line.
pub fn parse(
    src: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, (usize, String)> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut out: IndexMap<String, String> = IndexMap::new();
    let mut line = 1usize;
    let mut rest = src;
    loop {
        // skip blanks and comment lines
        let trimmed = rest.trim_start_matches(|c: char| {
            if c == '\n' {
                line += 1;
            }
            c.is_whitespace()
        });
        rest = trimmed;
        if rest.is_empty() {
            break;
        }
        if rest.starts_with('#') {
            match rest.find('\n') {
                Some(i) => {
                    rest = &rest[i..];
                    continue;
                }
                None => break,
            }
        }
        if let Some(after) = rest.strip_prefix("export")
            && after.starts_with([' ', '\t'])
        {
            rest = after.trim_start_matches([' ', '\t']);
        }
        // the key
        let mut key_end = None;
        let mut inherited = false;
        for (i, c) in rest.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' => {
                    key_end = Some(i);
                    break;
                }
                '\n' => {
                    key_end = Some(i);
                    inherited = true;
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                c => {
                    let first = rest.split('\n').next().unwrap_or("");
                    return Err((
                        line,
                        format!("unexpected character {c:?} in variable name {first:?}"),
                    ));
                }
            }
        }
        let (key, after) = match key_end {
            Some(i) => (rest[..i].trim_end(), &rest[i + 1..]),
            None => {
                // a last line without '=' nor newline: an inherited key
                inherited = true;
                (rest.trim_end(), "")
            }
        };
        if key.contains(' ') {
            return Err((line, "key cannot contain a space".to_string()));
        }
        if inherited {
            line += 1;
            if let Some(v) = lookup(key) {
                out.insert(key.to_string(), v);
            }
            rest = after;
            continue;
        }
        let value_src = after.trim_start_matches(is_space);
        let expand = |value: &str, out: &IndexMap<String, String>| -> Result<String, String> {
            let look = |k: &str| lookup(k).or_else(|| out.get(k).cloned());
            let mut vars = Vars::new(&look);
            substitute(value, &mut vars)
                .map_err(|_| format!("invalid interpolation format in {value:?}"))
        };
        match value_src.as_bytes().first() {
            Some(&q) if q == b'"' || q == b'\'' => {
                let bytes = value_src.as_bytes();
                let mut chars: Vec<u8> = Vec::new();
                let mut escaped = false;
                let mut end = None;
                for (i, &c) in bytes.iter().enumerate().skip(1) {
                    if c == b'\n' {
                        line += 1;
                    }
                    if c != q {
                        if !escaped && c == b'\\' {
                            escaped = true;
                            continue;
                        }
                        if escaped {
                            escaped = false;
                            chars.push(b'\\');
                        }
                        chars.push(c);
                        continue;
                    }
                    if escaped {
                        escaped = false;
                        chars.push(c);
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                let Some(end) = end else {
                    let first = value_src.split('\n').next().unwrap_or("");
                    return Err((line, format!("unterminated quoted value {first}")));
                };
                let mut value = String::from_utf8_lossy(&chars).into_owned();
                if q == b'"' {
                    value = expand(&expand_escapes(&value), &out).map_err(|m| (line, m))?;
                }
                out.insert(key.to_string(), value);
                rest = &value_src[end + 1..];
                // the rest of the line after a closing quote is ignored up to the newline
                rest = match rest.find('\n') {
                    Some(i) => &rest[i..],
                    None => "",
                };
            }
            _ => {
                let (value, tail) = match value_src.find('\n') {
                    Some(i) => (&value_src[..i], &value_src[i..]),
                    None => (value_src, ""),
                };
                let value = match value.find(" #") {
                    Some(i) => &value[..i],
                    None => value,
                };
                let value = expand(value.trim_end(), &out).map_err(|m| (line, m))?;
                out.insert(key.to_string(), value);
                rest = tail;
            }
        }
    }
    Ok(out)
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Double-quoted escapes: `\n`, `\t`, `\"`, `\\`, octal `\0NNN`; `\$` stays a literal dollar.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.peek().copied() {
            Some(e @ ('a' | 'b' | 'c' | 'f' | 'n' | 'r' | 't' | 'v' | '"' | '\\' | '$')) => {
                it.next();
                match e {
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\u{b}'),
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '$' => out.push_str("$$"),
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            Some('0') => {
                it.next();
                let mut digits = String::new();
                while digits.len() < 3 {
                    match it.peek() {
                        Some(d) if d.is_ascii_digit() => {
                            digits.push(*d);
                            it.next();
                        }
                        _ => break,
                    }
                }
                match u32::from_str_radix(if digits.is_empty() { "0" } else { &digits }, 8)
                    .ok()
                    .and_then(char::from_u32)
                {
                    Some(ch) if digits.len() == 3 || digits.is_empty() => out.push(ch),
                    _ => {
                        out.push_str("\\0");
                        out.push_str(&digits);
                    }
                }
            }
            _ => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> IndexMap<String, String> {
        let env = |k: &str| (k == "SHELL_VAR").then(|| "from-shell".to_string());
        parse(s, &env).unwrap()
    }

    #[test]
    fn quoting_rules() {
        let m = p(
            "A=plain value # comment\nB='single $A \\n'\nC=\"double $A \\n end\"\nexport D=exported\n# c\nE=\nF: colon\n",
        );
        assert_eq!(m["A"], "plain value");
        assert_eq!(m["B"], "single $A \\n");
        assert_eq!(m["C"], "double plain value \n end");
        assert_eq!(m["D"], "exported");
        assert_eq!(m["E"], "");
        assert_eq!(m["F"], "colon");
    }

    #[test]
    fn inherited_and_multiline() {
        let m = p("SHELL_VAR\nMISSING\nM=\"a\nb\"\nN=${SHELL_VAR}-x\n");
        assert_eq!(m["SHELL_VAR"], "from-shell");
        assert!(!m.contains_key("MISSING"));
        assert_eq!(m["M"], "a\nb");
        assert_eq!(m["N"], "from-shell-x");
    }

    #[test]
    fn errors_name_the_line() {
        let env = |_: &str| None;
        assert_eq!(parse("A=1\nB C=2\n", &env).unwrap_err().0, 2);
        assert!(parse("A=\"open\n", &env).is_err());
    }
}
