//! The shape of `src/`, checked from the source text: no cycle between the top-level modules,
//! the library below the command layer, a pure planner, an executor that decides nothing, files
//! of a readable size, a small public surface and a true `//!` at the top of every module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;
const MAX_PUBLIC_MODULES: usize = 6;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file belongs to: `plan` for `src/plan/up.rs` and `src/plan.rs`.
fn top_module(file: &Path) -> String {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The source without comments and string literals (so that prose and messages do not count).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"'
            || (b[i] == b'r' && b.get(i + 1).is_some_and(|c| *c == b'"' || *c == b'#'))
        {
            // a string literal (raw ones with their hashes)
            let mut hashes = 0;
            if b[i] == b'r' {
                i += 1;
                while b[i] == b'#' {
                    hashes += 1;
                    i += 1;
                }
            }
            i += 1;
            loop {
                if i >= b.len() {
                    break;
                }
                if hashes == 0 && b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == b'"' && b[i + 1..].iter().take(hashes).all(|c| *c == b'#') {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            out.push_str("' '");
            i += 3;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// The crate's top-level modules that `code` names (`crate::x`, `crate::{x, y::z}`).
fn references(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let before = rest[..at].chars().last();
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `rcompose_crate::` and the like
        }
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.insert(first_ident(&item));
        } else {
            out.insert(first_ident(after));
        }
    }
    out.remove("");
    out.remove("self");
    out
}

fn first_ident(s: &str) -> String {
    s.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Top-level module → the top-level modules it uses.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files(&src()) {
        let top = top_module(&f);
        if top == "lib" || top == "main" {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&f).unwrap());
        let refs = graph.entry(top.clone()).or_default();
        for r in references(&code) {
            if r != top {
                refs.insert(r);
            }
        }
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        g: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in g.get(node).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(g, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(graph, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_cycle_between_top_level_modules() {
    let graph = module_graph();
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_from(&graph, m))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_library_does_not_reach_into_the_command_layer() {
    let graph = module_graph();
    for lib in [
        "environment",
        "compose",
        "plan",
        "exec",
        "engine",
        "load",
        "model",
        "observe",
    ] {
        let uses = graph.get(lib).cloned().unwrap_or_default();
        for app in ["commands", "cli"] {
            assert!(!uses.contains(app), "`{lib}` uses `{app}`: {uses:?}");
        }
    }
}

/// The files of one top-level module, without comments and strings.
fn module_code(module: &str) -> Vec<(PathBuf, String)> {
    files(&src())
        .into_iter()
        .filter(|f| top_module(f) == module)
        .map(|f| {
            let code = code_only(&std::fs::read_to_string(&f).unwrap());
            (f, code)
        })
        .collect()
}

/// The code of a file up to its `#[cfg(test)]` module (tests may read clocks and files).
fn non_test(code: &str) -> &str {
    match code.find("#[cfg(test)]") {
        Some(i) => &code[..i],
        None => code,
    }
}

#[test]
fn the_planner_touches_no_clock_environment_or_filesystem() {
    let forbidden = [
        "std::env",
        "std::fs",
        "SystemTime",
        "Instant",
        "clock::now",
        "tokio",
        "bollard::Docker",
        "read_to_string",
        ".is_dir()",
        ".is_file()",
        ".exists()",
    ];
    for (file, code) in module_code("plan") {
        if file.ends_with("tests.rs") {
            continue;
        }
        for f in forbidden {
            assert!(!non_test(&code).contains(f), "{} uses {f}", file.display());
        }
    }
}

#[test]
fn the_executor_compares_no_strings() {
    for (file, code) in module_code("exec") {
        if file.ends_with("tests.rs") {
            continue;
        }
        let code = non_test(&code);
        for f in [
            "== \"\"",
            "!= \"\"",
            "\"\" =>",
            ".as_str()",
            "reason ==",
            "starts_with(\"\")",
            "contains(\"\")",
        ] {
            assert!(!code.contains(f), "{} has `{f}`", file.display());
        }
    }
}

#[test]
fn files_stay_readable() {
    let long: Vec<String> = files(&src())
        .into_iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} has {n} lines", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn every_module_says_what_it_is() {
    for f in files(&src()) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("//! "),
            "{} does not open with a `//!` line",
            f.display()
        );
    }
}

#[test]
fn the_public_surface_is_deliberate() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let public: Vec<&str> = lib
        .lines()
        .filter(|l| l.trim_start().starts_with("pub mod "))
        .collect();
    assert!(
        public.len() <= MAX_PUBLIC_MODULES,
        "lib.rs has {} public modules: {public:?}",
        public.len()
    );
}
