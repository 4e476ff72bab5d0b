//! Several clients on one project at once, on the real engine: concurrent `up -d` runs end in
//! one converged project (one network, one container per service), and a project wedged with
//! duplicate networks (made through the API, as runs that raced leave them) is healed by `up`
//! and taken away whole by `down`; rcompose racing the reference ends the same way; objects
//! removed under a running `up` or `watch` are reported.

use std::collections::BTreeMap;

use super::*;

/// The project's networks named `name`, with their IDs.
fn networks_named(project: &str, name: &str) -> Vec<String> {
    let f = label_filter(project);
    block_on(docker().list_networks(Some(q::ListNetworksOptions { filters: Some(f) })))
        .expect("networks listed")
        .into_iter()
        .filter(|n| n.name.as_deref() == Some(name))
        .filter_map(|n| n.id)
        .collect()
}

/// Another network named as the project's default one, with its labels: what a run that raced
/// another leaves.
fn duplicate_default(p: &Project) -> String {
    let labels = HashMap::from([
        ("com.docker.compose.project".to_string(), p.name.clone()),
        (
            "com.docker.compose.network".to_string(),
            "default".to_string(),
        ),
    ]);
    let spec = bollard::models::NetworkCreateRequest {
        name: format!("{}_default", p.name),
        labels: Some(labels),
        ..Default::default()
    };
    block_on(docker().create_network(spec))
        .expect("a duplicate network made")
        .id
}

/// Each running container of the project, by service, and the network IDs it is on.
fn running_by_service(p: &Project) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut by: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for c in p.containers().values() {
        if state(c) != "running" {
            continue;
        }
        let nets = c
            .network_settings
            .as_ref()
            .and_then(|s| s.networks.as_ref())
            .map(|n| n.values().filter_map(|e| e.network_id.clone()).collect())
            .unwrap_or_default();
        by.entry(label(c, "com.docker.compose.service").to_string())
            .or_default()
            .push(nets);
    }
    by
}

/// `n` concurrent `up -d` of the project, started.
fn ups(p: &Project, n: usize) -> Vec<std::process::Child> {
    (0..n)
        .map(|_| {
            command(p, &["up", "-d"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("rcompose starts")
        })
        .collect()
}

/// Every run ends with 0.
fn all_succeed(runs: Vec<std::process::Child>) {
    for run in runs {
        let out = run.wait_with_output().expect("rcompose ends");
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

/// The converged project: one default network, and one running container per service on it.
fn one_network_one_container_each(p: &Project, services: usize) {
    let default = format!("{}_default", p.name);
    let nets = networks_named(&p.name, &default);
    assert_eq!(nets.len(), 1, "one default network: {nets:?}");
    let by = running_by_service(p);
    assert_eq!(by.len(), services, "{by:?}");
    for (service, containers) in &by {
        assert_eq!(containers.len(), 1, "{service}: {containers:?}");
        assert_eq!(containers[0], nets, "{service} is on the one network");
    }
    assert_eq!(p.containers().len(), services, "no container left over");
}

#[test]
fn concurrent_ups_of_one_project_converge() {
    let p = Project::new("race", &sleepers(10));
    let runs = ups(&p, 3);
    all_succeed(runs);
    one_network_one_container_each(&p, 10);
    // and the converged project is an ordinary one
    p.ok(&["down", "-t", "0"]);
    assert!(leftovers(&p.name).is_empty(), "{:?}", leftovers(&p.name));
}

#[test]
fn rcompose_and_the_reference_racing_on_one_project_converge() {
    let Some(bin) = super::interop::reference() else {
        return;
    };
    let p = Project::new("raceref", &sleepers(10));
    let runs = ups(&p, 2);
    // the reference runs while they do
    let theirs = super::interop::compose_ref(&bin, &p, &["up", "-d"]);
    all_succeed(runs);
    // the reference may lose its own race (it does not re-plan); what it left, the next
    // rcompose run heals
    if !theirs.status.success() {
        p.ok(&["up", "-d"]);
    }
    one_network_one_container_each(&p, 10);
    // the reference sees it as its own: nothing to do
    let ids = |p: &Project| {
        let mut ids: Vec<String> = p
            .containers()
            .values()
            .filter_map(|c| c.id.clone())
            .collect();
        ids.sort();
        ids
    };
    let before = ids(&p);
    let again = super::interop::compose_ref(&bin, &p, &["up", "-d"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(ids(&p), before, "the reference changed nothing");
    p.ok(&["down", "-t", "0"]);
    assert!(leftovers(&p.name).is_empty(), "{:?}", leftovers(&p.name));
}

#[test]
fn duplicate_networks_are_healed_by_up_and_all_removed_by_down() {
    let p = Project::new("dupnet", &sleepers(2));
    let default = format!("{}_default", p.name);
    // wedged before anything ran: two networks of the project's name
    let oldest = duplicate_default(&p);
    duplicate_default(&p);
    let out = p.run(&["up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exists more than once"),
        "{}",
        stderr(&out)
    );
    assert_eq!(networks_named(&p.name, &default), vec![oldest.clone()]);
    for (service, containers) in running_by_service(&p) {
        assert_eq!(containers, [vec![oldest.clone()]], "{service}");
    }
    // a container on a duplicate is moved: re-created on the kept network
    let newer = duplicate_default(&p);
    let c = format!("{}-s0-1", p.name);
    block_on(docker().disconnect_network(
        &oldest,
        bollard::models::NetworkDisconnectRequest {
            container: c.clone(),
            force: Some(true),
        },
    ))
    .expect("disconnected");
    block_on(docker().connect_network(
        &newer,
        bollard::models::NetworkConnectRequest {
            container: c.clone(),
            ..Default::default()
        },
    ))
    .expect("connected to the duplicate");
    p.ok(&["up", "-d"]);
    assert_eq!(networks_named(&p.name, &default), vec![oldest.clone()]);
    for (service, containers) in running_by_service(&p) {
        assert_eq!(containers, [vec![oldest.clone()]], "{service}");
    }
    // `down` takes every network of the project, duplicates included
    duplicate_default(&p);
    p.ok(&["down", "-t", "0"]);
    assert!(networks_named(&p.name, &default).is_empty());
    assert!(leftovers(&p.name).is_empty(), "{:?}", leftovers(&p.name));
}

#[test]
fn down_v_refuses_a_volume_another_project_uses_and_removes_nothing() {
    let a = Project::new(
        "volowner",
        "services:\n  db:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    volumes: [data:/data]\nvolumes:\n  data: {}\n",
    );
    a.ok(&["up", "-d"]);
    let volume = format!("{}_data", a.name);
    let b = Project::new(
        "voluser",
        &format!(
            "services:\n  reader:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    volumes: [shared:/shared]\nvolumes:\n  shared: {{external: true, name: {volume}}}\n"
        ),
    );
    b.ok(&["up", "-d"]);
    let out = a.run(&["down", "-v", "-t", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "volume {volume} is used by {}-reader-1 (project {})",
            b.name, b.name
        )) && err.contains("removed nothing"),
        "{err}"
    );
    // nothing of the project was touched
    assert_eq!(
        state(&a.containers()[&format!("{}-db-1", a.name)]),
        "running"
    );
    assert!(a.volumes().contains(&volume));
    // once the other project is gone, `down -v` takes everything
    b.ok(&["down", "-t", "0"]);
    a.ok(&["down", "-v", "-t", "0"]);
    assert!(leftovers(&a.name).is_empty(), "{:?}", leftovers(&a.name));
}

/// Removes a container by force through the API, as another client would.
fn remove_by_force(name: &str) {
    let opts = q::RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    block_on(docker().remove_container(name, Some(opts))).expect("removed");
}

#[test]
fn containers_removed_under_a_running_up_or_watch_are_reported_and_the_next_up_recreates() {
    let p = Project::new(
        "underfoot",
        "services:\n  a:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n  b:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    develop:\n      watch:\n        - {path: ./src, action: sync, target: /src}\n",
    );
    p.write("src/one.txt", "1");
    let (a, b) = (format!("{}-a-1", p.name), format!("{}-b-1", p.name));
    // an attached `up`: the removal is said, and the rest stays attached
    let mut up = Live::start_with_stderr(&p, &["up"]);
    up.expect(60, "attached", |l| l.starts_with("Attaching to"));
    remove_by_force(&a);
    // killed by the removal (or gone before its wait): said either way
    up.expect(30, "the removal said", |l| {
        l.starts_with("a-1 ") && (l.ends_with("exited with code 137") || l.ends_with("was removed"))
    });
    assert!(
        up.child.try_wait().unwrap().is_none(),
        "up goes on: {:?}",
        up.seen
    );
    signal(up.child.id(), "INT");
    assert_eq!(up.exit_code(60), Some(130), "{:?}", up.seen);
    // a running watch: a change for a removed container is reported, the watch goes on
    p.ok(&["up", "-d"]);
    let mut watch = Live::start_with_stderr(&p, &["watch", "--no-up"]);
    watch.expect(60, "watching", |l| l.starts_with("⦿ watching"));
    remove_by_force(&b);
    p.write("src/two.txt", "2");
    watch.expect(30, "the report", |l| l.contains("b is not running"));
    assert!(
        watch.child.try_wait().unwrap().is_none(),
        "watch goes on: {:?}",
        watch.seen
    );
    drop(watch);
    // the next `up` makes them again
    p.ok(&["up", "-d"]);
    let containers = p.containers();
    for name in [&a, &b] {
        assert_eq!(state(&containers[name]), "running", "{name}");
    }
}
