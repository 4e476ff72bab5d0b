//! `rcompose push`: pushes the images of services that build them and name them (`image:`, and
//! `build.tags`), with the user's registry credentials.

use std::collections::BTreeSet;

use super::{Failure, connect, execute, load_project, progress};
use crate::cli::{Global, PushArgs};
use crate::plan::{self, Op, Plan};

pub async fn run(global: &Global, args: &PushArgs) -> Result<(), Failure> {
    let project = load_project(global, &args.services)?;
    let engine = connect().await?;
    let scope = plan::services_in_scope(&project, &args.services, !args.include_deps);
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for name in &scope {
        let svc = &project.services[name];
        let Some(b) = &svc.build else { continue };
        if svc.image.is_empty() {
            continue;
        }
        for image in std::iter::once(&svc.image).chain(&b.tags) {
            if seen.insert(image.clone()) {
                plan.steps.push(plan::Step {
                    op: Op::PushImage {
                        image: image.clone(),
                    },
                    service: Some(name.clone()),
                    deps: vec![],
                    reason: String::new(),
                    optional: args.ignore_push_failures,
                });
            }
        }
    }
    if plan.is_empty() {
        eprintln!("no image to push (a service pushes when it has `build` and `image`)");
        return Ok(());
    }
    let quiet = crate::progress::Quiet;
    let shown = progress(global);
    let progress: &dyn crate::progress::Progress = if args.quiet { &quiet } else { shown.as_ref() };
    execute(&engine, &project.name, &plan, global.dry_run, progress).await
}
