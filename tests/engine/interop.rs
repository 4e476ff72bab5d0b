//! The reference (Docker Compose v2.40.3) and rcompose see each other's projects as their own:
//! same names and labels, same config hash (nothing recreated), and each tears the other's down.
//! Needs the reference binary (`../shared/tools/install-reference.sh`); says so when it is missing.

use super::*;

pub fn reference() -> Option<String> {
    let path = std::env::var("COMPOSE_REF").unwrap_or_else(|_| "/usr/local/bin/compose-ref".into());
    if std::path::Path::new(&path).is_file() {
        Some(path)
    } else {
        eprintln!("\n!!! the reference binary is missing: interop was NOT tested !!!\n");
        None
    }
}

pub fn compose_ref(bin: &str, p: &Project, args: &[&str]) -> Output {
    Command::new(bin)
        .arg("-p")
        .arg(&p.name)
        .args(args)
        .current_dir(&p.dir)
        .output()
        .expect("the reference runs")
}

const APP: &str = "
services:
  web:
    image: IMAGE
    command: [sleep, '300']
    init: true
    ports: ['127.0.0.1::80']
    depends_on: [db]
    volumes: [data:/data]
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
volumes:
  data:
";

fn ids(p: &Project) -> Vec<String> {
    let mut v: Vec<String> = p
        .containers()
        .values()
        .map(|c| c.id.clone().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn the_reference_manages_a_project_rcompose_started() {
    let Some(bin) = reference() else { return };
    let p = Project::new("interop1", APP);
    p.ok(&["up", "-d"]);
    let before = ids(&p);
    let ps = compose_ref(&bin, &p, &["ps", "--format", "json"]);
    assert!(ps.status.success(), "{}", stderr(&ps));
    assert_eq!(stdout(&ps).lines().count(), 2, "{}", stdout(&ps));
    let up = compose_ref(&bin, &p, &["up", "-d"]);
    assert!(up.status.success(), "{}", stderr(&up));
    assert_eq!(
        ids(&p),
        before,
        "the reference recreated rcompose's containers:\n{}",
        stderr(&up)
    );
    let down = compose_ref(&bin, &p, &["down", "-v"]);
    assert!(down.status.success(), "{}", stderr(&down));
    assert!(p.containers().is_empty() && p.networks().is_empty() && p.volumes().is_empty());
}

#[test]
fn rcompose_manages_a_project_the_reference_started() {
    let Some(bin) = reference() else { return };
    let p = Project::new("interop2", APP);
    let up = compose_ref(&bin, &p, &["up", "-d"]);
    assert!(up.status.success(), "{}", stderr(&up));
    let before = ids(&p);
    assert_eq!(p.ok(&["ps", "-q"]).lines().count(), 2);
    let out = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        ids(&p),
        before,
        "rcompose recreated the reference's containers:\n{}",
        stderr(&out)
    );
    p.ok(&["down", "-v", "-t", "0"]);
    assert!(p.containers().is_empty() && p.networks().is_empty() && p.volumes().is_empty());
}
