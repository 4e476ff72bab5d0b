//! Compose variable substitution: `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`,
//! `${VAR?e}`, `${VAR:+a}`, `${VAR+a}`, nesting and `$$`, over strings and whole node trees.

use super::error::path_string;
use super::error::{ErrorKind, LoadError};
use super::tables::{CASTS, Cast};
use super::yaml::{Node, Value};

/// Why a substitution failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubstError {
    /// A `${` that does not form a valid expression.
    Invalid,
    /// `${VAR:?msg}` / `${VAR?msg}` with the variable missing.
    Required { var: String, reason: String },
}

/// Variables used while substituting: the value lookup and the names found unset.
pub struct Vars<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    pub unset: Vec<String>,
}

impl<'a> Vars<'a> {
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Vars<'a> {
        Vars {
            lookup,
            unset: Vec::new(),
        }
    }
    fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}
fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// Substitutes every expression in `s`.
pub fn substitute(s: &str, vars: &mut Vars<'_>) -> Result<String, SubstError> {
    if !s.contains('$') {
        return Ok(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut lit = 0;
    while i < b.len() {
        if b[i] != b'$' || i + 1 >= b.len() {
            i += 1;
            continue;
        }
        let next = b[i + 1];
        if next == b'$' {
            out.push_str(&s[lit..i]);
            out.push('$');
            i += 2;
            lit = i;
        } else if is_name_start(next) {
            out.push_str(&s[lit..i]);
            let mut j = i + 1;
            while j < b.len() && is_name_char(b[j]) {
                j += 1;
            }
            let name = &s[i + 1..j];
            out.push_str(&lookup(name, vars));
            i = j;
            lit = i;
        } else if next == b'{' {
            out.push_str(&s[lit..i]);
            let end = braced(s, i, vars, &mut out)?;
            i = end;
            lit = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[lit..]);
    Ok(out)
}

fn lookup(name: &str, vars: &mut Vars<'_>) -> String {
    match vars.get(name) {
        Some(v) => v,
        None => {
            if !vars.unset.iter().any(|u| u == name) {
                vars.unset.push(name.to_string());
            }
            String::new()
        }
    }
}

/// Handles `${...}` starting at `start` (the `$`); returns the index after the expression.
fn braced(
    s: &str,
    start: usize,
    vars: &mut Vars<'_>,
    out: &mut String,
) -> Result<usize, SubstError> {
    let b = s.as_bytes();
    let name_start = start + 2;
    if name_start >= b.len() || !is_name_start(b[name_start]) {
        return Err(SubstError::Invalid);
    }
    let mut j = name_start;
    while j < b.len() && is_name_char(b[j]) {
        j += 1;
    }
    let name = &s[name_start..j];
    if j < b.len() && b[j] == b'}' {
        out.push_str(&lookup(name, vars));
        return Ok(j + 1);
    }
    // An operator: optional ':' then one of - + ?
    let (colon, op_at) = if j < b.len() && b[j] == b':' {
        (true, j + 1)
    } else {
        (false, j)
    };
    if op_at >= b.len() || !matches!(b[op_at], b'-' | b'+' | b'?') {
        return Err(SubstError::Invalid);
    }
    let op = b[op_at];
    let close = closing_brace(s, start, op_at).ok_or(SubstError::Invalid)?;
    let arg = &s[op_at + 1..close];
    let value = vars.get(name);
    let result = match op {
        b'-' => match value {
            Some(v) if !(colon && v.is_empty()) => v,
            _ => substitute(arg, vars)?,
        },
        b'+' => match value {
            Some(v) if !(colon && v.is_empty()) => substitute(arg, vars)?,
            Some(v) => v,
            None => String::new(),
        },
        _ => match value {
            Some(v) if !(colon && v.is_empty()) => v,
            _ => {
                let reason = substitute(arg, vars)?;
                return Err(SubstError::Required {
                    var: name.to_string(),
                    reason,
                });
            }
        },
    };
    out.push_str(&result);
    Ok(close + 1)
}

/// The closing brace of the expression starting at `start` (its `$`), whose operator is at
/// `op_at`. Compose's own rule: a `{` opens a level and the character after it is skipped.
fn closing_brace(s: &str, start: usize, op_at: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0i32;
    let mut k = start;
    while k < b.len() {
        if b[k] == b'}' {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
        if b[k] == b'{' {
            depth += 1;
            k += 1;
        }
        k += 1;
    }
    s.rfind('}').filter(|&c| c > op_at)
}

/// A variable a file refers to, as `config --variables` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Variable {
    #[serde(rename = "Name")]
    pub name: String,
    /// The text after `-` / `:-` (not substituted).
    #[serde(rename = "DefaultValue")]
    pub default: String,
    /// The text after `+` / `:+` (not substituted).
    #[serde(rename = "PresenceValue")]
    pub presence: String,
    /// Written with `?` / `:?`.
    #[serde(rename = "Required")]
    pub required: bool,
}

/// Every variable `s` refers to, nested ones included, whatever their values; a later mention of
/// a name replaces an earlier one, as in Compose.
pub fn variables(s: &str, out: &mut std::collections::BTreeMap<String, Variable>) {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let next = b[i + 1];
        if next == b'$' {
            i += 2;
            continue;
        }
        let braced = next == b'{';
        let name_start = if braced { i + 2 } else { i + 1 };
        if name_start >= b.len() || !is_name_start(b[name_start]) {
            i += 1;
            continue;
        }
        let mut j = name_start;
        while j < b.len() && is_name_char(b[j]) {
            j += 1;
        }
        let mut v = Variable {
            name: s[name_start..j].to_string(),
            ..Variable::default()
        };
        let dollar = i;
        i = j;
        if braced {
            let op_at = if b.get(j) == Some(&b':') { j + 1 } else { j };
            match b.get(op_at) {
                Some(b'}') if op_at == j => i = j + 1,
                Some(op @ (b'-' | b'+' | b'?')) => {
                    let Some(close) = closing_brace(s, dollar, op_at) else {
                        return;
                    };
                    let arg = &s[op_at + 1..close];
                    match op {
                        b'-' => v.default = arg.to_string(),
                        b'+' => v.presence = arg.to_string(),
                        _ => v.required = true,
                    }
                    variables(arg, out);
                    i = close + 1;
                }
                _ => continue,
            }
        }
        out.insert(v.name.clone(), v);
    }
}

/// Collects [`variables`] from every string of a node tree.
pub fn node_variables(node: &Node, out: &mut std::collections::BTreeMap<String, Variable>) {
    match &node.value {
        Value::Str(s) => variables(s, out),
        Value::Seq(items) => items.iter().for_each(|n| node_variables(n, out)),
        Value::Map(m) => m.values().for_each(|n| node_variables(n, out)),
        _ => {}
    }
}

fn cast_for(path: &[String]) -> Option<Cast> {
    CASTS.find(path)
}

/// Interpolates every string of a node tree in place, then casts the typed paths.
/// `path` is the key path of `node`; list items are written `[i]` in messages.
pub fn interpolate_node(
    node: &mut Node,
    path: &mut Vec<String>,
    vars: &mut Vars<'_>,
) -> Result<(), LoadError> {
    match &mut node.value {
        Value::Str(s) => {
            let new = substitute(s, vars).map_err(|e| subst_error(e, s, path).at(&node.span))?;
            let pattern: Vec<String> = path
                .iter()
                .map(|p| {
                    if p.starts_with('[') {
                        "*".to_string()
                    } else {
                        p.clone()
                    }
                })
                .collect();
            if let Some(cast) = cast_for(&pattern) {
                node.value = cast_value(&new, cast).map_err(|m| {
                    LoadError::new(
                        ErrorKind::Type,
                        format!("failed to cast to expected type: {m}"),
                    )
                    .at(&node.span)
                    .path(path_string(path))
                })?;
            } else {
                *s = new;
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(format!("[{i}]"));
                let r = interpolate_node(item, path, vars);
                path.pop();
                r?;
            }
        }
        Value::Map(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.name.clone());
                let r = interpolate_node(v, path, vars);
                path.pop();
                r?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn cast_value(s: &str, cast: Cast) -> Result<Value, String> {
    match cast {
        Cast::Int => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("invalid integer `{s}`")),
        Cast::Float => s
            .trim()
            .parse::<f64>()
            .map(Value::Float)
            .map_err(|_| format!("invalid number `{s}`")),
        Cast::Bool => match s.to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Ok(Value::Bool(true)),
            "false" | "n" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err(format!("invalid boolean `{s}`")),
        },
    }
}

fn subst_error(e: SubstError, template: &str, path: &[String]) -> LoadError {
    let p = path_string(path);
    match e {
        SubstError::Invalid => LoadError::new(
            ErrorKind::Interpolation,
            format!("invalid interpolation format in `{template}`"),
        )
        .path(p)
        .hint("escape a literal $ as $$"),
        SubstError::Required { var, reason } => {
            let msg = if reason.is_empty() {
                format!("required variable {var} is missing a value")
            } else {
                format!("required variable {var} is missing a value: {reason}")
            };
            LoadError::new(ErrorKind::Interpolation, msg).path(p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_variables_with_defaults_and_nesting() {
        let mut out = std::collections::BTreeMap::new();
        variables(
            "$A ${B:-b} ${C?no} ${D:+alt} ${E:-${F-deep}} $$G ${H}",
            &mut out,
        );
        let got: Vec<String> = out
            .values()
            .map(|v| format!("{}|{}|{}|{}", v.name, v.required, v.default, v.presence))
            .collect();
        assert_eq!(
            got,
            [
                "A|false||",
                "B|false|b|",
                "C|true||",
                "D|false||alt",
                "E|false|${F-deep}|",
                "F|false|deep|",
                "H|false||"
            ]
        );
    }

    fn sub(s: &str) -> Result<String, SubstError> {
        let env = |k: &str| match k {
            "SET" => Some("value".to_string()),
            "EMPTY" => Some(String::new()),
            "NESTED" => Some("${SET}".to_string()),
            _ => None,
        };
        let mut v = Vars::new(&env);
        substitute(s, &mut v)
    }

    #[test]
    fn every_form() {
        assert_eq!(sub("$SET ${SET}").unwrap(), "value value");
        assert_eq!(
            sub("${UNSET:-d} ${EMPTY:-d} ${SET:-d}").unwrap(),
            "d d value"
        );
        assert_eq!(sub("${UNSET-d} ${EMPTY-d} ${SET-d}").unwrap(), "d  value");
        assert_eq!(sub("${UNSET:+a} ${EMPTY:+a} ${SET:+a}").unwrap(), "  a");
        assert_eq!(sub("${UNSET+a} ${EMPTY+a} ${SET+a}").unwrap(), " a a");
        assert_eq!(sub("$$SET $$").unwrap(), "$SET $");
        assert_eq!(sub("${UNSET:-${SET}}/x").unwrap(), "value/x");
        assert_eq!(sub("${UNSET:-${ALSO:-deep}}").unwrap(), "deep");
        assert_eq!(sub("${NESTED}").unwrap(), "${SET}");
        assert_eq!(sub("a$").unwrap(), "a$");
        assert_eq!(sub("$1").unwrap(), "$1");
    }

    #[test]
    fn required_and_invalid() {
        assert_eq!(
            sub("${UNSET:?need it}"),
            Err(SubstError::Required {
                var: "UNSET".into(),
                reason: "need it".into()
            })
        );
        assert_eq!(
            sub("${EMPTY:?x}"),
            Err(SubstError::Required {
                var: "EMPTY".into(),
                reason: "x".into()
            })
        );
        assert_eq!(sub("${EMPTY?x}").unwrap(), "");
        assert_eq!(sub("${}"), Err(SubstError::Invalid));
        assert_eq!(sub("${SET"), Err(SubstError::Invalid));
        assert_eq!(sub("${1}"), Err(SubstError::Invalid));
        assert_eq!(sub("${SET x}"), Err(SubstError::Invalid));
    }

    #[test]
    fn unset_names_are_collected_once() {
        let env = |_: &str| None;
        let mut v = Vars::new(&env);
        substitute("$A ${A} $B", &mut v).unwrap();
        assert_eq!(v.unset, vec!["A", "B"]);
    }
}
