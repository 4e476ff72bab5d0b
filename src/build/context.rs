//! A build context as the engine takes it: the folder as a tar, minus what `.dockerignore` (or
//! `<Dockerfile>.dockerignore`, which wins) excludes with Docker's rules, plus the Dockerfile
//! when it is inline or lives outside the folder.

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

/// The context of `dir` as a tar, and the Dockerfile's name inside it.
pub fn tar(dir: &Path, dockerfile: Dockerfile<'_>) -> io::Result<(Vec<u8>, String)> {
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
    // `<Dockerfile>.dockerignore` next to the Dockerfile wins over the context's `.dockerignore`
    let specific = dir.join(format!("{dockerfile_name}.dockerignore"));
    let ignore_text = std::fs::read_to_string(&specific)
        .or_else(|_| std::fs::read_to_string(dir.join(".dockerignore")))
        .unwrap_or_default();
    let ignore = Ignore::parse(&ignore_text);
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    builder.mode(tar::HeaderMode::Deterministic);
    let always = [dockerfile_name.as_str(), ".dockerignore"];
    add_dir(&mut builder, dir, Path::new(""), &ignore, &always)?;
    if let Some(content) = extra {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        builder.append_data(&mut h, &dockerfile_name, &content[..])?;
    }
    Ok((builder.into_inner()?, dockerfile_name))
}

fn add_dir(
    builder: &mut tar::Builder<Vec<u8>>,
    root: &Path,
    rel: &Path,
    ignore: &Ignore,
    always: &[&str],
) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(rel))?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    entries.sort();
    for path in entries {
        let name = rel.join(path.file_name().expect("a directory entry has a name"));
        let text = name.to_string_lossy().replace('\\', "/");
        let meta = std::fs::symlink_metadata(&path)?;
        let excluded = ignore.excludes(&text) && !always.contains(&text.as_str());
        if meta.is_dir() {
            if excluded && !ignore.has_exceptions() {
                continue;
            }
            if !excluded {
                builder.append_path_with_name(&path, &name)?;
            }
            add_dir(builder, root, &name, ignore, always)?;
        } else if !excluded && !special(&meta) {
            builder.append_path_with_name(&path, &name)?;
        }
    }
    Ok(())
}

/// Sockets and pipes are left out of a context, as the Docker CLI leaves them out.
fn special(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    t.is_socket() || t.is_fifo()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_follows_dockers_rules() {
        let i = Ignore::parse(
            "# comment\nfoo\n*.md\n!KEEP.md\nbuild/\n/abs\n**/*.tmp\nlogs/*\n!logs/keep.log\n",
        );
        assert!(i.excludes("foo"));
        assert!(
            i.excludes("foo/bar.txt"),
            "a matched folder excludes its content"
        );
        assert!(!i.excludes("sub/foo"), "patterns are anchored at the root");
        assert!(i.excludes("README.md"));
        assert!(!i.excludes("docs/README.md"), "* stops at /");
        assert!(!i.excludes("KEEP.md"), "! re-includes");
        assert!(i.excludes("build/out/x"));
        assert!(i.excludes("abs"));
        assert!(i.excludes("a/b/c.tmp"), "** crosses folders");
        assert!(i.excludes("logs/a.log"));
        assert!(!i.excludes("logs/keep.log"));
        assert!(!i.excludes("src/main.rs"));
    }

    #[test]
    fn the_context_tar_leaves_out_what_is_ignored() {
        let dir = std::env::temp_dir().join(format!("rcompose-ctx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("secret")).unwrap();
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("Dockerfile"), "FROM x\n").unwrap();
        std::fs::write(dir.join(".dockerignore"), "secret\nDockerfile\n").unwrap();
        std::fs::write(dir.join("secret/key"), "k").unwrap();
        std::fs::write(dir.join("app/main.py"), "print()").unwrap();
        // a socket (an agent's, say) is left out, not an error
        let _socket = std::os::unix::net::UnixListener::bind(dir.join("app/agent.sock")).unwrap();
        let (archive, name) = tar(&dir, Dockerfile::Path("Dockerfile")).unwrap();
        let mut names: Vec<String> = tar::Archive::new(&archive[..])
            .entries()
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .path()
                    .unwrap()
                    .to_string_lossy()
                    .trim_end_matches('/')
                    .to_string()
            })
            .collect();
        names.sort();
        assert_eq!(name, "Dockerfile");
        // the Dockerfile and .dockerignore are always sent
        assert_eq!(names, [".dockerignore", "Dockerfile", "app", "app/main.py"]);
        let (archive, name) = tar(&dir, Dockerfile::Inline("FROM y\n")).unwrap();
        assert_eq!(name, ".rcompose.inline.Dockerfile");
        assert!(tar::Archive::new(&archive[..]).entries().unwrap().any(|e| {
            e.unwrap().path().unwrap().to_string_lossy() == ".rcompose.inline.Dockerfile"
        }));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
