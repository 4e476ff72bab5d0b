//! `publish` and `-f oci://` / `include: oci://` against a real registry (Debian's
//! docker-registry on 127.0.0.1, plain HTTP), side by side with the reference: what either
//! publishes, both read back alike, and a project read from the registry runs.

use super::images::{Images, Registry};
use super::*;

/// The reference, told to speak plain HTTP to the local registry (its test switch), with a
/// cache folder of its own.
fn reference_in(bin: &str, dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("__TEST__INSECURE__REGISTRY__", "true")
        .env("XDG_CACHE_HOME", cache)
        .stdin(Stdio::null())
        .output()
        .expect("the reference runs")
}

/// rcompose without `-p` (the project is named as Compose names it), with a cache folder.
fn ours_in(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", cache)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("rcompose runs")
}

/// `config` output with the cache folder written as `CACHE`: each reader has its own.
fn uncached(out: &Output, cache: &Path) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    stdout(out).replace(&cache.to_string_lossy().into_owned(), "CACHE")
}

#[test]
fn a_published_project_reads_back_in_rcompose_and_the_reference_and_runs() {
    let registry = Registry::start(false);
    let reg = format!("127.0.0.1:{}", registry.port);
    let p = Project::new(
        "publish",
        "services:\n  web:\n    image: IMAGE  # the test image\n    command: [sleep, '300']\n    init: true\n    env_file: ./web.env\n  extra:\n    extends: {file: base/common.yaml, service: base}\n    profiles: [extra]\n",
    );
    p.write(
        "compose.override.yaml",
        "services:\n  web:\n    labels: {from: override}\n",
    );
    p.write("web.env", "GREETING=published\n");
    p.write(
        "base/common.yaml",
        "services:\n  base:\n    image: IMAGE\n    command: [sleep, '300']\n    env_file: base.env\n",
    );
    p.write("base/base.env", "BASE=1\n");
    let cache = p.dir.join("cache");
    let repo = format!("{reg}/rct/{}:1", p.name);

    // env files are not published unless asked: refused, and nothing reaches the registry
    let out = p.run(&["publish", &repo]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--with-env"), "{}", stderr(&out));
    let tags = registry.get(&format!("/v2/rct/{}/tags/list", p.name));
    assert!(!tags.contains("\"1\""), "{tags}");

    let out = p.run(&["publish", "--with-env", "-y", &repo]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Published"), "{}", stderr(&out));
    let manifest = registry.get(&format!("/v2/rct/{}/manifests/1", p.name));
    assert!(
        manifest.contains("\"artifactType\":\"application/vnd.docker.compose.project\""),
        "{manifest}"
    );
    // the publisher's folders are not in the artifact
    assert!(!manifest.contains(&*p.dir.to_string_lossy()), "{manifest}");

    // read back in an empty folder: the project is named after it, its files come from the
    // registry (env file and extended file included)
    let reader = p.dir.join("reader");
    std::fs::create_dir_all(&reader).unwrap();
    let source = format!("oci://{repo}");
    let ours = ours_in(
        &reader,
        &cache,
        &["-f", &source, "--profile", "extra", "config"],
    );
    let text = uncached(&ours, &cache);
    assert!(text.starts_with("name: reader\n"), "{text}");
    assert!(text.contains("GREETING: published"), "{text}");
    assert!(text.contains("BASE: \"1\""), "{text}");
    assert!(text.contains("from: override"), "{text}");

    // a project read from the registry runs
    let up = ours_in(&reader, &cache, &["-f", &source, "-p", &p.name, "up", "-d"]);
    assert!(up.status.success(), "{}", stderr(&up));
    let web = p.inspect(&format!("{}-web-1", p.name));
    let env = web.config.and_then(|c| c.env).unwrap_or_default();
    assert!(env.contains(&"GREETING=published".to_string()), "{env:?}");

    // an include from the registry
    p.write(
        "including/compose.yaml",
        &format!("include:\n  - {source}\nservices:\n  own:\n    image: IMAGE\n"),
    );
    let inc = ours_in(&p.dir.join("including"), &cache, &["config", "--services"]);
    assert!(inc.status.success(), "{}", stderr(&inc));
    assert_eq!(stdout(&inc), "own\nweb\n");

    let Some(bin) = super::interop::reference() else {
        return;
    };
    // the reference reads ours as we do
    let theirs_cache = p.dir.join("ref-cache");
    let theirs = reference_in(
        &bin,
        &reader,
        &theirs_cache,
        &["-f", &source, "--profile", "extra", "config"],
    );
    assert_eq!(uncached(&theirs, &theirs_cache), text);

    // and we read the reference's as it does (OCI 1.0 this time), no env in it
    let plain = Project::new(
        "publish-ref",
        "services:\n  app:\n    image: IMAGE\n    command: [sleep, '300']\n    volumes: [./data:/data]\n",
    );
    let repo = format!("{reg}/rct/{}:ref", plain.name);
    let published = reference_in(
        &bin,
        &plain.dir,
        &theirs_cache,
        &["publish", "-y", "--oci-version", "1.0", &repo],
    );
    assert!(published.status.success(), "{}", stderr(&published));
    let source = format!("oci://{repo}");
    let theirs = reference_in(&bin, &reader, &theirs_cache, &["-f", &source, "config"]);
    let ours = ours_in(&reader, &cache, &["-f", &source, "config"]);
    assert_eq!(uncached(&ours, &cache), uncached(&theirs, &theirs_cache));
}

#[test]
fn publish_refuses_what_compose_refuses_and_pins_digests_when_asked() {
    let registry = Registry::start(false);
    let reg = format!("127.0.0.1:{}", registry.port);
    let p = Project::new(
        "publish-checks",
        "include: [other.yaml]\nservices:\n  a:\n    image: IMAGE\n",
    );
    p.write("other.yaml", "services:\n  b:\n    image: IMAGE\n");
    let repo = format!("{reg}/rct/{}:1", p.name);
    let out = p.run(&["publish", "-y", &repo]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("local includes"), "{}", stderr(&out));

    p.write("compose.yaml", "services:\n  a:\n    build: .\n");
    let out = p.run(&["publish", "-y", &repo]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("only contains a build section"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("- \"a\""), "{}", stderr(&out));

    // a bind mount needs a yes: without a terminal to ask on, an error naming -y
    p.write(
        "compose.yaml",
        "services:\n  a:\n    image: IMAGE\n    volumes: [./d:/d]\n",
    );
    let out = p.run(&["publish", &repo]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bind mount"), "{}", stderr(&out));
    assert!(stderr(&out).contains("-y"), "{}", stderr(&out));
    let tags = registry.get(&format!("/v2/rct/{}/tags/list", p.name));
    assert!(!tags.contains("\"1\""), "nothing was pushed: {tags}");

    // --resolve-image-digests adds the pinned images as a last file
    let image = format!("{reg}/rct/pub-pin:{}", std::process::id());
    let _images = Images(vec![image.clone()]);
    assert!(
        Command::new("docker")
            .args(["tag", IMAGE, &image])
            .status()
            .unwrap()
            .success()
    );
    let pushed = Command::new("docker")
        .args(["push", "-q", &image])
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    p.write(
        "compose.yaml",
        &format!("services:\n  a:\n    image: {image}\n"),
    );
    let out = p.run(&["publish", "-y", "--resolve-image-digests", &repo]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cache = p.dir.join("cache");
    let read = ours_in(
        &p.dir,
        &cache,
        &["-f", &format!("oci://{repo}"), "config", "--images"],
    );
    assert!(read.status.success(), "{}", stderr(&read));
    assert!(
        stdout(&read).starts_with(&format!("{image}@sha256:")),
        "{}",
        stdout(&read)
    );
}
