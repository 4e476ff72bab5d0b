//! The docker CLI and rcompose on each other's stacks: `docker stack ls/services/ps/rm` on a
//! stack rcompose deployed, and rcompose's on one `docker stack deploy` made.

use std::time::Duration;

use crate::lab::{Lab, Stack, services_of, state, text, until};

const WEB: &str = "services:\n  web:\n    image: IMAGE\n    init: true\n    command: [sleep, '3600']\n    configs: [c]\n    deploy: {replicas: 2}\nconfigs:\n  c: {content: x}\n";

fn stdout(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", text(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn docker_stack_sees_rcompose_stacks(lab: &Lab) {
    let s = Stack::new(lab, "seen", WEB);
    s.ok(&["stack", "deploy", "--wait"]);
    let ls = stdout(&s.docker_cli(&["stack", "ls", "--format", "{{.Name}} {{.Services}}"]));
    assert!(ls.lines().any(|l| l == format!("{} 1", s.name)), "{ls}");
    let services = stdout(&s.docker_cli(&[
        "stack",
        "services",
        &s.name,
        "--format",
        "{{.Name}} {{.Replicas}}",
    ]));
    assert_eq!(services.trim(), format!("{}_web 2/2", s.name));
    let ps = stdout(&s.docker_cli(&[
        "stack",
        "ps",
        &s.name,
        "--format",
        "{{.Name}} {{.CurrentState}}",
    ]));
    for slot in [1, 2] {
        let task = format!("{}_web.{slot} Running", s.name);
        assert!(ps.lines().any(|l| l.starts_with(&task)), "{ps}");
    }
    stdout(&s.docker_cli(&["stack", "rm", &s.name]));
    // docker's rm does not wait for the tasks: its networks go once they are gone
    until(Duration::from_secs(60), "docker stack rm done", || {
        (s.services().is_empty() && s.objects() == (vec![], vec![], vec![])).then_some(())
    });
}

pub fn rcompose_sees_docker_stacks(lab: &Lab) {
    let s = Stack::new(
        lab,
        "docker",
        "version: '3.8'\nservices:\n  web:\n    image: IMAGE\n    init: true\n    command: [sleep, '3600']\n    configs: [c]\n    deploy: {replicas: 2}\nconfigs:\n  c: {file: ./c.txt}\n",
    );
    s.write("c.txt", "x");
    let deploy = [
        "stack",
        "deploy",
        "-c",
        "compose.yaml",
        "--resolve-image",
        "never",
        "--detach=false",
    ];
    stdout(&s.docker_cli(&[&deploy[..], &[s.name.as_str()]].concat()));
    let ls = stdout(&s.run(&["stack", "ls"]));
    assert!(
        ls.lines()
            .any(|l| l.split_whitespace().eq([s.name.as_str(), "1"])),
        "{ls}"
    );
    let services = stdout(&s.run(&["stack", "services", &s.name, "--format", "json"]));
    let row: serde_json::Value = serde_json::from_str(services.trim()).expect("a JSON line");
    assert_eq!(row["Name"], format!("{}_web", s.name));
    assert_eq!(row["Replicas"], "2/2");
    let ps = stdout(&s.run(&["stack", "ps", &s.name]));
    for slot in [1, 2] {
        let task = format!("{}_web.{slot}", s.name);
        let line = ps
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(task.as_str()));
        let line = line.unwrap_or_else(|| panic!("{task} in\n{ps}"));
        assert!(line.contains("Running"), "{line}");
    }
    assert_eq!(
        services_of(lab, &s.name)["web"]
            .spec
            .as_ref()
            .unwrap()
            .name
            .as_deref(),
        Some(&*format!("{}_web", s.name))
    );
    stdout(&s.run(&["stack", "rm", &s.name]));
    // rcompose's rm waited for the tasks: everything is gone as it returns
    assert!(s.services().is_empty());
    assert_eq!(s.objects(), (vec![], vec![], vec![]));
    assert!(s.tasks("web").iter().all(|t| state(t) != "running"));
}
