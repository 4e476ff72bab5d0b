//! Plans for networks and volumes whose configuration changed since they were made: a volume
//! kept or recreated as the user answers, a network recreated with its containers moved onto
//! it, or kept when containers this run does not start again are on it.

use super::tests::{container, labelled, observed, project, with_default_network};
use super::*;
use crate::engine::NetworkInfo;
use crate::names::labels;
use crate::observe::Observed;

const VOLUME: &str = "
services:
  app:
    image: app
    volumes: [data:/data]
  other:
    image: other
volumes:
  data:
    labels: {v: '2'}
";

/// The project of [`VOLUME`] running, its volume made from another configuration (`v: '1'`).
fn with_diverged_volume(p: &Project) -> Observed {
    let mut o = with_default_network(observed(), "p");
    let mut app = container(p, "app", 1, "running");
    app.volumes.insert("p_data".into(), "/data".into());
    o.containers.push(app);
    o.containers.push(container(p, "other", 1, "running"));
    let mut old = p.volumes["data"].clone();
    old.labels.insert("v".into(), "1".into());
    let l = labelled(&[
        (labels::PROJECT, "p"),
        (labels::CONFIG_HASH, &hash::volume(&old)),
    ]);
    let volume = crate::engine::VolumeInfo {
        name: "p_data".into(),
        labels: l,
        ..Default::default()
    };
    o.volumes.insert("p_data".into(), volume);
    o
}

#[test]
fn a_diverged_volume_is_kept_with_a_warning_or_recreated_with_its_containers() {
    let p = project(VOLUME);
    let o = with_diverged_volume(&p);
    assert_eq!(
        diverged_volumes(&p, &o, &UpOptions::default()),
        vec!["p_data".to_string()]
    );
    let only_other = UpOptions {
        services: vec!["other".into()],
        ..Default::default()
    };
    assert!(diverged_volumes(&p, &o, &only_other).is_empty());
    // kept: nothing to do, and a warning
    let plan = up(&p, &o, &UpOptions::default()).unwrap();
    assert_eq!(plan.to_string(), "");
    assert!(
        plan.warnings[0].contains("volume p_data exists but doesn't match configuration"),
        "{:?}",
        plan.warnings
    );
    // recreated: the container that mounts it goes first and comes back on the new volume
    for answer in [
        DivergedVolumes::RecreateAll,
        DivergedVolumes::Recreate(["p_data".to_string()].into()),
    ] {
        let opts = UpOptions {
            diverged_volumes: answer,
            ..Default::default()
        };
        let plan = up(&p, &o, &opts).unwrap();
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        assert_eq!(
            plan.to_string(),
            "  1. stop container p-app-1  # volume configuration changed
  2. remove container p-app-1  after 1  # volume configuration changed
  3. remove volume p_data  after 2  # volume configuration changed
  4. create volume p_data  after 3  # volume configuration changed
  5. create container p-app-1  after 4  # created
  6. start container p-app-1  after 4,5
"
        );
    }
    // unchanged, the same volume is left alone
    let mut o = with_diverged_volume(&p);
    let volume = o.volumes.get_mut("p_data").unwrap();
    volume
        .labels
        .insert(labels::CONFIG_HASH.into(), hash::volume(&p.volumes["data"]));
    assert!(diverged_volumes(&p, &o, &UpOptions::default()).is_empty());
}

#[test]
fn a_volume_a_one_off_still_uses_is_not_recreated_behind_its_back() {
    let p = project(VOLUME);
    let mut o = with_diverged_volume(&p);
    let mut run = container(&p, "app", 1, "exited");
    run.name = "p-app-run-0123".into();
    run.labels.insert(labels::ONEOFF.into(), "True".into());
    run.volumes.insert("p_data".into(), "/data".into());
    o.containers.push(run);
    let opts = UpOptions {
        diverged_volumes: DivergedVolumes::RecreateAll,
        ..Default::default()
    };
    let e = up(&p, &o, &opts).unwrap_err();
    assert!(e.to_string().contains("p-app-run-0123"), "{e}");
}

const NETWORK: &str = "
services:
  db:
    image: db
    networks: [back]
  app:
    image: app
    depends_on: [db]
    networks:
      back: {aliases: [api]}
  other:
    image: other
    networks: [back]
networks:
  back:
    labels: {v: '2'}
";

/// The project of [`NETWORK`] running, its network made from another configuration.
fn with_diverged_network(p: &Project) -> Observed {
    let mut o = observed();
    for s in ["db", "app", "other"] {
        o.containers.push(container(p, s, 1, "running"));
    }
    let mut old = p.networks["back"].clone();
    old.labels.insert("v".into(), "1".into());
    let hash = hash::network(&old);
    let l = labelled(&[
        (labels::PROJECT, "p"),
        (labels::NETWORK, "back"),
        (labels::CONFIG_HASH, &hash),
    ]);
    let network = NetworkInfo {
        id: "id-back".into(),
        name: "p_back".into(),
        labels: l,
        ..Default::default()
    };
    o.networks.insert("p_back".into(), network);
    o
}

#[test]
fn a_diverged_network_is_recreated_and_its_containers_moved_onto_it() {
    let p = project(NETWORK);
    let o = with_diverged_network(&p);
    // `up app`: db and app are started again by the services' plans in dependency order;
    // other (not in scope) by the move itself
    let opts = UpOptions {
        services: vec!["app".into()],
        ..Default::default()
    };
    let plan = up(&p, &o, &opts).unwrap();
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    assert_eq!(
        plan.to_string(),
        "  1. stop container p-db-1  # network configuration changed
  2. disconnect container p-db-1 from network p_back  after 1  # network configuration changed
  3. stop container p-app-1  # network configuration changed
  4. disconnect container p-app-1 from network p_back  after 3  # network configuration changed
  5. stop container p-other-1  # network configuration changed
  6. disconnect container p-other-1 from network p_back  after 5  # network configuration changed
  7. remove network p_back  after 2,4,6  # network configuration changed
  8. create network p_back  after 7  # network configuration changed
  9. connect container p-db-1 to network p_back  after 8  # network configuration changed
 10. connect container p-app-1 to network p_back  after 8  # network configuration changed
 11. connect container p-other-1 to network p_back  after 8  # network configuration changed
 12. start container p-other-1  after 11  # network configuration changed
 13. start container p-db-1  after 8,9,10,11  # network configuration changed
 14. start container p-app-1  after 8,9,10,11,13  # network configuration changed
"
    );
    // each container comes back with its service's endpoint: its aliases
    let aliases = plan.steps.iter().find_map(|s| match &s.op {
        Op::ConnectNetwork {
            container,
            endpoint,
            ..
        } if container == "p-app-1" => endpoint.aliases.clone(),
        _ => None,
    });
    assert_eq!(
        aliases,
        Some(vec!["p-app-1".into(), "app".into(), "api".into()])
    );
    // the same network unchanged: nothing to do
    let mut o = with_diverged_network(&p);
    let n = o.networks.get_mut("p_back").unwrap();
    (n.labels).insert(
        labels::CONFIG_HASH.into(),
        hash::network(&p.networks["back"]),
    );
    assert_eq!(up(&p, &o, &UpOptions::default()).unwrap().to_string(), "");
}

#[test]
fn a_network_a_one_off_is_on_is_kept_with_a_warning() {
    let p = project(NETWORK);
    let mut o = with_diverged_network(&p);
    let mut run = container(&p, "app", 1, "running");
    run.name = "p-app-run-0123".into();
    run.labels.insert(labels::ONEOFF.into(), "True".into());
    o.containers.push(run);
    let plan = up(&p, &o, &UpOptions::default()).unwrap();
    assert_eq!(plan.to_string(), "");
    assert!(
        plan.warnings[0].contains("network p_back exists but doesn't match")
            && plan.warnings[0].contains("p-app-run-0123"),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn a_network_a_container_of_no_service_is_on_is_kept_with_a_warning() {
    let p = project(NETWORK);
    let mut o = with_diverged_network(&p);
    let users = vec!["p-app-1".to_string(), "stranger".to_string()];
    o.network_users.insert("p_back".into(), users);
    let plan = up(&p, &o, &UpOptions::default()).unwrap();
    assert_eq!(plan.to_string(), "");
    assert!(
        plan.warnings[0].contains("network p_back exists but doesn't match")
            && plan.warnings[0].contains("(stranger)"),
        "{:?}",
        plan.warnings
    );
}
