//! The plan of `run`'s one-off container: the networks and volumes its service uses, waits for
//! its dependencies' conditions, and the container, created with the one-off labels (the
//! command attaches to it, then starts it).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Project, Service};
use crate::observe::Observed;

use super::up::{Requirement, create_steps, oneoff_gates, oneoff_replica};
use super::{Op, Plan, PlanError, Reason, hash, infra, spec};

/// A one-off container of `rcompose run`: the service as the command line changed it, its
/// name and slug.
#[derive(Debug, Clone)]
pub struct OneOff {
    /// The service it runs.
    pub service: String,
    /// The service as the command line changed it.
    pub svc: Service,
    /// The container's name.
    pub name: String,
    /// 64 hex characters; the name ends with its first 12.
    pub slug: String,
    /// Wait for the dependencies' conditions (not with `--no-deps`).
    pub wait_for_deps: bool,
    /// `--env-file` files given (a container label).
    pub env_files: Vec<String>,
    /// Keep the service's network aliases (`--use-aliases`); otherwise it has none.
    pub use_aliases: bool,
}

/// The plan of `run` once its dependencies are up: the networks and volumes the service uses,
/// waits for the dependencies' conditions, and the one-off container, created (the command
/// attaches to it and starts it).
pub fn oneoff(project: &Project, observed: &Observed, o: &OneOff) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let scope = BTreeSet::from([o.service.clone()]);
    let infra = infra::infra(
        project,
        observed,
        &scope,
        &super::UpOptions::default(),
        &mut plan,
    )?;
    // the service's containers stopped to move onto a recreated network start again
    for c in observed.service_containers(&o.service) {
        if let Some(&moved) = infra.moved.get(&c.name).filter(|_| c.is_up()) {
            let start = Op::StartContainer {
                name: c.name.clone(),
            };
            plan.for_service(&o.service, start, vec![moved], Reason::NetworkChanged);
        }
    }
    let mut deps = infra.steps;
    if o.wait_for_deps {
        // the dependencies are up (the command ran `up` for them): only their conditions wait
        let mut requirements = Vec::new();
        for (dep, d) in &o.svc.depends_on {
            for c in observed.service_containers(dep) {
                requirements.push(Requirement {
                    container: c.name.clone(),
                    service: dep.clone(),
                    condition: d.condition.clone(),
                    optional: !d.required,
                    dependent: o.service.clone(),
                });
            }
        }
        deps.extend(oneoff_gates(&mut plan, &requirements));
    }
    let image = crate::names::image_name(project, &o.service, &o.svc);
    let image_id = observed
        .images
        .get(&image)
        .map(|i| i.id.clone())
        .unwrap_or_default();
    let none = BTreeMap::new();
    let ctx = spec::Context {
        project,
        api_version: &observed.api_version,
        image_id: &image_id,
        env_files: &o.env_files,
        inherited_volumes: &none,
    };
    let hash = hash::service(&o.svc);
    let replica = oneoff_replica(&o.service, &o.svc, &o.name);
    create_steps(
        &mut plan,
        &ctx,
        &replica,
        &hash,
        &o.name,
        &deps,
        Reason::OneOff,
        None,
    );
    // a one-off is told apart by its labels: no number, `oneoff=True`, and its slug
    for step in &mut plan.steps {
        if let Op::CreateContainer { spec, .. } = &mut step.op
            && let Some(labels) = spec.body.labels.as_mut()
        {
            use crate::names::labels as l;
            labels.remove(l::NUMBER);
            labels.insert(l::ONEOFF.into(), "True".into());
            labels.insert(l::SLUG.into(), o.slug.clone());
        }
        if let Op::CreateContainer { spec, .. } = &mut step.op
            && o.svc.stdin_open
        {
            // the end of our stdin ends the container's
            spec.body.attach_stdin = Some(true);
            spec.body.stdin_once = Some(true);
        }
        if o.use_aliases {
            continue;
        }
        match &mut step.op {
            Op::CreateContainer { spec, .. } => {
                let endpoints = spec
                    .body
                    .networking_config
                    .as_mut()
                    .and_then(|n| n.endpoints_config.as_mut());
                for e in endpoints.into_iter().flat_map(|m| m.values_mut()) {
                    e.aliases = None;
                }
            }
            Op::ConnectNetwork {
                container,
                endpoint,
                ..
            } if *container == o.name => endpoint.aliases = None,
            _ => {}
        }
    }
    Ok(plan)
}
