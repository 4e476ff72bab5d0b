//! The YAML layer: a located node tree built from saphyr-parser events, with anchors, aliases,
//! `<<` merge keys, `!reset`/`!override` tags, duplicate-key checks and an alias-expansion budget;
//! plain scalars resolved as YAML 1.2's core schema says (`scalars`).

mod scalars;

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use indexmap::IndexMap;
use saphyr_parser::{Event, Parser, Span as PSpan};

use super::error::{ErrorKind, LoadError, Span};

/// Aliases may add at most this many nodes to a file (the file itself is bounded by its size):
/// the two alias bombs of the corpus would add hundreds of millions, real files a few thousands.
pub const MAX_NODES: usize = 250_000;

/// How a merge with an earlier file treats this node (`!reset` drops it, `!override` replaces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MergeTag {
    #[default]
    None,
    Reset,
    Override,
}

/// A mapping key with the place it was written.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Key {
    pub fn new(name: impl Into<String>, span: Span) -> Key {
        Key {
            name: name.into(),
            span,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state)
    }
}
impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.name
    }
}

pub type Map = IndexMap<Key, Node>;

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Map),
}

/// A YAML value with its location and merge tag.
#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub tag: MergeTag,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            tag: MergeTag::None,
        }
    }
    pub fn null(span: Span) -> Node {
        Node::new(Value::Null, span)
    }
    pub fn str(s: impl Into<String>, span: Span) -> Node {
        Node::new(Value::Str(s.into()), span)
    }
    pub fn map(span: Span) -> Node {
        Node::new(Value::Map(Map::new()), span)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }
    /// Inserts into a mapping node (no-op on other kinds), keeping the key's place if present.
    pub fn insert(&mut self, key: &str, value: Node) {
        if let Some(m) = self.as_map_mut() {
            let span = value.span.clone();
            m.insert(Key::new(key, span), value);
        }
    }

    /// A word for the kind of value, as used in type errors.
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The scalar as Go's fmt.Sprint would print it; None for lists and mappings.
    pub fn scalar_string(&self) -> Option<String> {
        Some(match &self.value {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_float(*f),
            Value::Str(s) => s.clone(),
            _ => return None,
        })
    }

    /// Number of nodes in the tree (for the expansion budget).
    pub fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(s) => s.iter().map(Node::count).sum(),
            Value::Map(m) => m.values().map(Node::count).sum(),
            _ => 0,
        }
    }

    /// Converts to JSON (keys in file order); used for the typed decoding and for output.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(s) => J::Array(s.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

pub use scalars::format_float;
use scalars::resolve_scalar;

/// Parses every document of `text`. `file` is the name used in locations.
pub fn parse(text: &str, file: &Arc<str>) -> Result<Vec<Node>, LoadError> {
    parse_within(text, file, MAX_NODES)
}

/// [`parse`] with another alias-expansion budget (nodes aliases may add).
pub fn parse_within(text: &str, file: &Arc<str>, budget: usize) -> Result<Vec<Node>, LoadError> {
    let mut b = Builder {
        file: file.clone(),
        anchors: HashMap::new(),
        limit: budget,
        budget,
        stack: Vec::new(),
        docs: Vec::new(),
    };
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            let err = LoadError::new(ErrorKind::Yaml, format!("invalid YAML: {}", e.info())).at(
                &Span::new(
                    file.clone(),
                    e.marker().line() as u32,
                    e.marker().col() as u32 + 1,
                ),
            );
            let info = e.info();
            if info.contains("expected key") || info.contains("mapping values") {
                err.hint("check the indentation of this line and the ones above it")
            } else if info.contains("tab") {
                err.hint("YAML indents with spaces, not tabs")
            } else {
                err
            }
        })?;
        b.event(event, span)?;
    }
    Ok(b.docs)
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
        tag: Tag,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        span: Span,
        anchor: usize,
        tag: Tag,
    },
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Tag {
    None,
    Reset,
    Override,
    Str,
    Int,
    Float,
    Bool,
    Null,
    Other,
}

fn tag_of(tag: Option<&saphyr_parser::Tag>) -> Tag {
    let Some(t) = tag else { return Tag::None };
    if t.handle == "!" {
        return match t.suffix.as_str() {
            "reset" => Tag::Reset,
            "override" => Tag::Override,
            _ => Tag::Other,
        };
    }
    if t.is_yaml_core_schema() || t.handle == "!!" {
        return match t.suffix.as_str() {
            "str" => Tag::Str,
            "int" => Tag::Int,
            "float" => Tag::Float,
            "bool" => Tag::Bool,
            "null" => Tag::Null,
            _ => Tag::Other,
        };
    }
    Tag::Other
}

struct Builder {
    file: Arc<str>,
    /// Anchored nodes and their sizes in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    /// The budget it started with.
    limit: usize,
    budget: usize,
    stack: Vec<Frame>,
    docs: Vec<Node>,
}

impl Builder {
    fn span(&self, s: &PSpan) -> Span {
        Span::new(
            self.file.clone(),
            s.start.line() as u32,
            s.start.col() as u32 + 1,
        )
    }

    fn spend(&mut self, n: usize, span: &Span) -> Result<(), LoadError> {
        if n > self.budget {
            return Err(LoadError::new(
                ErrorKind::Yaml,
                format!("aliases expand to more than {} nodes; refusing to expand this file (a YAML alias bomb?)", self.limit),
            )
            .at(span)
            .hint("reuse fewer nested anchors, or write the values out"));
        }
        self.budget -= n;
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, pspan: PSpan) -> Result<(), LoadError> {
        let span = self.span(&pspan);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag_of(tag.as_deref());
                let mut node = Node::new(resolve_scalar(&text, style, tag, &span)?, span);
                node.tag = merge_tag(tag);
                self.push(node, anchor)
            }
            Event::Alias(id) => {
                let Some(&(_, n)) = self.anchors.get(&id) else {
                    return Err(LoadError::new(ErrorKind::Yaml, "unknown anchor").at(&span));
                };
                // charge the budget before copying: a bomb is refused before it grows
                self.spend(n, &span)?;
                let node = self.anchors[&id].0.clone();
                self.push(node, 0)
            }
            Event::SequenceStart(anchor, tag) => {
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    span,
                    anchor,
                    tag: tag_of(tag.as_deref()),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    span,
                    anchor,
                    tag: tag_of(tag.as_deref()),
                });
                Ok(())
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    items,
                    span,
                    anchor,
                    tag,
                }) = self.stack.pop()
                else {
                    unreachable!("parser balances events")
                };
                let mut node = Node::new(Value::Seq(items), span);
                node.tag = merge_tag(tag);
                self.push(node, anchor)
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    entries,
                    span,
                    anchor,
                    tag,
                    ..
                }) = self.stack.pop()
                else {
                    unreachable!("parser balances events")
                };
                let map = build_map(entries, || self.path())?;
                let mut node = Node::new(Value::Map(map), span);
                node.tag = merge_tag(tag);
                self.push(node, anchor)
            }
            Event::DocumentEnd
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::Nothing => Ok(()),
        }
    }

    /// The key path of the node being built, from the open frames (for messages).
    fn path(&self) -> String {
        let parts: Vec<String> = self
            .stack
            .iter()
            .map(|f| match f {
                Frame::Seq { items, .. } => format!("[{}]", items.len()),
                Frame::Map { key, .. } => key
                    .as_ref()
                    .and_then(Node::scalar_string)
                    .unwrap_or_default(),
            })
            .collect();
        super::error::path_string(&parts)
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), LoadError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), node.count()));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }
}

fn merge_tag(tag: Tag) -> MergeTag {
    match tag {
        Tag::Reset => MergeTag::Reset,
        Tag::Override => MergeTag::Override,
        _ => MergeTag::None,
    }
}

/// Builds a mapping: explicit keys win over merged ones, earlier merge sources over later ones.
/// Keys must be strings, as in Compose (`1:`, `true:`, `~:` are refused); `path` names the
/// mapping in messages.
fn build_map(entries: Vec<(Node, Node)>, path: impl Fn() -> String) -> Result<Map, LoadError> {
    let mut map = Map::with_capacity(entries.len());
    let mut merged: Vec<Node> = Vec::new();
    for (k, v) in entries {
        let name = match &k.value {
            Value::Str(s) => s.clone(),
            Value::Map(_) | Value::Seq(_) => {
                return Err(
                    LoadError::new(ErrorKind::Yaml, "a mapping key must be a scalar").at(&k.span),
                );
            }
            _ => {
                let text = k.scalar_string().unwrap_or_else(|| "null".into());
                return Err(
                    LoadError::new(ErrorKind::Type, format!("non-string key `{text}`"))
                        .at(&k.span)
                        .path(path())
                        .hint(format!("quote it: \"{text}\"")),
                );
            }
        };
        if name == "<<" && matches!(k.value, Value::Str(_)) {
            match v.value {
                Value::Map(_) => merged.push(v),
                Value::Seq(items) => {
                    for item in items {
                        if !matches!(item.value, Value::Map(_)) {
                            return Err(merge_error(&item));
                        }
                        merged.push(item);
                    }
                }
                _ => return Err(merge_error(&v)),
            }
            continue;
        }
        if let Some((prev, _)) = map.get_key_value(name.as_str()) {
            return Err(LoadError::new(
                ErrorKind::Yaml,
                format!(
                    "mapping key `{name}` already defined at line {}",
                    prev.span.line
                ),
            )
            .at(&k.span)
            .path(path()));
        }
        map.insert(Key::new(name, k.span), v);
    }
    for source in merged {
        if let Value::Map(m) = source.value {
            for (k, v) in m {
                if !map.contains_key(k.name.as_str()) {
                    map.insert(k, v);
                }
            }
        }
    }
    Ok(map)
}

fn merge_error(node: &Node) -> LoadError {
    LoadError::new(
        ErrorKind::Yaml,
        format!(
            "a `<<` merge key needs a mapping or a list of mappings, found {}",
            node.kind_name()
        ),
    )
    .at(&node.span)
}

/// A mapping of `entries`, every key and the mapping at `span`.
pub fn map_of(entries: Vec<(&str, Node)>, span: &Span) -> Node {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(Key::new(k, span.clone()), v);
    }
    Node::new(Value::Map(m), span.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        parse(text, &Arc::from("t.yaml")).unwrap().remove(0)
    }

    #[test]
    fn scalars_resolve_like_yaml_1_2() {
        let n =
            one("a: 1\nb: '1'\nc: true\nd: yes\ne: ~\nf: 1.5\ng: 0x10\nh: 1_000\ni: .5\nj: 1e3\n");
        let j = n.to_json();
        assert_eq!(j["a"], 1);
        assert_eq!(j["b"], "1");
        assert_eq!(j["c"], true);
        assert_eq!(j["d"], "yes");
        assert!(j["e"].is_null());
        assert_eq!(j["f"], 1.5);
        assert_eq!(j["g"], 16);
        assert_eq!(j["h"], 1000);
        assert_eq!(j["i"], 0.5);
        assert_eq!(j["j"], 1000.0);
    }

    #[test]
    fn merge_keys_keep_explicit_values_first() {
        let n = one("x: &x {a: 1, b: 2}\ny: &y {b: 3, c: 4}\nz:\n  <<: [*x, *y]\n  a: 9\n");
        assert_eq!(
            n.to_json()["z"],
            serde_json::json!({"a": 9, "b": 2, "c": 4})
        );
    }

    #[test]
    fn spans_are_one_based() {
        let n = one("services:\n  web:\n    image: x\n");
        let img = n
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .get("image")
            .unwrap();
        assert_eq!((img.span.line, img.span.col), (3, 12));
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let e = parse("a: 1\nb: 2\na: 3\n", &Arc::from("t.yaml")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.yaml:3:1: mapping key `a` already defined at line 1"
        );
    }

    #[test]
    fn alias_bombs_stop_quickly() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        let t = std::time::Instant::now();
        let e = parse(&text, &Arc::from("t.yaml")).unwrap_err();
        assert!(e.message.contains("alias bomb"), "{e}");
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn merging_a_scalar_is_an_error() {
        let e = parse("a: &a 1\nb:\n  <<: *a\n", &Arc::from("t.yaml")).unwrap_err();
        assert!(e.message.contains("merge key"), "{e}");
    }

    #[test]
    fn tags_mark_reset_and_override() {
        let n = one("a: !reset []\nb: !override {x: 1}\n");
        assert_eq!(n.get("a").unwrap().tag, MergeTag::Reset);
        assert_eq!(n.get("b").unwrap().tag, MergeTag::Override);
    }
}
