//! What goes wrong: bad input (a key Swarm cannot honour, a missing external network, no
//! engine at DOCKER_HOST, a worker instead of a manager) gives one clear message and creates
//! nothing; a node lost in the middle of a deploy has its tasks moved, and the deploy says so
//! and converges.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::lab::{Lab, Stack, desired, state, text, until};

/// Runs a deploy that must fail; its stderr.
fn fails(s: &Stack, host: &str) -> String {
    let out = s.run_at(host, &["stack", "deploy", "--wait"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn nothing_created(s: &Stack) {
    assert!(s.services().is_empty());
    assert_eq!(s.objects(), (vec![], vec![], vec![]));
}

pub fn bad_input_gets_one_clear_message(lab: &Lab) {
    let manager = lab.host(1);
    let s = Stack::new(
        lab,
        "bad",
        "services:\n  web:\n    image: IMAGE\n    ports:\n      - '127.0.0.1:8080:80'\n",
    );
    let err = fails(&s, &manager);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains("compose.yaml:5:") && err.contains("services.web.ports[0].host_ip:"),
        "the file, line and key path: {err}"
    );
    nothing_created(&s);

    let missing = format!("rcs-missing-{}", std::process::id());
    s.write(
        "compose.yaml",
        &format!("services:\n  web: {{image: IMAGE, networks: [edge]}}\nnetworks:\n  edge: {{external: true, name: {missing}}}\n"),
    );
    let err = fails(&s, &manager);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains(&format!("external network {missing} not found")),
        "{err}"
    );
    nothing_created(&s);

    s.write("compose.yaml", "services:\n  web: {image: IMAGE}\n");
    let nowhere = format!(
        "unix:///tmp/rcompose-swarm/nothing-{}.sock",
        std::process::id()
    );
    let err = fails(&s, &nowhere);
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains(&nowhere["unix://".len()..]),
        "names where it looked: {err}"
    );

    let err = fails(&s, &lab.host(2));
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(err.contains("is a worker of its swarm"), "{err}");
    assert!(err.contains("node2"), "names the node: {err}");
    nothing_created(&s);
}

pub fn a_node_stopped_mid_deploy(lab: &Lab) {
    let s = Stack::new(
        lab,
        "node",
        r#"
services:
  web:
    image: IMAGE
    init: true
    command: [sh, -c, "sleep 4; touch /tmp/ready; exec sleep 3600"]
    healthcheck: {test: [CMD, test, -f, /tmp/ready], interval: 500ms, retries: 120}
    deploy: {replicas: 3}
"#,
    );
    let node3 = lab.nodes()["node3"].0.clone();
    let args = [
        "stack",
        "deploy",
        "--wait",
        "--wait-timeout",
        "120s",
        "--progress",
        "plain",
    ];
    let mut deploy = s
        .command(&lab.host(1), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rcompose runs");
    // one of the tasks is placed on node 3 and starting: stop that node
    until(Duration::from_secs(30), "a task on node 3", || {
        s.tasks("web")
            .iter()
            .any(|t| t.node_id.as_deref() == Some(&node3) && state(t) != "pending")
            .then_some(())
    });
    lab.kill_node(3);
    let _back = NodeBack(lab, 3);
    let status = deploy.wait().expect("the deploy ends");
    let mut err = String::new();
    deploy
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("is on node node3, which is down"), "{err}");
    let running: Vec<_> = s
        .tasks("web")
        .into_iter()
        .filter(|t| desired(t) == "running" && state(t) == "running")
        .collect();
    assert_eq!(running.len(), 3, "{err}");
    assert!(running.iter().all(|t| t.node_id.as_deref() != Some(&node3)));
}

/// Starts node N again when dropped (before the stack's removal), and waits until it is ready.
struct NodeBack<'a>(&'a Lab, usize);

impl Drop for NodeBack<'_> {
    fn drop(&mut self) {
        self.0.start_node(self.1);
        let name = format!("node{}", self.1);
        until(Duration::from_secs(60), "the node ready again", || {
            (self.0.nodes()[&name].1 == "ready").then_some(())
        });
    }
}
