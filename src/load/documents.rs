//! Compose files into one document: each YAML document interpolated, its `include`s loaded as
//! projects of their own and merged, its services' `extends` resolved (across files, paths
//! rebased), merged with the earlier files, validated and put in canonical form.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::inputs::{abs, read_env_file, read_text};
use super::interpolate::{self, Vars, interpolate_node};
use super::yaml::{self, Node, Value};
use super::{
    Ctx, ErrorKind, LoadError, LoadErrors, Span, canonical, merge, normalize, rules, schema,
};

/// One YAML document of one file: interpolate, include, extends, merge, validate, canonical.
pub(super) fn load_document(
    ctx: &mut Ctx<'_>,
    dict: Node,
    mut doc: Node,
    path: &Path,
    workdir: &Path,
    included: &mut Vec<PathBuf>,
) -> Result<Node, LoadErrors> {
    if doc.is_null() {
        return Ok(dict);
    }
    if doc.as_map().is_none() {
        return Err(LoadError::new(
            ErrorKind::Type,
            format!("the top level must be a mapping, found {}", doc.kind_name()),
        )
        .at(&doc.span)
        .into());
    }
    interpolate::node_variables(&doc, &mut ctx.variables);
    if ctx.opts.interpolate {
        let env = ctx.env;
        let look = |k: &str| env.get(k).cloned();
        let mut vars = Vars::new(&look);
        interpolate_node(&mut doc, &mut Vec::new(), &mut vars)?;
        for u in vars.unset {
            if !ctx.unset.contains(&u) {
                ctx.warnings.push(format!(
                    "the {u:?} variable is not set, defaulting to a blank string"
                ));
                ctx.unset.push(u);
            }
        }
    }
    // `include`: load each included project and add its resources (conflicts are errors).
    if let Some(inc) = doc.as_map_mut().and_then(|m| m.shift_remove("include")) {
        let mut inc = inc;
        canonical::canonical(&mut wrap("include", &mut inc), !ctx.opts.interpolate)?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(workdir.to_path_buf());
        let mut extra = Node::map(doc.span.clone());
        if let Some(items) = inc.as_seq() {
            for item in items {
                let sub = include_one(ctx, item, &base_dir, included)?;
                for key in ["services", "networks", "volumes", "secrets", "configs"] {
                    let Some(Value::Map(src)) = sub.get(key).map(|n| n.value.clone()) else {
                        continue;
                    };
                    if extra.get(key).is_none() {
                        extra.insert(key, Node::map(item.span.clone()));
                    }
                    let dst = extra
                        .get_mut(key)
                        .and_then(Node::as_map_mut)
                        .expect("inserted above");
                    for (k, v) in src {
                        // point at this file's own definition when there is one
                        let here = doc
                            .get(key)
                            .and_then(Node::as_map)
                            .and_then(|m| m.get_key_value(k.name.as_str()))
                            .map(|(own, _)| own.span.clone())
                            .or_else(|| {
                                dst.get_key_value(k.name.as_str())
                                    .map(|(o, _)| o.span.clone())
                            });
                        if let Some(here) = here {
                            return Err(LoadError::new(
                                ErrorKind::Conflict,
                                format!(
                                    "`{}` is also defined by the included file {}",
                                    k.name, k.span
                                ),
                            )
                            .at(&here)
                            .path(format!("{key}.{}", k.name))
                            .hint("an included project's resources cannot be redefined: rename one, or extend it with `extends`")
                            .into());
                        }
                        dst.insert(k, v);
                    }
                }
            }
        }
        // imported resources first, then the including file's own
        let own = std::mem::replace(&mut doc, extra);
        if let Value::Map(om) = own.value {
            merge::merge_maps(&mut doc, om, &mut Vec::new())?;
        }
    }
    apply_extends(ctx, &mut doc, path, &mut Vec::new())?;
    let mut merged = merge::merge(dict, doc, &mut Vec::new())?;
    merge::enforce_unicity(&mut merged, &mut Vec::new());
    schema::validate(&merged).map_err(LoadErrors)?;
    let broken = rules::check(&merged);
    if !broken.is_empty() {
        return Err(LoadErrors(broken));
    }
    if let Some(m) = merged.as_map_mut()
        && m.shift_remove("version").is_some()
    {
        let w = format!(
            "{}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion",
            path.display()
        );
        if !ctx.warnings.contains(&w) {
            ctx.warnings.push(w);
        }
    }
    canonical::canonical(&mut merged, !ctx.opts.interpolate)?;
    merge::enforce_unicity(&mut merged, &mut Vec::new());
    Ok(merged)
}

/// A one-key mapping around `node`, so path-keyed transforms see `key.*`.
fn wrap<'a>(key: &str, node: &'a mut Node) -> WrapGuard<'a> {
    let mut m = Node::map(node.span.clone());
    m.insert(key, std::mem::replace(node, Node::null(Span::default())));
    WrapGuard {
        key: key.to_string(),
        root: m,
        slot: node,
    }
}

struct WrapGuard<'a> {
    key: String,
    root: Node,
    slot: &'a mut Node,
}

impl std::ops::Deref for WrapGuard<'_> {
    type Target = Node;
    fn deref(&self) -> &Node {
        &self.root
    }
}
impl std::ops::DerefMut for WrapGuard<'_> {
    fn deref_mut(&mut self) -> &mut Node {
        &mut self.root
    }
}
impl Drop for WrapGuard<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.root.as_map_mut()
            && let Some(v) = m.shift_remove(self.key.as_str())
        {
            *self.slot = v;
        }
    }
}

fn include_one(
    ctx: &mut Ctx<'_>,
    item: &Node,
    base_dir: &Path,
    included: &mut Vec<PathBuf>,
) -> Result<Node, LoadErrors> {
    let paths: Vec<String> = match item.get("path") {
        Some(Node {
            value: Value::Seq(s),
            ..
        }) => s.iter().filter_map(Node::scalar_string).collect(),
        Some(n) => n.scalar_string().into_iter().collect(),
        None => vec![],
    };
    if paths.is_empty() {
        return Err(LoadError::new(ErrorKind::Type, "an include needs a `path`")
            .at(&item.span)
            .into());
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for p in &paths {
        match ctx.opts.fetched(p).map_err(|e| e.at(&item.span))? {
            Some(local) => files.push(local),
            None => {
                ctx.local_includes += 1;
                files.push(abs(base_dir, p, ctx.opts.home()));
            }
        }
    }
    for f in &files {
        if included.contains(f) {
            let chain: Vec<String> = included
                .iter()
                .chain(std::iter::once(f))
                .map(|p| p.display().to_string())
                .collect();
            return Err(LoadError::new(
                ErrorKind::Cycle,
                format!("include cycle: {}", chain.join(" -> ")),
            )
            .at(&item.span)
            .into());
        }
    }
    let project_dir = item
        .get("project_directory")
        .and_then(Node::scalar_string)
        .map(|d| abs(base_dir, &d, ctx.opts.home()))
        .unwrap_or_else(|| {
            files[0]
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or(base_dir.to_path_buf())
        });
    // The included project's environment: its env_file (or its folder's .env), under the shell.
    let env_files: Vec<PathBuf> = match item.get("env_file") {
        Some(Node {
            value: Value::Seq(s),
            ..
        }) => s
            .iter()
            .filter_map(Node::scalar_string)
            .map(|p| abs(base_dir, &p, ctx.opts.home()))
            .collect(),
        Some(n) => n
            .scalar_string()
            .into_iter()
            .map(|p| abs(base_dir, &p, ctx.opts.home()))
            .collect(),
        None => {
            let dot = project_dir.join(".env");
            if dot.is_file() { vec![dot] } else { vec![] }
        }
    };
    let mut env = ctx.env.clone();
    for f in &env_files {
        let cur = env.clone();
        for (k, v) in read_env_file(f, &|k| cur.get(k).cloned())? {
            env.entry(k).or_insert(v);
        }
    }
    let mut sub = Ctx {
        env: &env,
        opts: ctx.opts,
        warnings: Vec::new(),
        unset: Vec::new(),
        variables: BTreeMap::new(),
        local_includes: 0,
    };
    let mut dict = Node::map(item.span.clone());
    for f in &files {
        included.push(f.clone());
        let text = read_text(f).map_err(|e| {
            LoadErrors::from(
                LoadError::new(
                    ErrorKind::Io,
                    format!("cannot read included file {}: {e}", f.display()),
                )
                .at(&item.span),
            )
        })?;
        let name: Arc<str> = Arc::from(f.display().to_string());
        for d in yaml::parse_within(&text, &name, ctx.opts.alias_budget)? {
            dict = load_document(&mut sub, dict, d, f, &project_dir, included)?;
        }
        included.pop();
    }
    normalize::set_defaults(&mut dict)?;
    if ctx.opts.resolve_paths {
        normalize::resolve_paths(&mut dict, &project_dir, ctx.opts.home())?;
    }
    ctx.warnings.extend(sub.warnings);
    ctx.variables.extend(sub.variables);
    ctx.local_includes += sub.local_includes;
    Ok(dict)
}

/// Resolves `extends` in every service of `doc` (same file, other files, chains; cycles rejected).
fn apply_extends(
    ctx: &mut Ctx<'_>,
    doc: &mut Node,
    path: &Path,
    stack: &mut Vec<(PathBuf, String)>,
) -> Result<(), LoadErrors> {
    let names: Vec<String> = match doc.get("services").and_then(Node::as_map) {
        Some(m) => m.keys().map(|k| k.name.clone()).collect(),
        None => return Ok(()),
    };
    for name in names {
        let resolved = resolve_service(ctx, doc, path, &name, stack)?;
        if let Some(s) = doc.get_mut("services").and_then(|s| s.get_mut(&name)) {
            *s = resolved;
        }
    }
    Ok(())
}

fn resolve_service(
    ctx: &mut Ctx<'_>,
    doc: &Node,
    path: &Path,
    name: &str,
    stack: &mut Vec<(PathBuf, String)>,
) -> Result<Node, LoadErrors> {
    let svc = doc
        .get("services")
        .and_then(|s| s.get(name))
        .cloned()
        .ok_or_else(|| {
            LoadErrors::from(LoadError::new(
                ErrorKind::Undefined,
                format!(
                    "cannot extend service `{name}` of {}: no such service",
                    path.display()
                ),
            ))
        })?;
    let Some(ext) = svc.get("extends").cloned() else {
        return Ok(svc);
    };
    let key = (path.to_path_buf(), name.to_string());
    if stack.contains(&key) {
        let mut chain: Vec<String> = stack.iter().map(|(_, s)| s.clone()).collect();
        chain.push(name.to_string());
        return Err(LoadError::new(
            ErrorKind::Cycle,
            format!("extends cycle: {}", chain.join(" -> ")),
        )
        .at(&ext.span)
        .path(format!("services.{name}.extends"))
        .into());
    }
    stack.push(key);
    let (base_name, file) = match &ext.value {
        Value::Str(s) => (s.clone(), None),
        Value::Map(_) => (
            ext.get("service")
                .and_then(Node::scalar_string)
                .unwrap_or_default(),
            ext.get("file").and_then(Node::scalar_string),
        ),
        _ => {
            return Err(LoadError::new(
                ErrorKind::Type,
                "`extends` must be a service name or a mapping",
            )
            .at(&ext.span)
            .into());
        }
    };
    let base = match file {
        None => resolve_service(ctx, doc, path, &base_name, stack)?,
        Some(f) => {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let fpath = abs(&dir, &f, ctx.opts.home());
            let text = read_text(&fpath).map_err(|e| {
                LoadErrors::from(
                    LoadError::new(
                        ErrorKind::Io,
                        format!("cannot read {}: {e}", fpath.display()),
                    )
                    .at(&ext.span),
                )
            })?;
            let fname: Arc<str> = Arc::from(fpath.display().to_string());
            let mut other = yaml::parse_within(&text, &fname, ctx.opts.alias_budget)?
                .into_iter()
                .next()
                .unwrap_or(Node::null(ext.span.clone()));
            if ctx.opts.interpolate {
                let env = ctx.env;
                let look = |k: &str| env.get(k).cloned();
                let mut vars = Vars::new(&look);
                interpolate_node(&mut other, &mut Vec::new(), &mut vars)?;
            }
            let mut b = resolve_service(ctx, &other, &fpath, &base_name, stack)?;
            // relative paths of the other file stay relative to its folder
            let from = fpath.parent().unwrap_or(Path::new("/"));
            rebase_paths(&mut b, from, &dir, ctx.opts.home());
            b
        }
    };
    stack.pop();
    if base.is_null() {
        // Compose leaves a service that extends an empty one as written, `extends` included
        return Ok(svc);
    }
    let mut over = svc;
    if let Some(m) = over.as_map_mut() {
        m.shift_remove("extends");
    }
    let mut p = vec!["services".to_string(), "x".to_string()];
    let merged = merge::merge(base, over, &mut p)?;
    Ok(merged)
}

/// Rewrites the relative build context / env_file / bind sources of a service taken from another
/// folder so they stay right once merged into this file.
fn rebase_paths(svc: &mut Node, from: &Path, to: &Path, home: Option<&str>) {
    if from == to {
        return;
    }
    let fix = |s: &str| -> String {
        if Path::new(s).is_absolute() || s.contains("://") {
            return s.to_string();
        }
        abs(from, s, home).to_string_lossy().into_owned()
    };
    if let Some(b) = svc.get_mut("build") {
        match &mut b.value {
            Value::Str(s) => *s = fix(s),
            Value::Map(_) => {
                if let Some(Value::Str(s)) = b.get_mut("context").map(|c| &mut c.value) {
                    *s = fix(s);
                }
            }
            _ => {}
        }
    }
    if let Some(e) = svc.get_mut("env_file") {
        match &mut e.value {
            Value::Str(s) => *s = fix(s),
            Value::Seq(items) => {
                for it in items {
                    match &mut it.value {
                        Value::Str(s) => *s = fix(s),
                        Value::Map(_) => {
                            if let Some(Value::Str(s)) = it.get_mut("path").map(|c| &mut c.value) {
                                *s = fix(s);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(Value::Seq(vols)) = svc.get_mut("volumes").map(|v| &mut v.value) {
        for v in vols {
            if let Value::Str(s) = &mut v.value
                && s.starts_with('.')
                && let Some((src, rest)) = s.split_once(':')
            {
                *s = format!("{}:{rest}", fix(src));
            }
        }
    }
}
