//! up, a second up that changes nothing, stop/start/restart/pause/unpause/kill/rm, down, ps, ls,
//! `-p NAME` without files, and named volume data across recreate and down.

use super::*;

const TWO: &str = "
services:
  web:
    image: IMAGE
    command: [sleep, '300']
    init: true
    depends_on: [db]
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
";

#[test]
fn up_creates_labelled_objects_and_a_second_up_changes_nothing() {
    let p = Project::new("up", TWO);
    p.ok(&["up", "-d"]);
    let cs = p.containers();
    let web = &cs[&format!("{}-web-1", p.name)];
    assert_eq!(state(web), "running");
    assert_eq!(label(web, "com.docker.compose.service"), "web");
    assert_eq!(label(web, "com.docker.compose.container-number"), "1");
    assert_eq!(label(web, "com.docker.compose.oneoff"), "False");
    assert_eq!(
        label(web, "com.docker.compose.depends_on"),
        "db:service_started:false"
    );
    assert!(label(web, "com.docker.compose.image").starts_with("sha256:"));
    let hash = label(web, "com.docker.compose.config-hash").to_string();
    assert_eq!(hash.len(), 64);
    let printed = p.ok(&["config", "--hash", "web"]);
    assert_eq!(printed.trim(), format!("web {hash}"));
    assert_eq!(p.networks(), vec![format!("{}_default", p.name)]);
    let ids: Vec<String> = cs.values().map(|c| c.id.clone().unwrap()).collect();

    let out = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Created"), "{}", stderr(&out));
    let again: Vec<String> = p
        .containers()
        .values()
        .map(|c| c.id.clone().unwrap())
        .collect();
    assert_eq!(ids.len(), again.len());
    assert!(
        ids.iter().all(|i| again.contains(i)),
        "containers were replaced"
    );
}

#[test]
fn lifecycle_commands_change_container_states() {
    let p = Project::new("life", TWO);
    p.ok(&["up", "-d"]);
    let web = format!("{}-web-1", p.name);
    let db = format!("{}-db-1", p.name);
    let st = |c: &str| p.inspect(c).state.unwrap();

    p.ok(&["stop", "-t", "1"]);
    assert_eq!(st(&web).running, Some(false));
    assert_eq!(st(&db).running, Some(false));
    // dependents stop first
    assert!(st(&web).finished_at.unwrap() <= st(&db).finished_at.unwrap());

    p.ok(&["start"]);
    assert_eq!(st(&web).running, Some(true));
    assert_eq!(st(&db).running, Some(true));
    assert!(st(&db).started_at.unwrap() <= st(&web).started_at.unwrap());

    let before = st(&web).started_at.unwrap();
    p.ok(&["restart", "web", "-t", "1"]);
    assert_ne!(st(&web).started_at.unwrap(), before);

    p.ok(&["pause", "db"]);
    assert_eq!(st(&db).paused, Some(true));
    p.ok(&["unpause", "db"]);
    assert_eq!(st(&db).paused, Some(false));

    p.ok(&["kill", "-s", "SIGKILL", "web"]);
    let killed = st(&web);
    assert_eq!(killed.running, Some(false));
    assert_eq!(killed.exit_code, Some(137));

    p.ok(&["rm", "-f", "web"]);
    assert!(!p.containers().contains_key(&web));
    assert!(p.containers().contains_key(&db));
    p.ok(&["rm", "-f", "-s"]);
    assert!(p.containers().is_empty());
}

#[test]
fn ps_ls_and_a_project_known_only_by_name() {
    let p = Project::new("ps", TWO);
    p.ok(&["up", "-d"]);
    let lines: Vec<serde_json::Value> = p
        .ok(&["ps", "--format", "json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    let mut names: Vec<&str> = lines.iter().map(|l| l["Name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(
        names,
        [format!("{}-db-1", p.name), format!("{}-web-1", p.name)]
    );
    assert!(
        lines
            .iter()
            .all(|l| l["State"] == "running" && l["Project"] == p.name.as_str())
    );
    assert_eq!(p.ok(&["ps", "--services"]), "db\nweb\n");

    let ls: serde_json::Value = serde_json::from_str(&p.ok(&["ls", "--format", "json"])).unwrap();
    let mine = ls
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["Name"] == p.name.as_str())
        .expect("the project is listed");
    assert_eq!(mine["Status"], "running(2)");

    // from a folder without compose files, the name is enough (labels)
    let elsewhere = std::env::temp_dir().join(format!("{}-nofile", p.name));
    std::fs::create_dir_all(&elsewhere).unwrap();
    let ps = rcompose_in(&elsewhere, &p.name, &["ps", "-q"], &[]);
    assert!(ps.status.success(), "{}", stderr(&ps));
    assert_eq!(stdout(&ps).lines().count(), 2);
    let down = rcompose_in(&elsewhere, &p.name, &["down", "-t", "0"], &[]);
    assert!(down.status.success(), "{}", stderr(&down));
    assert!(p.containers().is_empty());
    assert!(p.networks().is_empty());
    let _ = std::fs::remove_dir_all(&elsewhere);
}

#[test]
fn named_volume_data_survives_recreate_and_down_until_down_v() {
    let p = Project::new(
        "data",
        "
services:
  app:
    image: IMAGE
    command: [sh, -c, 'echo run >> /data/log; sleep 300']
    init: true
    volumes: [data:/data]
volumes:
  data:
",
    );
    let app = format!("{}-app-1", p.name);
    let runs = |n: usize| {
        let want = "run\n".repeat(n);
        eventually(10, &format!("{n} runs in the volume"), || {
            (try_read_file(&app, "/data/log").ok()? == want).then_some(())
        })
    };
    p.ok(&["up", "-d"]);
    assert_eq!(p.volumes(), vec![format!("{}_data", p.name)]);
    runs(1);
    p.ok(&["up", "-d", "--force-recreate", "-t", "0"]);
    runs(2);
    p.ok(&["down", "-t", "0"]);
    assert!(p.containers().is_empty());
    assert_eq!(
        p.volumes(),
        vec![format!("{}_data", p.name)],
        "down kept the volume"
    );
    p.ok(&["up", "-d"]);
    runs(3);
    p.ok(&["down", "-v", "-t", "0"]);
    assert!(p.volumes().is_empty(), "down -v removed the volume");
}

#[test]
fn wait_returns_the_first_exit_code() {
    let p = Project::new(
        "waitcmd",
        "services:\n  job:\n    image: IMAGE\n    command: [sh, -c, 'sleep 2; exit 4']\n",
    );
    p.ok(&["up", "-d"]);
    let out = p.run(&["wait", "job"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{}-job-1 exited with code 4\n", p.name)
    );
}

#[test]
fn down_rmi_all_removes_the_images() {
    let image = format!("rct-rmi-{}:latest", std::process::id());
    block_on(docker().tag_image(
        IMAGE,
        Some(q::TagImageOptions {
            repo: Some(image.split(':').next().unwrap().to_string()),
            tag: Some("latest".into()),
        }),
    ))
    .expect("image tagged");
    let p = Project::new(
        "rmi",
        &format!(
            "services:\n  a:\n    image: {image}\n    command: [sleep, '300']\n    init: true\n"
        ),
    );
    p.ok(&["up", "-d"]);
    p.ok(&["down", "--rmi", "all", "-t", "0"]);
    let gone = block_on(docker().inspect_image(&image));
    assert!(gone.is_err(), "the image is still there");
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let p = Project::new("dry", TWO);
    let out = p.ok(&["--dry-run", "up", "-d"]);
    assert!(
        out.contains(&format!("create network {}_default", p.name)),
        "{out}"
    );
    assert!(
        out.contains(&format!("start container {}-web-1", p.name)),
        "{out}"
    );
    assert!(p.containers().is_empty() && p.networks().is_empty());
}

#[test]
fn json_progress_is_one_object_per_line() {
    let p = Project::new("jsonprog", TWO);
    let out = p.run(&["--progress", "json", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let events: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let started = format!("Container {}-web-1", p.name);
    assert!(
        events
            .iter()
            .any(|e| e["id"] == started.as_str() && e["status"] == "Started"),
        "{events:?}"
    );
}
