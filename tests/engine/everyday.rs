//! The everyday commands on the real engine: logs (merge, tail, index, following restarts),
//! exec (exit codes, env, workdir, user, stdin, detach, a TTY through a pseudo-terminal with a
//! window change), run (one-offs, dependencies, --rm, flags), cp both ways, top, port, events,
//! attach, stats, version, and their errors.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc;

use super::*;

const SERVICES: &str = "
services:
  web:
    image: IMAGE
    command: [sh, -c, 'echo web up; exec sleep 300']
    init: true
    ports: ['127.0.0.1::80']
    deploy: {replicas: 2}
  db:
    image: IMAGE
    command: [sh, -c, 'echo db up; echo db warning >&2; exec sleep 300']
    init: true
";

#[test]
fn logs_merge_by_time_tail_index_and_prefix() {
    let p = Project::new("logs", SERVICES);
    p.ok(&["up", "-d", "--wait"]);
    let out = p.ok(&["logs", "-t"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        out.contains("db-1  | ") && out.contains("web-2  | "),
        "{out}"
    );
    assert!(out.contains("db warning"), "stderr too: {out}");
    // merged in time order: the timestamps after the prefix never go back
    let times: Vec<String> = lines
        .iter()
        .map(|l| {
            let stamp = l.split("| ").nth(1).unwrap().split(' ').next().unwrap();
            time_key(stamp)
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{out}");
    let only = p.ok(&["logs", "--no-log-prefix", "--index", "2", "web"]);
    assert_eq!(only, "web up\n");
    // the last line by the engine's clock (stdout and stderr race at the same instant)
    let tail = p.ok(&["logs", "-n", "1", "db"]);
    assert_eq!(tail.lines().count(), 1, "{tail}");
    assert!(tail.starts_with("db-1  | db "), "{tail}");
    let out = p.run(&["logs", "--index", "5", "web"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no container with index 5"),
        "{}",
        stderr(&out)
    );
    let out = p.run(&["logs", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no such service: nope"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn logs_follow_picks_up_a_restart_and_ends_when_all_stop() {
    let p = Project::new(
        "logsf",
        "services:\n  app:\n    image: IMAGE\n    command: [sh, -c, 'echo started; exec sleep 300']\n    init: true\n",
    );
    p.ok(&["up", "-d"]);
    let mut live = Live::start(&p, &["logs", "-f", "--no-log-prefix"]);
    live.expect(20, "started", |l| l == "started");
    p.ok(&["restart", "-t", "0", "app"]);
    eventually(30, "the second start in the followed logs", || {
        while let Ok(l) = live.lines.try_recv() {
            live.seen.push(l);
        }
        (live.seen.iter().filter(|l| *l == "started").count() == 2).then_some(())
    });
    p.ok(&["stop", "-t", "0"]);
    assert_eq!(live.exit_code(30), Some(0));
    // each stop ends with Compose's line for it (the restart's, then this one's)
    eventually(10, "the second exit line", || {
        while let Ok(l) = live.lines.try_recv() {
            live.seen.push(l);
        }
        let exits = live
            .seen
            .iter()
            .filter(|l| l.starts_with("app-1 exited with code "));
        (exits.count() == 2).then_some(())
    });
    assert_eq!(
        live.seen.iter().filter(|l| *l == "started").count(),
        2,
        "no line twice: {:?}",
        live.seen
    );
}

#[test]
fn exec_passes_exit_codes_env_workdir_user_and_stdin() {
    let p = Project::new("exec", SERVICES);
    p.ok(&["up", "-d", "--wait"]);
    let out = p.run(&["exec", "-T", "db", "sh", "-c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7));
    let out = p.ok(&[
        "exec",
        "-T",
        "-e",
        "GREETING=hi",
        "-w",
        "/tmp",
        "-u",
        "65534",
        "db",
        "sh",
        "-c",
        "echo $GREETING $(pwd) $(id -u)",
    ]);
    assert_eq!(out, "hi /tmp 65534\n");
    let mut child = command(&p, &["exec", "-T", "db", "sh", "-c", "tr a-z A-Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"piped in\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "PIPED IN\n");
    // --index picks the replica; -d returns at once
    let host2 = p.ok(&["exec", "-T", "--index", "2", "web", "hostname"]);
    let id2 = &p.inspect(&format!("{}-web-2", p.name)).id.unwrap()[..12];
    assert_eq!(host2.trim(), id2);
    p.ok(&["exec", "-d", "db", "sh", "-c", "echo detached > /tmp/d"]);
    assert_eq!(
        eventually(10, "the detached command's file", || {
            try_read_file(&format!("{}-db-1", p.name), "/tmp/d").ok()
        }),
        "detached\n"
    );
    // errors: unknown service, stopped container, index out of range
    let out = p.run(&["exec", "-T", "nope", "true"]);
    assert!(
        stderr(&out).contains("no such service: nope"),
        "{}",
        stderr(&out)
    );
    let out = p.run(&["exec", "-T", "--index", "3", "web", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no running container with index 3"),
        "{}",
        stderr(&out)
    );
    p.ok(&["stop", "-t", "0", "db"]);
    let out = p.run(&["exec", "-T", "db", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("service db is not running"),
        "{}",
        stderr(&out)
    );
}

/// Runs rcompose on a new pseudo-terminal of `cols`×`rows`; returns the master side and the
/// child (the terminal is its controlling one).
pub fn on_pty(
    p: &Project,
    args: &[&str],
    cols: u16,
    rows: u16,
) -> (std::fs::File, std::process::Child) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills two descriptors we then own
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty");
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let fd = slave.as_raw_fd();
    let mut cmd = command(p, args);
    cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls between fork and exec
    unsafe {
        cmd.pre_exec(move || {
            if libc::setsid() < 0 || libc::ioctl(fd, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("rcompose starts on the pty");
    (std::fs::File::from(master), child)
}

/// What the program on the pseudo-terminal writes, chunk by chunk, read by a thread until it
/// ends.
pub fn pty_output(master: &std::fs::File) -> mpsc::Receiver<Vec<u8>> {
    let mut reader = master.try_clone().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

fn set_size(master: &std::fs::File, cols: u16, rows: u16) {
    use std::os::fd::AsRawFd;
    let size = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ on our pty master; the kernel signals SIGWINCH to its foreground group
    assert_eq!(
        unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size) },
        0
    );
}

#[test]
fn exec_with_a_tty_forwards_size_changes_and_the_exit_code() {
    let p = Project::new("exectty", SERVICES);
    p.ok(&["up", "-d", "--wait", "db"]);
    // the first size lands just after the process starts (as with `docker exec -it`): each
    // line read prints the size the process sees now
    let script = "tty >/dev/null && echo is-a-tty; while read l; do s=$(stty size 2>/dev/null); echo now:$s; [ \"$s\" = '40 120' ] && exit 3; done";
    let (master, mut child) = on_pty(&p, &["exec", "db", "sh", "-c", script], 100, 30);
    let rx = pty_output(&master);
    let mut seen = String::new();
    let drain = |seen: &mut String, wait: std::time::Duration| {
        if let Ok(b) = rx.recv_timeout(wait) {
            seen.push_str(&String::from_utf8_lossy(&b));
        }
    };
    let mut w = master.try_clone().unwrap();
    eventually(30, "the first size", || {
        w.write_all(b"x\r").unwrap();
        drain(&mut seen, std::time::Duration::from_millis(300));
        seen.contains("now:30 100").then_some(())
    });
    assert!(seen.contains("is-a-tty"), "{seen}");
    set_size(&master, 120, 40);
    // the change travels SIGWINCH → rcompose → the engine: ask until the process sees it
    eventually(30, "the new size inside the container", || {
        w.write_all(b"x\r").unwrap();
        drain(&mut seen, std::time::Duration::from_millis(300));
        seen.contains("now:40 120").then_some(())
    });
    let status = eventually(20, "exec to exit", || child.try_wait().unwrap());
    assert_eq!(status.code(), Some(3), "{seen}");
}

#[test]
fn run_makes_one_offs_with_dependencies_and_flags() {
    let p = Project::new(
        "run",
        "
services:
  app:
    image: IMAGE
    command: [echo, from-service]
    depends_on: [dep]
    ports: ['127.0.0.1::80']
    environment: {FROM_FILE: service}
  dep:
    image: IMAGE
    command: [sleep, '300']
    init: true
",
    );
    p.write("data/in.txt", "mounted\n");
    p.write("vars.env", "FROM_ENV_FILE=yes\n");
    // attached: the service's command by default, its exit code passed through, --rm removes
    assert_eq!(p.ok(&["run", "--rm", "app"]), "from-service\n");
    assert!(
        p.containers().keys().all(|n| !n.contains("-app-run-")),
        "--rm removed the one-off"
    );
    assert!(
        state(&p.containers()[&format!("{}-dep-1", p.name)]) == "running",
        "the dependency was started"
    );
    let out = p.run(&["run", "--rm", "app", "sh", "-c", "exit 4"]);
    assert_eq!(out.status.code(), Some(4));
    let out = p.ok(&[
        "run",
        "--rm",
        "-e",
        "X=1",
        "--env-from-file",
        "vars.env",
        "-w",
        "/data",
        "-v",
        "./data:/data",
        "--entrypoint",
        "sh -c",
        "app",
        "echo $X $FROM_ENV_FILE $(cat in.txt)",
    ]);
    assert_eq!(out, "1 yes mounted\n");
    // detached: prints the ID; labels and name as Compose's
    let id = p.ok(&[
        "run",
        "-d",
        "-l",
        "extra=1",
        "--name",
        &format!("{}-named", p.name),
        "app",
        "sleep",
        "300",
    ]);
    let c = p.inspect(id.trim());
    assert_eq!(c.name.unwrap(), format!("/{}-named", p.name));
    let labels = c.config.unwrap().labels.unwrap();
    assert_eq!(labels["com.docker.compose.oneoff"], "True");
    assert_eq!(labels["com.docker.compose.service"], "app");
    assert_eq!(labels["extra"], "1");
    assert_eq!(labels["com.docker.compose.slug"].len(), 64);
    assert!(!labels.contains_key("com.docker.compose.container-number"));
    // no published ports without -P
    assert!(
        c.host_config
            .unwrap()
            .port_bindings
            .unwrap_or_default()
            .is_empty()
    );
    let id = p.ok(&["run", "-d", "--no-deps", "-P", "app", "sleep", "300"]);
    let name = p.inspect(id.trim()).name.unwrap();
    assert!(name.starts_with(&format!("/{}-app-run-", p.name)), "{name}");
    let bindings = p
        .inspect(id.trim())
        .host_config
        .unwrap()
        .port_bindings
        .unwrap();
    assert!(
        bindings.contains_key("80/tcp"),
        "-P publishes the service's ports"
    );
    // down leaves one-offs, --remove-orphans takes them
    p.ok(&["down", "-t", "0"]);
    assert_eq!(p.containers().len(), 2, "{:?}", p.containers().keys());
    p.ok(&["down", "-t", "0", "--remove-orphans"]);
    assert!(p.containers().is_empty());
    let out = p.run(&["run", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no such service: nope"));
}

#[test]
fn cp_copies_both_ways_and_names_what_is_missing() {
    let p = Project::new("cp", SERVICES);
    p.ok(&["up", "-d", "--wait"]);
    p.write("local/a.txt", "alpha\n");
    p.write("local/sub/b.txt", "beta\n");
    // a folder in: every replica gets it, under its own name
    p.ok(&["cp", "local", "web:/tmp/"]);
    for n in [1, 2] {
        assert_eq!(
            read_file(&format!("{}-web-{n}", p.name), "/tmp/local/sub/b.txt"),
            "beta\n"
        );
    }
    // a file onto a new name, into one replica
    p.ok(&["cp", "--index", "2", "local/a.txt", "web:/tmp/renamed.txt"]);
    assert_eq!(
        read_file(&format!("{}-web-2", p.name), "/tmp/renamed.txt"),
        "alpha\n"
    );
    assert!(try_read_file(&format!("{}-web-1", p.name), "/tmp/renamed.txt").is_err());
    // out: a folder to a new local name, a file into a folder, a tar on stdout
    p.ok(&["cp", "web:/tmp/local", "back"]);
    assert_eq!(
        std::fs::read_to_string(p.dir.join("back/sub/b.txt")).unwrap(),
        "beta\n"
    );
    std::fs::create_dir_all(p.dir.join("into")).unwrap();
    p.ok(&["cp", "--index", "2", "web:/tmp/renamed.txt", "into"]);
    assert_eq!(
        std::fs::read_to_string(p.dir.join("into/renamed.txt")).unwrap(),
        "alpha\n"
    );
    let out = command(&p, &["cp", "web:/tmp/local/a.txt", "-"])
        .output()
        .unwrap();
    let mut archive = tar::Archive::new(&out.stdout[..]);
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["a.txt"]);
    // errors
    let out = p.run(&["cp", "web:/no/such", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no such file or folder in container")
            && stderr(&out).contains("/no/such"),
        "{}",
        stderr(&out)
    );
    let out = p.run(&["cp", "missing.txt", "web:/tmp/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no such local file or folder: missing.txt"));
    let out = p.run(&["cp", "local/a.txt", "web:/no/such/dir/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no such folder in container"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn top_port_stats_events_attach_and_version() {
    let p = Project::new(
        "misc",
        "
services:
  web:
    image: IMAGE
    command: [sh, -c, 'while true; do echo tick; sleep 1; done']
    init: true
    ports: ['127.0.0.1::80', '127.0.0.1::53/udp']
",
    );
    p.ok(&["up", "-d", "--wait"]);
    let name = format!("{}-web-1", p.name);
    // top: the container's processes under its service and number
    let top = p.ok(&["top"]);
    assert!(top.starts_with("SERVICE  #   UID"), "{top}");
    assert!(
        top.lines()
            .any(|l| l.starts_with("web      1") && l.contains("while true")),
        "{top}"
    );
    // port: what the engine published
    let ports = p.inspect(&name).network_settings.unwrap().ports.unwrap();
    let published = ports["80/tcp"].as_ref().unwrap()[0]
        .host_port
        .clone()
        .unwrap();
    assert_eq!(
        p.ok(&["port", "web", "80"]),
        format!("127.0.0.1:{published}\n")
    );
    let udp = ports["53/udp"].as_ref().unwrap()[0]
        .host_port
        .clone()
        .unwrap();
    assert_eq!(
        p.ok(&["port", "--protocol", "udp", "web", "53"]),
        format!("127.0.0.1:{udp}\n")
    );
    let out = p.run(&["port", "web", "81"]);
    assert_eq!(out.status.code(), Some(1));
    // stats: one reading as JSON
    let stats = p.ok(&["stats", "--no-stream", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(stats.trim()).unwrap();
    assert_eq!(v["Name"], name);
    assert!(
        v["PIDs"].as_str().unwrap().parse::<u32>().unwrap() >= 2,
        "{v}"
    );
    // events: a restart seen as JSON objects of the service
    let events = Live::start(&p, &["events", "--json"]);
    // the subscription is made before the first event can be missed: retry the restart until seen
    let restart = eventually(30, "a restart event", || {
        p.ok(&["restart", "-t", "0"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        while let Ok(l) = events
            .lines
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            if v["action"] == "restart" {
                return Some(v);
            }
        }
        None
    });
    assert_eq!(restart["service"], "web");
    assert_eq!(restart["type"], "container");
    assert_eq!(restart["attributes"]["name"], name);
    drop(events);
    // attach: the container's output, until it stops; its exit code
    let mut attached = Live::start(&p, &["attach", "--no-stdin", "web"]);
    attached.expect(20, "tick", |l| l == "tick");
    p.ok(&["kill", "-s", "SIGKILL"]);
    assert_eq!(attached.exit_code(30), Some(137));
    // version
    assert_eq!(
        p.ok(&["version", "--short"]).trim(),
        env!("CARGO_PKG_VERSION")
    );
    let v: serde_json::Value = serde_json::from_str(&p.ok(&["version", "-f", "json"])).unwrap();
    assert_eq!(v["version"], format!("v{}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn logs_since_until_and_cp_owners_and_links() {
    let p = Project::new(
        "logs2",
        "services:\n  web:\n    image: IMAGE\n    command: [sh, -c, 'echo one; echo two; exec sleep 300']\n    init: true\n",
    );
    p.ok(&["up", "-d", "--wait"]);
    eventually(20, "both lines logged", || {
        (p.ok(&["logs", "--no-log-prefix"]) == "one\ntwo\n").then_some(())
    });
    assert_eq!(
        p.ok(&["logs", "--no-log-prefix", "--since", "1h"]),
        "one\ntwo\n"
    );
    assert_eq!(p.ok(&["logs", "--since", "2999-01-01T00:00:00Z"]), "");
    assert_eq!(p.ok(&["logs", "--until", "2000-01-01"]), "");
    let out = p.run(&["logs", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("invalid time \"yesterday\""),
        "{}",
        stderr(&out)
    );

    // owners as `docker cp` leaves them: copies out belong to us, copies in keep the tar's
    // owners (`-a` asks the engine to map them, which changes nothing without user namespaces)
    p.ok(&[
        "exec",
        "-T",
        "web",
        "sh",
        "-c",
        "echo x > /tmp/owned && chown 1234:1234 /tmp/owned && ln -s /tmp/owned /tmp/link",
    ]);
    p.ok(&["cp", "-a", "web:/tmp/owned", "kept"]);
    p.ok(&["cp", "web:/tmp/owned", "plain"]);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(p.dir.join("kept")).unwrap().uid(), 0);
    assert_eq!(std::fs::metadata(p.dir.join("plain")).unwrap().uid(), 0);
    p.write("local.txt", "l\n");
    std::os::unix::fs::chown(p.dir.join("local.txt"), Some(4321), Some(4321)).unwrap();
    p.ok(&["cp", "-a", "local.txt", "web:/tmp/a.txt"]);
    p.ok(&["cp", "local.txt", "web:/tmp/b.txt"]);
    let owners = p.ok(&[
        "exec",
        "-T",
        "web",
        "stat",
        "-c",
        "%u",
        "/tmp/a.txt",
        "/tmp/b.txt",
    ]);
    assert_eq!(owners, "4321\n4321\n");
    // links: copied as links, or followed with -L under the link's name
    p.ok(&["cp", "web:/tmp/link", "as-link"]);
    assert!(
        std::fs::symlink_metadata(p.dir.join("as-link"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    p.ok(&["cp", "-L", "web:/tmp/link", "followed"]);
    let meta = std::fs::symlink_metadata(p.dir.join("followed")).unwrap();
    assert!(meta.is_file());
    assert_eq!(
        std::fs::read_to_string(p.dir.join("followed")).unwrap(),
        "x\n"
    );
}

#[test]
fn attach_passes_signals_and_run_changes_capabilities() {
    let p = Project::new(
        "sig",
        "
services:
  web:
    image: IMAGE
    command: [sh, -c, 'trap \"echo got-term; exit 5\" TERM; while true; do echo tick; sleep 1; done']
    init: true
",
    );
    p.ok(&["up", "-d", "--wait"]);
    let mut attached = Live::start(&p, &["attach", "--no-stdin", "web"]);
    attached.expect(20, "tick", |l| l == "tick");
    // SIGTERM to rcompose reaches the container (--sig-proxy is on by default)
    // SAFETY: a signal to our own child
    assert_eq!(
        unsafe { libc::kill(attached.child.id() as i32, libc::SIGTERM) },
        0
    );
    attached.expect(20, "got-term", |l| l == "got-term");
    assert_eq!(attached.exit_code(30), Some(5));

    let id = p.ok(&[
        "run",
        "-d",
        "--cap-drop",
        "NET_RAW,CHOWN",
        "web",
        "sleep",
        "300",
    ]);
    let host = p.inspect(id.trim()).host_config.unwrap();
    let dropped = host.cap_drop.unwrap_or_default();
    assert!(
        dropped.contains(&"NET_RAW".to_string()) && dropped.contains(&"CHOWN".to_string()),
        "{dropped:?}"
    );
    let out = p.run(&["exec", "-T", "--index", "1", "web", "true"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the service container stopped; the one-off is not exec's"
    );
}

#[test]
fn run_publishes_aliases_and_builds_and_events_and_stats_stream() {
    let p = Project::new(
        "run2",
        "
services:
  app:
    build: ./app
    command: [sleep, '300']
    init: true
    networks:
      default:
        aliases: [app-alias]
",
    );
    let _images = super::images::Images(vec![format!("{}-app", p.name)]);
    p.write("app/Dockerfile", "FROM IMAGE\nRUN echo v1 > /v\n");
    // --build makes the image; -p publishes; --use-aliases keeps the service's aliases
    let id = p.ok(&[
        "run",
        "-d",
        "--build",
        "-p",
        "127.0.0.1::8080",
        "--use-aliases",
        "app",
        "sleep",
        "300",
    ]);
    let c = p.inspect(id.trim());
    assert_eq!(read_file(id.trim(), "/v"), "v1\n");
    let bindings = c.host_config.unwrap().port_bindings.unwrap();
    assert_eq!(
        bindings["8080/tcp"].as_ref().unwrap()[0].host_ip.as_deref(),
        Some("127.0.0.1")
    );
    let nets = c.network_settings.unwrap().networks.unwrap();
    let aliases = nets[&format!("{}_default", p.name)]
        .aliases
        .clone()
        .unwrap_or_default();
    assert!(aliases.contains(&"app-alias".to_string()), "{aliases:?}");
    let id2 = p.ok(&["run", "-d", "app", "sleep", "300"]);
    let nets = p
        .inspect(id2.trim())
        .network_settings
        .unwrap()
        .networks
        .unwrap();
    let aliases = nets[&format!("{}_default", p.name)]
        .aliases
        .clone()
        .unwrap_or_default();
    assert!(
        !aliases.contains(&"app-alias".to_string()),
        "no aliases without --use-aliases: {aliases:?}"
    );

    // events of the past: --since/--until replay and end (at `until`, a second from now)
    let until = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    let out = p.ok(&[
        "events",
        "--json",
        "--since",
        "10m",
        "--until",
        &until.to_string(),
    ]);
    let actions: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        actions.iter().filter(|a| *a == "start").count() >= 2,
        "{actions:?}"
    );

    // stats stream: a reading every second for each running container
    let mut stats = Live::start(&p, &["stats", "--format", "json"]);
    let first = stats.expect(20, "a reading", |l| l.contains("\"Name\""));
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert!(v["Name"].as_str().unwrap().contains("-app-run-"), "{v}");
    let n = stats.seen.len();
    eventually(20, "another round of readings", || {
        while let Ok(l) = stats.lines.try_recv() {
            stats.seen.push(l);
        }
        (stats.seen.len() >= n + 2).then_some(())
    });
    drop(stats);
    p.ok(&["down", "-t", "0", "--remove-orphans"]);
    assert!(p.containers().is_empty());
}

#[test]
fn attach_detaches_on_its_keys_and_leaves_the_container_running() {
    let p = Project::new(
        "detach",
        "
services:
  web:
    image: IMAGE
    command: [sh, -c, 'while true; do echo tick; sleep 1; done']
    stdin_open: true
    init: true
",
    );
    p.ok(&["up", "-d", "--wait"]);
    let mut child = command(&p, &["attach", "--detach-keys", "ctrl-x", "web"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "tick\n");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x18").unwrap();
    stdin.flush().unwrap();
    let status = eventually(20, "attach to detach", || child.try_wait().unwrap());
    assert_eq!(status.code(), Some(0));
    drop(stdin);
    assert_eq!(
        state(&p.containers()[&format!("{}-web-1", p.name)]),
        "running"
    );
}

#[test]
fn cp_all_reaches_one_off_containers() {
    let p = Project::new(
        "cpall",
        "services:\n  web:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n",
    );
    let id = p.ok(&["run", "-d", "web"]);
    p.write("f.txt", "to the one-off\n");
    let out = p.run(&["cp", "f.txt", "web:/tmp/"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("service web has no container"),
        "{}",
        stderr(&out)
    );
    p.ok(&["cp", "--all", "f.txt", "web:/tmp/"]);
    assert_eq!(read_file(id.trim(), "/tmp/f.txt"), "to the one-off\n");
}

/// An RFC 3339 UTC time as the engine prints it (`2026-11-30T21:00:00.12Z`, the fraction's
/// trailing zeros dropped) as text that sorts in time order.
fn time_key(stamp: &str) -> String {
    assert!(stamp.ends_with('Z'), "a UTC time: {stamp}");
    let stamp = stamp.trim_end_matches('Z');
    let (secs, fraction) = stamp.split_once('.').unwrap_or((stamp, ""));
    format!("{secs}.{fraction:0<9}")
}
