//! Attached `up`: prefixed logs, `--exit-code-from`, `--abort-on-container-failure`, and Ctrl-C
//! (graceful stop, exit code 130).

use std::io::{BufRead, BufReader};

use super::*;

#[test]
fn logs_are_prefixed_and_exit_code_from_returns_the_code() {
    let p = Project::new(
        "attach",
        "
services:
  job:
    image: IMAGE
    command: [sh, -c, 'echo hello from job; sleep 0.3; exit 3']
  web:
    image: IMAGE
    command: [sleep, '300']
    init: true
",
    );
    let out = p.run(&["up", "--exit-code-from", "job", "-t", "0"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("job-1  | hello from job\n"), "{text}");
    assert!(text.contains("job-1 exited with code 3\n"), "{text}");
    // the other containers were stopped
    let web = &p.containers()[&format!("{}-web-1", p.name)];
    assert_eq!(state(web), "exited");
}

#[test]
fn abort_on_container_failure_stops_everything() {
    let p = Project::new(
        "abort",
        "
services:
  bad:
    image: IMAGE
    command: [sh, -c, 'sleep 0.3; exit 2']
  web:
    image: IMAGE
    command: [sleep, '300']
    init: true
",
    );
    let out = p.run(&["up", "--abort-on-container-failure", "-t", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Aborting on container exit"),
        "{}",
        stderr(&out)
    );
    assert!(p.containers().values().all(|c| state(c) == "exited"));
}

#[test]
fn ctrl_c_stops_gracefully_with_exit_code_130() {
    let p = Project::new(
        "ctrlc",
        "services:\n  web:\n    image: IMAGE\n    command: [sh, -c, 'echo ready; exec sleep 300']\n    init: true\n",
    );
    let status = interrupted_once_ready(&p, &["up"]);
    assert_eq!(status.code(), Some(130));
    let web = &p.containers()[&format!("{}-web-1", p.name)];
    assert_eq!(state(web), "exited");
}

#[test]
fn attach_selection_and_timestamps() {
    let p = Project::new(
        "attachsel",
        "
services:
  job:
    image: IMAGE
    command: [sh, -c, 'sleep 0.3; echo from job']
  chatty:
    image: IMAGE
    command: [sh, -c, 'echo from chatty; sleep 300']
    init: true
",
    );
    let out = p.run(&[
        "up",
        "--no-attach",
        "chatty",
        "--timestamps",
        "--exit-code-from",
        "job",
        "-t",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("from chatty"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("from job"))
        .expect("the job's line");
    // job-1  | 2026-11-25T14:11:01.123456789Z from job
    let stamp = line.split("| ").nth(1).unwrap().split(' ').next().unwrap();
    assert!(
        stamp.len() > 20 && stamp.ends_with('Z') && stamp.contains('T'),
        "{line}"
    );
}

#[test]
fn a_second_ctrl_c_kills() {
    // PID 1 without init ignores SIGTERM: a graceful stop would wait the whole grace period
    let p = Project::new(
        "ctrlc2",
        "services:\n  stubborn:\n    image: IMAGE\n    command: [sh, -c, 'echo ready; exec sleep 300']\n    stop_grace_period: 60s\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &p.name, "--progress", "plain", "up"])
        .current_dir(&p.dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rcompose runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().ends_with("| ready"));
    let pid = child.id().to_string();
    let interrupt = || {
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs")
    };
    interrupt();
    // the second Ctrl-C once the graceful stop is under way
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    let stopping = format!("Container {}-stubborn-1  Stopping", p.name);
    assert!(
        err.any(|l| l.is_ok_and(|l| l.contains(&stopping))),
        "no graceful stop started"
    );
    let t = std::time::Instant::now();
    interrupt();
    let status = child.wait().expect("rcompose ends");
    assert_eq!(status.code(), Some(130));
    assert!(
        t.elapsed().as_secs() < 30,
        "the kill did not cut the 60s grace period"
    );
    let c = &p.containers()[&format!("{}-stubborn-1", p.name)];
    assert_eq!(state(c), "exited");
}

#[test]
fn ctrl_c_while_up_still_creates_and_starts_stops_what_it_started() {
    // `late` waits for `gate` to be healthy: `up` is still converging when the signal comes
    let mut yaml = String::from(
        "services:\n  gate:\n    image: IMAGE\n    init: true\n    command: [sh, -c, 'sleep 30; touch /tmp/ok; exec sleep 300']\n    healthcheck: {test: [CMD, test, -f, /tmp/ok], interval: 500ms, retries: 100}\n  late:\n    image: IMAGE\n    init: true\n    command: [sleep, '300']\n    depends_on: {gate: {condition: service_healthy}}\n",
    );
    for i in 0..6 {
        yaml.push_str(&format!(
            "  s{i}:\n    image: IMAGE\n    init: true\n    command: [sleep, '300']\n"
        ));
    }
    let p = Project::new("ctrlcstart", &yaml);
    let mut child = command(&p, &["up", "--progress", "plain"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rcompose runs");
    let gate = format!("{}-gate-1", p.name);
    eventually(60, "gate running and up waiting on it", || {
        p.containers()
            .get(&gate)
            .is_some_and(|c| state(c) == "running")
            .then_some(())
    });
    interrupt(&child);
    let status = child.wait().expect("rcompose ends");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(err.contains("Gracefully stopping"), "{err}");
    let containers = p.containers();
    assert!(
        containers.values().all(|c| state(c) != "running"),
        "what it started is stopped: {:?}",
        containers
            .values()
            .map(|c| (c.names.clone(), state(c)))
            .collect::<Vec<_>>()
    );
    // the next `up` converges from there
    p.ok(&["up", "-d", "s0", "s1"]);
    let after = p.containers();
    assert_eq!(state(&after[&format!("{}-s0-1", p.name)]), "running");
}

#[test]
fn ctrl_c_in_up_of_one_service_stops_that_service_and_not_its_dependencies() {
    let p = Project::new(
        "ctrlcnamed",
        "services:\n  worker:\n    image: IMAGE\n    command: [sh, -c, 'echo ready; exec sleep 300']\n    init: true\n    depends_on: [db]\n  db:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n",
    );
    let status = interrupted_once_ready(&p, &["up", "worker"]);
    assert_eq!(status.code(), Some(130));
    let containers = p.containers();
    // as the reference does: what the command attached to stops, the dependency runs on
    assert_eq!(
        state(&containers[&format!("{}-worker-1", p.name)]),
        "exited"
    );
    assert_eq!(state(&containers[&format!("{}-db-1", p.name)]), "running");
}

/// Runs an attached rcompose until its first log line, `... | ready` (the container runs and
/// is attached), then interrupts it; how it ended.
fn interrupted_once_ready(p: &Project, args: &[&str]) -> std::process::ExitStatus {
    let mut child = command(p, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("rcompose runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a log line").expect("readable");
    assert!(first.ends_with("| ready"), "{first}");
    interrupt(&child);
    child.wait().expect("rcompose ends")
}

/// Ctrl-C, as a terminal sends it.
fn interrupt(child: &std::process::Child) {
    signal(child.id(), "INT");
}
