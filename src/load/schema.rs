//! Validation of a located node tree against the Compose JSON Schema (`schemas/compose-spec.json`):
//! the draft subset that schema uses, with messages naming the key path and did-you-mean hints.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value as J;

use super::error::path_string;
use super::error::{ErrorKind, LoadError, did_you_mean};
use super::yaml::{Node, Value};

/// The Compose specification's schema, as published by compose-spec/compose-go (Apache-2.0).
pub const COMPOSE_SPEC: &str = include_str!("../../schemas/compose-spec.json");

/// A JSON Schema ready to validate located trees (each pattern compiled once, when first used).
pub struct Schema {
    root: J,
    regexes: HashMap<String, OnceLock<Option<Regex>>>,
}

impl Schema {
    pub fn new(root: J) -> Schema {
        let mut regexes = HashMap::new();
        collect_patterns(&root, &mut regexes);
        Schema { root, regexes }
    }

    /// The compiled form of a pattern of this schema (`None` if it does not compile).
    fn regex(&self, pattern: &str) -> Option<&Regex> {
        self.regexes
            .get(pattern)?
            .get_or_init(|| Regex::new(pattern).ok())
            .as_ref()
    }

    /// Validates a node against the whole schema; returns every error found.
    pub fn validate(&self, doc: &Node) -> Result<(), Vec<LoadError>> {
        let mut errors = Vec::new();
        check(self, &self.root, doc, &mut Vec::new(), &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        Schema::new(serde_json::from_str(COMPOSE_SPEC).expect("the bundled schema is valid JSON"))
    })
}

fn collect_patterns(v: &J, out: &mut HashMap<String, OnceLock<Option<Regex>>>) {
    match v {
        J::Object(m) => {
            if let Some(J::String(p)) = m.get("pattern") {
                out.insert(p.clone(), OnceLock::new());
            }
            if let Some(J::Object(pp)) = m.get("patternProperties") {
                for k in pp.keys() {
                    out.insert(k.clone(), OnceLock::new());
                }
            }
            m.values().for_each(|x| collect_patterns(x, out));
        }
        J::Array(a) => a.iter().for_each(|x| collect_patterns(x, out)),
        _ => {}
    }
}

/// Validates a whole compose document; returns every error found (one per offending node).
pub fn validate(doc: &Node) -> Result<(), Vec<LoadError>> {
    schema().validate(doc)
}

fn resolve<'a>(s: &'a Schema, sch: &'a J) -> &'a J {
    let mut cur = sch;
    for _ in 0..16 {
        match cur.get("$ref").and_then(J::as_str) {
            Some(r) => {
                let mut t = &s.root;
                for part in r.trim_start_matches("#/").split('/') {
                    t = &t[part];
                }
                cur = t;
            }
            None => break,
        }
    }
    cur
}

fn type_matches(t: &str, node: &Node) -> bool {
    match (t, &node.value) {
        ("null", Value::Null) => true,
        ("boolean", Value::Bool(_)) => true,
        ("integer", Value::Int(_)) => true,
        ("integer", Value::Float(f)) => f.fract() == 0.0,
        ("number", Value::Int(_) | Value::Float(_)) => true,
        ("string", Value::Str(_)) => true,
        ("array", Value::Seq(_)) => true,
        ("object", Value::Map(_)) => true,
        _ => false,
    }
}

fn types_of(sch: &J) -> Vec<&str> {
    match sch.get("type") {
        Some(J::String(t)) => vec![t.as_str()],
        Some(J::Array(a)) => a.iter().filter_map(J::as_str).collect(),
        _ => vec![],
    }
}

fn human_types(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .map(|t| match *t {
            "null" => "null",
            "boolean" => "a boolean",
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "array" => "a list",
            "object" => "a mapping",
            other => other,
        })
        .collect();
    match words.len() {
        0 => "valid".into(),
        1 => words[0].into(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

/// Quick check without collecting messages (for oneOf branch selection).
fn is_valid(s: &Schema, sch: &J, node: &Node) -> bool {
    let mut errs = Vec::new();
    let mut p = Vec::new();
    check(s, sch, node, &mut p, &mut errs);
    errs.is_empty()
}

fn err(kind: ErrorKind, node: &Node, path: &[String], msg: String) -> LoadError {
    LoadError::new(kind, msg)
        .at(&node.span)
        .path(path_string(path))
}

/// `e` with a did-you-mean hint when the value is a string close to one of `words`.
fn closest<'a>(e: LoadError, value: &Value, words: impl IntoIterator<Item = &'a str>) -> LoadError {
    match value {
        Value::Str(v) => match did_you_mean(v, words) {
            Some(best) => e.hint(format!("did you mean `{best}`?")),
            None => e,
        },
        _ => e,
    }
}

fn check(s: &Schema, sch: &J, node: &Node, path: &mut Vec<String>, errors: &mut Vec<LoadError>) {
    let sch = resolve(s, sch);
    let types = types_of(sch);
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, node)) {
        errors.push(err(
            ErrorKind::Type,
            node,
            path,
            format!(
                "must be {}, found {}",
                human_types(&types),
                node.kind_name()
            ),
        ));
        return;
    }
    if let Some(J::Array(branches)) = sch.get("oneOf") {
        check_one_of(s, branches, node, path, errors);
        if !errors.is_empty() {
            return;
        }
    }
    if let Some(J::Array(all)) = sch.get("allOf") {
        for b in all {
            check(s, b, node, path, errors);
        }
    }
    if let Some(J::Array(branches)) = sch.get("anyOf")
        && !branches.iter().any(|b| is_valid(s, b, node))
    {
        explain_none(s, branches, node, path, errors);
        return;
    }
    if let Some(J::Array(values)) = sch.get("enum") {
        let j = node.to_json();
        if !values.contains(&j) {
            let allowed: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            let e = err(
                ErrorKind::Type,
                node,
                path,
                format!("must be one of {}, found {j}", allowed.join(", ")),
            );
            let words = values.iter().filter_map(J::as_str);
            errors.push(closest(e, &node.value, words));
        }
    }
    if let Some(min) = sch.get("minimum").and_then(J::as_f64)
        && let Some(v) = node.to_json().as_f64()
        && v < min
    {
        errors.push(err(
            ErrorKind::Type,
            node,
            path,
            format!("must be at least {min}, found {v}"),
        ));
    }
    if let Some(max) = sch.get("maximum").and_then(J::as_f64)
        && let Some(v) = node.to_json().as_f64()
        && v > max
    {
        errors.push(err(
            ErrorKind::Type,
            node,
            path,
            format!("must be at most {max}, found {v}"),
        ));
    }
    if let (Some(J::String(p)), Value::Str(v)) = (sch.get("pattern"), &node.value)
        && let Some(r) = s.regex(p)
        && !r.is_match(v)
    {
        let e = err(
            ErrorKind::Type,
            node,
            path,
            format!("`{v}` does not match `{p}`"),
        );
        // a pattern listing keywords (`pull_policy`'s `always|never|...`) suggests the closest
        let words = p
            .split('|')
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        errors.push(closest(e, &node.value, words));
    }
    match &node.value {
        Value::Map(map) => {
            if let Some(J::Array(req)) = sch.get("required") {
                for r in req.iter().filter_map(J::as_str) {
                    if !map.contains_key(r) {
                        errors.push(err(
                            ErrorKind::Type,
                            node,
                            path,
                            format!("missing required key `{r}`"),
                        ));
                    }
                }
            }
            let props = sch.get("properties").and_then(J::as_object);
            let pattern_props = sch.get("patternProperties").and_then(J::as_object);
            let additional = sch.get("additionalProperties");
            for (k, v) in map {
                path.push(k.name.clone());
                let mut matched = false;
                if let Some(ps) = props.and_then(|p| p.get(&k.name)) {
                    matched = true;
                    check(s, ps, v, path, errors);
                }
                if let Some(pp) = pattern_props {
                    for (pat, ps) in pp {
                        if s.regex(pat).is_some_and(|r| r.is_match(&k.name)) {
                            matched = true;
                            check(s, ps, v, path, errors);
                        }
                    }
                }
                if !matched {
                    match additional {
                        Some(J::Bool(false)) => {
                            path.pop();
                            let mut e = LoadError::new(
                                ErrorKind::UnknownKey,
                                format!("unknown key `{}`", k.name),
                            )
                            .at(&k.span)
                            .path(path_string(path));
                            if let Some(p) = props
                                && let Some(best) =
                                    did_you_mean(&k.name, p.keys().map(String::as_str))
                            {
                                e = e.hint(format!("did you mean `{best}`?"));
                            }
                            errors.push(e);
                            continue;
                        }
                        Some(extra @ J::Object(_)) => check(s, extra, v, path, errors),
                        _ => {}
                    }
                }
                path.pop();
            }
        }
        Value::Seq(items) => {
            if let Some(item_schema) = sch.get("items") {
                for (i, item) in items.iter().enumerate() {
                    path.push(format!("[{i}]"));
                    check(s, item_schema, item, path, errors);
                    path.pop();
                }
            }
            if sch.get("uniqueItems") == Some(&J::Bool(true)) {
                let mut seen: Vec<J> = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let j = item.to_json();
                    if seen.contains(&j) {
                        path.push(format!("[{i}]"));
                        errors.push(err(
                            ErrorKind::Conflict,
                            item,
                            path,
                            format!("duplicate entry {j}"),
                        ));
                        path.pop();
                    }
                    seen.push(j);
                }
            }
        }
        _ => {}
    }
}

fn check_one_of(
    s: &Schema,
    branches: &[J],
    node: &Node,
    path: &mut Vec<String>,
    errors: &mut Vec<LoadError>,
) {
    let valid: Vec<&J> = branches.iter().filter(|b| is_valid(s, b, node)).collect();
    if valid.len() == 1 {
        return;
    }
    if valid.len() > 1 {
        errors.push(err(
            ErrorKind::Type,
            node,
            path,
            "matches more than one of the allowed forms".into(),
        ));
        return;
    }
    explain_none(s, branches, node, path, errors);
}

/// No branch fits: explain with the first branch whose type fits, or list the types allowed.
fn explain_none(
    s: &Schema,
    branches: &[J],
    node: &Node,
    path: &mut Vec<String>,
    errors: &mut Vec<LoadError>,
) {
    let fitting: Vec<&J> = branches
        .iter()
        .filter(|b| {
            let t = types_of(resolve(s, b));
            t.is_empty() || t.iter().any(|t| type_matches(t, node))
        })
        .collect();
    if let Some(b) = fitting.first() {
        check(s, b, node, path, errors);
        if !errors.is_empty() {
            return;
        }
    }
    let mut all: Vec<&str> = branches
        .iter()
        .flat_map(|b| types_of(resolve(s, b)))
        .collect();
    all.dedup();
    errors.push(err(
        ErrorKind::Type,
        node,
        path,
        format!("must be {}, found {}", human_types(&all), node.kind_name()),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn errors(text: &str) -> Vec<String> {
        let doc = super::super::yaml::parse(text, &Arc::from("c.yaml"))
            .unwrap()
            .remove(0);
        match validate(&doc) {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn accepts_a_plain_project() {
        assert!(errors("services:\n  web:\n    image: x\n    ports: ['80:80', 81]\n").is_empty());
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let e = errors("services:\n  web:\n    imgae: x\n");
        assert_eq!(
            e,
            vec!["c.yaml:3:5: services.web: unknown key `imgae`\n  hint: did you mean `image`?"]
        );
    }

    #[test]
    fn wrong_types_name_the_path() {
        let e = errors("services:\n  web:\n    image: x\n    ports: [{target: [1]}]\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("c.yaml:4:22: services.web.ports[0].target: must be"),
            "{e:?}"
        );
    }
}
