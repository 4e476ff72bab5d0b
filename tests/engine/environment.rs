//! The library's test environments on the engine: parallel environments with their own names,
//! nothing left behind after a panic (inside or outside a runtime) or a failed up, every wait
//! kind passing and failing with its reason at its timeout, and the service handles.

use std::collections::BTreeSet;
use std::time::Duration;

use rcompose::environment::{Error, Setup, Wait, unique_name};

use super::*;

const WEB: &str = "
services:
  web:
    image: IMAGE
    init: true
    command: [sh, -c, 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www']
    ports: ['127.0.0.1::8080']
    volumes: [data:/data]
    networks: [back]
volumes:
  data: {}
networks:
  back: {}
";

fn yaml(text: &str) -> Setup {
    ensure_image();
    Setup::yaml(text.replace("IMAGE", IMAGE))
}

#[tokio::test]
async fn parallel_environments_get_their_own_names_and_down_leaves_nothing() {
    // twenty at once, as a test suite's threads would make them, then taken down at once
    const N: usize = 20;
    let setups = (0..N).map(|_| {
        yaml(WEB)
            .name_prefix("rct-par")
            .wait_for("web", Wait::http(8080, "/index.html").status(200))
            .up()
    });
    let envs: Vec<_> = futures_util::future::join_all(setups).await;
    let envs: Vec<_> = envs
        .into_iter()
        .map(|e| e.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let _sweep: Vec<Sweep> = envs.iter().map(|e| Sweep(e.name().to_string())).collect();
    let names: BTreeSet<&str> = envs.iter().map(|e| e.name()).collect();
    assert_eq!(names.len(), N, "{names:?}");
    let mut ports = BTreeSet::new();
    for env in &envs {
        assert!(env.name().starts_with("rct-par-"), "{}", env.name());
        let objects = leftovers(env.name());
        let want = [
            format!("container {}-web-1", env.name()),
            format!("network {}_back", env.name()),
            format!("volume {}_data", env.name()),
        ];
        assert_eq!(objects, want, "each environment has its own objects");
        ports.insert(env.service("web").host_port(8080).await.unwrap());
    }
    assert_eq!(ports.len(), N, "each has its own host port: {ports:?}");
    let names: Vec<String> = envs.iter().map(|e| e.name().to_string()).collect();
    let downs = envs.into_iter().map(|env| env.down());
    for done in futures_util::future::join_all(downs).await {
        done.unwrap();
    }
    for name in names {
        assert_eq!(leftovers(&name), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn a_panicking_test_leaves_nothing_behind_in_or_out_of_a_runtime() {
    let (tx, rx) = std::sync::mpsc::channel::<(String, Vec<String>)>();
    // a plain #[test]: the environment drops while unwinding, outside any runtime
    let out = {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let env = block_on(yaml(WEB).name_prefix("rct-panic").up()).unwrap();
            tx.send((env.name().to_string(), leftovers(env.name())))
                .unwrap();
            panic!("the test fails with the environment up");
        })
    };
    // a #[tokio::test]: it drops inside the runtime
    let inside = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let env = yaml(WEB).name_prefix("rct-panic").up().await.unwrap();
            let state = env.service("web").state().await.unwrap();
            let before = vec![format!("running: {}", state.status == "running")];
            tx.send((env.name().to_string(), before)).unwrap();
            panic!("the async test fails with the environment up");
        })
    });
    assert!(
        out.join().is_err() && inside.join().is_err(),
        "both panicked"
    );
    let seen: Vec<(String, Vec<String>)> = rx.try_iter().collect();
    assert_eq!(seen.len(), 2);
    for (name, before) in seen {
        let _sweep = Sweep(name.clone());
        assert!(
            before.len() == 3 || before == ["running: true"],
            "{name} was up: {before:?}"
        );
        assert_eq!(leftovers(&name), Vec::<String>::new(), "{name}");
    }
}

#[tokio::test]
async fn a_failed_up_removes_what_it_made_and_shows_the_logs() {
    let name = unique_name("rct-failup");
    let _sweep = Sweep(name.clone());
    let e = yaml(
        "
services:
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
  job:
    image: IMAGE
    command: [sh, -c, 'echo cannot migrate >&2; exit 3']
    depends_on: [db]
",
    )
    .name(&name)
    .up()
    .await
    .err()
    .expect("the job fails the up");
    let msg = e.to_string();
    assert!(matches!(e, Error::NotReady(_)), "{msg}");
    assert!(msg.contains("exited with code 3"), "{msg}");
    assert!(msg.contains("service `job`"), "{msg}");
    assert!(msg.contains("    cannot migrate"), "its logs: {msg}");
    assert_eq!(leftovers(&name), Vec::<String>::new());
}

#[tokio::test]
async fn an_up_that_times_out_names_the_service_its_health_and_logs() {
    let name = unique_name("rct-slow");
    let _sweep = Sweep(name.clone());
    let started = std::time::Instant::now();
    let e = yaml(
        "
services:
  sick:
    image: IMAGE
    command: [sh, -c, 'echo sick here; exec sleep 300']
    init: true
    healthcheck:
      test: [CMD-SHELL, 'echo no db yet; exit 1']
      interval: 200ms
      retries: 1000
  app:
    image: IMAGE
    command: [sleep, '300']
    depends_on:
      sick: {condition: service_healthy}
",
    )
    .name(&name)
    .timeout(Duration::from_secs(5))
    .up()
    .await
    .err()
    .expect("never healthy");
    let msg = e.to_string();
    assert!(started.elapsed() < Duration::from_secs(30), "bounded");
    assert!(msg.contains("not ready within 5.0s"), "{msg}");
    assert!(
        msg.contains("service `sick`") && msg.contains("health starting"),
        "{msg}"
    );
    assert!(
        msg.contains("checks failed in a row, the last exited 1: \"no db yet\""),
        "{msg}"
    );
    assert!(msg.contains("    sick here"), "{msg}");
    assert!(
        msg.contains("service `app`") && msg.contains("it waits for sick to be healthy"),
        "{msg}"
    );
    assert_eq!(leftovers(&name), Vec::<String>::new());
}

const WAITS: &str = "
services:
  health:
    image: IMAGE
    init: true
    command: [sh, -c, 'rm -f /tmp/ok; sleep 1; while [ -f /tmp/hold ]; do sleep 0.1; done; touch /tmp/ok; exec sleep 300']
    healthcheck:
      test: [CMD, test, -f, /tmp/ok]
      interval: 100ms
      retries: 100
  job:
    image: IMAGE
    command: [sh, -c, 'if [ -f /v/ran ]; then echo again; exit 3; fi; touch /v/ran']
    volumes: [state:/v]
  logger:
    image: IMAGE
    init: true
    command: [sh, -c, 'sleep 0.5; echo listening on 7; exec sleep 300']
  web:
    image: IMAGE
    init: true
    command: [sh, -c, 'mkdir -p /www && echo ok > /www/ok && sleep 1 && exec httpd -f -p 8080 -h /www']
    ports: ['127.0.0.1::8080', '127.0.0.1::9999']
volumes:
  state: {}
";

/// The reason of a failed wait.
async fn reason(s: rcompose::environment::Service<'_>, wait: Wait) -> String {
    reason_within(s, wait, 1).await
}

/// [`reason`] with more time: a probe whose reason is the server's answer needs one answer
/// before the limit, and on a loaded machine (the suite's tests in parallel on 2 cores) the
/// engine's proxy and the container took over a second to give one.
async fn reason_within(s: rcompose::environment::Service<'_>, wait: Wait, secs: u64) -> String {
    match s.wait(wait.clone(), Duration::from_secs(secs)).await {
        Err(Error::Wait { reason, .. }) => reason,
        other => panic!("{wait}: {other:?}"),
    }
}

#[tokio::test]
async fn every_wait_kind_passes_and_fails_with_its_reason_and_the_handles_work() {
    let env = yaml(WAITS)
        .name_prefix("rct-waits")
        .wait_for("health", Wait::Healthy)
        .wait_for("job", Wait::Completed)
        .wait_for("logger", Wait::log_line("listening on"))
        .wait_for("web", Wait::Tcp(8080))
        .wait_for("web", Wait::http(8080, "/ok"))
        .timeout(Duration::from_secs(30))
        .up()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let _sweep = Sweep(env.name().to_string());
    // passed: the file the healthcheck needs exists, the http server answers
    assert_eq!(
        env.service("health").state().await.unwrap().health,
        "healthy"
    );
    let port = env.service("web").host_port(8080).await.unwrap();
    let bound = inspect(&format!("{}-web-1", env.name()))
        .network_settings
        .unwrap()
        .ports
        .unwrap()["8080/tcp"]
        .clone()
        .unwrap()[0]
        .host_port
        .clone()
        .unwrap();
    assert_eq!(port.to_string(), bound);

    // failures, each at its timeout or at once, with the reason
    let r = reason_within(env.service("web"), Wait::http(8080, "/missing"), 10).await;
    assert!(
        r.contains("within 10.0s") && r.contains("it answered 404"),
        "{r}"
    );
    let r = reason_within(env.service("web"), Wait::Tcp(9999), 10).await;
    // through the engine's userland proxy: accepted, then closed (refused without the proxy)
    assert!(
        r.contains("within 10.0s") && (r.contains("closed at once") || r.contains("refused")),
        "{r}"
    );
    let r = reason(env.service("web"), Wait::Tcp(1234)).await;
    assert!(r.contains("port 1234/tcp is not published"), "{r}");
    let r = reason(env.service("logger"), Wait::log_line("never printed")).await;
    assert!(
        r.contains("no such line within 1.0s") && r.contains("    listening on 7"),
        "{r}"
    );
    let r = reason(env.service("logger"), Wait::Healthy).await;
    assert_eq!(r, "it has no healthcheck, so it cannot become healthy");
    let r = reason(env.service("logger"), Wait::Completed).await;
    assert!(r.contains("not done within 1.0s: running"), "{r}");
    let e = env
        .service("nope")
        .host_port(80)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("service `nope`: no such service"), "{e}");

    // the job runs again and fails: Completed says so, with its logs
    env.service("job").start().await.unwrap();
    match env
        .service("job")
        .wait(Wait::Completed, Duration::from_secs(10))
        .await
    {
        Err(Error::Wait { reason, logs, .. }) => {
            assert_eq!(reason, "it exited with code 3");
            assert!(logs.contains("again"), "{logs}");
        }
        other => panic!("{other:?}"),
    }

    // restarted while /tmp/hold exists, it stays unhealthy: healthy and ready time out; once
    // the file goes, they pass
    let health = env.service("health");
    let hold = health.exec(&["touch", "/tmp/hold"]).await.unwrap();
    assert_eq!(hold.code, 0, "{}", hold.stderr);
    health.stop(Some(0)).await.unwrap();
    health.start().await.unwrap();
    let (healthy, ready) = futures_util::join!(
        reason(env.service("health"), Wait::Healthy),
        reason(env.service("health"), Wait::Ready)
    );
    for r in [healthy, ready] {
        assert!(
            r.starts_with("not done within 1.0s: running, health starting"),
            "{r}"
        );
    }
    health.exec(&["rm", "/tmp/hold"]).await.unwrap();
    health
        .wait(Wait::Healthy, Duration::from_secs(10))
        .await
        .unwrap();

    // exec: output apart, the exit code; logs; kill, start and stop
    let out = env
        .service("logger")
        .exec(&["sh", "-c", "echo out; echo err >&2; exit 4"])
        .await
        .unwrap();
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (4, "out\n", "err\n")
    );
    assert!(
        env.service("logger")
            .logs()
            .await
            .unwrap()
            .contains("listening on 7")
    );
    let web = env.service("web");
    web.kill("SIGKILL").await.unwrap();
    web.wait(Wait::Completed, Duration::from_secs(10))
        .await
        .expect_err("killed, not completed");
    assert_eq!(web.state().await.unwrap().exit_code, 137);
    web.start().await.unwrap();
    web.wait(Wait::http(8080, "/ok"), Duration::from_secs(10))
        .await
        .unwrap();
    web.stop(Some(5)).await.unwrap();
    assert_eq!(web.state().await.unwrap().status, "exited");
    let name = env.name().to_string();
    drop(env);
    assert_eq!(leftovers(&name), Vec::<String>::new());
}
