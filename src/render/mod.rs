//! Rendering data in one place: a project's JSON and YAML the way `docker compose config` prints
//! them (Go's escaping, `$$`), and the tables, sizes and ages the listing commands print.

use std::fmt::Write;

use serde_json::Value;

use crate::model::Project;

pub(crate) mod template;
mod yaml;

/// The project as `docker compose config --format json` prints it: Go marshals the top level
/// from a map (keys sorted) and leaves `models` out; `$` is written `$$`.
pub fn project_json(project: &Project) -> String {
    let Value::Object(mut top) =
        serde_json::to_value(project).expect("the model always serializes")
    else {
        unreachable!("a project serializes to an object")
    };
    top.remove("models");
    top.sort_keys();
    let mut top = Value::Object(top);
    sort_extensions(&mut top);
    json(
        &top,
        JsonStyle {
            indent: true,
            escape_dollar: true,
        },
    )
}

/// The project as `docker compose config` prints it in YAML (struct order, `$` written `$$`).
pub fn project_yaml(project: &Project) -> String {
    let v = crate::model::in_yaml_form(|| serde_json::to_value(project));
    let mut v = v.expect("the model always serializes");
    sort_extensions(&mut v);
    yaml(&v, true)
}

/// Sorts the keys inside every `x-*` value: Compose holds them as Go maps, which marshal sorted
/// (the model keeps them in the files' order).
fn sort_extensions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k.starts_with("x-") {
                    *x = sorted(x);
                } else {
                    sort_extensions(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(sort_extensions),
        _ => {}
    }
}

/// `v` with the keys of its maps sorted at every level.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut m: serde_json::Map<String, Value> =
                m.iter().map(|(k, v)| (k.clone(), sorted(v))).collect();
            m.sort_keys();
            Value::Object(m)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The untyped model as `config --no-interpolate` prints it: Go marshals maps, so keys are
/// sorted at every level, and `$` stays as written.
pub(crate) fn model(v: &Value, as_json: bool) -> String {
    let v = sorted(v);
    if as_json {
        let style = JsonStyle {
            indent: true,
            escape_dollar: false,
        };
        json(&v, style)
    } else {
        yaml(&v, false)
    }
}

/// Options for [`json`]: Go's `MarshalIndent` layout, HTML escaping and `$` → `$$`.
#[derive(Clone, Copy)]
pub(crate) struct JsonStyle {
    pub indent: bool,
    pub escape_dollar: bool,
}

/// Writes JSON as Go's encoding/json does: `<`, `>`, `&`, U+2028/9 escaped; 2-space indent.
pub(crate) fn json(v: &Value, style: JsonStyle) -> String {
    let mut out = String::new();
    write_json(&mut out, v, style, 0);
    out
}

fn write_str(out: &mut String, s: &str, escape_dollar: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            '$' if escape_dollar => out.push_str("$$"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_json(out: &mut String, v: &Value, style: JsonStyle, depth: usize) {
    let nl = |out: &mut String, d: usize| {
        if style.indent {
            out.push('\n');
            for _ in 0..d {
                out.push_str("  ");
            }
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s, style.escape_dollar),
        Value::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                write_json(out, x, style, depth + 1);
            }
            nl(out, depth);
            out.push(']');
        }
        Value::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                write_str(out, k, false);
                out.push(':');
                if style.indent {
                    out.push(' ');
                }
                write_json(out, x, style, depth + 1);
            }
            nl(out, depth);
            out.push('}');
        }
    }
}

/// A size as the Docker CLI writes it: decimal units with 3 significant digits (`1.98MB`, Go's
/// `units.HumanSize`), or binary ones with 4 (`1.953MiB`, `units.BytesSize`).
pub(crate) fn size(bytes: u64, binary: bool) -> String {
    let (base, digits, units) = if binary {
        (1024.0, 4, ["B", "KiB", "MiB", "GiB", "TiB", "PiB"])
    } else {
        (1000.0, 3, ["B", "kB", "MB", "GB", "TB", "PB"])
    };
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= base && u + 1 < units.len() {
        v /= base;
        u += 1;
    }
    // Go's %.<digits>g for these magnitudes: that many significant digits, no trailing zeros
    let whole = if v == 0.0 {
        1
    } else {
        v.log10().floor() as i32 + 1
    };
    let decimals = (digits - whole).max(0) as usize;
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{}", units[u])
}

/// A table as Docker's CLI prints them (Go's tabwriter: each column but the last padded to its
/// widest cell plus 3 spaces, at least `min_width` wide: 10 for lists, 20 for `config`'s).
/// A table under these column `titles`, padded like [`table`].
pub(crate) fn titled(
    titles: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    min_width: usize,
) -> String {
    let mut all = vec![titles.iter().map(|t| t.to_string()).collect::<Vec<_>>()];
    all.extend(rows);
    table(&all, min_width)
}

pub(crate) fn table(rows: &[Vec<String>], min_width: usize) -> String {
    table_padded(rows, min_width, 3)
}

/// [`table`] with another padding (`top` uses Go's tabwriter with 2, at least 4 wide).
pub(crate) fn table_padded(rows: &[Vec<String>], min_width: usize, padding: usize) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count() + padding)
                .max()
                .unwrap_or(0)
                .max(min_width)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c] - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

/// Writes YAML in the layout `docker compose config` uses (2 spaces, `- ` items indented).
pub(crate) fn yaml(v: &Value, escape_dollar: bool) -> String {
    yaml::document(v, escape_dollar)
}

/// `3 seconds ago`, as the Docker CLI words it.
pub(crate) fn ago(created: i64, now: i64) -> String {
    let s = (now - created).max(0);
    let (n, unit) = match s {
        0 => return "Less than a second ago".into(),
        1..60 => (s, "second"),
        60..3600 => (s / 60, "minute"),
        3600..86400 => (s / 3600, "hour"),
        86400..604800 => (s / 86400, "day"),
        604800..2629800 => (s / 604800, "week"),
        2629800..31557600 => (s / 2629800, "month"),
        _ => (s / 31557600, "year"),
    };
    match (n, unit) {
        (1, "hour") => "About an hour ago".into(),
        (1, "minute") => "About a minute ago".into(),
        (1, u) => format!("1 {u} ago"),
        (n, u) => format!("{n} {u}s ago"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The input the fuzz target timed out on (2026-12-02): a port range of 58 570 ports in
    /// 151 bytes. It is one entry per port, as in Compose: the YAML is the reference's, whose
    /// `config` printed 3 854 776 bytes for it (identical to ours, compared by hand).
    #[test]
    fn a_wide_port_range_renders_every_port_as_the_reference() {
        let text = "\nname: tesintabl\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"@\"\"%\"\"\"\"\"\"\"\"\"\"\"\"e charac0.0.0.0::4111/tcpt* \r\nservices:\n  foo:\n    image: alpi=ne\n    ports:\n\r\r      - \"024-58593\"\n";
        assert_eq!(text.len(), 151);
        let mut o = crate::load::Options::new(std::env::temp_dir());
        o.files = vec!["-".into()];
        o.stdin = Some(text.into());
        let project = crate::load::load(&o).unwrap().project;
        assert_eq!(project.services["foo"].ports.len(), 58_570);
        assert_eq!(project_yaml(&project).len(), 3_854_776);
    }

    #[test]
    fn tables_pad_like_tabwriter() {
        let rows = vec![
            vec!["NAME".into(), "REQUIRED".into(), "VALUE".into()],
            vec!["A_VERY_LONG_VARIABLE_NAME".into(), "true".into(), "".into()],
        ];
        assert_eq!(
            table(&rows, 20),
            "NAME                        REQUIRED            VALUE\nA_VERY_LONG_VARIABLE_NAME   true                \n"
        );
    }

    #[test]
    fn sizes_read_like_the_docker_cli() {
        assert_eq!(size(1984230, false), "1.98MB");
        assert_eq!(size(138_000_000, false), "138MB");
        assert_eq!(size(512, false), "512B");
        assert_eq!(size(12_345, false), "12.3kB");
        assert_eq!(size(1234, false), "1.23kB");
        assert_eq!(size(999, false), "999B");
        assert_eq!(size(0, false), "0B");
        assert_eq!(size(0, true), "0B");
        assert_eq!(size(2048, true), "2KiB");
        assert_eq!(size(2_048_000, true), "1.953MiB");
    }

    #[test]
    fn json_escapes_like_go() {
        let v = serde_json::json!({"a": "x < y && $HOME", "b": [1, {}]});
        assert_eq!(
            json(
                &v,
                JsonStyle {
                    indent: false,
                    escape_dollar: false
                }
            ),
            r#"{"a":"x \u003c y \u0026\u0026 $HOME","b":[1,{}]}"#
        );
        assert!(
            json(
                &v,
                JsonStyle {
                    indent: true,
                    escape_dollar: true
                }
            )
            .contains("$$HOME")
        );
    }

    #[test]
    fn yaml_quotes_ambiguous_scalars() {
        let v =
            serde_json::json!({"p": "8000", "nothing": null, "l": ["a", "true"], "m": {"k": "v"}});
        assert_eq!(
            yaml(&v, false),
            "p: \"8000\"\nnothing: null\nl:\n  - a\n  - \"true\"\nm:\n  k: v\n"
        );
    }
}
