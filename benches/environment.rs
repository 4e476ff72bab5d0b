//! Benchmark of a test environment's life: from the call to a ready 3-service environment (two
//! services with healthchecks, one published port) and back to a clean engine, through the
//! library (`Setup::up` + `Environment::down`) vs the reference CLI (`up -d --wait` + `down -v`),
//! rounds alternating which goes first, in one run.
//!
//!     cargo bench --bench environment            # BENCH_ROUNDS=10, COMPOSE_REF=compose-ref
//!
//! Both stop containers the same way (SIGTERM, every service has an init that exits on it), and
//! the engine is checked clean after every round, outside the timing.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rcompose::environment::Setup;

const PROJECT: &str = "
x-healthy: &healthy
  image: rcompose-test/busybox:latest
  command: [sleep, '3600']
  init: true
  healthcheck:
    test: [CMD, 'true']
    interval: 100ms
services:
  db:
    <<: *healthy
    volumes: [data:/data]
  cache: *healthy
  app:
    image: rcompose-test/busybox:latest
    command: [sleep, '3600']
    init: true
    ports: ['127.0.0.1::8080']
    depends_on:
      db: {condition: service_healthy}
      cache: {condition: service_healthy}
volumes:
  data: {}
";

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("the command runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Nothing on the engine carries the project's label.
fn clean(project: &str) {
    let label = format!("label=com.docker.compose.project={project}");
    for kind in [
        &["ps", "-aq"][..],
        &["network", "ls", "-q"],
        &["volume", "ls", "-q"],
    ] {
        let out = Command::new("docker")
            .args(kind)
            .args(["--filter", &label])
            .output()
            .expect("docker runs");
        let left = String::from_utf8_lossy(&out.stdout);
        assert!(left.trim().is_empty(), "{project} left {kind:?}: {left}");
    }
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 9 / 10).min(v.len() - 1)]),
    )
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let reference = std::env::var("COMPOSE_REF").unwrap_or_else(|_| "compose-ref".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    run(&mut Command::new(root.join("scripts/test-images.sh")));
    let dir = std::env::temp_dir().join(format!("rcompose-bench-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("compose.yaml");
    std::fs::write(&file, PROJECT).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let library = |name: &str| {
        let t = Instant::now();
        rt.block_on(async {
            let env = Setup::file(&file)
                .name(name)
                .stop_timeout(None)
                .up()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            env.down().await.unwrap_or_else(|e| panic!("{e}"));
        });
        t.elapsed()
    };
    let cli = |name: &str| {
        let t = Instant::now();
        let f = file.to_str().unwrap();
        run(Command::new(&reference).args(["-f", f, "-p", name, "up", "-d", "--wait"]));
        run(Command::new(&reference).args(["-f", f, "-p", name, "down", "-v"]));
        t.elapsed()
    };
    // one untimed round each: images and pages in the caches
    let pid = std::process::id();
    library(&format!("bench-lib-{pid}-warm"));
    cli(&format!("bench-ref-{pid}-warm"));

    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        let (l, r) = (
            format!("bench-lib-{pid}-{i}"),
            format!("bench-ref-{pid}-{i}"),
        );
        if i % 2 == 0 {
            ours.push(library(&l));
            theirs.push(cli(&r));
        } else {
            theirs.push(cli(&r));
            ours.push(library(&l));
        }
        clean(&l);
        clean(&r);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (om, o90) = stats(ours);
    let (tm, t90) = stats(theirs);
    println!(
        "test environment: up to ready (3 services, 2 healthchecks) and down -v, {rounds} rounds"
    );
    println!("  rcompose library     median {om:7.1} ms   p90 {o90:7.1} ms");
    println!("  reference CLI        median {tm:7.1} ms   p90 {t90:7.1} ms");
    println!(
        "  ratio (library / reference): median {:.2}x, p90 {:.2}x",
        om / tm,
        o90 / t90
    );
}
