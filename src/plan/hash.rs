//! Compose's configuration hashes: sha256 of an object's JSON as Compose marshals it. The service
//! hash (`com.docker.compose.config-hash` on containers, `config --hash`) leaves out what does not
//! change the container; networks and volumes carry theirs so a diverged one is noticed.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};
use sha2::{Digest, Sha256};

use crate::model::{Network, Service, Volume};

/// Compact JSON as Go's `json.Marshal` writes it: serde_json's layout, with `<`, `>`, `&`,
/// U+2028 and U+2029 escaped and `\b`, `\f` as `\u0008`, `\u000c`.
struct GoJson;

impl Formatter for GoJson {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, s: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&s.as_bytes()[start..i])?;
            w.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        w.write_all(&s.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + Write>(&mut self, w: &mut W, e: CharEscape) -> io::Result<()> {
        let s: &[u8] = match e {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::Solidus => b"/",
            CharEscape::LineFeed => b"\\n",
            CharEscape::CarriageReturn => b"\\r",
            CharEscape::Tab => b"\\t",
            CharEscape::Backspace => b"\\u0008",
            CharEscape::FormFeed => b"\\u000c",
            CharEscape::AsciiControl(c) => return write!(w, "\\u{:04x}", c),
        };
        w.write_all(s)
    }
}

fn sha256_of(v: &serde_json::Value) -> String {
    let mut text = Vec::new();
    v.serialize(&mut serde_json::Serializer::with_formatter(
        &mut text, GoJson,
    ))
    .expect("writing JSON to memory cannot fail");
    Sha256::digest(&text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The service's config hash: its JSON without `build`, `pull_policy`, `scale`,
/// `deploy.replicas`, `depends_on` and `profiles`.
pub fn service(svc: &Service) -> String {
    let mut s = svc.clone();
    s.build = None;
    s.pull_policy = Default::default();
    s.scale = None;
    if let Some(d) = s.deploy.as_mut() {
        d.replicas = None;
    }
    s.depends_on.clear();
    s.profiles.clear();
    sha256_of(&serde_json::to_value(&s).expect("the model always serializes"))
}

/// A network's hash, as the `com.docker.compose.config-hash` label of the network.
pub fn network(n: &Network) -> String {
    sha256_of(&serde_json::to_value(n).expect("the model always serializes"))
}

/// A volume's hash (the driver defaults to `local`, as in Compose).
pub fn volume(v: &Volume) -> String {
    let mut v = v.clone();
    if v.driver.is_empty() {
        v.driver = "local".into();
    }
    sha256_of(&serde_json::to_value(&v).expect("the model always serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_text_is_go_json() {
        let v = serde_json::json!({"a": "x < y && $HOME\u{8}\u{1}\"\\", "b": [1, 2.5, {}]});
        let mut text = Vec::new();
        v.serialize(&mut serde_json::Serializer::with_formatter(
            &mut text, GoJson,
        ))
        .unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            r#"{"a":"x \u003c y \u0026\u0026 $HOME\u0008\u0001\"\\","b":[1,2.5,{}]}"#
        );
    }
}
