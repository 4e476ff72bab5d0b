//! Watch mode on the real engine: files created, modified, deleted and renamed on the host show up
//! in the container (whose image has no `rm`); a folder of 1,000 files; ignore, include,
//! `.dockerignore` and editor files; sync+restart, sync+exec, restart, rebuild; initial sync and
//! the resync of a container restarted while files changed; links and `..` never lead out.

use super::images::Images;
use super::*;

/// A service image without `rm`: deletions must not need it.
const NO_RM: &str = "
    build:
      context: .
      dockerfile_inline: |
        FROM IMAGE
        RUN /bin/busybox rm /bin/rm
    command: [sleep, '3600']
    init: true
";

/// The test image, ./src synced to /app.
const SYNC_SRC: &str = "
services:
  web:
    image: IMAGE
    command: [sleep, '3600']
    init: true
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
";

/// Starts `rcompose ARGS` and waits until it watches.
fn watching(p: &Project, args: &[&str]) -> Live {
    let mut live = Live::start_with_stderr(p, args);
    live.expect(120, "watching", |l| l.starts_with("⦿ watching"));
    live
}

/// Whether `path` exists in the container (through the archive API).
fn exists(container: &str, path: &str) -> bool {
    block_on(docker().get_container_archive_info(
        container,
        Some(q::ContainerArchiveInfoOptions {
            path: path.to_string(),
        }),
    ))
    .is_ok()
}

fn wait_content(container: &str, path: &str, content: &str) {
    eventually(20, &format!("{path} to hold {content:?}"), || {
        (try_read_file(container, path).ok().as_deref() == Some(content)).then_some(())
    });
}

fn wait_gone(container: &str, path: &str) {
    eventually(20, &format!("{path} to be deleted"), || {
        (!exists(container, path)).then_some(())
    });
}

fn started_at(container: &str) -> String {
    inspect(container)
        .state
        .and_then(|s| s.started_at)
        .unwrap_or_default()
}

fn container_id(container: &str) -> String {
    inspect(container).id.unwrap_or_default()
}

/// Every entry under `path` in the container, as paths relative to its parent.
fn listing(container: &str, path: &str) -> Vec<String> {
    let bytes = download(container, path).unwrap_or_default();
    let mut archive = tar::Archive::new(&bytes[..]);
    let mut out: Vec<String> = archive
        .entries()
        .map(|es| {
            es.filter_map(|e| e.ok())
                .map(|e| e.path().unwrap().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn sync_creates_modifies_deletes_and_renames_without_rm_in_the_image() {
    let p = Project::new(
        "watch-sync",
        &format!(
            "
services:
  web:{NO_RM}
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
"
        ),
    );
    let _images = Images(vec![format!("{}-web", p.name)]);
    p.write("src/keep.txt", "keep\n");
    let mut live = watching(&p, &["watch"]);
    let c = format!("{}-web-1", p.name);
    let rm = p.run(&["exec", "-T", "web", "rm", "--help"]);
    assert!(!rm.status.success(), "the image must have no rm");

    p.write("src/a.txt", "one\n");
    wait_content(&c, "/app/a.txt", "one\n");
    live.expect(10, "the batch line", |l| {
        l.contains("synced 1 file into") && l.contains(&c) && l.contains(" ms")
    });
    p.write("src/a.txt", "two\n");
    wait_content(&c, "/app/a.txt", "two\n");

    p.write("src/dir/deep/b.txt", "b\n");
    wait_content(&c, "/app/dir/deep/b.txt", "b\n");
    std::fs::remove_file(p.dir.join("src/a.txt")).unwrap();
    wait_gone(&c, "/app/a.txt");
    std::fs::rename(p.dir.join("src/keep.txt"), p.dir.join("src/kept.txt")).unwrap();
    wait_content(&c, "/app/kept.txt", "keep\n");
    wait_gone(&c, "/app/keep.txt");
    std::fs::rename(p.dir.join("src/dir"), p.dir.join("src/moved")).unwrap();
    wait_content(&c, "/app/moved/deep/b.txt", "b\n");
    wait_gone(&c, "/app/dir");
    std::fs::remove_dir_all(p.dir.join("src/moved")).unwrap();
    wait_gone(&c, "/app/moved");
    // the deleter took itself out again
    let root = listing(&c, "/");
    assert!(
        !root.iter().any(|e| e.contains("rcompose-rmtree")),
        "helper left behind: {root:?}"
    );
}

#[test]
fn a_folder_of_a_thousand_files_arrives_in_one_batch() {
    let p = Project::new("watch-many", SYNC_SRC);
    std::fs::create_dir_all(p.dir.join("src")).unwrap();
    let mut live = watching(&p, &["watch"]);
    let c = format!("{}-web-1", p.name);
    // made outside, moved in at once: one rename event for the whole tree
    let staging = p.dir.join("staging");
    std::fs::create_dir_all(staging.join("sub")).unwrap();
    for i in 0..1000 {
        let at = if i % 2 == 0 { "" } else { "sub/" };
        std::fs::write(staging.join(format!("{at}f{i}.txt")), format!("{i}\n")).unwrap();
    }
    std::fs::rename(&staging, p.dir.join("src/many")).unwrap();
    live.expect(30, "one line for the thousand files", |l| {
        l.contains("synced 1000 files into")
    });
    let files = listing(&c, "/app/many");
    let n = files.iter().filter(|f| f.ends_with(".txt")).count();
    assert_eq!(n, 1000, "{files:?}");
    assert_eq!(read_file(&c, "/app/many/sub/f999.txt"), "999\n");
    // and deleted again in one go
    std::fs::remove_dir_all(p.dir.join("src/many")).unwrap();
    wait_gone(&c, "/app/many");
    // Ctrl-C ends the watch cleanly and leaves the service running
    let pid = live.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(live.exit_code(20), Some(0));
    assert!(inspect(&c).state.unwrap().running.unwrap());
}

#[test]
fn ignore_include_dockerignore_git_and_editor_files_stay_out() {
    let p = Project::new(
        "watch-ignore",
        "
services:
  web:
    build:
      context: .
      dockerfile_inline: |
        FROM IMAGE
    command: [sleep, '3600']
    init: true
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          ignore: ['*.log', 'cache/']
        - path: ./conf
          action: sync
          target: /conf
          include: ['*.conf']
",
    );
    let _images = Images(vec![format!("{}-web", p.name)]);
    p.write(".dockerignore", "src/secret.txt\n");
    std::fs::create_dir_all(p.dir.join("src")).unwrap();
    std::fs::create_dir_all(p.dir.join("conf")).unwrap();
    let _live = watching(&p, &["watch"]);
    let c = format!("{}-web-1", p.name);
    for f in [
        "src/debug.log",
        "src/cache/x.txt",
        "src/secret.txt",
        "src/.git/HEAD",
        "src/.page.swp",
        "src/page~",
        "src/#page#",
        "conf/notes.txt",
    ] {
        p.write(f, "no\n");
    }
    p.write("conf/app.conf", "yes\n");
    p.write("src/sub/debug.txt", "yes\n");
    p.write("src/last.txt", "yes\n");
    wait_content(&c, "/app/last.txt", "yes\n");
    wait_content(&c, "/conf/app.conf", "yes\n");
    assert_eq!(read_file(&c, "/app/sub/debug.txt"), "yes\n");
    for absent in [
        "/app/debug.log",
        "/app/cache",
        "/app/secret.txt",
        "/app/.git",
        "/app/.page.swp",
        "/app/page~",
        "/app/#page#",
        "/conf/notes.txt",
    ] {
        assert!(!exists(&c, absent), "{absent} should have been left out");
    }
}

#[test]
fn sync_restart_sync_exec_and_restart_with_up_detached_watch() {
    let p = Project::new(
        "watch-actions",
        "
services:
  web:
    image: IMAGE
    command: [sleep, '3600']
    init: true
    develop:
      watch:
        - path: ./conf
          action: sync+restart
          target: /conf
        - path: ./hooks
          action: sync+exec
          target: /hooks
          exec:
            command: [sh, -c, 'echo ran-as-$$(id -u) $$GREETING $$(cat /hooks/in.txt)']
            user: nobody
            environment:
              GREETING: hello
        - path: ./trigger
          action: restart
",
    );
    for d in ["conf", "hooks", "trigger"] {
        std::fs::create_dir_all(p.dir.join(d)).unwrap();
    }
    // `up -d --watch`: detached services, the watch in the foreground
    let mut live = watching(&p, &["up", "-d", "--watch"]);
    let c = format!("{}-web-1", p.name);
    assert!(inspect(&c).state.unwrap().running.unwrap());

    let before = started_at(&c);
    p.write("conf/app.conf", "v1\n");
    live.expect(30, "the restart", |l| l.contains(&format!("restarted {c}")));
    wait_content(&c, "/conf/app.conf", "v1\n");
    let after = started_at(&c);
    assert_ne!(before, after, "sync+restart restarts the container");

    // the hook runs as the rule's user, with its environment, after the files are in
    p.write("hooks/in.txt", "hooked\n");
    live.expect(30, "the hook's output", |l| {
        l.ends_with("| ran-as-65534 hello hooked")
    });
    live.expect(10, "the exec line", |l| l.contains("ran `sh -c"));

    let before = started_at(&c);
    p.write("trigger/now", "x");
    live.expect(30, "the second restart", |l| {
        l.contains(&format!("restarted {c}"))
    });
    eventually(20, "a new start time", || {
        (started_at(&c) != before).then_some(())
    });
    assert!(!exists(&c, "/trigger"), "restart does not sync");
}

#[test]
fn rebuild_recreates_that_service_only_and_restarts_dependents() {
    let p = Project::new(
        "watch-rebuild",
        "
services:
  app:
    build:
      context: ./app
      dockerfile_inline: |
        FROM IMAGE
        COPY version.txt /version.txt
    command: [sleep, '3600']
    init: true
    develop:
      watch:
        - path: ./app
          action: rebuild
  dependent:
    image: IMAGE
    command: [sleep, '3600']
    init: true
    depends_on:
      app:
        condition: service_started
        restart: true
  other:
    image: IMAGE
    command: [sleep, '3600']
    init: true
",
    );
    let _images = Images(vec![format!("{}-app", p.name)]);
    p.write("app/version.txt", "1\n");
    let mut live = watching(&p, &["watch"]);
    let app = format!("{}-app-1", p.name);
    let dependent = format!("{}-dependent-1", p.name);
    let other = format!("{}-other-1", p.name);
    assert_eq!(read_file(&app, "/version.txt"), "1\n");
    let (app_id, dep_id, other_id) = (
        container_id(&app),
        container_id(&dependent),
        container_id(&other),
    );
    let (dep_started, other_started) = (started_at(&dependent), started_at(&other));

    p.write("app/version.txt", "2\n");
    live.expect(120, "the rebuild line", |l| {
        l.contains("rebuilt app, recreated")
    });
    assert_eq!(read_file(&app, "/version.txt"), "2\n");
    assert_ne!(container_id(&app), app_id, "app is recreated");
    assert_eq!(container_id(&dependent), dep_id, "the dependent is kept");
    assert_ne!(
        started_at(&dependent),
        dep_started,
        "and restarted (restart: true)"
    );
    assert_eq!(container_id(&other), other_id);
    assert_eq!(started_at(&other), other_started, "other is left alone");
}

#[test]
fn initial_sync_and_resync_after_the_container_restarted_while_files_changed() {
    let p = Project::new(
        "watch-resync",
        &format!(
            "
services:
  web:{NO_RM}
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          initial_sync: true
"
        ),
    );
    let _images = Images(vec![format!("{}-web", p.name)]);
    p.write("src/same.txt", "same\n");
    p.write("src/changed.txt", "host\n");
    p.write("src/sub/new.txt", "new\n");
    // the container starts with an older copy of the files
    p.ok(&["up", "-d"]);
    let c = format!("{}-web-1", p.name);
    p.ok(&["exec", "-T", "web", "mkdir", "/app"]);
    p.ok(&["cp", "src/same.txt", "web:/app/same.txt"]);
    let old = p.dir.join("old.txt");
    std::fs::write(&old, "container\n").unwrap();
    p.ok(&["cp", old.to_str().unwrap(), "web:/app/changed.txt"]);

    let mut live = watching(&p, &["watch", "--no-up"]);
    wait_content(&c, "/app/changed.txt", "host\n");
    assert_eq!(read_file(&c, "/app/sub/new.txt"), "new\n");
    // only what differed was sent: the changed file and the new one
    live.expect(10, "the initial sync line", |l| {
        l.contains(&format!("resynced {c}: sent 2 files"))
    });

    // files change while the container is down
    block_on(docker().stop_container(
        &c,
        Some(q::StopContainerOptions {
            t: Some(0),
            ..Default::default()
        }),
    ))
    .unwrap();
    p.write("src/changed.txt", "while down\n");
    std::fs::remove_file(p.dir.join("src/same.txt")).unwrap();
    p.write("src/later.txt", "later\n");
    live.expect(30, "the not-running note", |l| l.contains("is not running"));
    block_on(docker().start_container(&c, None::<q::StartContainerOptions>)).unwrap();
    wait_content(&c, "/app/changed.txt", "while down\n");
    wait_content(&c, "/app/later.txt", "later\n");
    wait_gone(&c, "/app/same.txt");
    live.expect(10, "the resync line", |l| l.contains("deleted 1 path"));
}

#[test]
fn links_and_dot_dots_never_lead_out_of_the_target() {
    let p = Project::new("watch-escape", SYNC_SRC);
    std::fs::create_dir_all(p.dir.join("src")).unwrap();
    p.write("outside/secret.txt", "secret\n");
    let mut live = watching(&p, &["watch"]);
    let c = format!("{}-web-1", p.name);
    let src = p.dir.join("src");
    std::os::unix::fs::symlink("/etc", src.join("abs")).unwrap();
    std::os::unix::fs::symlink("../outside", src.join("up")).unwrap();
    std::os::unix::fs::symlink("../outside/secret.txt", src.join("up-file")).unwrap();
    p.write("src/inner/ok.txt", "ok\n");
    std::os::unix::fs::symlink("inner/ok.txt", src.join("fine")).unwrap();
    p.write("src/last.txt", "last\n");
    wait_content(&c, "/app/last.txt", "last\n");
    wait_content(&c, "/app/inner/ok.txt", "ok\n");
    // a link inside the folder is copied as a link
    let fine = block_on(docker().get_container_archive_info(
        &c,
        Some(q::ContainerArchiveInfoOptions {
            path: "/app/fine".into(),
        }),
    ))
    .unwrap();
    // the engine reports where the link resolves inside the container
    assert_eq!(fine.link_target, "/app/inner/ok.txt");
    for refused in ["/app/abs", "/app/up", "/app/up-file"] {
        assert!(!exists(&c, refused), "{refused} must not be synced");
    }
    for l in ["abs", "up", "up-file"] {
        live.expect(10, "a refusal", |line| {
            line.contains(&format!("src/{l}: not synced")) && line.contains("symbolic link")
        });
    }
    // a write through the link to a folder outside is not followed
    std::fs::write(p.dir.join("outside/through.txt"), "through\n").unwrap();
    p.write("src/last2.txt", "last\n");
    wait_content(&c, "/app/last2.txt", "last\n");
    assert!(!exists(&c, "/app/up/through.txt"));
    assert!(!exists(&c, "/through.txt"));
    assert!(!exists(&c, "/secret.txt"));
}

#[test]
fn rules_that_cannot_work_are_refused_with_their_location_before_anything_starts() {
    let p = Project::new(
        "watch-bad",
        "
services:
  web:
    image: IMAGE
    develop:
      watch:
        - path: ./src
          action: rebuild
        - path: ./src
          action: sync
        - path: ./src
          action: sync
          target: /app/../etc
  plain:
    image: IMAGE
",
    );
    let out = p.run(&["watch"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    for want in [
        "services.web.develop.watch[0].action",
        "`rebuild` needs a build section",
        "services.web.develop.watch[1]",
        "needs a `target`",
        "services.web.develop.watch[2].target",
        "without `..`",
        "compose.yaml:9:",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(p.containers().is_empty(), "nothing was created");
    let out = p.run(&["up", "--watch", "plain"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("service `plain` has no `develop.watch` section"),
        "{}",
        stderr(&out)
    );
    assert!(p.containers().is_empty(), "nothing was created");
}
