//! The layers `publish` makes of a project's files, as Compose makes them: each compose file as
//! written, but with its `env_file` and `extends.file` values replaced by names that do not show
//! the publisher's folders (`<sha256 of the path>.env` / `.yaml`), the extended files (and the
//! files they extend) under those names, and the env files when asked.
//!
//! Each value is replaced where it is written (its line and column; the scalar's end found by
//! its quoting), so that the rest of the file, comments included, stays as the user wrote it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::artifact::{self, Blob};
use crate::load::interpolate::{Vars, substitute};
use crate::load::normalize::abs_path;
use crate::load::yaml::{Node, Value, parse};

/// The layers of `files` (the project's compose files, absolute): their compose layers, then
/// the extended files', then (with `with_env`) the env files'.
pub fn layers(
    files: &[String],
    working_dir: &Path,
    env: &BTreeMap<String, String>,
    with_env: bool,
) -> Result<Vec<Blob>, String> {
    let mut out = Vec::new();
    let mut extended: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut env_files: BTreeMap<PathBuf, String> = BTreeMap::new();
    for file in files {
        let path = Path::new(file);
        let data = rewrite(path, working_dir, env, &mut extended, &mut env_files)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "compose.yaml".into());
        out.push(artifact::compose_file(&name, data, false));
    }
    // extended files, and the files those extend, each once
    let mut done: BTreeMap<PathBuf, String> = BTreeMap::new();
    while let Some((path, name)) = extended.pop_first() {
        if done.contains_key(&path) {
            continue;
        }
        let dir = path.parent().unwrap_or(working_dir).to_path_buf();
        let data = rewrite(&path, &dir, env, &mut extended, &mut env_files)?;
        out.push(artifact::compose_file(&name, data, true));
        done.insert(path, name);
    }
    if with_env {
        for (path, name) in env_files {
            // an optional env file that is not there has nothing to publish
            if let Ok(data) = std::fs::read(&path) {
                out.push(artifact::env_file(&name, data));
            }
        }
    }
    Ok(out)
}

/// One file's text with its services' `env_file` and `extends.file` values replaced, noting the
/// files they named.
fn rewrite(
    path: &Path,
    base: &Path,
    env: &BTreeMap<String, String>,
    extended: &mut BTreeMap<PathBuf, String>,
    env_files: &mut BTreeMap<PathBuf, String>,
) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: Arc<str> = Arc::from(path.display().to_string());
    let docs = parse(&text, &file).map_err(|e| e.to_string())?;
    let lookup = |k: &str| env.get(k).cloned();
    let resolve = |raw: &str| -> PathBuf {
        let mut vars = Vars::new(&lookup);
        let value = substitute(raw, &mut vars).unwrap_or_else(|_| raw.to_string());
        PathBuf::from(abs_path(base, &value, env.get("HOME").map(String::as_str)))
    };
    let mut edits: Vec<(&Node, String)> = Vec::new();
    for doc in &docs {
        let Some(services) = doc.get("services").and_then(Node::as_map) else {
            continue;
        };
        for svc in services.values() {
            if let Some(list) = svc.get("env_file") {
                let entries: Vec<&Node> = match &list.value {
                    Value::Seq(items) => items.iter().map(|i| i.get("path").unwrap_or(i)).collect(),
                    _ => vec![list],
                };
                for entry in entries {
                    let Some(raw) = entry.scalar_string() else {
                        continue;
                    };
                    let target = resolve(&raw);
                    let name = artifact::hashed_name(&target.to_string_lossy(), "env");
                    env_files.insert(target, name.clone());
                    edits.push((entry, name));
                }
            }
            if let Some(file) = svc.get("extends").and_then(|e| e.get("file"))
                && let Some(raw) = file.scalar_string()
                && !raw.starts_with(crate::load::OCI_PREFIX)
            {
                let target = resolve(&raw);
                // a file that is not here was a remote one the loader fetched: left as is
                if target.is_file() {
                    let name = artifact::hashed_name(&target.to_string_lossy(), "yaml");
                    extended.insert(target, name.clone());
                    edits.push((file, name));
                }
            }
        }
    }
    replace(&text, &edits).map(String::into_bytes)
}

/// `text` with each node's scalar replaced by its new value (written plain: hashed names need
/// no quotes).
fn replace(text: &str, edits: &[(&Node, String)]) -> Result<String, String> {
    let starts = line_starts(text);
    let mut spans: Vec<(usize, usize, &str)> = Vec::new();
    for (node, value) in edits {
        let line = node.span.line as usize;
        let col = node.span.col as usize;
        let start = starts
            .get(line.wrapping_sub(1))
            .map(|s| {
                s + text[*s..]
                    .chars()
                    .take(col.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum::<usize>()
            })
            .ok_or_else(|| format!("{}:{line}: no such line", node.span.file))?;
        let end = scalar_end(text, start).ok_or_else(|| {
            format!(
                "{}:{line}:{col}: a block scalar cannot be published as a file name",
                node.span.file
            )
        })?;
        spans.push((start, end, value));
    }
    spans.sort();
    spans.dedup_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, value) in spans {
        out.push_str(&text[at..start]);
        out.push_str(value);
        at = end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Where the scalar starting at `start` ends: after its closing quote, or (plain) before a
/// line end, a comment, or a flow collection's `,` `]` `}`. `None` for a block scalar.
fn scalar_end(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    let mut chars = rest.char_indices();
    match chars.next()?.1 {
        '"' => {
            let mut escaped = false;
            for (i, c) in chars {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => return Some(start + i + 1),
                    _ => escaped = false,
                }
            }
            None
        }
        '\'' => {
            let b = rest.as_bytes();
            let mut i = 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Some(start + i + 1);
                }
                i += 1;
            }
            None
        }
        '|' | '>' => None,
        _ => {
            let flow = in_flow(text, start);
            let mut end = rest.len();
            let b = rest.as_bytes();
            for (i, &c) in b.iter().enumerate() {
                let comment = c == b'#' && i > 0 && b[i - 1].is_ascii_whitespace();
                if c == b'\n' || c == b'\r' || comment || (flow && matches!(c, b',' | b']' | b'}'))
                {
                    end = i;
                    break;
                }
            }
            Some(start + rest[..end].trim_end().len())
        }
    }
}

/// Whether `at` lies inside a flow collection (`[...]`, `{...}`), counted from the last
/// top-level key above it (a line that starts in the first column), outside quotes and comments.
fn in_flow(text: &str, at: usize) -> bool {
    let begin = text[..at]
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .rfind(|&i| {
            text[i..at]
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && c != '#' && c != ']' && c != '}')
        })
        .unwrap_or(0);
    let mut depth = 0i32;
    let (mut single, mut double, mut escaped, mut comment) = (false, false, false, false);
    let mut previous = '\n';
    for c in text[begin..at].chars() {
        if comment {
            comment = c != '\n';
        } else if double {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => double = false,
                _ => escaped = false,
            }
        } else if single {
            single = c != '\'';
        } else {
            match c {
                '#' if previous.is_whitespace() => comment = true,
                '"' => double = true,
                '\'' => single = true,
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        previous = c;
    }
    depth > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(crate::names::unique_name("rcompose-publish-layers"));
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn env_files_and_extended_files_get_hashed_names_where_written() {
        let dir = tree(&[
            (
                "compose.yaml",
                "services:\n  a:\n    image: x  # keep\n    env_file: ./a.env # the env\n  b:\n    image: y\n    env_file: [\"b.env\", {path: c.env, required: false}]\n    extends: {file: base/common.yaml, service: base}\n",
            ),
            ("a.env", "A=1\n"),
            ("b.env", "B=1\n"),
            (
                "base/common.yaml",
                "services:\n  base:\n    env_file: 'base.env'\n",
            ),
            ("base/base.env", "BASE=1\n"),
        ]);
        let files = [dir.join("compose.yaml").to_string_lossy().into_owned()];
        let l = layers(&files, &dir, &BTreeMap::new(), true).unwrap();
        let hashed = |p: &Path, ext| artifact::hashed_name(&p.to_string_lossy(), ext);
        let main = String::from_utf8(l[0].data.clone()).unwrap();
        let (a, b, c) = (
            hashed(&dir.join("a.env"), "env"),
            hashed(&dir.join("b.env"), "env"),
            hashed(&dir.join("c.env"), "env"),
        );
        let common = hashed(&dir.join("base/common.yaml"), "yaml");
        assert_eq!(
            main,
            format!(
                "services:\n  a:\n    image: x  # keep\n    env_file: {a} # the env\n  b:\n    image: y\n    env_file: [{b}, {{path: {c}, required: false}}]\n    extends: {{file: {common}, service: base}}\n"
            )
        );
        assert_eq!(l[0].annotations["com.docker.compose.file"], "compose.yaml");
        // the extended file, its env file resolved in its own folder
        let base = hashed(&dir.join("base/base.env"), "env");
        assert_eq!(
            String::from_utf8(l[1].data.clone()).unwrap(),
            format!("services:\n  base:\n    env_file: {base}\n")
        );
        assert_eq!(l[1].annotations["com.docker.compose.file"], common);
        assert_eq!(l[1].annotations["com.docker.compose.extends"], "true");
        // the env files that exist (c.env does not)
        let envs: Vec<&str> = l[2..]
            .iter()
            .map(|b| b.annotations["com.docker.compose.envfile"].as_str())
            .collect();
        assert_eq!(envs.len(), 3, "{envs:?}");
        assert!(envs.contains(&a.as_str()) && envs.contains(&base.as_str()));
        // without --with-env the names are replaced all the same, and no env file is sent
        let l = layers(&files, &dir, &BTreeMap::new(), false).unwrap();
        assert_eq!(l.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn scalars_end_where_their_quoting_says() {
        let t = "a: \"x\\\" y\" # c [\nb: 'it''s' z\nc: plain text # c\nd: [p, q]\ne: [\n  r,\n  s\n]\n";
        let at = |s: &str| t.find(s).unwrap();
        assert_eq!(
            &t[at("\"x")..scalar_end(t, at("\"x")).unwrap()],
            "\"x\\\" y\""
        );
        assert_eq!(&t[at("'it")..scalar_end(t, at("'it")).unwrap()], "'it''s'");
        assert_eq!(
            &t[at("plain")..scalar_end(t, at("plain")).unwrap()],
            "plain text"
        );
        assert_eq!(&t[at("p,")..scalar_end(t, at("p,")).unwrap()], "p");
        assert_eq!(&t[at("r,")..scalar_end(t, at("r,")).unwrap()], "r");
        assert_eq!(&t[at("s\n")..scalar_end(t, at("s\n")).unwrap()], "s");
        assert_eq!(scalar_end("a: |\n  x\n", 3), None);
    }
}
