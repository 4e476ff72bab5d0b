//! Properties of planning, checked on random projects against random states of the fake engine:
//! a plan acts only on containers that exist or that it creates first, starts a service only
//! after what it depends on, and, once run, leaves nothing to do (planning again gives an empty
//! plan). A small seeded generator makes the cases, so that a failure names its seed.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::engine::fake::Fake;
use crate::engine::{Inventory, Resources};
use crate::plan::{Op, Plan, UpOptions};

/// xorshift64*: enough randomness for test cases, the same for a seed everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One random service as the generator sees it.
#[derive(Clone)]
struct Svc {
    command: u64,
    replicas: u64,
    healthcheck: bool,
    networks: Vec<&'static str>,
    /// Earlier services, and whether it waits for them to be healthy.
    depends_on: Vec<(usize, bool)>,
}

fn random_services(rng: &mut Rng) -> Vec<Svc> {
    let n = 1 + rng.below(7) as usize;
    let mut v: Vec<Svc> = Vec::new();
    for i in 0..n {
        let mut depends_on = Vec::new();
        for (j, earlier) in v.iter().enumerate().take(i) {
            if rng.chance(35) {
                depends_on.push((j, earlier.healthcheck && rng.chance(50)));
            }
        }
        let networks = match rng.below(4) {
            0 => vec!["front"],
            1 => vec!["front", "back"],
            _ => vec![],
        };
        v.push(Svc {
            command: rng.below(3),
            replicas: 1 + rng.below(3),
            healthcheck: rng.chance(40),
            networks,
            depends_on,
        });
    }
    v
}

/// The same services, some changed: another command, scale or networks.
fn mutate(rng: &mut Rng, services: &[Svc]) -> Vec<Svc> {
    let mut v = services.to_vec();
    for s in &mut v {
        if rng.chance(30) {
            s.command = rng.below(3);
        }
        if rng.chance(25) {
            s.replicas = 1 + rng.below(3);
        }
        if rng.chance(15) {
            s.networks = if s.networks.is_empty() {
                vec!["back"]
            } else {
                vec![]
            };
        }
    }
    v
}

fn yaml(services: &[Svc]) -> String {
    let mut y = String::from("services:\n");
    for (i, s) in services.iter().enumerate() {
        y.push_str(&format!(
            "  s{i}:\n    image: img\n    command: [run, '{}']\n    deploy: {{replicas: {}}}\n",
            s.command, s.replicas
        ));
        if s.healthcheck {
            y.push_str("    healthcheck: {test: [CMD, 'true']}\n");
        }
        if !s.networks.is_empty() {
            y.push_str(&format!("    networks: [{}]\n", s.networks.join(", ")));
        }
        if !s.depends_on.is_empty() {
            y.push_str("    depends_on:\n");
            for (j, healthy) in &s.depends_on {
                let condition = if *healthy {
                    "service_healthy"
                } else {
                    "service_started"
                };
                y.push_str(&format!("      s{j}: {{condition: {condition}}}\n"));
            }
        }
    }
    y.push_str("networks:\n  front: {}\n  back: {}\n");
    y
}

fn project(services: &[Svc]) -> Project {
    let mut o = crate::load::Options::new("/tmp/p");
    o.files = vec!["-".into()];
    o.stdin = Some(yaml(services));
    o.project_name = Some("p".into());
    crate::load::load(&o)
        .expect("a generated project loads")
        .project
}

/// Every step the step `i` waits on, directly or not.
fn before(plan: &Plan, i: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut todo = plan.steps[i].deps.clone();
    while let Some(d) = todo.pop() {
        if seen.insert(d) {
            todo.extend(plan.steps[d].deps.iter().copied());
        }
    }
    seen
}

/// A plan's structure: dependencies point at earlier steps; a container is acted on only if it
/// exists or an earlier step it waits on creates it; a started service's start waits on the
/// starts the plan makes of what it depends on.
fn check(plan: &Plan, p: &Project, existing: &BTreeSet<String>, seed: u64) {
    let mut created: BTreeMap<String, usize> = BTreeMap::new();
    let mut started: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, s) in plan.steps.iter().enumerate() {
        assert!(
            s.deps.iter().all(|&d| d < i),
            "seed {seed}: step {i} waits on a later step\n{plan}"
        );
        let acted_on = match &s.op {
            Op::CreateContainer { name, .. } => {
                created.insert(name.clone(), i);
                None
            }
            Op::StartContainer { name } => {
                let service = s.group.service().unwrap_or_default().to_string();
                started.entry(service).or_default().push(i);
                Some(name)
            }
            Op::StopContainer { name, .. }
            | Op::RemoveContainer { name, .. }
            | Op::RestartContainer { name, .. } => Some(name),
            _ => None,
        };
        if let Some(name) = acted_on
            && !existing.contains(name)
        {
            let made = created
                .get(name)
                .is_some_and(|c| before(plan, i).contains(c));
            assert!(made, "seed {seed}: step {i} acts on {name}, absent\n{plan}");
        }
    }
    for (service, starts) in &started {
        for dep in p.services[service].depends_on.keys() {
            for dep_start in started.get(dep).into_iter().flatten() {
                for &start in starts {
                    assert!(
                        before(plan, start).contains(dep_start),
                        "seed {seed}: {service} starts before {dep}\n{plan}"
                    );
                }
            }
        }
    }
}

async fn names(fake: &Fake) -> BTreeSet<String> {
    let list = fake.list_containers(Some("p"), true).await.unwrap();
    list.into_iter().map(|c| c.name).collect()
}

#[tokio::test]
async fn random_plans_are_valid_and_converge_in_one_run() {
    // the cases must exercise something: steps that act on existing containers and new ones
    let (mut on_existing, mut creates) = (0, 0);
    for seed in 1..=150u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let first = random_services(&mut rng);
        let second = mutate(&mut rng, &first);
        let fake = Fake::default();
        fake.add_image("img");
        let c = Compose::new(fake, Options::default(), quiet());
        let opts = UpOptions::default();
        let images = Images::default();
        c.up(&project(&first), &opts, &images).await.unwrap();
        // the world moves: containers stopped or removed behind rcompose's back
        for name in names(c.engine()).await {
            match rng.below(6) {
                0 => c.engine().stop_container(&name, None).await.unwrap(),
                1 => c
                    .engine()
                    .remove_container(&name, true, false)
                    .await
                    .unwrap(),
                _ => {}
            }
        }
        let p = project(&second);
        let observed = c.observe("p", Some(&p)).await.unwrap();
        let plan = crate::plan::up(&p, &observed, &opts).unwrap();
        let existing: BTreeSet<String> =
            observed.containers.iter().map(|c| c.name.clone()).collect();
        check(&plan, &p, &existing, seed);
        for s in &plan.steps {
            match &s.op {
                Op::CreateContainer { .. } => creates += 1,
                Op::StartContainer { name } | Op::RemoveContainer { name, .. }
                    if existing.contains(name) =>
                {
                    on_existing += 1
                }
                _ => {}
            }
        }
        c.up(&p, &opts, &images).await.unwrap();
        let observed = c.observe("p", Some(&p)).await.unwrap();
        let again = crate::plan::up(&p, &observed, &opts).unwrap();
        assert!(
            again.steps.is_empty(),
            "seed {seed}: a second plan after running the first:\n{again}\n{}",
            yaml(&second)
        );
    }
    assert!(
        on_existing > 100 && creates > 100,
        "{on_existing} {creates}"
    );
}
