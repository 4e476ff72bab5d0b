//! The counter against real Redis and PostgreSQL, brought up by rcompose's library under a
//! project name of its own (tests in parallel do not collide) and torn down when the test ends,
//! passed or failed. Run: `cargo test --release -p test-environment`.

use std::net::SocketAddr;
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

/// Where the counter finds this environment's services.
struct Target {
    db_url: String,
    cache: SocketAddr,
}

async fn target(env: &Environment) -> Target {
    let db = env.service("db").address(5432).await.unwrap();
    let cache = env.service("cache").address(6379).await.unwrap();
    Target {
        db_url: format!("postgresql://app:s3cret@{db}/app"),
        cache,
    }
}

/// Runs `f` with a counter connected to `t`, on a thread outside the runtime (its PostgreSQL
/// client runs a runtime of its own).
fn with_counter<T: Send>(t: &Target, f: impl FnOnce(&mut Counter) -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| f(&mut Counter::connect(&t.db_url, t.cache).unwrap()))
            .join()
            .expect("the counter ran")
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn counts_visits_and_survives_losing_the_cache() {
    let env = services().await;
    let t = target(&env).await;
    let counts = with_counter(&t, |c| {
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
    let after_flush = with_counter(&t, |c| {
        (
            c.count("/").unwrap(),
            redis(t.cache, &["GET", "visits:/"]).unwrap(),
        )
    });
    assert_eq!(after_flush, (3, Reply::Bulk(Some("3".into()))));

    // the cache dies: visits still count
    env.service("cache").kill("SIGKILL").await.unwrap();
    let without_cache = with_counter(&t, |c| c.visit("/").unwrap());
    assert_eq!(without_cache, 4);
    let logs = env.service("schema").logs().await.unwrap();
    assert!(logs.contains("CREATE TABLE"), "{logs}");
    env.down().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn each_test_has_its_own_database() {
    let env = services().await;
    let first = with_counter(&target(&env).await, |c| c.visit("/").unwrap());
    // the other test's visits are not here, whichever ran first
    assert_eq!(first, 1);
    assert!(env.name().starts_with("counter-"), "{}", env.name());
    // no explicit down: the drop tears the project down
}
