//! Plain and tagged scalars resolved with the YAML 1.2 core schema, as Go's yaml decoder does
//! into `any` (booleans, integers in every base, floats, null), and floats printed as Go prints
//! them.

use saphyr_parser::ScalarStyle;

use super::super::error::{ErrorKind, LoadError, Span};
use super::{Tag, Value};

/// Formats a float the way Go's `%v` does for the usual values (`1.5`, `1e+21`, `2`).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == f.trunc() && f.abs() < 1e21 {
        return format!("{}", f as i64);
    }
    format!("{f}")
}

/// Resolves a scalar with the YAML 1.2 core schema, as Go's yaml decoder does into `any`.
pub(super) fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Tag,
    span: &Span,
) -> Result<Value, LoadError> {
    let plain = style == ScalarStyle::Plain;
    match tag {
        Tag::Str => return Ok(Value::Str(text.to_string())),
        Tag::Null => return Ok(Value::Null),
        Tag::Int => {
            return parse_int(text).map(Value::Int).ok_or_else(|| {
                LoadError::new(ErrorKind::Yaml, format!("cannot decode `{text}` as !!int")).at(span)
            });
        }
        Tag::Float => {
            return parse_int(text)
                .map(|i| i as f64)
                .or_else(|| parse_float(text))
                .map(Value::Float)
                .ok_or_else(|| {
                    LoadError::new(
                        ErrorKind::Yaml,
                        format!("cannot decode `{text}` as !!float"),
                    )
                    .at(span)
                });
        }
        Tag::Bool => {
            return parse_bool(text).map(Value::Bool).ok_or_else(|| {
                LoadError::new(ErrorKind::Yaml, format!("cannot decode `{text}` as !!bool"))
                    .at(span)
            });
        }
        _ => {}
    }
    if !plain {
        return Ok(Value::Str(text.to_string()));
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Value::Null);
    }
    if let Some(b) = parse_bool(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(i) = parse_int(text) {
        return Ok(Value::Int(i));
    }
    if let Some(f) = parse_float(text) {
        return Ok(Value::Float(f));
    }
    Ok(Value::Str(text.to_string()))
}

fn parse_bool(t: &str) -> Option<bool> {
    match t {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn parse_int(t: &str) -> Option<i64> {
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let body = body.replace('_', "");
    if body.is_empty() {
        return None;
    }
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = body.strip_prefix("0b") {
        (2, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn parse_float(t: &str) -> Option<f64> {
    match t {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let b = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mant, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mant_ok = match mant.split_once('.') {
        Some((a, c)) => {
            (!a.is_empty() || !c.is_empty())
                && a.bytes().all(|x| x.is_ascii_digit())
                && c.bytes().all(|x| x.is_ascii_digit())
                && !(a.is_empty() && c.is_empty())
        }
        None => !mant.is_empty() && mant.bytes().all(|x| x.is_ascii_digit()),
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|x| x.is_ascii_digit())
        }
    };
    if mant_ok && exp_ok && !(mant.starts_with('.') && mant.len() == 1) {
        t.parse().ok()
    } else {
        None
    }
}
