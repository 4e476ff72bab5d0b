//! The build context's rules on real folders: `.dockerignore`, the tar, and the folders served
//! to BuildKit (order, narrowing, the Dockerfile from memory, Go's modes).

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

/// A context folder of the test's own, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str, files: &[(&str, &str)]) -> Folder {
        let dir = std::env::temp_dir().join(format!("rcompose-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, content) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        Folder(dir)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn paths(served: &Served) -> Vec<&str> {
    served.stats.iter().map(|s| s.path.as_str()).collect()
}

#[test]
fn a_served_context_is_in_walk_order_with_folders_first() {
    let f = Folder::new(
        "walk",
        &[
            ("Dockerfile", "FROM x\n"),
            ("a.txt", "1"),
            ("a/b.txt", "22"),
            ("a/c/d", "333"),
            ("b", "4"),
        ],
    );
    let local = Local::new(&f.0, Dockerfile::Path("Dockerfile"), "FROM x\n");
    let served = local.serve("context", &Ask::default()).unwrap();
    // `a` before `a.txt`, and what `a` holds right after it (fsutil's order)
    assert_eq!(
        paths(&served),
        ["Dockerfile", "a", "a/b.txt", "a/c", "a/c/d", "a.txt", "b"]
    );
    let dir = &served.stats[1];
    assert_eq!(
        dir.mode & (1 << 31),
        1 << 31,
        "a folder has Go's ModeDir bit"
    );
    assert_eq!(dir.size, 0);
    let file = &served.stats[4];
    assert_eq!((file.mode & 0o777, file.size), (0o644, 3));
    assert!(file.mod_time > 1_000_000_000 * 1_000_000_000, "nanoseconds");
    assert!(matches!(served.content(4), Some(Content::Disk(_))));
    assert!(served.content(3).is_none(), "a folder has no content");
}

#[test]
fn the_engine_narrows_a_served_context_by_paths_and_patterns() {
    let f = Folder::new(
        "ask",
        &[
            ("Dockerfile", "FROM x\n"),
            (".dockerignore", "secret\n"),
            ("secret", "s"),
            ("src/main.go", "m"),
            ("src/util/x.go", "x"),
            ("src/notes.md", "n"),
            ("docs/readme", "r"),
        ],
    );
    let local = Local::new(&f.0, Dockerfile::Path("Dockerfile"), "FROM x\n");
    let ask = |follow: &[&str], include: &[&str], exclude: &[&str]| {
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        let ask = Ask {
            follow: owned(follow),
            include: owned(include),
            exclude: owned(exclude),
        };
        let served = local.serve("context", &ask).unwrap();
        paths(&served)
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    // the frontend reading `.dockerignore` gets it alone
    assert_eq!(ask(&[".dockerignore"], &[], &[]), [".dockerignore"]);
    // a followed file inside a folder brings the folder, not its other files
    assert_eq!(
        ask(&["src/util/x.go"], &[], &[]),
        ["src", "src/util", "src/util/x.go"]
    );
    // a followed folder brings all it holds
    assert_eq!(ask(&["docs"], &[], &[]), ["docs", "docs/readme"]);
    // the engine's excludes apply on top of rcompose's own `.dockerignore`
    assert_eq!(
        ask(&[], &[], &["**/*.md", "docs"]),
        [
            ".dockerignore",
            "Dockerfile",
            "src",
            "src/main.go",
            "src/util",
            "src/util/x.go"
        ]
    );
    // include patterns: matching paths, what matching folders hold, and the folders on the way
    assert_eq!(
        ask(&[], &["src/*.go", "docs"], &[]),
        ["docs", "docs/readme", "src", "src/main.go"]
    );
}

#[test]
fn the_dockerfile_folder_is_served_from_memory_and_changes_with_its_text() {
    let f = Folder::new(
        "dockerfile",
        &[
            ("build/app.Dockerfile", "on disk"),
            ("build/app.Dockerfile.dockerignore", "x\n"),
        ],
    );
    let text = "FROM x\nRUN a\n";
    let local = Local::new(&f.0, Dockerfile::Path("build/app.Dockerfile"), text);
    assert_eq!(local.name, "app.Dockerfile");
    let served = local.serve("dockerfile", &Ask::default()).unwrap();
    assert_eq!(
        paths(&served),
        ["app.Dockerfile", "app.Dockerfile.dockerignore"]
    );
    // the text planned with, not the file as it is now
    assert!(matches!(served.content(0), Some(Content::Memory(b)) if b == text.as_bytes()));
    // the same size, another text: another time, so that BuildKit asks for it again
    let other = Local::new(
        &f.0,
        Dockerfile::Path("build/app.Dockerfile"),
        "FROM y\nRUN a\n",
    );
    let again = other.serve("dockerfile", &Ask::default()).unwrap();
    assert_eq!(served.stats[0].size, again.stats[0].size);
    assert_ne!(served.stats[0].mod_time, again.stats[0].mod_time);
    let inline = Local::new(&f.0, Dockerfile::Inline("FROM z\n"), "FROM z\n");
    assert_eq!(inline.name, "Dockerfile");
    let served = inline.serve("dockerfile", &Ask::default()).unwrap();
    assert_eq!(paths(&served), ["Dockerfile"]);
    let err = inline.serve("other", &Ask::default()).err().unwrap();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
}

#[test]
fn go_modes_carry_the_type_and_special_bits() {
    use std::os::unix::fs::PermissionsExt;
    let f = Folder::new("modes", &[("run.sh", "#!/bin/sh\n")]);
    let script = f.0.join("run.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::os::unix::fs::symlink("run.sh", f.0.join("link")).unwrap();
    let meta = std::fs::symlink_metadata(&script).unwrap();
    assert_eq!(go_mode(&meta), 0o755 | (1 << 23), "setuid is bit 23 in Go");
    let link = walk(&f.0, &|_, _| Choice::Keep).unwrap();
    let link = stat(&link[0]).unwrap();
    assert_eq!(
        (link.path.as_str(), link.linkname.as_str()),
        ("link", "run.sh")
    );
    assert_eq!(link.mode & (1 << 27), 1 << 27, "ModeSymlink");
}
