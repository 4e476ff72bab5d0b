//! A build context as the engine takes it: for the classic builder the folder as a tar, minus
//! what `.dockerignore` (or `<Dockerfile>.dockerignore`, which wins) excludes with Docker's rules,
//! plus the Dockerfile when it is inline or lives outside the folder; for BuildKit the same
//! folder walked on the engine's request (narrowed by the paths and patterns it asks for), with
//! the Dockerfile served from memory.

use std::io;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

/// One `.dockerignore` line.
struct Pattern {
    matcher: GlobMatcher,
    /// `!pattern`: re-includes what earlier lines excluded.
    include: bool,
}

/// Docker's `.dockerignore` rules: patterns are cleaned and anchored at the context root (`foo`
/// is `/foo`, not `sub/foo`), `*` stops at `/`, `**` crosses folders, a matched folder excludes
/// everything in it, `!` re-includes, and the last matching line wins.
pub struct Ignore {
    patterns: Vec<Pattern>,
}

impl Ignore {
    pub fn parse(text: &str) -> Ignore {
        let mut patterns = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (include, pat) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let cleaned = clean(pat);
            if cleaned.is_empty() {
                continue;
            }
            if let Ok(g) = GlobBuilder::new(&cleaned).literal_separator(true).build() {
                patterns.push(Pattern {
                    matcher: g.compile_matcher(),
                    include,
                });
            }
        }
        Ignore { patterns }
    }

    /// Is `path` (relative, `/`-separated) left out of the context?
    pub fn excludes(&self, path: &str) -> bool {
        let mut excluded = false;
        for p in &self.patterns {
            // a pattern matches the path itself or one of the folders it is in
            let hit = p.matcher.is_match(path)
                || path
                    .match_indices('/')
                    .any(|(i, _)| p.matcher.is_match(&path[..i]));
            if hit {
                excluded = !p.include;
            }
        }
        excluded
    }

    /// Whether some `!` line could bring back something inside an excluded folder.
    fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.include)
    }

    /// What a walk does with `path`; `always` is never excluded (the Dockerfile, `.dockerignore`).
    fn choose(&self, path: &str, is_dir: bool, always: &[&str]) -> Choice {
        if !self.excludes(path) || always.contains(&path) {
            Choice::Keep
        } else if is_dir && self.has_exceptions() {
            Choice::Through
        } else {
            Choice::Skip
        }
    }
}

/// `./a//b/` → `a/b`, `/a` → `a` (Go's filepath.Clean, anchored at the root).
fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Where the Dockerfile comes from.
pub enum Dockerfile<'a> {
    /// A path relative to the context (or absolute).
    Path(&'a str),
    /// `dockerfile_inline`.
    Inline(&'a str),
}

/// What a walk does with one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Sent (a folder: and walked).
    Keep,
    /// Left out (a folder: with all it holds).
    Skip,
    /// A folder walked but sent only if something in it is.
    Through,
}

/// One entry of a context, in walk order: names sorted in each folder, a folder before what it
/// holds (the order BuildKit's file sync expects).
#[derive(Debug)]
pub struct Entry {
    /// `/`-separated, relative to the context.
    pub rel: String,
    pub path: PathBuf,
    pub meta: std::fs::Metadata,
}

/// The entries of `dir` that `choose(relative path, is a folder)` keeps. Sockets and pipes are
/// left out, as the Docker CLI leaves them out.
pub fn walk(dir: &Path, choose: &dyn Fn(&str, bool) -> Choice) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    walk_into(dir, "", choose, &mut out)?;
    Ok(out)
}

fn walk_into(
    dir: &Path,
    rel: &str,
    choose: &dyn Fn(&str, bool) -> Choice,
    out: &mut Vec<Entry>,
) -> io::Result<()> {
    let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()?;
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let name = name.to_string_lossy();
        let rel = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        let meta = std::fs::symlink_metadata(&path)?;
        if special(&meta) {
            continue;
        }
        let is_dir = meta.is_dir();
        match choose(&rel, is_dir) {
            Choice::Skip => {}
            Choice::Keep if !is_dir => out.push(Entry { rel, path, meta }),
            Choice::Through if !is_dir => {}
            choice => {
                let at = out.len();
                walk_into(&path, &rel, choose, out)?;
                if choice == Choice::Keep || out.len() > at {
                    out.insert(at, Entry { rel, path, meta });
                }
            }
        }
    }
    Ok(())
}

/// Sockets and pipes are left out of a context.
fn special(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    t.is_socket() || t.is_fifo()
}

/// The Dockerfile's own `<Dockerfile>.dockerignore`, next to it, if it has one.
fn own_ignore(dir: &Path, dockerfile: &Dockerfile<'_>) -> Option<Vec<u8>> {
    match dockerfile {
        Dockerfile::Path(p) => std::fs::read(dir.join(format!("{p}.dockerignore"))).ok(),
        Dockerfile::Inline(_) => None,
    }
}

/// The `.dockerignore` rules that apply: the Dockerfile's own file wins over the context's.
fn ignore_for(dir: &Path, own: Option<&[u8]>) -> Ignore {
    let text = match own {
        Some(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        None => std::fs::read_to_string(dir.join(".dockerignore")).unwrap_or_default(),
    };
    Ignore::parse(&text)
}

/// The context of `dir` as a tar, and the Dockerfile's name inside it.
pub fn tar(dir: &Path, dockerfile: Dockerfile<'_>) -> io::Result<(Vec<u8>, String)> {
    let ignore = ignore_for(dir, own_ignore(dir, &dockerfile).as_deref());
    let (dockerfile_name, extra): (String, Option<Vec<u8>>) = match dockerfile {
        Dockerfile::Inline(text) => (
            ".rcompose.inline.Dockerfile".into(),
            Some(text.as_bytes().to_vec()),
        ),
        Dockerfile::Path(p) => {
            let path = dir.join(p);
            match path.strip_prefix(dir) {
                Ok(rel) if !p.contains("..") => (rel.to_string_lossy().replace('\\', "/"), None),
                // outside the context: sent under its own name, as the Docker CLI does
                _ => (
                    ".rcompose.external.Dockerfile".into(),
                    Some(std::fs::read(&path).map_err(|e| {
                        io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))
                    })?),
                ),
            }
        }
    };
    let always = [dockerfile_name.as_str(), ".dockerignore"];
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    builder.mode(tar::HeaderMode::Deterministic);
    for e in walk(dir, &|rel, is_dir| ignore.choose(rel, is_dir, &always))? {
        builder.append_path_with_name(&e.path, &e.rel)?;
    }
    if let Some(content) = extra {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        builder.append_data(&mut h, &dockerfile_name, &content[..])?;
    }
    Ok((builder.into_inner()?, dockerfile_name))
}

/// A context that the engine's BuildKit reads through the session, folder by folder: `context`
/// (the folder, walked when asked) and `dockerfile` (the Dockerfile, and its own
/// `.dockerignore` if it has one, from memory).
pub struct Local {
    pub dir: PathBuf,
    /// The Dockerfile's name in the `dockerfile` folder.
    pub name: String,
    dockerfile: Vec<u8>,
    /// `<Dockerfile>.dockerignore`, when there is one.
    own_ignore: Option<Vec<u8>>,
    ignore: Ignore,
    /// Never left out of the context (the Docker CLI's rule): `.dockerignore`, the Dockerfile.
    always: Vec<String>,
}

/// What the engine asks of a folder: paths to follow (only they, their folders and what they
/// hold), patterns to include and to exclude.
#[derive(Debug, Default, Clone)]
pub struct Ask {
    pub follow: Vec<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// One file of a folder served from memory or disk.
pub enum Content<'a> {
    Disk(&'a Path),
    Memory(&'a [u8]),
}

/// An entry as sent: its relative path, its metadata as Go's `os.FileMode` bits (what BuildKit's
/// file sync reads), size, modification time in nanoseconds and symlink target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub path: String,
    pub mode: u32,
    pub size: i64,
    pub mod_time: i64,
    pub linkname: String,
}

/// A served folder: the entries in order with where their content is.
pub struct Served {
    pub stats: Vec<Stat>,
    /// Index in `stats` → where the content is (regular files only).
    disk: std::collections::HashMap<u32, PathBuf>,
    memory: std::collections::HashMap<u32, Vec<u8>>,
}

impl Served {
    /// The content of entry `id`, if it is a file.
    pub fn content(&self, id: u32) -> Option<Content<'_>> {
        if let Some(p) = self.disk.get(&id) {
            return Some(Content::Disk(p));
        }
        self.memory.get(&id).map(|b| Content::Memory(b))
    }
}

impl Local {
    /// The context `dir` with the Dockerfile's `text`, as BuildKit will ask for it.
    pub fn new(dir: &Path, dockerfile: Dockerfile<'_>, text: &str) -> Local {
        let (name, relative) = match dockerfile {
            Dockerfile::Inline(_) => ("Dockerfile".to_string(), None),
            Dockerfile::Path(p) => {
                let name = Path::new(p)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| "Dockerfile".into());
                let inside = !p.contains("..") && dir.join(p).starts_with(dir);
                (name, inside.then(|| clean(p)))
            }
        };
        let own_ignore = own_ignore(dir, &dockerfile);
        let ignore = ignore_for(dir, own_ignore.as_deref());
        let always = [Some(".dockerignore".to_string()), relative]
            .into_iter()
            .flatten()
            .collect();
        Local {
            dir: dir.to_path_buf(),
            name,
            dockerfile: text.as_bytes().to_vec(),
            own_ignore,
            ignore,
            always,
        }
    }

    /// The folder `dir_name` (`context` or `dockerfile`) narrowed by what the engine asks.
    pub fn serve(&self, dir_name: &str, ask: &Ask) -> io::Result<Served> {
        let mut served = Served {
            stats: Vec::new(),
            disk: Default::default(),
            memory: Default::default(),
        };
        match dir_name {
            "dockerfile" => {
                let ignore_name = format!("{}.dockerignore", self.name);
                let files = [
                    (&self.name, Some(&self.dockerfile)),
                    (&ignore_name, self.own_ignore.as_ref()),
                ];
                let mut files: Vec<(&String, &Vec<u8>)> = files
                    .into_iter()
                    .filter_map(|(n, c)| Some((n, c?)))
                    .collect();
                files.sort();
                for (name, content) in files {
                    served
                        .memory
                        .insert(served.stats.len() as u32, content.clone());
                    served.stats.push(Stat {
                        path: name.clone(),
                        mode: 0o644,
                        size: content.len() as i64,
                        mod_time: content_time(content),
                        linkname: String::new(),
                    });
                }
            }
            "context" => {
                let theirs = Ignore::parse(&ask.exclude.join("\n"));
                let include: Vec<GlobMatcher> = ask
                    .include
                    .iter()
                    .filter_map(|p| {
                        GlobBuilder::new(&clean(p))
                            .literal_separator(true)
                            .build()
                            .ok()
                    })
                    .map(|g| g.compile_matcher())
                    .collect();
                let follow: Vec<String> = ask.follow.iter().map(|p| clean(p)).collect();
                let always: Vec<&str> = self.always.iter().map(String::as_str).collect();
                let choose = |rel: &str, is_dir: bool| {
                    let ours = self.ignore.choose(rel, is_dir, &always);
                    let asked = asked(rel, is_dir, &theirs, &include, &follow);
                    narrower(ours, asked)
                };
                for e in walk(&self.dir, &choose)? {
                    let stat = stat(&e)?;
                    if e.meta.is_file() {
                        served.disk.insert(served.stats.len() as u32, e.path);
                    }
                    served.stats.push(stat);
                }
            }
            other => {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("no folder `{other}` in this build's session"),
                ));
            }
        }
        Ok(served)
    }
}

/// What the engine's request does with a path: its exclude patterns (`.dockerignore`'s rules),
/// include patterns (a path matching one, or inside a folder matching one) and followed paths
/// (a path followed, inside one, or a folder on the way to one).
fn asked(
    rel: &str,
    is_dir: bool,
    exclude: &Ignore,
    include: &[GlobMatcher],
    follow: &[String],
) -> Choice {
    let excluded = exclude.choose(rel, is_dir, &[]);
    if excluded != Choice::Keep {
        return excluded;
    }
    let within = |root: &str| rel == root || rel.starts_with(&format!("{root}/"));
    if !follow.is_empty() && !follow.iter().any(|f| within(f)) {
        let on_the_way = is_dir && follow.iter().any(|f| f.starts_with(&format!("{rel}/")));
        return if on_the_way {
            Choice::Through
        } else {
            Choice::Skip
        };
    }
    if !include.is_empty() {
        let hit = include
            .iter()
            .any(|g| g.is_match(rel) || rel.match_indices('/').any(|(i, _)| g.is_match(&rel[..i])));
        if !hit {
            return if is_dir {
                Choice::Through
            } else {
                Choice::Skip
            };
        }
    }
    Choice::Keep
}

/// Both choices at once: skipped by either is skipped.
fn narrower(a: Choice, b: Choice) -> Choice {
    match (a, b) {
        (Choice::Skip, _) | (_, Choice::Skip) => Choice::Skip,
        (Choice::Keep, Choice::Keep) => Choice::Keep,
        _ => Choice::Through,
    }
}

/// A served-from-memory file's time: its content's hash, so that BuildKit, which keeps what it
/// was sent before and asks again only for files whose size or time changed, never keeps an old
/// Dockerfile of the same size.
fn content_time(content: &[u8]) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(content);
    let n = u64::from_be_bytes(d[..8].try_into().expect("8 bytes"));
    (n >> 2) as i64
}

/// Go's `os.FileMode` bits for what `meta` describes.
fn go_mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    const DIR: u32 = 1 << 31;
    const SYMLINK: u32 = 1 << 27;
    const DEVICE: u32 = 1 << 26;
    const SETUID: u32 = 1 << 23;
    const SETGID: u32 = 1 << 22;
    const CHAR_DEVICE: u32 = 1 << 21;
    const STICKY: u32 = 1 << 20;
    let unix = meta.permissions().mode();
    let mut mode = unix & 0o777;
    for (bit, go) in [(0o4000, SETUID), (0o2000, SETGID), (0o1000, STICKY)] {
        if unix & bit != 0 {
            mode |= go;
        }
    }
    let t = meta.file_type();
    if t.is_dir() {
        mode |= DIR;
    } else if t.is_symlink() {
        mode |= SYMLINK;
    } else if t.is_block_device() {
        mode |= DEVICE;
    } else if t.is_char_device() {
        mode |= DEVICE | CHAR_DEVICE;
    }
    mode
}

/// An entry's stat as BuildKit's file sync sends it (owner 0, as the Docker CLI sends it).
fn stat(e: &Entry) -> io::Result<Stat> {
    use std::os::unix::fs::MetadataExt;
    let linkname = if e.meta.file_type().is_symlink() {
        std::fs::read_link(&e.path)?.to_string_lossy().to_string()
    } else {
        String::new()
    };
    let mod_time = e.meta.mtime() * 1_000_000_000 + e.meta.mtime_nsec();
    Ok(Stat {
        path: e.rel.clone(),
        mode: go_mode(&e.meta),
        size: if e.meta.is_dir() {
            0
        } else {
            e.meta.len() as i64
        },
        mod_time,
        linkname,
    })
}

#[cfg(test)]
mod tests;
