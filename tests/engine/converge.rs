//! Convergence: only what changed is recreated, forced and refused recreation, scaling, orphans,
//! anonymous volumes kept across a recreate (and renewed with -V), service selection, no-start.

use super::*;

const APP: &str = "
services:
  web:
    image: IMAGE
    command: [sleep, '300']
    init: true
    environment: [MODE=one]
    depends_on: [db]
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
    volumes: [/anon]
";

fn ids(p: &Project) -> HashMap<String, String> {
    p.containers()
        .into_iter()
        .map(|(n, c)| (n, c.id.unwrap()))
        .collect()
}

#[test]
fn a_changed_service_is_recreated_and_nothing_else() {
    let p = Project::new("change", APP);
    p.ok(&["up", "-d"]);
    let before = ids(&p);
    p.write("compose.yaml", &APP.replace("MODE=one", "MODE=two"));
    let out = p.run(&["--progress", "plain", "up", "-d", "-t", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = ids(&p);
    let web = format!("{}-web-1", p.name);
    let db = format!("{}-db-1", p.name);
    assert_ne!(before[&web], after[&web], "web was recreated");
    assert_eq!(before[&db], after[&db], "db was left alone");
    assert_eq!(after.len(), 2, "the old container is gone: {after:?}");
    let env = p.inspect(&web).config.unwrap().env.unwrap();
    assert!(env.contains(&"MODE=two".to_string()), "{env:?}");
    // shown by its name, not the temporary `<id>_name` it is created under; db: still running
    let err = stderr(&out);
    assert!(
        err.contains(&format!(" Container {web}  Recreated")),
        "{err}"
    );
    assert!(!err.contains(&format!("_{web}")), "{err}");
    assert!(err.contains(&format!(" Container {db}  Running")), "{err}");

    // --force-recreate replaces everything, --no-recreate nothing
    p.ok(&["up", "-d", "--force-recreate", "-t", "0"]);
    let forced = ids(&p);
    assert!(forced.iter().all(|(n, id)| after[n] != *id));
    p.write("compose.yaml", &APP.replace("MODE=one", "MODE=three"));
    p.ok(&["up", "-d", "--no-recreate"]);
    assert_eq!(ids(&p), forced);
}

#[test]
fn anonymous_volumes_survive_a_recreate_unless_renewed() {
    let p = Project::new("anon", APP);
    p.ok(&["up", "-d"]);
    let db = format!("{}-db-1", p.name);
    let volume = |p: &Project| -> String {
        p.inspect(&db)
            .mounts
            .unwrap()
            .into_iter()
            .find(|m| m.destination.as_deref() == Some("/anon"))
            .and_then(|m| m.name)
            .expect("the anonymous volume")
    };
    let first = volume(&p);
    p.ok(&["up", "-d", "--force-recreate", "-t", "0"]);
    assert_eq!(volume(&p), first);
    p.ok(&["up", "-d", "--force-recreate", "-V", "-t", "0"]);
    assert_ne!(volume(&p), first);
    // the first anonymous volume is not the project's to delete by label: remove it here
    let _ = block_on(docker().remove_volume(&first, None::<q::RemoveVolumeOptions>));
}

#[test]
fn scaling_up_and_down_keeps_the_lowest_numbers() {
    let p = Project::new(
        "scale",
        "services:\n  w:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n",
    );
    p.ok(&["up", "-d", "--scale", "w=3"]);
    let mut names: Vec<String> = p.containers().into_keys().collect();
    names.sort();
    assert_eq!(
        names,
        (1..=3)
            .map(|i| format!("{}-w-{i}", p.name))
            .collect::<Vec<_>>()
    );
    p.ok(&["scale", "w=1"]);
    let names: Vec<String> = p.containers().into_keys().collect();
    assert_eq!(names, vec![format!("{}-w-1", p.name)]);
}

#[test]
fn orphans_are_reported_then_removed_on_request() {
    let p = Project::new("orphan", APP);
    p.ok(&["up", "-d"]);
    p.write("compose.yaml", "services:\n  db:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    volumes: [/anon]\n");
    let out = p.run(&["up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--remove-orphans"),
        "{}",
        stderr(&out)
    );
    assert!(p.containers().contains_key(&format!("{}-web-1", p.name)));
    p.ok(&["up", "-d", "--remove-orphans", "-t", "0"]);
    assert!(!p.containers().contains_key(&format!("{}-web-1", p.name)));
}

#[test]
fn selected_services_and_create_only() {
    let p = Project::new("select", APP);
    p.ok(&["up", "-d", "--no-deps", "web"]);
    let names: Vec<String> = p.containers().into_keys().collect();
    assert_eq!(names, vec![format!("{}-web-1", p.name)]);
    p.ok(&["create", "db"]);
    let db = &p.containers()[&format!("{}-db-1", p.name)];
    assert_eq!(state(db), "created");
}
