//! Files into containers for watch: a batch's puts as one tar (links as links, never followed),
//! deletions with the bundled `rmtree` (no `rm` needed in the image), and the compare-then-send
//! resync that brings a container back in line with the host.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::batch::{Kind, Put, lexical, unsafe_link};
use super::rules::Rule;
use crate::engine::{ExecRequest, Interactive};

/// `helpers/rmtree.c`, built by build.rs (empty when it could not be).
pub const RMTREE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rmtree"));

/// What a host path is, links not followed; `Through` when a folder between `root` and it is a
/// symbolic link.
pub fn kind_of(root: &Path, path: &Path) -> Kind {
    if let Ok(rel) = path.strip_prefix(root) {
        let mut at = root.to_path_buf();
        let parts: Vec<_> = rel.components().collect();
        for c in parts.iter().take(parts.len().saturating_sub(1)) {
            at.push(c);
            if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Kind::Through(at);
            }
        }
    }
    match std::fs::symlink_metadata(path) {
        Err(_) => Kind::Gone,
        Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(path) {
            Ok(to) => Kind::Link(to.to_string_lossy().into_owned()),
            Err(_) => Kind::Gone,
        },
        Ok(m) if m.is_dir() => Kind::Dir,
        Ok(_) => Kind::File,
    }
}

/// Everything under folder `dir` (itself excluded), links not followed, sorted.
pub fn walk(dir: &Path) -> Vec<(PathBuf, Kind)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_symlink() {
                if let Ok(to) = std::fs::read_link(&p) {
                    out.push((p, Kind::Link(to.to_string_lossy().into_owned())));
                }
            } else if t.is_dir() {
                todo.push(p.clone());
                out.push((p, Kind::Dir));
            } else {
                out.push((p, Kind::File));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The puts as one tar to extract at `/` (names are the container paths); how many files and
/// links went in (a file that vanished since the batch was read is left out), and whether
/// anything did.
pub fn tar_of(puts: &[Put]) -> io::Result<(Vec<u8>, usize, bool)> {
    let mut b = tar::Builder::new(Vec::new());
    let (mut n, mut any) = (0, false);
    for p in puts {
        let name = p.container.trim_start_matches('/');
        if name.is_empty() || Path::new(name).components().any(|c| c.as_os_str() == "..") {
            continue;
        }
        let mut h = tar::Header::new_gnu();
        let meta = match std::fs::symlink_metadata(&p.host) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        h.set_mtime(meta.mtime().max(0) as u64);
        h.set_mode(meta.permissions().mode() & 0o7777);
        match &p.kind {
            Kind::Dir => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                b.append_data(&mut h, name, io::empty())?;
                any = true;
                continue;
            }
            Kind::Link(to) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                b.append_link(&mut h, name, to)?;
            }
            _ => {
                let data = match std::fs::read(&p.host) {
                    Ok(d) => d,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                b.append_data(&mut h, name, data.as_slice())?;
            }
        }
        n += 1;
        any = true;
    }
    Ok((b.into_inner()?, n, any))
}

/// Sends the puts into `container` (owned by the container's user, as Compose does); how many
/// files and links (folders are not counted).
pub async fn send(
    engine: &impl Interactive,
    container: &str,
    puts: &[Put],
) -> Result<usize, String> {
    if puts.is_empty() {
        return Ok(0);
    }
    let (tar, n, any) = tar_of(puts).map_err(|e| format!("cannot read the changed files: {e}"))?;
    if !any {
        return Ok(0);
    }
    engine
        .upload_archive(container, "/", tar, true)
        .await
        .map_err(|e| format!("copying into {container}: {}", e.message))?;
    Ok(n)
}

static HELPERS: AtomicU64 = AtomicU64::new(0);

/// Runs `request` in `container`, each whole line of its output to `line` (without its end);
/// its exit code.
pub async fn run(
    engine: &impl Interactive,
    container: &str,
    request: ExecRequest,
    mut line: impl FnMut(&str),
) -> Result<i64, String> {
    let mut pending: Vec<u8> = Vec::new();
    let code = crate::engine::run_exec(engine, container, request, |chunk| {
        pending.extend_from_slice(&chunk.text);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let whole: Vec<u8> = pending.drain(..=end).collect();
            line(String::from_utf8_lossy(&whole).trim_end());
        }
    })
    .await
    .map_err(|e| e.message)?;
    if !pending.is_empty() {
        line(String::from_utf8_lossy(&pending).trim_end());
    }
    Ok(code)
}

/// Runs `cmd` as root in `container`; its exit code and output.
async fn run_as_root(
    engine: &impl Interactive,
    container: &str,
    cmd: Vec<String>,
) -> Result<(i64, String), String> {
    let request = ExecRequest {
        cmd,
        user: "0".to_string(),
        ..Default::default()
    };
    let mut output = String::new();
    let code = run(engine, container, request, |l| {
        output.push_str(l);
        output.push('\n');
    })
    .await?;
    Ok((code, output))
}

/// Deletes `paths` (absolute) in `container`: with the bundled `rmtree`, which needs nothing in
/// the image; with the image's `rm -rf` only when the helper cannot run there (another CPU).
pub async fn delete(
    engine: &impl Interactive,
    container: &str,
    paths: &[String],
) -> Result<(), String> {
    if paths.is_empty() {
        return Ok(());
    }
    let failed = |e: String| format!("deleting in {container}: {e}");
    if !RMTREE.is_empty() {
        let name = format!(
            ".rcompose-rmtree-{}-{}",
            std::process::id(),
            HELPERS.fetch_add(1, Ordering::Relaxed)
        );
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o755);
        h.set_size(RMTREE.len() as u64);
        b.append_data(&mut h, &name, RMTREE)
            .map_err(|e| failed(e.to_string()))?;
        let tar = b.into_inner().map_err(|e| failed(e.to_string()))?;
        engine
            .upload_archive(container, "/", tar, false)
            .await
            .map_err(|e| failed(e.message))?;
        let mut cmd = vec![format!("/{name}")];
        cmd.extend(paths.iter().cloned());
        match run_as_root(engine, container, cmd).await {
            Ok((0, _)) => return Ok(()),
            Ok((1, _)) => {
                return Err(failed(format!(
                    "could not remove all of {}",
                    paths.join(" ")
                )));
            }
            // it did not run (exec format error): take it out again, and try the image's rm
            _ => {
                let _ = run_as_root(
                    engine,
                    container,
                    vec!["rm".into(), "-f".into(), format!("/{name}")],
                )
                .await;
            }
        }
    }
    let mut cmd = vec!["rm".to_string(), "-rf".to_string(), "--".to_string()];
    cmd.extend(paths.iter().cloned());
    match run_as_root(engine, container, cmd).await.map_err(failed)? {
        (0, _) => Ok(()),
        (code, out) => Err(failed(format!("rm -rf exited with {code}: {}", out.trim()))),
    }
}

/// What a container holds under a path: kind, and for files the content's sha256.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Held {
    Dir,
    File([u8; 32], u32),
    Link(String),
}

/// Reads `target` of `container` (`None`: it does not exist), by container path.
async fn held(
    engine: &impl Interactive,
    container: &str,
    target: &str,
) -> Result<Option<BTreeMap<String, Held>>, String> {
    let mut stream = engine.download(container, target);
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => bytes.extend_from_slice(&c),
            Err(e) if e.kind == crate::engine::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("reading {target} in {container}: {}", e.message)),
        }
    }
    let parent = Path::new(target).parent().unwrap_or(Path::new("/"));
    let mut out = BTreeMap::new();
    let mut archive = tar::Archive::new(bytes.as_slice());
    let entries = archive
        .entries()
        .map_err(|e| format!("reading {target} in {container}: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("reading {target} in {container}: {e}"))?;
        let Ok(name) = entry.path().map(|p| p.into_owned()) else {
            continue;
        };
        let at = lexical(&parent.join(&name)).to_string_lossy().into_owned();
        let mode = entry.header().mode().unwrap_or(0) & 0o7777;
        let h = match entry.header().entry_type() {
            tar::EntryType::Directory => Held::Dir,
            tar::EntryType::Symlink => Held::Link(
                entry
                    .link_name()
                    .ok()
                    .flatten()
                    .map(|l| l.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            _ => {
                let mut hasher = Sha256::new();
                let mut buf = [0u8; 64 * 1024];
                loop {
                    let n = entry
                        .read(&mut buf)
                        .map_err(|e| format!("reading {target} in {container}: {e}"))?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
                Held::File(hasher.finalize().into(), mode)
            }
        };
        out.insert(at.trim_end_matches('/').to_string(), h);
    }
    Ok(Some(out))
}

/// What the host has for `rule`, as puts (the rule's ignores and includes applied).
pub fn host_puts(rule: &Rule) -> Vec<Put> {
    let mut puts = Vec::new();
    let root = kind_of(&rule.path, &rule.path);
    let mut entries = match root {
        Kind::Dir => walk(&rule.path),
        Kind::Gone | Kind::Through(_) => return puts,
        k => vec![(rule.path.clone(), k)],
    };
    // folders a rule ignores take their content along
    let mut skipped: Vec<PathBuf> = Vec::new();
    entries.retain(|(p, k)| {
        if skipped.iter().any(|s| p.starts_with(s)) {
            return false;
        }
        let Some(rel) = rule.relative(p) else {
            return false;
        };
        let keep = rule.wants(&rel, *k == Kind::Dir);
        if !keep && *k == Kind::Dir {
            skipped.push(p.clone());
        }
        keep
    });
    for (p, kind) in entries {
        let rel = rule.relative(&p).unwrap_or_default();
        if let Kind::Link(to) = &kind
            && unsafe_link(rule, &p, to).is_some()
        {
            continue;
        }
        puts.push(Put {
            container: rule.container_path(&rel),
            host: p,
            kind,
        });
    }
    puts
}

fn same(put: &Put, held: Option<&Held>) -> bool {
    match (&put.kind, held) {
        (Kind::Dir, Some(Held::Dir)) => true,
        (Kind::Link(to), Some(Held::Link(l))) => to == l,
        (Kind::File, Some(Held::File(sum, mode))) => {
            let Ok(meta) = std::fs::metadata(&put.host) else {
                return true;
            };
            if meta.permissions().mode() & 0o7777 != *mode {
                return false;
            }
            std::fs::read(&put.host).is_ok_and(|d| <[u8; 32]>::from(Sha256::digest(&d)) == *sum)
        }
        _ => false,
    }
}

/// Brings `container` in line with the host for `rule`: sends what differs, deletes what was
/// deleted on the host (`deleted`, container paths). How many paths it sent and deleted.
pub async fn resync(
    engine: &impl Interactive,
    container: &str,
    rule: &Rule,
    deleted: &BTreeSet<String>,
) -> Result<(usize, usize), String> {
    let host = host_puts(rule);
    let held = held(engine, container, &rule.target)
        .await?
        .unwrap_or_default();
    let differ: Vec<Put> = host
        .into_iter()
        .filter(|p| !same(p, held.get(&p.container)))
        .collect();
    let gone: Vec<String> = deleted
        .iter()
        .filter(|d| held.contains_key(*d) && Path::new(d).starts_with(&rule.target))
        .cloned()
        .collect();
    delete(engine, container, &gone).await?;
    let sent = send(engine, container, &differ).await?;
    Ok((sent, gone.len()))
}
