//! The executor's ordering on the fake engine (the engine features are tested on the real engine,
//! in tests/engine): parallel steps, dependents after what they wait for, failures, the limit.

use std::time::Duration;

use super::*;
use crate::engine::fake::Fake;
use crate::observe::Observed;

fn project(yaml: &str) -> crate::model::Project {
    let mut o = crate::load::Options::new("/tmp/p");
    o.files = vec!["-".into()];
    o.stdin = Some(yaml.into());
    o.project_name = Some("p".into());
    crate::load::load(&o).unwrap().project
}

fn plan(yaml: &str) -> Plan {
    let obs = Observed {
        api_version: "1.41".into(),
        ..Default::default()
    };
    crate::plan::up(&project(yaml), &obs, &Default::default()).unwrap()
}

const FLAT: &str = "services:\n  a:\n    image: x\n    healthcheck: {test: [CMD, 'true']}\n  b: {image: x}\n  c: {image: x}\n  d:\n    image: x\n    depends_on:\n      a: {condition: service_healthy}\n";

async fn run(fake: &Fake, plan: &Plan, limit: Option<usize>) -> Result<Vec<ExecError>, ExecError> {
    let monitor = Monitor::start(fake, "p");
    let executor = Executor {
        engine: fake,
        progress: &crate::progress::Quiet,
        monitor: &monitor,
        limit,
        interrupt: &Default::default(),
    };
    executor.run(plan).await
}

#[tokio::test]
async fn independent_steps_run_together_and_dependents_wait() {
    let fake = Fake::slow(Duration::from_millis(20));
    run(&fake, &plan(FLAT), None).await.unwrap();
    // the four creates run at once, after the network
    assert!(fake.most_busy() >= 4, "{:?}", fake.calls());
    let at = |call: &str| fake.at(call);
    assert!(at("create network p_default") < at("create p-a-1"));
    assert!(at("create p-a-1") < at("start p-a-1"));
    assert!(
        at("start p-a-1") < at("start p-d-1"),
        "d waits for a to be healthy"
    );
}

#[tokio::test]
async fn a_failure_stops_new_steps_and_names_the_service() {
    let fake = Fake::slow(Duration::from_millis(20));
    *fake.fail.lock().unwrap() = Some("start p-a-1".into());
    let e = run(&fake, &plan(FLAT), None).await.unwrap_err();
    assert_eq!(e.to_string(), "service `a`: start container p-a-1: boom");
    let log = fake.calls();
    assert!(!log.iter().any(|l| l == "start p-d-1"), "{log:?}");
}

#[tokio::test]
async fn a_failure_ends_the_waits_under_way() {
    // d waits for a, whose healthcheck never passes; b's start fails meanwhile
    let fake = Fake::slow(Duration::from_millis(20));
    fake.never_healthy.lock().unwrap().push("a".into());
    *fake.fail.lock().unwrap() = Some("start p-b-1".into());
    let plan = plan(FLAT);
    // a guard against a hang (the bug: the executor waited for the wait), not a time target
    let ran = tokio::time::timeout(Duration::from_secs(60), run(&fake, &plan, None)).await;
    let e = ran.expect("the executor returned").unwrap_err();
    assert_eq!(e.to_string(), "service `b`: start container p-b-1: boom");
    assert!(!fake.calls().iter().any(|l| l == "start p-d-1"));
}

#[tokio::test]
async fn the_parallel_limit_is_honoured() {
    let fake = Fake::slow(Duration::from_millis(20));
    run(&fake, &plan(FLAT), Some(2)).await.unwrap();
    assert_eq!(fake.most_busy(), 2);
}

#[tokio::test]
async fn an_optional_step_that_fails_is_a_warning() {
    let fake = Fake::default();
    *fake.fail.lock().unwrap() = Some("pull remote/x".into());
    let mut plan = Plan::default();
    let pull = crate::plan::Op::PullImage {
        image: "remote/x".into(),
    };
    let i = plan.add(pull, Default::default(), vec![], Default::default());
    plan.steps[i].optional = true;
    let warnings = run(&fake, &plan, None).await.unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].doing, "pull image remote/x");
    assert!(
        warnings[0].hint.is_some(),
        "a pull failure says what to check"
    );
}
