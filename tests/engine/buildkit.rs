//! BuildKit builds on the real engine: a cache mount that persists between builds, a build
//! secret readable in `RUN` and absent from every layer, SSH forwarding (the user's agent and
//! key files) checked by a static agent client inside the build, the inline cache, a target
//! that skips a stage that would fail, every tag, the keys this engine cannot honour refused by
//! their path, the classic builder under `DOCKER_BUILDKIT=0`, and a failing `RUN` reported with
//! its stage, Dockerfile line and output.

use std::io::Read;

use futures_util::StreamExt;

use super::images::Images;
use super::*;

/// The build cache records of a test (every step it runs carries its token), pruned when
/// dropped; records that others build on go in later rounds.
struct Cache(String);

impl Drop for Cache {
    fn drop(&mut self) {
        // records others build on go in later rounds; one in use by a build that is ending
        // goes once it ended
        for round in 0..40 {
            if round > 5 {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let ids: Vec<String> = cache_records()
                .into_iter()
                .filter(|(_, description)| description.contains(&self.0))
                .map(|(id, _)| id)
                .collect();
            if ids.is_empty() {
                return;
            }
            prune_cache_records(ids);
        }
    }
}

/// A project whose images and build cache go with it.
fn project(tag: &str, yaml: &str) -> (Project, Cache) {
    let p = Project::new(tag, yaml);
    let cache = Cache(p.name.clone());
    (p, cache)
}

/// What a command printed in a fresh container of `image`.
fn run_in(image: &str, cmd: &[&str]) -> String {
    let d = docker();
    block_on(async {
        let body = bollard::models::ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        let id = d
            .create_container(None::<q::CreateContainerOptions>, body)
            .await
            .expect("container created")
            .id;
        d.start_container(&id, None::<q::StartContainerOptions>)
            .await
            .expect("started");
        let mut wait = d.wait_container(&id, None::<q::WaitContainerOptions>);
        while wait.next().await.is_some() {}
        let mut logs = d.logs(
            &id,
            Some(q::LogsOptions {
                stdout: true,
                stderr: true,
                ..Default::default()
            }),
        );
        let mut out = String::new();
        while let Some(Ok(chunk)) = logs.next().await {
            out.push_str(&chunk.to_string());
        }
        let _ = d
            .remove_container(
                &id,
                Some(q::RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                }),
            )
            .await;
        out
    })
}

/// Every file of `docker save IMAGE`, layers unpacked too, as (path, bytes).
fn saved_files(image: &str) -> Vec<(String, Vec<u8>)> {
    let bytes: Vec<u8> = block_on(async {
        let mut out = Vec::new();
        let mut s = docker().export_image(image);
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk.expect("docker save streams"));
        }
        out
    });
    let mut files = Vec::new();
    let mut outer = tar::Archive::new(&bytes[..]);
    for entry in outer.entries().expect("a tar") {
        let mut entry = entry.expect("an entry");
        let path = entry.path().unwrap().display().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if path.ends_with("layer.tar") {
            let mut layer = tar::Archive::new(&data[..]);
            for inner in layer.entries().expect("a layer tar") {
                let mut inner = inner.expect("a layer entry");
                let name = format!("{path}:{}", inner.path().unwrap().display());
                let mut content = Vec::new();
                inner.read_to_end(&mut content).unwrap();
                files.push((name, content));
            }
        }
        files.push((path, data));
    }
    files
}

/// A SHA-256 in hex, as `sha256sum` prints it: the RUN step compares digests, so that the
/// secrets themselves are nowhere in the Dockerfile.
fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_cache_mount_persists_across_builds() {
    let (p, _cache) = project(
        "bkcache",
        "services:\n  app:\n    build:\n      context: .\n      args: {ROUND: '1'}\n",
    );
    let image = format!("{}-app", p.name);
    let _images = Images(vec![image.clone()]);
    // the cache's id is the test's own; a new ROUND makes the RUN step run again
    let dockerfile = format!(
        "FROM IMAGE\nARG ROUND\nRUN --mount=type=cache,id={0},target=/cache echo {0} $ROUND >> /cache/runs && wc -l < /cache/runs > /count\n",
        p.name
    );
    p.write("Dockerfile", &dockerfile);
    p.ok(&["build"]);
    assert_eq!(run_in(&image, &["cat", "/count"]).trim(), "1");
    let out = p.run(&["build", "--build-arg", "ROUND=2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        run_in(&image, &["cat", "/count"]).trim(),
        "2",
        "the second build found the first one's file in the cache"
    );
}

#[test]
fn a_build_secret_is_readable_in_run_and_in_no_layer() {
    let (p, _cache) = project(
        "bksecret",
        "
services:
  app:
    build:
      context: .
      secrets: [file_secret, {source: env_secret, target: renamed}]
secrets:
  file_secret: {file: ./token.txt}
  env_secret: {environment: BUILD_TOKEN}
",
    );
    let image = format!("{}-app", p.name);
    let _images = Images(vec![image.clone()]);
    let token = format!("s3cr3t-{}", p.name);
    let from_env = format!("env-{token}");
    p.write("token.txt", &token);
    p.write(
        "Dockerfile",
        &format!(
            "FROM IMAGE\nRUN --mount=type=secret,id=file_secret --mount=type=secret,id=renamed test \"$(sha256sum < /run/secrets/file_secret)\" = '{}  -' && test \"$(sha256sum < /run/secrets/renamed)\" = '{}  -' && echo {} checked > /checked\n",
            sha256(&token),
            sha256(&from_env),
            p.name
        ),
    );
    let out = p.run_env(
        &["--progress", "plain", "build"],
        &[("BUILD_TOKEN", &from_env)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        run_in(&image, &["cat", "/checked"]).trim(),
        format!("{} checked", p.name)
    );
    let files = saved_files(&image);
    assert!(files.len() > 3, "docker save gave the image's files");
    for (path, data) in &files {
        for secret in [&token, &from_env] {
            assert!(
                !contains(data, secret.as_bytes()),
                "the secret is in {path} of docker save"
            );
        }
    }
    // nor in what rcompose printed
    assert!(!stderr(&out).contains(&token) && !stdout(&out).contains(&token));
}

/// The static agent client (tests/engine/data/agent-keys.c), built into `dir`.
fn agent_client(dir: &Path) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/data/agent-keys.c");
    let out = Command::new("cc")
        .args(["-static", "-O2", "-o"])
        .arg(dir.join("agent-keys"))
        .arg(&source)
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "cc -static: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A throwaway key with `comment`, at `path`.
fn keygen(path: &Path, comment: &str) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen runs (openssh-client)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An ssh-agent of the test's own, holding one key; stopped when dropped.
struct Agent {
    child: std::process::Child,
    socket: PathBuf,
}

impl Agent {
    fn start(dir: &Path, key: &Path) -> Agent {
        let socket = dir.with_extension("agent.sock");
        let child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(Stdio::null())
            .spawn()
            .expect("ssh-agent runs");
        let agent = Agent { child, socket };
        eventually(10, "the agent's socket", || {
            agent.socket.exists().then_some(())
        });
        let out = Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &agent.socket)
            .output()
            .expect("ssh-add runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

#[test]
fn ssh_forwards_the_running_agent_and_key_files() {
    let (p, _cache) = project(
        "bkssh",
        "
services:
  agent:
    build: {context: ., dockerfile: agent.Dockerfile, ssh: [default]}
  files:
    build: {context: ., dockerfile: files.Dockerfile, ssh: ['deploy=./keys/deploy']}
",
    );
    let _images = Images(vec![
        format!("{}-agent", p.name),
        format!("{}-files", p.name),
    ]);
    agent_client(&p.dir);
    std::fs::create_dir_all(p.dir.join("keys")).unwrap();
    let (user, deploy) = (format!("user-{}", p.name), format!("deploy-{}", p.name));
    keygen(&p.dir.join("keys/user"), &user);
    keygen(&p.dir.join("keys/deploy"), &deploy);
    let agent = Agent::start(&p.dir, &p.dir.join("keys/user"));
    for (file, id) in [
        ("agent.Dockerfile", "default"),
        ("files.Dockerfile", "deploy"),
    ] {
        let text = format!(
            "FROM IMAGE\nCOPY agent-keys /agent-keys\nRUN --mount=type=ssh,id={id} /agent-keys > /keys && echo {} >> /keys\n",
            p.name
        );
        p.write(file, &text);
    }
    let socket = agent.socket.display().to_string();
    let out = p.run_env(&["build"], &[("SSH_AUTH_SOCK", &socket)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = run_in(&format!("{}-agent", p.name), &["cat", "/keys"]);
    assert!(seen.contains(&format!("key: {user}")), "{seen}");
    let seen = run_in(&format!("{}-files", p.name), &["cat", "/keys"]);
    assert!(
        seen.contains("keys: 1") && seen.contains(&format!("key: {deploy}")),
        "only the key file is in the agent rcompose started: {seen}"
    );
    // no agent: the service that forwards it says what is missing, before anything is sent
    let out = p.run_env(&["build", "agent"], &[("SSH_AUTH_SOCK", "")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("services.agent.build.ssh[0]: `default` forwards the running SSH agent, and SSH_AUTH_SOCK is not set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_inline_cache_travels_with_the_image_and_is_reused() {
    let (p, _cache) = project(
        "bkinline",
        "
services:
  first:
    build: {context: ./first, cache_to: ['type=inline']}
  second:
    build: {context: ./second, cache_from: [FIRST_BUILT]}
",
    );
    let first = format!("{}-first", p.name);
    let second = format!("{}-second", p.name);
    let _images = Images(vec![first.clone(), second.clone()]);
    p.write(
        "compose.yaml",
        &std::fs::read_to_string(p.dir.join("compose.yaml"))
            .unwrap()
            .replace("FIRST_BUILT", &first),
    );
    let dockerfile = format!("FROM IMAGE\nRUN echo {} > /made\n", p.name);
    p.write("first/Dockerfile", &dockerfile);
    p.write("second/Dockerfile", &dockerfile);
    p.ok(&["build", "first"]);
    // the cache metadata is in the image's config
    let config = saved_files(&first)
        .into_iter()
        .find(|(path, _)| {
            path.ends_with(".json") && !path.ends_with("manifest.json") && !path.contains('/')
        })
        .expect("the image config in docker save");
    assert!(
        contains(&config.1, b"moby.buildkit.cache.v0"),
        "the inline cache is in the config"
    );
    // the local records of the first build go: what the second finds cached came with the image
    drop(Cache(p.name.clone()));
    let out = p.run(&["--progress", "plain", "build", "second"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let run = err
        .lines()
        .find(|l| l.contains("RUN echo"))
        .expect("the RUN step is shown");
    let number = run.split_whitespace().next().unwrap();
    assert!(
        err.contains(&format!("{number} CACHED")),
        "the RUN step came from the first image's cache:\n{err}"
    );
}

#[test]
fn a_target_skips_the_stages_it_does_not_need_and_every_tag_is_applied() {
    let (p, _cache) = project(
        "bktarget",
        "
services:
  app:
    build:
      context: .
      target: good
      tags: [TAG_ONE, TAG_TWO]
",
    );
    let image = format!("{}-app", p.name);
    let tags = [
        format!("{}-extra:one", p.name),
        format!("{}-other:two", p.name),
    ];
    let _images = Images(vec![image.clone(), tags[0].clone(), tags[1].clone()]);
    p.write(
        "compose.yaml",
        &std::fs::read_to_string(p.dir.join("compose.yaml"))
            .unwrap()
            .replace("TAG_ONE", &tags[0])
            .replace("TAG_TWO", &tags[1]),
    );
    p.write(
        "Dockerfile",
        &format!(
            "FROM IMAGE AS broken\nRUN echo {0} && exit 9\nFROM IMAGE AS good\nRUN echo {0} > /good\n",
            p.name
        ),
    );
    let out = p.run(&["--progress", "plain", "build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("exit 9"),
        "the broken stage never ran"
    );
    let id = |r: &str| {
        block_on(docker().inspect_image(r))
            .unwrap_or_else(|e| panic!("{r}: {e}"))
            .id
    };
    assert_eq!(id(&tags[0]), id(&image));
    assert_eq!(id(&tags[1]), id(&image));
    // the classic builder runs every stage before the target: there the broken one fails
    let out = p.run_env(&["build"], &[("DOCKER_BUILDKIT", "0")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn what_this_engine_cannot_build_is_refused_by_its_key_and_nothing_is_made() {
    let (p, _cache) = project(
        "bkrefuse",
        "
services:
  named:
    build:
      context: .
      additional_contexts: {base: ./base}
  cache:
    build: {context: ., cache_to: ['type=local,dest=./c']}
  arm:
    build: {context: ., platforms: [linux/arm64]}
",
    );
    p.write("Dockerfile", "FROM IMAGE\n");
    p.write("base/.keep", "");
    for (service, want) in [
        (
            "named",
            "services.named.build.additional_contexts: named build contexts need BuildKit's Dockerfile frontend 1.4, which the engine's own BuildKit has from Docker Engine 23.0",
        ),
        (
            "cache",
            "services.cache.build.cache_to[0]: a `type=local` cache export needs buildx",
        ),
        (
            "arm",
            "services.arm.build.platforms: the engine builds for linux/",
        ),
    ] {
        let out = p.run(&["up", "-d", service]);
        assert_eq!(out.status.code(), Some(1), "{service}");
        assert!(stderr(&out).contains(want), "{service}: {}", stderr(&out));
    }
    assert!(leftovers(&p.name).is_empty(), "{:?}", leftovers(&p.name));
}

#[test]
fn docker_buildkit_0_uses_the_classic_builder_and_refuses_buildkit_dockerfiles_before_sending() {
    let (p, _cache) = project(
        "bkclassic",
        "services:\n  plain: {build: ./plain}\n  mounts: {build: ./mounts}\n",
    );
    let plain = format!("{}-plain", p.name);
    let _images = Images(vec![plain.clone(), format!("{}-mounts", p.name)]);
    p.write(
        "plain/Dockerfile",
        &format!("FROM IMAGE\nRUN echo {}\n", p.name),
    );
    p.write(
        "mounts/Dockerfile",
        "FROM IMAGE\nRUN --mount=type=cache,target=/c true\n",
    );
    let classic = [("DOCKER_BUILDKIT", "0")];
    let out = p.run_env(&["--progress", "plain", "build", "plain"], &classic);
    assert!(out.status.success(), "{}", stderr(&out));
    // (the classic builder makes a step of each label: there is one, as the reference's)
    assert!(
        stderr(&out).contains("Step 2/3 : RUN echo"),
        "{}",
        stderr(&out)
    );
    let labels = block_on(docker().inspect_image(&plain))
        .unwrap()
        .config
        .and_then(|c| c.labels)
        .unwrap_or_default();
    assert_eq!(labels["com.docker.compose.image.builder"], "classic");
    let out = p.run_env(&["build", "mounts"], &classic);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "mounts/Dockerfile:2 needs BuildKit (`RUN --mount=type=cache,target=/c true`)"
        ) && err.contains("DOCKER_BUILDKIT=0"),
        "{err}"
    );
    // by default the same Dockerfile builds
    p.ok(&["build", "mounts"]);
}

#[test]
fn the_context_goes_through_the_session_and_an_outside_dockerfile_brings_its_ignore_file() {
    let yaml =
        "services:\n  app:\n    build: {context: ./ctx, dockerfile: ../docker/app.Dockerfile}\n";
    let (p, _cache) = project("bkctx", yaml);
    let image = format!("{}-app", p.name);
    let _images = Images(vec![image.clone()]);
    p.write("ctx/kept.txt", "kept\n");
    p.write("ctx/dropped.txt", "dropped\n");
    p.write("ctx/sub/deep.txt", "deep\n");
    p.write("docker/app.Dockerfile.dockerignore", "dropped.txt\n");
    let dockerfile = |n: u8| format!("FROM IMAGE\nCOPY . /ctx\nRUN echo {n}{} > /v\n", p.name);
    p.write("docker/app.Dockerfile", &dockerfile(1));
    p.ok(&["build"]);
    let seen = run_in(&image, &["sh", "-c", "find /ctx | sort; cat /v"]);
    let expected = format!(
        "/ctx\n/ctx/kept.txt\n/ctx/sub\n/ctx/sub/deep.txt\n1{}\n",
        p.name
    );
    assert_eq!(seen, expected);
    // edits of the same size: BuildKit keeps what a session sent, and must be told they changed
    p.write("docker/app.Dockerfile", &dockerfile(2));
    p.write("ctx/kept.txt", "KEPT\n");
    p.ok(&["build"]);
    let seen = run_in(&image, &["sh", "-c", "cat /ctx/kept.txt /v"]);
    assert_eq!(seen, format!("KEPT\n2{}\n", p.name));
}

#[test]
fn a_failing_run_names_the_service_stage_line_and_shows_its_output() {
    let (p, _cache) = project("bkfail", "services:\n  app: {build: .}\n");
    let _images = Images(vec![format!("{}-app", p.name)]);
    p.write(
        "Dockerfile",
        &format!(
            "FROM IMAGE AS build\n# the step before\nRUN echo {0} ok\nRUN echo {0} compiling && \\\n    echo 'error: it broke' >&2 && exit 3\nFROM build\nRUN true\n",
            p.name
        ),
    );
    let out = p.run(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("service `app`: build image")
            && err.contains("stage `build`, step 3/3")
            && err.contains("(Dockerfile:4)")
            && err.contains("exit code: 3")
            && err.contains("its last output:")
            && err.contains("error: it broke")
            && err.contains(&format!("{} compiling", p.name)),
        "{err}"
    );
    assert!(p.containers().is_empty(), "no container was created");
}

#[test]
fn build_print_gives_the_bake_file_the_reference_prints() {
    let Some(bin) = super::interop::reference() else {
        return;
    };
    let (p, _cache) = project(
        "bkprint",
        "
services:
  app:
    build:
      context: .
      target: prod
      args: {A: '1'}
      labels: {team: x}
      secrets: [tok, env]
      tags: ['rct-print-extra:1']
      no_cache: true
  other:
    build: {context: ./other, dockerfile_inline: 'FROM IMAGE'}
secrets:
  tok: {file: ./tok.txt}
  env: {environment: TOKEN_VAR}
",
    );
    p.write("Dockerfile", "FROM IMAGE AS prod\n");
    p.write("tok.txt", "x");
    p.write("other/.keep", "");
    let var = [("TOKEN_VAR", "t")];
    let out = p.run_env(&["build", "--print"], &var);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let out = Command::new(&bin)
        .args(["-p", &p.name, "build", "--print"])
        .current_dir(&p.dir)
        .envs(var)
        .output()
        .expect("the reference runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut theirs: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    // the reference lists the group's targets in Go's map order, which changes from run to run
    let mut targets: Vec<String> =
        serde_json::from_value(theirs["group"]["default"]["targets"].clone()).unwrap();
    targets.sort();
    theirs["group"]["default"]["targets"] = serde_json::json!(targets);
    // each tool writes its own version
    for t in ["app", "other"] {
        theirs["target"][t]["labels"]["com.docker.compose.version"] =
            ours["target"][t]["labels"]["com.docker.compose.version"].clone();
    }
    assert_eq!(ours, theirs);
}

#[test]
fn run_steps_get_the_hosts_network_and_labels_and_ignored_keys_are_said() {
    let (p, _cache) = project(
        "bkkeys",
        "
services:
  app:
    build:
      context: .
      extra_hosts: ['myhost=10.1.2.3']
      network: none
      labels: {team: builders}
      shm_size: 128m
",
    );
    let image = format!("{}-app", p.name);
    let _images = Images(vec![image.clone()]);
    // /proc/net/dev: two header lines and one per interface; with network none, lo alone
    p.write(
        "Dockerfile",
        &format!(
            "FROM IMAGE\nRUN echo {} && grep -q '10.1.2.3.*myhost' /etc/hosts && test $(wc -l < /proc/net/dev) -eq 3\n",
            p.name
        ),
    );
    let out = p.run(&["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let labels = block_on(docker().inspect_image(&image))
        .unwrap()
        .config
        .and_then(|c| c.labels)
        .unwrap_or_default();
    assert_eq!(labels["team"], "builders");
    assert_eq!(labels["com.docker.compose.project"], p.name);
    // an engine whose BuildKit ignores shm_size in RUN steps is said to
    let api = block_on(docker().version()).unwrap().api_version.unwrap();
    let minor: u32 = api.split('.').nth(1).unwrap().parse().unwrap();
    let warned =
        stderr(&out).contains("services.app.build.shm_size: ignored: this engine's BuildKit");
    assert_eq!(warned, minor < 44, "API {api}: {}", stderr(&out));
}

#[test]
fn build_memory_limits_the_classic_builders_container_and_buildkit_says_it_ignores_it() {
    let (p, _cache) = project("bkmem", "services:\n  app:\n    build: .\n");
    // cgroup v1 and v2 both: whichever file the build container has
    p.write(
        "Dockerfile",
        "FROM IMAGE\nRUN cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max > /limit 2>/dev/null; true\n",
    );
    let image = format!("{}-app", p.name);
    // the classic builder labels its images without the project: removed by their tag (their
    // untagged parent layers with them), here and if the test fails
    let _images = super::images::Images(vec![image.clone()]);
    let out = p.run_env(&["build", "-m", "96m"], &[("DOCKER_BUILDKIT", "0")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        run_in(&image, &["cat", "/limit"]).trim(),
        (96u64 << 20).to_string()
    );
    block_on(docker().remove_image(&image, None::<q::RemoveImageOptions>, None))
        .expect("the classic build's image removed");
    // BuildKit takes no limit: said once, and the build goes on
    let out = p.run(&["build", "--no-cache", "--memory", "96m"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("--memory: ignored").count(),
        1,
        "{}",
        stderr(&out)
    );
    let out = p.run(&["build", "-m", "lots"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
