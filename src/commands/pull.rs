//! `rcompose pull`: pulls the services' images (those with `build` only if they name an image),
//! with per-layer progress and the user's registry credentials.

use std::collections::BTreeSet;

use super::{Failure, connect, execute, load_project, progress};
use crate::cli::{Global, PullArgs, PullCommandPolicy};
use crate::model::PullPolicy;
use crate::plan::{self, Op, Plan};

pub async fn run(global: &Global, args: &PullArgs) -> Result<(), Failure> {
    let project = load_project(global, &args.services)?;
    let engine = connect().await?;
    let observed = crate::observe::observe(&engine, &project.name, Some(&project)).await?;
    let scope = plan::services_in_scope(&project, &args.services, !args.include_deps);
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for name in &scope {
        let svc = &project.services[name];
        if svc.image.is_empty() || (svc.build.is_some() && args.ignore_buildable) {
            continue;
        }
        if matches!(svc.pull_policy, PullPolicy::Never | PullPolicy::Build) {
            continue;
        }
        let present = observed.images.contains_key(&svc.image);
        if args.policy == Some(PullCommandPolicy::Missing) && present {
            continue;
        }
        if seen.insert(svc.image.clone()) {
            plan.steps.push(plan::Step {
                op: Op::PullImage {
                    image: svc.image.clone(),
                },
                service: Some(name.clone()),
                deps: vec![],
                reason: String::new(),
                // a service with a build section can do without its pull, as in Compose
                optional: args.ignore_pull_failures || svc.build.is_some(),
            });
        }
    }
    let quiet = crate::progress::Quiet;
    let shown = progress(global);
    let progress: &dyn crate::progress::Progress = if args.quiet { &quiet } else { shown.as_ref() };
    execute(&engine, &project.name, &plan, global.dry_run, progress).await
}
