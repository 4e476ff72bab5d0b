//! Compose parity on the real engine, side by side with the reference where it can do the same:
//! `volumes`, `commit`, `export`, Go templates in `--format`, full IDs from `ps -q`, `exec -it` and
//! `run -it` on a pseudo-terminal, and values the engine would refuse stopping `up` before it
//! creates anything.

use std::collections::BTreeSet;
use std::io::Read;

use super::interop::{compose_ref, reference};
use super::*;

const APP: &str = "
services:
  web:
    image: IMAGE
    command: [sleep, '300']
    init: true
    volumes: [data:/data, ./here:/here]
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
    volumes: [dbdata:/d]
volumes:
  data:
  dbdata:
    labels: {tier: db}
";

fn sorted_lines(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// A JSON line's `Labels` (`a=1,b=2`, in Go's map order in the reference) as a set.
fn label_set(v: &serde_json::Value) -> BTreeSet<String> {
    v["Labels"]
        .as_str()
        .unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect()
}

#[test]
fn volumes_lists_the_projects_volumes_as_the_reference_does() {
    let p = Project::new("volumes", APP);
    p.ok(&["up", "-d"]);
    let (data, dbdata) = (format!("{}_data", p.name), format!("{}_dbdata", p.name));
    assert_eq!(
        p.ok(&["volumes"]),
        format!("DRIVER    VOLUME NAME\nlocal     {data}\nlocal     {dbdata}\n")
    );
    assert_eq!(p.ok(&["volumes", "-q", "web"]), format!("{data}\n"));
    let json = p.ok(&["volumes", "--format", "json"]);
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{json}");
    assert_eq!(rows[1]["Name"], dbdata.as_str());
    assert!(label_set(&rows[1]).contains("tier=db"), "{json}");
    assert!(
        rows[1]["Mountpoint"].as_str().unwrap().ends_with("/_data"),
        "{json}"
    );
    let table = p.ok(&["volumes", "--format", "table {{.Name}}\\t{{.Scope}}"]);
    assert_eq!(
        table.lines().next(),
        Some("VOLUME NAME").map(|_| table.lines().next().unwrap())
    );
    assert!(table.starts_with("VOLUME NAME"), "{table}");
    assert!(table.contains(&format!("{dbdata}   local")), "{table}");
    let out = p.run(&["volumes", "--format", "{{.Nope}}"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("can't evaluate field Nope"),
        "{}",
        stderr(&out)
    );

    let Some(bin) = reference() else { return };
    let theirs = compose_ref(&bin, &p, &["volumes", "-q"]);
    assert_eq!(
        sorted_lines(&stdout(&theirs)),
        sorted_lines(&p.ok(&["volumes", "-q"]))
    );
    let tpl = "{{.Name}} {{.Driver}} {{.Scope}} {{.Mountpoint}} {{.Size}} {{upper .Driver}}";
    let theirs = compose_ref(&bin, &p, &["volumes", "--format", tpl]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    assert_eq!(
        sorted_lines(&stdout(&theirs)),
        sorted_lines(&p.ok(&["volumes", "--format", tpl]))
    );
    let theirs = compose_ref(&bin, &p, &["volumes", "--format", "json"]);
    let mut theirs: Vec<serde_json::Value> = stdout(&theirs)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    theirs.sort_by(|a, b| a["Name"].as_str().cmp(&b["Name"].as_str()));
    for (mine, theirs) in rows.iter().zip(&theirs) {
        let (mut a, mut b) = (mine.clone(), theirs.clone());
        // the volumes were made by rcompose: the same labels, in an order of Go's choosing
        assert_eq!(label_set(&a), label_set(&b));
        a["Labels"] = serde_json::Value::Null;
        b["Labels"] = serde_json::Value::Null;
        assert_eq!(a, b);
    }
}

#[test]
fn ps_and_stats_templates_and_ids_print_as_the_references_do() {
    let p = Project::new("templates", APP);
    p.ok(&["up", "-d"]);
    let ids: Vec<String> = {
        let mut v: Vec<String> = p
            .containers()
            .values()
            .map(|c| c.id.clone().unwrap())
            .collect();
        v.sort();
        v
    };
    // full IDs, one per line
    assert_eq!(sorted_lines(&p.ok(&["ps", "-q"])), ids);
    let table = p.ok(&[
        "ps",
        "--format",
        "table {{.Name}}\\t{{.Service}}\\t{{.Health}}\\t{{.State}}",
    ]);
    let web = format!("{}-web-1", p.name);
    assert!(table.starts_with("NAME "), "{table}");
    assert!(
        table.lines().next().unwrap().contains("<no value>"),
        "{table}"
    );
    assert!(table.contains(&format!("{web}   web")), "{table}");
    let plain = p.ok(&[
        "ps",
        "--format",
        "{{.Name}}|{{upper .Service}}|{{json .State}}",
        "web",
    ]);
    assert_eq!(plain, format!("{web}|WEB|\"running\"\n"));
    let out = p.run(&["ps", "--format", "{{.Name"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("unclosed"), "{}", stderr(&out));
    let stats = p.ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.Container}}",
    ]);
    assert_eq!(
        sorted_lines(&stats),
        vec![
            format!(
                "{}-db-1 {}",
                p.name,
                p.containers()[&format!("{}-db-1", p.name)]
                    .id
                    .clone()
                    .unwrap()
            ),
            format!("{web} {}", p.containers()[&web].id.clone().unwrap()),
        ]
    );

    let Some(bin) = reference() else { return };
    // the same header, the same rows (the reference's stats come in the order they arrive)
    let same = |args: &[&str]| {
        let theirs = compose_ref(&bin, &p, args);
        assert!(theirs.status.success(), "{args:?}: {}", stderr(&theirs));
        let (theirs, ours) = (stdout(&theirs), p.ok(args));
        assert_eq!(theirs.lines().next(), ours.lines().next(), "{args:?}");
        assert_eq!(sorted_lines(&theirs), sorted_lines(&ours), "{args:?}");
    };
    same(&["ps", "-q"]);
    same(&[
        "ps",
        "--format",
        "table {{.ID}}\\t{{.Name}}\\t{{.Image}}\\t{{.Service}}\\t{{.Health}}\\t{{.Project}}",
    ]);
    same(&[
        "ps",
        "--format",
        "{{.Name}} {{title .Service}} {{truncate .Image 7}} {{json .Publishers}}",
    ]);
    same(&[
        "stats",
        "--no-stream",
        "--format",
        "table {{.Name}}\\t{{.Container}}\\t{{.ID}}",
    ]);
    // mounts (volumes and binds, cut to 15 characters), commands (cut to 20, quoted) and IDs,
    // cut short unless --no-trunc
    // (the engine lists a container's mounts in no set order: compared as sets)
    let fields = "{{.Name}} {{.LocalVolumes}} {{.Command}} {{.ID}} {{.Mounts}}";
    let mounts_as_sets = |text: &str| -> Vec<String> {
        let lines = text.lines().map(|l| {
            let (head, mounts) = l.rsplit_once(' ').unwrap_or((l, ""));
            let mut mounts: Vec<&str> = mounts.split(',').collect();
            mounts.sort();
            format!("{head} {}", mounts.join(","))
        });
        sorted_lines(&lines.collect::<Vec<_>>().join("\n"))
    };
    for args in [
        &["ps", "--format", fields][..],
        &["ps", "--no-trunc", "--format", fields],
    ] {
        let theirs = compose_ref(&bin, &p, args);
        assert!(theirs.status.success(), "{args:?}: {}", stderr(&theirs));
        assert_eq!(
            mounts_as_sets(&stdout(&theirs)),
            mounts_as_sets(&p.ok(args)),
            "{args:?}"
        );
    }
    let mounts = p.ok(&["ps", "--no-trunc", "--format", "{{.Mounts}}", "web"]);
    let here = p.dir.join("here").display().to_string();
    assert!(mounts.contains(&format!("{}_data", p.name)), "{mounts}");
    assert!(mounts.contains(&here), "{mounts}");
}

#[test]
fn a_second_up_says_what_runs_and_ls_counts_running_containers_unless_all() {
    let p = Project::new("running", APP);
    p.ok(&["up", "-d"]);
    let again = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        sorted_lines(&stderr(&again)),
        vec![
            format!(" Container {}-db-1  Running", p.name),
            format!(" Container {}-web-1  Running", p.name),
        ]
    );
    p.ok(&["stop", "-t", "0", "db"]);
    // this project's entry (a name filter matches the names containing it)
    let entry = |out: &str| -> serde_json::Value {
        let v: serde_json::Value = serde_json::from_str(out).unwrap();
        let found = v
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["Name"] == p.name.as_str());
        found.cloned().unwrap_or_default()
    };
    let filter = format!("name={}", p.name);
    let ls = |all: bool| -> Vec<&str> {
        let mut args = vec!["ls", "--format", "json", "--filter", filter.as_str()];
        if all {
            args.push("-a");
        }
        args
    };
    assert_eq!(entry(&p.ok(&ls(false)))["Status"], "running(1)");
    assert_eq!(entry(&p.ok(&ls(true)))["Status"], "exited(1), running(1)");

    let Some(bin) = reference() else { return };
    let theirs = compose_ref(&bin, &p, &["--progress", "plain", "up", "-d", "web"]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    let ours = p.run(&["--progress", "plain", "up", "-d", "web"]);
    assert_eq!(sorted_lines(&stderr(&ours)), sorted_lines(&stderr(&theirs)));
    for all in [false, true] {
        let theirs = compose_ref(&bin, &p, &ls(all));
        assert_eq!(entry(&stdout(&theirs)), entry(&p.ok(&ls(all))), "-a: {all}");
    }
}

#[test]
fn commit_and_export_make_an_image_and_an_archive_of_a_service_container() {
    let p = Project::new("commit", APP);
    p.ok(&["up", "-d"]);
    p.ok(&["exec", "-T", "web", "sh", "-c", "echo hello > /marker"]);
    let image = format!("{}-committed:v1", p.name);
    let out = p.run(&[
        "commit",
        "-a",
        "me",
        "-m",
        "why",
        "-c",
        "ENV A=1",
        "-c",
        "LABEL z=2",
        "web",
        &image,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let inspected = block_on(docker().inspect_image(&image)).expect("the committed image");
    // the image carries the container's project label: the test's guard removes it too
    let _remove = Sweep(p.name.clone());
    assert_eq!(inspected.author.as_deref(), Some("me"));
    assert_eq!(inspected.comment.as_deref(), Some("why"));
    let config = inspected.config.unwrap();
    assert!(config.env.unwrap().contains(&"A=1".to_string()));
    assert_eq!(config.labels.unwrap()["z"], "2");
    // the change is in the image
    let out = Command::new("docker")
        .args(["run", "--rm", &image, "cat", "/marker"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "hello\n", "{}", stderr(&out));

    let file = p.dir.join("web.tar");
    p.ok(&["export", "-o", file.to_str().unwrap(), "web"]);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let mut names = Vec::new();
    let mut archive = tar::Archive::new(std::fs::File::open(&file).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if path == "marker" {
            let mut s = String::new();
            entry.read_to_string(&mut s).unwrap();
            assert_eq!(s, "hello\n");
        }
        names.push(path);
    }
    assert!(names.iter().any(|n| n == "marker") && names.iter().any(|n| n == "bin/busybox"));
    // to a pipe: the same archive
    let piped = p.run(&["export", "web"]);
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert_eq!(
        piped.stdout.len() as u64,
        std::fs::metadata(&file).unwrap().len()
    );
    let out = p.run(&["export", "-o", "x.tar", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no such service: nope"),
        "{}",
        stderr(&out)
    );
    assert!(!p.dir.join("x.tar").exists());
}

#[test]
fn exec_and_run_take_dash_it_on_a_terminal() {
    let p = Project::new("dashit", APP);
    p.ok(&["up", "-d", "db"]);
    for (args, code) in [
        (&["exec", "-it", "db", "sh", "-c", "tty && exit 4"][..], 4),
        (
            &["run", "--rm", "-it", "db", "sh", "-c", "tty && exit 5"][..],
            5,
        ),
    ] {
        let (master, mut child) = super::everyday::on_pty(&p, args, 80, 24);
        let rx = super::everyday::pty_output(&master);
        let status = eventually(60, "the command to exit", || child.try_wait().unwrap());
        let mut seen = String::new();
        while let Ok(b) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            seen.push_str(&String::from_utf8_lossy(&b));
        }
        assert_eq!(status.code(), Some(code), "{args:?}: {seen}");
        assert!(
            seen.contains("/dev/pts/"),
            "{args:?} had no terminal: {seen}"
        );
    }
    // without a terminal, -i=false: nothing is read from stdin
    let out = p.ok(&[
        "exec",
        "-T",
        "--interactive=false",
        "db",
        "sh",
        "-c",
        "cat; echo done",
    ]);
    assert_eq!(out, "done\n");
    assert!(p.containers().keys().all(|n| !n.contains("-run-")));
}

#[test]
fn a_value_the_engine_would_refuse_stops_up_before_it_creates_anything() {
    let yaml = "
services:
  web:
    image: IMAGE
    command: [sleep, '300']
    restart: allways
  other:
    image: IMAGE
    mem_limit: 100m
    deploy: {resources: {limits: {memory: 200m}}}
";
    let p = Project::new("refused", yaml);
    let out = p.run(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("compose.yaml:6:14: services.web.restart")
            && err.contains("did you mean `always`?"),
        "{err}"
    );
    assert!(
        err.contains("services.other.mem_limit") && err.contains("deploy.resources.limits.memory"),
        "{err}"
    );
    assert_eq!(leftovers(&p.name), Vec::<String>::new());

    let Some(bin) = reference() else { return };
    // the reference fails too, at the engine, after making the project's network
    let theirs = compose_ref(&bin, &p, &["up", "-d"]);
    assert_ne!(theirs.status.code(), Some(0));
    eprintln!(
        "the reference: {} (left {:?})",
        stderr(&theirs).trim(),
        leftovers(&p.name)
    );
}

#[test]
fn global_flags_all_resources_parallel_and_version_act_as_the_references() {
    let yaml = "
services:
  a:
    image: IMAGE
    command: [sleep, '300']
    init: true
  b:
    image: IMAGE
    command: [sleep, '300']
    init: true
networks:
  spare: {}
volumes:
  extra: {}
";
    let p = Project::new("allres", yaml);
    // by default only what the services use is made
    p.ok(&["--parallel", "1", "up", "-d"]);
    assert_eq!(p.networks(), vec![format!("{}_default", p.name)]);
    assert!(p.volumes().is_empty());
    assert_eq!(p.containers().len(), 2);
    p.ok(&["--all-resources", "--parallel", "-1", "up", "-d"]);
    let mut nets = p.networks();
    nets.sort();
    assert_eq!(
        nets,
        vec![format!("{}_default", p.name), format!("{}_spare", p.name)]
    );
    assert_eq!(p.volumes(), vec![format!("{}_extra", p.name)]);
    p.ok(&["down", "-v", "-t", "0"]);
    assert_eq!(leftovers(&p.name), Vec::<String>::new());
    let version = p.ok(&["-v"]);
    assert!(version.starts_with("rcompose version v"), "{version}");

    let Some(bin) = reference() else { return };
    let theirs = compose_ref(&bin, &p, &["--all-resources", "up", "-d"]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    let mut theirs_nets = p.networks();
    theirs_nets.sort();
    assert_eq!(theirs_nets, nets);
    assert_eq!(p.volumes(), vec![format!("{}_extra", p.name)]);
}

#[test]
fn up_wait_fails_as_soon_as_a_service_fails_while_another_still_starts() {
    // `slow` never becomes healthy; `bad` exits 3 at once: the failure ends the wait
    let yaml = "
services:
  slow:
    image: IMAGE
    command: [sleep, '300']
    init: true
    healthcheck: {test: [CMD, 'false'], interval: 1s, retries: 1000}
  bad:
    image: IMAGE
    command: [sh, -c, 'exit 3']
";
    let p = Project::new("failfast", yaml);
    let mut live = Live::start_with_stderr(&p, &["up", "-d", "--wait", "--wait-timeout", "600"]);
    // bounded far below the 600 s the wait would otherwise last: a hang guard, not a timing
    assert_eq!(live.exit_code(120), Some(1), "{:?}", live.seen);
    live.expect(5, "the failure", |l| l.contains("exited with code 3"));
    let slow = &p.containers()[&format!("{}-slow-1", p.name)];
    assert_eq!(
        state(slow),
        "running",
        "the service still starting is left as it is"
    );
}

#[test]
fn ps_orphans_and_restart_no_deps_act_as_the_references() {
    let yaml = "
services:
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
  api:
    image: IMAGE
    command: [sleep, '300']
    init: true
    depends_on: {db: {condition: service_started, restart: true}}
  gone:
    image: IMAGE
    command: [sleep, '300']
    init: true
";
    let p = Project::new("orphans", yaml);
    p.ok(&["up", "-d"]);
    let started = |service: &str| -> String {
        let c = p.inspect(&format!("{}-{service}-1", p.name));
        c.state.unwrap().started_at.unwrap()
    };
    // `restart db` takes api along (its depends_on asks for it); --no-deps does not
    let (db0, api0) = (started("db"), started("api"));
    p.ok(&["restart", "-t", "0", "db"]);
    let (db1, api1) = (started("db"), started("api"));
    assert_ne!(db0, db1);
    assert_ne!(api0, api1, "api restarted with db");
    p.ok(&["restart", "-t", "0", "--no-deps", "db"]);
    assert_ne!(started("db"), db1);
    assert_eq!(started("api"), api1, "--no-deps left api alone");

    // `gone` leaves the file: its container is an orphan, listed unless --orphans=false
    p.write("compose.yaml", &yaml[..yaml.find("  gone:").unwrap()]);
    let names = |args: &[&str]| sorted_lines(&p.ok(args));
    let all = names(&["ps", "--format", "{{.Service}}"]);
    assert_eq!(all, ["api", "db", "gone"]);
    let declared = names(&["ps", "--orphans=false", "--format", "{{.Service}}"]);
    assert_eq!(declared, ["api", "db"]);

    // the reference lists the orphan too; with --orphans=false it still does (2.40.3), where
    // rcompose does what the flag says
    let Some(bin) = reference() else { return };
    let args = ["ps", "--format", "{{.Service}}"];
    let theirs = compose_ref(&bin, &p, &args);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    assert_eq!(sorted_lines(&stdout(&theirs)), names(&args));
}

#[test]
fn compatibility_names_containers_as_compose_v1_and_the_reference_adopts_them() {
    let p = Project::new(
        "compat",
        "services:\n  web:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    scale: 2\n  other:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n",
    );
    p.ok(&["--compatibility", "up", "-d", "web"]);
    let out = p.run_env(&["up", "-d", "other"], &[("COMPOSE_COMPATIBILITY", "true")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names: BTreeSet<String> = p.containers().into_keys().collect();
    let want: BTreeSet<String> = ["web_1", "web_2", "other_1"]
        .iter()
        .map(|s| format!("{}_{s}", p.name))
        .collect();
    assert_eq!(names, want);
    // a second run changes nothing; without the flag, Compose v2's names
    let ids = |p: &Project| -> BTreeSet<String> {
        p.containers().into_values().filter_map(|c| c.id).collect()
    };
    let before = ids(&p);
    p.ok(&["--compatibility", "up", "-d"]);
    assert_eq!(ids(&p), before);

    let Some(bin) = reference() else {
        return;
    };
    let out = compose_ref(&bin, &p, &["--compatibility", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ids(&p), before, "the reference recreated our containers");
    let theirs = compose_ref(
        &bin,
        &p,
        &["--compatibility", "ps", "--format", "{{.Name}}"],
    );
    let ours = p.ok(&["--compatibility", "ps", "--format", "{{.Name}}"]);
    assert_eq!(sorted_lines(&ours), sorted_lines(&stdout(&theirs)));
    // and `config` prints the files without normalization, as the reference does then
    let theirs = compose_ref(&bin, &p, &["--compatibility", "config"]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    assert_eq!(p.ok(&["--compatibility", "config"]), stdout(&theirs));
}

/// The project of the volume test, its volume labelled `v: VERSION`.
fn labelled_volume(version: u32) -> String {
    format!(
        "
services:
  app:
    image: IMAGE
    command: [sleep, '300']
    init: true
    volumes: [data:/data]
volumes:
  data:
    labels: {{v: '{version}'}}
"
    )
}

/// The `v` label of volume `name`.
fn volume_version(name: &str) -> String {
    let v = block_on(docker().inspect_volume(name)).expect("the volume is there");
    v.labels.get("v").cloned().unwrap_or_default()
}

/// Runs `rcompose ARGS` on a pseudo-terminal, answers `answer` to the first question, and
/// returns its exit code and what it showed.
fn answered_on_a_terminal(p: &Project, args: &[&str], answer: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let (mut master, mut child) = super::everyday::on_pty(p, args, 200, 24);
    let rx = super::everyday::pty_output(&master);
    let mut seen = String::new();
    eventually(60, "the question", || {
        while let Ok(b) = rx.try_recv() {
            seen.push_str(&String::from_utf8_lossy(&b));
        }
        seen.contains("[y/N]").then_some(())
    });
    master.write_all(answer.as_bytes()).unwrap();
    let status = eventually(60, "the command to exit", || child.try_wait().unwrap());
    while let Ok(b) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
        seen.push_str(&String::from_utf8_lossy(&b));
    }
    (status.code(), seen)
}

#[test]
fn a_volume_whose_configuration_changed_is_kept_unless_the_user_says_yes_as_with_the_reference() {
    let p = Project::new("volhash", &labelled_volume(1));
    let volume = format!("{}_data", p.name);
    let question = format!(
        "Volume \"{volume}\" exists but doesn't match configuration in compose file. Recreate (data will be lost)?"
    );
    p.ok(&["up", "-d"]);
    p.ok(&["exec", "-T", "app", "sh", "-c", "echo kept > /data/f"]);
    let first = p.containers()[&format!("{}-app-1", p.name)].id.clone();
    // no answer (stdin at its end): asked, kept as it is, and said so
    p.write("compose.yaml", &labelled_volume(2));
    let out = p.run(&["up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&question), "{}", stderr(&out));
    assert!(stderr(&out).contains("kept as it is"), "{}", stderr(&out));
    assert_eq!(volume_version(&volume), "1");
    assert_eq!(p.ok(&["exec", "-T", "app", "cat", "/data/f"]), "kept\n");
    // Ctrl-C while the question waits: the run ends at once, nothing done
    let (code, seen) = answered_on_a_terminal(&p, &["up", "-d"], "\u{3}");
    assert_eq!(code, Some(130), "{seen}");
    assert_eq!(volume_version(&volume), "1");
    // no on a terminal: kept as well
    let (code, seen) = answered_on_a_terminal(&p, &["up", "-d"], "n\n");
    assert_eq!(code, Some(0), "{seen}");
    assert_eq!(volume_version(&volume), "1");
    // yes on a terminal: the container that mounts it goes, the volume comes back empty
    let (code, seen) = answered_on_a_terminal(&p, &["up", "-d"], "y\n");
    assert_eq!(code, Some(0), "{seen}");
    assert!(seen.contains(&question), "{seen}");
    assert_eq!(volume_version(&volume), "2");
    let now = &p.containers()[&format!("{}-app-1", p.name)];
    assert_ne!(now.id, first);
    assert_eq!(state(now), "running");
    let gone = p.run(&["exec", "-T", "app", "cat", "/data/f"]);
    assert!(!gone.status.success(), "the old data is still there");
    // `-y`: recreated without a question; an unchanged one is not asked about
    p.write("compose.yaml", &labelled_volume(3));
    let out = p.run(&["up", "-d", "-y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Recreate (data"), "{}", stderr(&out));
    assert_eq!(volume_version(&volume), "3");
    let out = p.run(&["up", "-d"]);
    assert!(!stderr(&out).contains("Recreate (data"), "{}", stderr(&out));

    // the reference hashes the volume as rcompose does: it sees no change, then recreates it
    // with -y, and rcompose sees no change in what it made
    let Some(bin) = reference() else { return };
    let theirs = compose_ref(&bin, &p, &["up", "-d"]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    let said = format!("{}{}", stdout(&theirs), stderr(&theirs));
    assert!(!said.contains("Recreate (data"), "{said}");
    p.write("compose.yaml", &labelled_volume(4));
    let theirs = compose_ref(&bin, &p, &["up", "-d"]);
    let said = format!("{}{}", stdout(&theirs), stderr(&theirs));
    assert!(said.contains(&question), "{said}");
    assert_eq!(volume_version(&volume), "3");
    let theirs = compose_ref(&bin, &p, &["up", "-d", "-y"]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    assert_eq!(volume_version(&volume), "4");
    let out = p.run(&["up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Recreate (data"), "{}", stderr(&out));
}

/// The project of the network test, its network labelled `v: VERSION`.
fn labelled_network(version: u32) -> String {
    format!(
        "
services:
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
    networks: [back]
  app:
    image: IMAGE
    command: [sleep, '300']
    init: true
    depends_on: [db]
    networks:
      back: {{aliases: [api]}}
networks:
  back:
    labels: {{v: '{version}'}}
"
    )
}

/// The `v` label of network `name`, and its ID.
fn network_version(name: &str) -> (String, String) {
    let n = block_on(docker().inspect_network(name, None::<q::InspectNetworkOptions>))
        .expect("the network is there");
    let v = n.labels.unwrap_or_default().get("v").cloned();
    (v.unwrap_or_default(), n.id.unwrap_or_default())
}

/// The aliases of container `c` on network `n`.
fn aliases_on(c: &str, n: &str) -> BTreeSet<String> {
    let networks = inspect(c).network_settings.and_then(|s| s.networks);
    let endpoint = networks
        .and_then(|mut m| m.remove(n))
        .expect("on the network");
    endpoint.aliases.unwrap_or_default().into_iter().collect()
}

#[test]
fn a_network_whose_configuration_changed_is_recreated_with_its_containers_kept_as_with_the_reference()
 {
    let p = Project::new("nethash", &labelled_network(1));
    let network = format!("{}_back", p.name);
    let app = format!("{}-app-1", p.name);
    p.ok(&["up", "-d"]);
    let before: BTreeSet<String> = p
        .containers()
        .values()
        .map(|c| c.id.clone().unwrap())
        .collect();
    let (_, first) = network_version(&network);
    // changed: recreated without a question, the containers moved onto it, not recreated
    p.write("compose.yaml", &labelled_network(2));
    let out = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (version, id) = network_version(&network);
    assert_eq!(version, "2", "{}", stderr(&out));
    assert_ne!(id, first, "the network was not recreated");
    let now: BTreeSet<String> = p
        .containers()
        .values()
        .map(|c| c.id.clone().unwrap())
        .collect();
    assert_eq!(now, before, "containers were recreated");
    assert!(p.containers().values().all(|c| state(c) == "running"));
    // on the new network with their service's aliases: the names resolve
    let expected: BTreeSet<String> = [app.clone(), "app".into(), "api".into()].into();
    assert!(aliases_on(&app, &network).is_superset(&expected));
    p.ok(&["exec", "-T", "db", "ping", "-c", "1", "-W", "5", "api"]);
    p.ok(&["exec", "-T", "app", "ping", "-c", "1", "-W", "5", "db"]);
    // unchanged: nothing to do
    let out = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(
        !stderr(&out).contains(&format!("Network {network}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(network_version(&network).1, id);
    // a container of no service of the project on it (another project's, run by hand): the
    // network stays as it is, with a warning, and nothing is stopped
    let stranger = format!("{}-stranger", p.name);
    let sweep = Sweep(stranger.clone());
    let run = std::process::Command::new("docker")
        .args(["run", "-d", "--name", &stranger, "--network", &network])
        .args(["--label", &format!("com.docker.compose.project={stranger}")])
        .args([IMAGE, "sleep", "300"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    p.write("compose.yaml", &labelled_network(4));
    let out = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("network {network} exists but doesn't match"))
            && stderr(&out).contains(&stranger),
        "{}",
        stderr(&out)
    );
    assert_eq!(network_version(&network), ("2".to_string(), id.clone()));
    assert!(p.containers().values().all(|c| state(c) == "running"));
    // once it is gone (the engine frees its endpoint after the removal returns), the next up
    // recreates the network
    drop(sweep);
    eventually(30, "the stranger's endpoint to go", || {
        let n = block_on(docker().inspect_network(&network, None::<q::InspectNetworkOptions>));
        let on = n.ok()?.containers.unwrap_or_default();
        on.values()
            .all(|e| e.name.as_deref() != Some(stranger.as_str()))
            .then_some(())
    });
    let out = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (version, id) = network_version(&network);
    assert_eq!(version, "4", "{}", stderr(&out));

    // the reference hashes the network as rcompose does: it sees no change in what rcompose
    // made, and rcompose none in what it recreates
    let Some(bin) = reference() else { return };
    let theirs = compose_ref(&bin, &p, &["up", "-d"]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    assert_eq!(
        network_version(&network).1,
        id,
        "the reference recreated our network"
    );
    p.write("compose.yaml", &labelled_network(5));
    let theirs = compose_ref(&bin, &p, &["up", "-d"]);
    assert!(theirs.status.success(), "{}", stderr(&theirs));
    let (version, id) = network_version(&network);
    assert_eq!(version, "5");
    let out = p.run(&["--progress", "plain", "up", "-d"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(network_version(&network).1, id, "{}", stderr(&out));
}
