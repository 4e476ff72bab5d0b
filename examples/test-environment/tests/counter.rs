//! The counter against real Redis and PostgreSQL, brought up by rcompose's library under a
//! project name of its own (tests in parallel do not collide) and torn down when the test ends,
//! passed or failed. Run: `cargo test --release -p test-environment`.

use std::time::Duration;

use rcompose::environment::{Environment, Setup, Wait};
use test_environment::{Counter, Reply, redis};

/// Redis and PostgreSQL up, the table made by the `schema` job.
async fn services() -> Environment {
    Setup::file(concat!(env!("CARGO_MANIFEST_DIR"), "/compose.yaml"))
        .name_prefix("counter")
        .env("DB_PASSWORD", "s3cret")
        .wait_for("schema", Wait::Completed)
        .wait_for("cache", Wait::Tcp(6379))
        .wait_for(
            "db",
            Wait::log_line("database system is ready to accept connections"),
        )
        .timeout(Duration::from_secs(120))
        .up()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The counter's connection strings for this environment.
async fn counter(env: &Environment) -> (String, std::net::SocketAddr) {
    let db = env.service("db").address(5432).await.unwrap();
    let cache = env.service("cache").address(6379).await.unwrap();
    let url = format!("postgresql://app:s3cret@{db}/app");
    (url, cache)
}

/// Runs the counter's blocking code on a thread outside the runtime (its PostgreSQL client runs
/// a runtime of its own).
fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().expect("the counter ran"))
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_visits_and_survives_losing_the_cache() {
    let env = services().await;
    let (url, cache) = counter(&env).await;
    let counts = blocking(|| {
        let mut c = Counter::connect(&url, cache).unwrap();
        let counts: Vec<i64> = (0..3).map(|_| c.visit("/").unwrap()).collect();
        (counts, c.visit("/about").unwrap())
    });
    assert_eq!(counts, (vec![1, 2, 3], 1));

    // the database holds the truth: ask it from inside its container
    let out = env
        .service("db")
        .exec(&[
            "psql",
            "-U",
            "postgres",
            "-d",
            "app",
            "-tAc",
            "SELECT count(*) FROM visits",
        ])
        .await
        .unwrap();
    assert_eq!((out.code, out.stdout.trim()), (0, "4"), "{}", out.stderr);

    // the cache loses everything: the count comes back from the database
    let flush = env
        .service("cache")
        .exec(&["redis-cli", "FLUSHALL"])
        .await
        .unwrap();
    assert_eq!(flush.stdout.trim(), "OK");
    let after_flush = blocking(|| {
        let mut c = Counter::connect(&url, cache).unwrap();
        (
            c.count("/").unwrap(),
            redis(cache, &["GET", "visits:/"]).unwrap(),
        )
    });
    assert_eq!(after_flush, (3, Reply::Bulk(Some("3".into()))));

    // the cache dies: visits still count
    env.service("cache").kill("SIGKILL").await.unwrap();
    let without_cache = blocking(|| {
        let mut c = Counter::connect(&url, cache).unwrap();
        c.visit("/").unwrap()
    });
    assert_eq!(without_cache, 4);
    let logs = env.service("schema").logs().await.unwrap();
    assert!(logs.contains("CREATE TABLE"), "{logs}");
    env.down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn each_test_has_its_own_database() {
    let env = services().await;
    let (url, cache) = counter(&env).await;
    let first = blocking(|| {
        let mut c = Counter::connect(&url, cache).unwrap();
        c.visit("/").unwrap()
    });
    // the other test's visits are not here, whichever ran first
    assert_eq!(first, 1);
    assert!(env.name().starts_with("counter-"), "{}", env.name());
    // no explicit down: the drop tears the project down
}
