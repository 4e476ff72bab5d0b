//! Signals to rcompose at odd moments, on the real engine: an interrupted `down` exits 130 with
//! no further step started and the next `down` finishes; `run` passes the signals it gets to its
//! container (whose exit code it returns, `--rm` still removing it); `watch` ends on SIGTERM
//! leaving the services running; and rcompose killed outright (SIGKILL) while `up -d` creates,
//! starts or recreates leaves a project that the next `up -d` converges.

use super::*;

/// Every container of the project running, one per service `s0`..`s{n-1}`, and one network.
fn converged(p: &Project, n: usize) {
    let containers = p.containers();
    let mut names: Vec<_> = containers.keys().cloned().collect();
    names.sort();
    let mut want: Vec<_> = (0..n).map(|i| format!("{}-s{i}-1", p.name)).collect();
    want.sort();
    assert_eq!(names, want, "one container per service");
    for (name, c) in &containers {
        assert_eq!(state(c), "running", "{name}");
    }
    assert_eq!(p.networks(), [format!("{}_default", p.name)]);
}

#[test]
fn an_interrupted_down_exits_130_and_the_next_down_finishes() {
    // stopping takes the grace period (the shell ignores SIGTERM): the signal comes while the
    // stops are under way, and the removals after them must not start
    let mut yaml = String::from("services:\n");
    for i in 0..3 {
        yaml.push_str(&format!(
            "  s{i}:\n    image: IMAGE\n    command: [sh, -c, 'trap \"\" TERM; echo up; while true; do sleep 0.2; done']\n    stop_grace_period: 3s\n"
        ));
    }
    let p = Project::new("sigdown", &yaml);
    p.ok(&["up", "-d"]);
    let mut down = Live::start_with_stderr(&p, &["down", "--progress", "plain"]);
    down.expect(30, "a container stopping", |l| l.contains("Stopping"));
    signal(down.child.id(), "INT");
    assert_eq!(down.exit_code(60), Some(130), "{:?}", down.seen);
    down.expect(5, "the graceful stop", |l| {
        l.contains("Gracefully stopping")
    });
    // the stops under way finished; nothing was removed after the signal
    assert!(
        p.networks().len() == 1,
        "the network stays: no step started after the signal"
    );
    // the next `down` takes everything away
    p.ok(&["down", "-t", "1"]);
    assert_eq!(leftovers(&p.name), Vec::<String>::new());
}

#[test]
fn run_passes_signals_to_its_container() {
    let p = Project::new(
        "sigrun",
        "services:\n  s:\n    image: IMAGE\n    command: [sleep, '300']\n",
    );
    // the container answers SIGINT with 8 and SIGTERM with 7: the code says which arrived
    let script = "trap 'echo got INT; exit 8' INT; trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 0.1; done";
    for (sig, code) in [("INT", 8), ("TERM", 7)] {
        let mut run = Live::start(&p, &["run", "--rm", "-T", "s", "sh", "-c", script]);
        run.expect(60, "the container running", |l| l == "ready");
        signal(run.child.id(), sig);
        assert_eq!(run.exit_code(30), Some(code), "{:?}", run.seen);
        run.expect(5, "the container's answer", |l| l.starts_with("got "));
        let oneoffs: Vec<_> = p
            .containers()
            .into_values()
            .filter(|c| label(c, "com.docker.compose.oneoff") == "True")
            .collect();
        assert!(oneoffs.is_empty(), "--rm removed it: {oneoffs:?}");
    }
}

#[test]
fn watch_ends_on_sigterm_and_leaves_the_services_running() {
    let p = Project::new(
        "sigwatch",
        "services:\n  s:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    develop:\n      watch:\n        - {path: ./src, action: sync, target: /src}\n",
    );
    p.write("src/a.txt", "a");
    let mut watch = Live::start_with_stderr(&p, &["watch"]);
    watch.expect(120, "the watch under way", |l| l.starts_with("⦿ watching"));
    signal(watch.child.id(), "TERM");
    let code = watch.exit_code(30);
    assert!(code.is_some(), "it ended");
    let c = &p.containers()[&format!("{}-s-1", p.name)];
    assert_eq!(state(c), "running");
}

/// Whether a moment to kill at has come.
type Reached<'a> = Box<dyn Fn() -> bool + 'a>;

#[test]
fn rcompose_killed_outright_mid_up_leaves_what_the_next_up_converges() {
    const N: usize = 8;
    let p = Project::new("sigkill", &sleepers(N));
    let name = p.name.clone();
    let count = |status: &str| {
        p.containers()
            .values()
            .filter(|c| status.is_empty() || state(c) == status)
            .count()
    };
    // the moments: the first container made; half of them running; during a recreate of all
    let moments: [(&str, &[&str], Reached<'_>); 3] = [
        ("creating", &["up", "-d"], Box::new(|| count("") >= 1)),
        (
            "starting",
            &["up", "-d"],
            Box::new(|| count("running") >= N / 2),
        ),
        (
            "recreating",
            &["up", "-d", "--force-recreate"],
            Box::new(|| {
                // a replaced container is renamed before its successor is made
                containers_of(&name)
                    .keys()
                    .any(|n| !n.starts_with(&format!("{name}-")))
            }),
        ),
    ];
    for (moment, args, reached) in moments {
        if moment == "recreating" {
            p.ok(&["up", "-d"]);
        }
        let mut up = Live::start(&p, args);
        eventually(120, moment, || reached().then_some(()));
        signal(up.child.id(), "KILL");
        assert_eq!(up.exit_code(10), None, "killed by a signal");
        // the next `up -d` converges from whatever was left
        p.ok(&["up", "-d"]);
        converged(&p, N);
        if moment != "recreating" {
            p.ok(&["down", "-t", "0"]);
        }
    }
}
