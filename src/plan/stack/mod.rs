//! The plan of `stack deploy` and `stack rm`, pure: the stack a project becomes (`convert`)
//! against what the swarm has of it → networks, secret and config versions, then services in
//! dependency phases (each created or updated after its dependencies' conditions hold; a spec
//! that did not change is left alone, `compare`), waits, and the removal of what the stack no
//! longer uses.

mod compare;
pub mod convert;

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{ServiceSpec, SwarmObject};
use crate::model::Condition;
use crate::names::labels;
use crate::observe::ObservedStack;

use super::{Group, Op, Plan, PlanError, Reason, error};
pub use compare::differences;
pub use convert::{Stack, StackOptions, convert};

/// How a deploy goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeployOptions {
    /// Remove the services, networks, secrets and configs the file no longer has.
    pub prune: bool,
    /// Wait until every service has converged (running, healthy, or its job complete).
    pub wait: bool,
    /// Send the registry credentials with the services' images.
    pub auth: bool,
}

/// What a wait for a service waits until.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Until {
    /// Its tasks run (healthy, for a service with a healthcheck: Swarm runs a task once it is).
    Running,
    /// Its job's tasks completed.
    Complete,
    /// Its tasks are gone (after its removal).
    Gone,
}

/// The plan of deploying `stack` over `observed`.
pub fn deploy(
    stack: &Stack,
    observed: &ObservedStack,
    opts: &DeployOptions,
) -> Result<Plan, PlanError> {
    let mut plan = Plan {
        warnings: stack.warnings.clone(),
        ..Default::default()
    };
    let mut made: BTreeMap<String, usize> = BTreeMap::new();
    for n in &stack.networks {
        if n.external {
            external_network(n, observed)?;
            continue;
        }
        if !observed.networks.iter().any(|o| o.name == n.name) {
            let create = Op::CreateNetwork {
                spec: Box::new(n.spec.clone()),
            };
            made.insert(
                n.name.clone(),
                plan.add(create, Group::Project, vec![], Reason::Missing),
            );
        }
    }
    for (kind, files, existing) in [
        ("secret", &stack.secrets, &observed.secrets),
        ("config", &stack.configs, &observed.configs),
    ] {
        for f in files {
            let exists = existing.iter().any(|o| o.name == f.name);
            if f.external && !exists {
                return Err(error(
                    None,
                    format!("external {kind} {} not found", f.name),
                    Some(format!(
                        "create it first: `docker {kind} create {} FILE`",
                        f.name
                    )),
                ));
            }
            if exists || f.external {
                continue;
            }
            let op = match kind {
                "secret" => Op::CreateSecret {
                    spec: Box::new(f.secret_spec()),
                },
                _ => Op::CreateConfig {
                    spec: Box::new(f.config_spec()),
                },
            };
            made.insert(
                f.name.clone(),
                plan.add(op, Group::Project, vec![], Reason::Missing),
            );
        }
    }
    let changed = services(stack, observed, opts, &made, &mut plan)?;
    cleanup(stack, observed, opts, &changed, &mut plan);
    Ok(plan)
}

fn external_network(n: &convert::StackNetwork, observed: &ObservedStack) -> Result<(), PlanError> {
    match observed.all_networks.get(&n.name) {
        None => Err(error(
            None,
            format!("external network {} not found", n.name),
            Some(format!(
                "create it first: `docker network create -d overlay {}`",
                n.name
            )),
        )),
        Some(found)
            if found.scope != "swarm" && !matches!(n.name.as_str(), "host" | "bridge" | "none") =>
        {
            Err(error(
                None,
                format!(
                    "external network {} has scope {:?}: a stack's services need a swarm-scoped network (an overlay)",
                    n.name, found.scope
                ),
                Some(format!(
                    "recreate it with `docker network create -d overlay {}`",
                    n.name
                )),
            ))
        }
        Some(_) => Ok(()),
    }
}

/// The services in dependency phases; returns the steps that changed a service (for what waits
/// on the deploy as a whole).
fn services(
    stack: &Stack,
    observed: &ObservedStack,
    opts: &DeployOptions,
    made: &BTreeMap<String, usize>,
    plan: &mut Plan,
) -> Result<Vec<usize>, PlanError> {
    let after: BTreeMap<String, BTreeSet<String>> = stack
        .services
        .iter()
        .map(|s| {
            (
                s.key.clone(),
                s.depends.iter().map(|(d, _)| d.clone()).collect(),
            )
        })
        .collect();
    let (levels, cyclic) = crate::graph::levels(&after);
    if let Some(first) = cyclic.first() {
        let msg = format!("dependency cycle through service {first}");
        return Err(error(Some(first), msg, None));
    }
    let by_key: BTreeMap<&str, &convert::StackService> =
        stack.services.iter().map(|s| (s.key.as_str(), s)).collect();
    // service key → its change step, and its waits by condition
    let mut step_of: BTreeMap<String, Option<usize>> = BTreeMap::new();
    let mut waits: BTreeMap<(String, Until), usize> = BTreeMap::new();
    let mut changed = Vec::new();
    for key in levels.into_iter().flatten() {
        let s = by_key[key.as_str()];
        let current = observed.services.iter().find(|o| o.name == s.name);
        let (op, reason) = match current {
            None => {
                let op = Op::CreateService {
                    name: s.name.clone(),
                    spec: Box::new(s.spec.clone()),
                    auth: opts.auth,
                };
                (op, Reason::Created)
            }
            Some(c) => {
                let fields = changes(&s.spec, &c.spec);
                if fields.is_empty() {
                    // unchanged: nothing to order, nothing to wait for
                    step_of.insert(key.clone(), None);
                    continue;
                }
                let op = Op::UpdateService {
                    name: s.name.clone(),
                    id: c.id.clone(),
                    version: c.version,
                    spec: Box::new(s.spec.clone()),
                    auth: opts.auth,
                    fields,
                };
                (op, Reason::None)
            }
        };
        let mut deps: Vec<usize> = uses(s, made);
        for (dep, condition) in &s.depends {
            let until = match condition {
                Condition::ServiceCompletedSuccessfully => Until::Complete,
                _ => Until::Running,
            };
            let target = by_key[dep.as_str()];
            let wait = *waits.entry((dep.clone(), until)).or_insert_with(|| {
                let op = Op::WaitService {
                    name: target.name.clone(),
                    until,
                    id: String::new(),
                };
                let after = step_of.get(dep).copied().flatten().into_iter().collect();
                let reason = Reason::DependsOn {
                    dependent: key.clone(),
                    service: dep.clone(),
                    condition: condition.clone(),
                };
                plan.for_service(dep, op, after, reason)
            });
            deps.push(wait);
        }
        let step = Some(plan.for_service(&key, op, deps, reason));
        changed.extend(step);
        step_of.insert(key.clone(), step);
    }
    if opts.wait {
        for s in &stack.services {
            let until = if s.job {
                Until::Complete
            } else {
                Until::Running
            };
            if waits.contains_key(&(s.key.clone(), until)) {
                continue;
            }
            let op = Op::WaitService {
                name: s.name.clone(),
                until,
                id: String::new(),
            };
            let after = step_of.get(&s.key).copied().flatten().into_iter().collect();
            let w = plan.for_service(&s.key, op, after, Reason::Wait);
            waits.insert((s.key.clone(), until), w);
        }
    }
    // what comes after the deploy waits for every change and every wait
    changed.extend(waits.values().copied());
    Ok(changed)
}

/// What an update of a service would change: the fields of `desired` the engine has otherwise
/// and, when rcompose's last spec differs only in what the file no longer sets, that.
fn changes(desired: &ServiceSpec, current: &ServiceSpec) -> Vec<String> {
    let strip = |spec: &ServiceSpec| {
        let mut spec = spec.clone();
        let hash = spec
            .labels
            .as_mut()
            .and_then(|l| l.remove(labels::STACK_SPEC_HASH));
        (spec, hash)
    };
    let (mut d, desired_hash) = strip(desired);
    let (c, current_hash) = strip(current);
    // the engine writes a container's healthcheck as `Healthcheck`, which bollard's models
    // (after the API's swagger, `HealthCheck`) never read: only the hash sees it
    let health = |s: &ServiceSpec| {
        let t = s.task_template.as_ref()?;
        t.container_spec.as_ref()?.health_check.clone()
    };
    if health(&c).is_none() {
        let container = d
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut());
        if let Some(container) = container {
            container.health_check = None;
        }
    }
    let mut fields = differences(&d, &c);
    if fields.is_empty() && current_hash.is_some() && desired_hash != current_hash {
        fields.push("settings the file dropped or the engine does not show".into());
    }
    fields
}

/// The creates of the networks, secrets and configs a service uses.
fn uses(s: &convert::StackService, made: &BTreeMap<String, usize>) -> Vec<usize> {
    let task = s.spec.task_template.clone().unwrap_or_default();
    let c = task.container_spec.clone().unwrap_or_default();
    let names = task
        .networks
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| n.target)
        .chain(
            c.secrets
                .unwrap_or_default()
                .into_iter()
                .filter_map(|s| s.secret_name),
        )
        .chain(
            c.configs
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| c.config_name),
        );
    names.filter_map(|n| made.get(&n).copied()).collect()
}

/// The key of a stack's secret or config: its label, or its name without the stack's prefix.
fn key_of<'a>(stack: &str, o: &'a SwarmObject) -> &'a str {
    match o.labels.get(labels::STACK_KEY) {
        Some(k) => k,
        None => o.name.strip_prefix(&format!("{stack}_")).unwrap_or(&o.name),
    }
}

/// After the deploy: old versions of secrets and configs go; with `--prune`, the services,
/// networks, secrets and configs the file no longer has.
fn cleanup(
    stack: &Stack,
    observed: &ObservedStack,
    opts: &DeployOptions,
    after: &[usize],
    plan: &mut Plan,
) {
    let mut removed = after.to_vec();
    if opts.prune {
        for o in &observed.services {
            if stack.services.iter().any(|s| s.name == o.name) {
                continue;
            }
            let key = o.label(labels::SERVICE).to_string();
            let rm = Op::RemoveService {
                name: o.name.clone(),
                id: o.id.clone(),
            };
            let rm = plan.for_service(&key, rm, after.to_vec(), Reason::Orphan);
            let gone = Op::WaitService {
                name: o.name.clone(),
                until: Until::Gone,
                id: o.id.clone(),
            };
            removed.push(plan.for_service(&key, gone, vec![rm], Reason::Orphan));
        }
    }
    let is_ours = |o: &SwarmObject| o.labels.get(labels::STACK_NAMESPACE) == Some(&stack.name);
    for (kind, files, existing) in [
        ("secret", &stack.secrets, &observed.secrets),
        ("config", &stack.configs, &observed.configs),
    ] {
        for o in existing.iter().filter(|o| is_ours(o)) {
            if files.iter().any(|f| f.name == o.name) {
                continue;
            }
            let in_file = files.iter().any(|f| f.key == key_of(&stack.name, o));
            if !in_file && !opts.prune {
                continue;
            }
            let reason = if in_file {
                Reason::OldVersion
            } else {
                Reason::Orphan
            };
            let op = match kind {
                "secret" => Op::RemoveSecret {
                    name: o.name.clone(),
                    id: o.id.clone(),
                },
                _ => Op::RemoveConfig {
                    name: o.name.clone(),
                    id: o.id.clone(),
                },
            };
            // a service left out of the file may still use it: a warning then
            let i = plan.add(op, Group::Project, removed.clone(), reason);
            plan.steps[i].optional = true;
        }
    }
    if opts.prune {
        for n in &observed.networks {
            if stack.networks.iter().any(|s| s.name == n.name) {
                continue;
            }
            let op = Op::RemoveNetwork {
                name: n.name.clone(),
                id: n.id.clone(),
            };
            plan.add(op, Group::Project, removed.clone(), Reason::Orphan);
        }
    }
}

/// The plan of `stack rm`: the services, then (their tasks gone) the secrets, configs and
/// networks of the stack.
pub fn remove(stack: &str, observed: &ObservedStack) -> Plan {
    let mut plan = Plan::default();
    let mut gone = Vec::new();
    for o in &observed.services {
        let key = o.label(labels::SERVICE).to_string();
        let key = if key.is_empty() { o.name.clone() } else { key };
        let rm = Op::RemoveService {
            name: o.name.clone(),
            id: o.id.clone(),
        };
        let rm = plan.for_service(&key, rm, vec![], Reason::None);
        let wait = Op::WaitService {
            name: o.name.clone(),
            until: Until::Gone,
            id: o.id.clone(),
        };
        gone.push(plan.for_service(&key, wait, vec![rm], Reason::None));
    }
    let ours =
        |o: &&SwarmObject| o.labels.get(labels::STACK_NAMESPACE).map(String::as_str) == Some(stack);
    for o in observed.secrets.iter().filter(ours) {
        let op = Op::RemoveSecret {
            name: o.name.clone(),
            id: o.id.clone(),
        };
        plan.add(op, Group::Project, gone.clone(), Reason::None);
    }
    for o in observed.configs.iter().filter(ours) {
        let op = Op::RemoveConfig {
            name: o.name.clone(),
            id: o.id.clone(),
        };
        plan.add(op, Group::Project, gone.clone(), Reason::None);
    }
    for n in &observed.networks {
        let op = Op::RemoveNetwork {
            name: n.name.clone(),
            id: n.id.clone(),
        };
        plan.add(op, Group::Project, gone.clone(), Reason::None);
    }
    plan
}

#[cfg(test)]
mod tests;
