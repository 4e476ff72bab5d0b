//! Images on the real engine: builds (args, target, `.dockerignore`, inline Dockerfile, FROM
//! another service's image), a rebuilt image recreating its container, push to and pull from a
//! real local registry (Debian's docker-registry on 127.0.0.1, with credentials read from a
//! config file), pull progress, `images`, `--no-build`, `down --rmi local`.

use std::io::{Read, Write};

use super::*;

/// A docker-registry on 127.0.0.1, with or without basic auth; stopped when dropped.
pub struct Registry {
    child: std::process::Child,
    pub port: u16,
    dir: PathBuf,
}

/// bcrypt of `s3cret` for the user `rct` (made with Python's crypt module, METHOD_BLOWFISH).
const HTPASSWD: &str = "rct:$2b$12$DHU5dJxCGZqLPWo5eHOpOe1Llccbaw8SslKxtLS1VRKtMHpAMdWFy\n";

impl Registry {
    pub fn start(auth: bool) -> Registry {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("rct-registry-{}-{port}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let mut config = format!(
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.join("data").display()
        );
        if auth {
            std::fs::write(dir.join("htpasswd"), HTPASSWD).unwrap();
            config += &format!(
                "auth:\n  htpasswd:\n    realm: rct\n    path: {}\n",
                dir.join("htpasswd").display()
            );
        }
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let child = Command::new("docker-registry")
            .args(["serve", &dir.join("config.yml").to_string_lossy()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry runs (apt-get install docker-registry)");
        let r = Registry { child, port, dir };
        eventually(20, "the registry to listen", || {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .ok()
                .map(|_| ())
        });
        r
    }

    /// The registry's answer to `GET path` (with the test user's credentials).
    pub fn get(&self, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Basic cmN0OnMzY3JldA==\r\nAccept: application/vnd.oci.image.manifest.v1+json\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Images made by a test, removed at its end.
pub struct Images(pub Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for i in &self.0 {
            let _ = block_on(docker().remove_image(
                i,
                Some(q::RemoveImageOptions {
                    force: true,
                    ..Default::default()
                }),
                None,
            ));
        }
    }
}

/// The images a failed classic build leaves behind (the steps before the one that failed, kept as
/// its cache, untagged and unlabelled), found by `token` in the step that made them; removed
/// when dropped.
pub struct ClassicSteps(pub String);

impl Drop for ClassicSteps {
    fn drop(&mut self) {
        let d = docker();
        let dangling = q::ListImagesOptions {
            all: true,
            filters: Some(HashMap::from([(
                "dangling".to_string(),
                vec!["true".to_string()],
            )])),
            ..Default::default()
        };
        for image in block_on(d.list_images(Some(dangling))).unwrap_or_default() {
            let made_by = block_on(d.image_history(&image.id)).unwrap_or_default();
            if made_by
                .first()
                .is_some_and(|h| h.created_by.contains(&self.0))
            {
                let _ = block_on(d.remove_image(&image.id, None::<q::RemoveImageOptions>, None));
            }
        }
    }
}

fn image_id(reference: &str) -> Option<String> {
    block_on(docker().inspect_image(reference))
        .ok()
        .and_then(|i| i.id)
}

#[test]
fn builds_use_args_target_dockerignore_and_inline_dockerfiles() {
    let p = Project::new(
        "build",
        "
services:
  app:
    build:
      context: ./app
      args: {GREETING: bonjour}
      target: final
      labels: {built.by: rcompose-test}
    command: [sleep, '300']
    init: true
  inline:
    build:
      context: ./app
      dockerfile_inline: |
        FROM IMAGE
        RUN echo inline > /made-inline
    command: [sleep, '300']
    init: true
",
    );
    let _images = Images(vec![
        format!("{}-app", p.name),
        format!("{}-inline", p.name),
    ]);
    p.write(
        "app/Dockerfile",
        "FROM IMAGE AS base\nARG GREETING=hello\nRUN echo \"$GREETING\" > /greeting\nFROM base AS final\nCOPY . /app\nFROM base AS unused\nRUN false\n",
    );
    p.write("app/.dockerignore", "secret.txt\n");
    p.write("app/secret.txt", "do not send\n");
    p.write("app/data.txt", "sent\n");
    p.ok(&["up", "-d", "--build"]);
    let app = format!("{}-app-1", p.name);
    assert_eq!(read_file(&app, "/greeting"), "bonjour\n");
    assert_eq!(read_file(&app, "/app/data.txt"), "sent\n");
    assert!(
        try_read_file(&app, "/app/secret.txt").is_err(),
        ".dockerignore excluded it"
    );
    assert_eq!(
        read_file(&format!("{}-inline-1", p.name), "/made-inline"),
        "inline\n"
    );
    let image = block_on(docker().inspect_image(&format!("{}-app", p.name))).unwrap();
    let labels = image.config.unwrap().labels.unwrap();
    assert_eq!(labels["built.by"], "rcompose-test");
    assert_eq!(labels["com.docker.compose.service"], "app");
}

#[test]
fn a_rebuilt_image_recreates_its_container_and_only_then() {
    let p = Project::new(
        "rebuild",
        "services:\n  app:\n    build: ./app\n    command: [sleep, '300']\n    init: true\n",
    );
    let _images = Images(vec![format!("{}-app", p.name)]);
    p.write("app/Dockerfile", "FROM IMAGE\nCOPY v /v\n");
    p.write("app/v", "1\n");
    // a missing image is built by a plain `up`
    p.ok(&["up", "-d"]);
    let app = format!("{}-app-1", p.name);
    let first = p.inspect(&app).id.unwrap();
    p.ok(&["up", "-d"]);
    assert_eq!(
        p.inspect(&app).id.unwrap(),
        first,
        "nothing changed, nothing rebuilt"
    );
    p.write("app/v", "2\n");
    p.ok(&["up", "-d", "--build", "-t", "0"]);
    let second = p.inspect(&app);
    assert_ne!(
        second.id.clone().unwrap(),
        first,
        "the new image replaced the container"
    );
    let image = image_id(&format!("{}-app", p.name)).unwrap();
    assert_eq!(
        second.config.unwrap().labels.unwrap()["com.docker.compose.image"],
        image
    );
    assert_eq!(read_file(&app, "/v"), "2\n");
}

#[test]
fn builds_follow_from_and_a_shared_context_builds_once() {
    let base = format!("rct-base-{}", std::process::id());
    let p = Project::new(
        "from",
        &format!(
            "
services:
  app:
    build: ./app
    command: [sleep, '300']
    init: true
  worker:
    build: ./app
    command: [sleep, '300']
    init: true
  base:
    image: {base}
    build: ./base
    command: [sleep, '300']
    init: true
"
        ),
    );
    let _images = Images(vec![
        base.clone(),
        format!("{}-app", p.name),
        format!("{}-worker", p.name),
    ]);
    p.write(
        "base/Dockerfile",
        "FROM IMAGE\nRUN echo base > /base-marker\n",
    );
    // fails unless base was built first
    p.write(
        "app/Dockerfile",
        &format!("FROM {base}\nRUN cat /base-marker\n"),
    );
    let out = p.run(&["--progress", "plain", "build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let builds = stderr(&out).matches("  Built").count();
    assert_eq!(
        builds,
        2,
        "base, then app once for app and worker:\n{}",
        stderr(&out)
    );
    assert_eq!(
        image_id(&format!("{}-app", p.name)),
        image_id(&format!("{}-worker", p.name))
    );
}

#[test]
fn push_and_pull_through_a_local_registry_with_credentials() {
    let registry = Registry::start(true);
    let image = format!("127.0.0.1:{}/rct/app:{}", registry.port, std::process::id());
    let p = Project::new(
        "push",
        &format!(
            "services:\n  app:\n    image: {image}\n    build: ./app\n    command: [sleep, '300']\n    init: true\n"
        ),
    );
    let _images = Images(vec![image.clone()]);
    p.write("app/Dockerfile", "FROM IMAGE\nRUN echo pushed > /marker\n");
    p.ok(&["build"]);

    // without credentials the registry refuses, and the error names the service
    let empty = p.dir.join("no-config");
    std::fs::create_dir_all(&empty).unwrap();
    let out = p.run_env(&["push"], &[("DOCKER_CONFIG", &empty.to_string_lossy())]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("service `app`: push image"),
        "{}",
        stderr(&out)
    );

    // credentials come from the config file
    let config = p.dir.join("docker-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        format!(
            "{{\"auths\": {{\"127.0.0.1:{}\": {{\"auth\": \"cmN0OnMzY3JldA==\"}}}}}}",
            registry.port
        ),
    )
    .unwrap();
    let cfg = config.to_string_lossy().into_owned();
    // `build --push`: built (from the cache), then pushed
    let out = p.run_env(&["build", "--push"], &[("DOCKER_CONFIG", &cfg)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tag = std::process::id().to_string();
    assert!(registry.get("/v2/rct/app/tags/list").contains(&tag));

    // gone locally, pulled back (with per-layer progress)
    block_on(docker().remove_image(
        &image,
        Some(q::RemoveImageOptions {
            force: true,
            ..Default::default()
        }),
        None,
    ))
    .unwrap();
    assert!(image_id(&image).is_none());
    let out = p.run_env(&["--progress", "json", "pull"], &[("DOCKER_CONFIG", &cfg)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(image_id(&image).is_some());
    let events: Vec<serde_json::Value> = stderr(&out)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["status"] == "Pulling" && e["text"].as_str().is_some_and(|t| !t.is_empty())),
        "{events:?}"
    );
    assert!(events.iter().any(|e| e["status"] == "Pulled"), "{events:?}");
}

#[test]
fn images_lists_what_the_containers_run() {
    let p = Project::new(
        "imgs",
        "services:\n  a:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n",
    );
    p.ok(&["up", "-d"]);
    let list: serde_json::Value =
        serde_json::from_str(&p.ok(&["images", "--format", "json"])).unwrap();
    let entry = &list.as_array().unwrap()[0];
    assert_eq!(entry["ContainerName"], format!("{}-a-1", p.name));
    assert_eq!(entry["Repository"], "rcompose-test/busybox");
    assert_eq!(entry["ID"].as_str(), image_id(IMAGE).as_deref());
}

#[test]
fn no_build_refuses_and_down_rmi_local_removes_built_images() {
    let p = Project::new(
        "rmilocal",
        "services:\n  app:\n    build: ./app\n    command: [sleep, '300']\n    init: true\n  base:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n",
    );
    let _images = Images(vec![format!("{}-app", p.name)]);
    p.write("app/Dockerfile", "FROM IMAGE\n");
    let out = p.run(&["up", "-d", "--no-build"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--no-build"), "{}", stderr(&out));
    assert!(p.containers().is_empty());
    p.ok(&["up", "-d"]);
    p.ok(&["down", "--rmi", "local", "-t", "0"]);
    assert!(
        image_id(&format!("{}-app", p.name)).is_none(),
        "the built image is gone"
    );
    assert!(image_id(IMAGE).is_some(), "the pulled one stays");
    // after a plain `down` no container names the image: the model does
    p.ok(&["up", "-d"]);
    p.ok(&["down", "-t", "0"]);
    assert!(image_id(&format!("{}-app", p.name)).is_some());
    p.ok(&["down", "-v", "--rmi", "local"]);
    assert!(
        image_id(&format!("{}-app", p.name)).is_none(),
        "the built image is gone after a plain down too"
    );
    assert!(image_id(IMAGE).is_some(), "the pulled one stays");
}

#[test]
fn bad_builds_name_the_service_and_step_and_create_nothing() {
    let p = Project::new(
        "badbuild",
        "
services:
  ok: {build: ./ok, command: [sleep, '300'], init: true}
  run: {build: ./run, command: [sleep, '300'], init: true}
  target: {build: {context: ./target, target: nope}}
  missing: {build: ./missing}
",
    );
    let ok = format!("{}-ok", p.name);
    let _images = Images(vec![ok.clone(), format!("{}-run", p.name)]);
    p.write("ok/Dockerfile", "FROM IMAGE\nRUN echo fine > /f\n");
    let _steps = ClassicSteps(p.name.clone());
    p.write(
        "run/Dockerfile",
        &format!("FROM IMAGE\nRUN echo {}\nRUN exit 3\n", p.name),
    );
    p.write("target/Dockerfile", "FROM IMAGE AS base\nRUN true\n");
    p.write("missing/.keep", "");

    // a failing RUN: the service, the step and the engine's words; nothing is started
    let out = p.run(&["up", "-d", "ok", "run"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("service `run`: build image")
            && err.contains("step 3/3 `RUN exit 3` (Dockerfile:3)")
            && err.contains("exit code: 3"),
        "{err}"
    );
    // the classic builder's words say the same
    let out = p.run_env(&["up", "-d", "ok", "run"], &[("DOCKER_BUILDKIT", "0")]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("service `run`: build image")
            && err.contains("step 3/")
            && err.contains("`RUN exit 3`")
            && err.contains("returned a non-zero code: 3"),
        "{err}"
    );
    assert!(p.containers().is_empty(), "no container was created");
    p.ok(&["build", "ok"]);
    let built = image_id(&ok);
    assert!(built.is_some());

    // checked before anything is sent: a bad target and a missing Dockerfile
    let out = p.run(&["build", "ok", "target"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("service `target`: build target `nope` is not a stage")
            && err.contains("its stages are base"),
        "{err}"
    );
    let out = p.run(&["build", "missing"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("service `missing`: cannot read the Dockerfile")
            && err.contains("missing/Dockerfile: no such file"),
        "{err}"
    );
    assert_eq!(
        image_id(&ok),
        built,
        "the other service's image is untouched"
    );
}

#[test]
fn config_pins_images_to_their_registry_digests_as_the_reference_does() {
    let registry = Registry::start(false);
    let image = format!("127.0.0.1:{}/rct/pin:{}", registry.port, std::process::id());
    let _images = Images(vec![image.clone()]);
    let tagged = Command::new("docker")
        .args(["tag", IMAGE, &image])
        .status()
        .unwrap();
    assert!(tagged.success());
    let pushed = Command::new("docker")
        .args(["push", "-q", &image])
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    let p = Project::new(
        "pin",
        &format!("services:\n  a:\n    image: {image}\n  b:\n    build: .\n"),
    );
    let resolved = p.ok(&["config", "--resolve-image-digests"]);
    let line = resolved
        .lines()
        .find(|l| l.contains("image: "))
        .expect("an image line");
    assert!(line.contains(&format!("{image}@sha256:")), "{resolved}");
    let locked = p.ok(&["config", "--lock-image-digests"]);
    assert!(
        locked.starts_with("services:\n  a:\n    image: "),
        "{locked}"
    );
    assert!(locked.ends_with("  b: {}\n"), "{locked}");
    // an image the registry lacks is an error that names it
    p.write(
        "compose.yaml",
        &format!(
            "services:\n  a:\n    image: 127.0.0.1:{}/rct/none:x\n",
            registry.port
        ),
    );
    let out = p.run(&["config", "--resolve-image-digests"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("rct/none:x"), "{}", stderr(&out));

    let Some(bin) = super::interop::reference() else {
        return;
    };
    p.write(
        "compose.yaml",
        &format!("services:\n  a:\n    image: {image}\n  b:\n    build: .\n"),
    );
    for flag in ["--resolve-image-digests", "--lock-image-digests"] {
        let theirs = super::interop::compose_ref(&bin, &p, &["config", flag]);
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert_eq!(stdout(&theirs), p.ok(&["config", flag]), "{flag}");
    }
}
