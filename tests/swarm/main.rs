//! `rcompose stack` on a real multi-node swarm: three dockerd nodes this run starts in network
//! namespaces with a registry ([`lab`]), never the machine's own engine. Every test asserts
//! what the swarm reports through its API, with stack names of its own, and removes its stack.
//! The tests share the lab: those that only deploy run side by side, the one that stops a node
//! runs alone at the end, as does the one that kills a node's engine in the middle of a plain
//! `up` on it. A test that panics is reported and the others still run; the lab is
//! removed at the end whatever happened. `cargo test --test swarm NAME` runs the tests whose
//! name contains NAME.

mod changes;
mod deploy;
mod failures;
mod interop;
mod lab;

use std::time::Instant;

use lab::Lab;

type Test = (&'static str, fn(&Lab));

/// Tests that may run while others do.
const SIDE_BY_SIDE: &[Test] = &[
    (
        "a_project_of_every_loader_feature_deploys",
        deploy::a_project_of_every_loader_feature_deploys,
    ),
    (
        "replicas_spread_over_nodes",
        deploy::replicas_spread_over_nodes,
    ),
    (
        "service_healthy_orders_the_deploy",
        deploy::service_healthy_orders_the_deploy,
    ),
    (
        "build_push_and_every_node_pulls_the_pinned_image",
        deploy::build_push_and_every_node_pulls_the_pinned_image,
    ),
    (
        "changed_secret_and_config_reach_the_tasks",
        changes::changed_secret_and_config_reach_the_tasks,
    ),
    (
        "prune_removes_what_the_file_dropped",
        changes::prune_removes_what_the_file_dropped,
    ),
    (
        "rm_then_an_immediate_redeploy",
        changes::rm_then_an_immediate_redeploy,
    ),
    (
        "an_interrupted_deploy_exits_130_and_the_next_converges",
        changes::an_interrupted_deploy_exits_130_and_the_next_converges,
    ),
    (
        "docker_stack_sees_rcompose_stacks",
        interop::docker_stack_sees_rcompose_stacks,
    ),
    (
        "rcompose_sees_docker_stacks",
        interop::rcompose_sees_docker_stacks,
    ),
    (
        "bad_input_gets_one_clear_message",
        failures::bad_input_gets_one_clear_message,
    ),
];

/// Tests that change the swarm itself: alone, after the others.
const ALONE: &[Test] = &[
    (
        "a_node_stopped_mid_deploy",
        failures::a_node_stopped_mid_deploy,
    ),
    (
        "the_engine_killed_mid_up_then_restarted",
        failures::the_engine_killed_mid_up_then_restarted,
    ),
];

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let chosen = |tests: &'static [Test]| -> Vec<Test> {
        tests
            .iter()
            .filter(|(name, _)| {
                filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
            })
            .copied()
            .collect()
    };
    let (together, alone) = (chosen(SIDE_BY_SIDE), chosen(ALONE));
    let total = together.len() + alone.len();
    println!("\nrunning {total} swarm tests");
    if total == 0 {
        println!("\ntest result: ok. 0 passed; 0 failed\n");
        return;
    }
    let began = Instant::now();
    let lab = Lab::up();
    println!("swarm lab up in {:.1}s", began.elapsed().as_secs_f64());
    let mut failed: Vec<&str> = Vec::new();
    std::thread::scope(|s| {
        let running: Vec<_> = together
            .iter()
            .map(|(name, test)| {
                let lab = &lab;
                let handle = std::thread::Builder::new()
                    .name(name.to_string())
                    .spawn_scoped(s, move || run(name, *test, lab))
                    .expect("a test thread");
                (*name, handle)
            })
            .collect();
        for (name, handle) in running {
            if !handle.join().unwrap_or(false) {
                failed.push(name);
            }
        }
    });
    for (name, test) in &alone {
        if !run(name, *test, &lab) {
            failed.push(name);
        }
    }
    drop(lab);
    println!(
        "\ntest result: {}. {} passed; {} failed; finished in {:.1}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        total - failed.len(),
        failed.len(),
        began.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        println!("failures:\n    {}\n", failed.join("\n    "));
        std::process::exit(101);
    }
}

/// Runs one test; whether it passed.
fn run(name: &str, test: fn(&Lab), lab: &Lab) -> bool {
    let began = Instant::now();
    let passed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(lab))).is_ok();
    let verdict = if passed { "ok" } else { "FAILED" };
    println!(
        "test {name} ... {verdict} ({:.1}s)",
        began.elapsed().as_secs_f64()
    );
    passed
}
