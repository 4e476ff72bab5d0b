//! Planning images: which services build (and in what order, from the Dockerfiles the
//! observation read), which images `up` pulls (pull policies, intervals against the observed
//! time), and the plans of `pull` and `push`.

use std::collections::BTreeSet;

use crate::model::{Project, PullPolicy};
use crate::observe::Observed;

use super::{Build, Group, Op, Plan, PlanError, Pull, Reason, error};

pub use crate::build::Sources as BuildSources;

/// The services in `scope` whose images build now: every one with a `build` section
/// (`Build::Always`), none (`Never`), or those whose image is missing or that say
/// `pull_policy: build`.
pub fn wanted_builds(
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    when: Build,
) -> BTreeSet<String> {
    scope
        .iter()
        .filter(|name| {
            let svc = &project.services[*name];
            let image = crate::names::image_name(project, name, svc);
            let missing = !observed.images.contains_key(&image);
            svc.build.is_some()
                && match when {
                    Build::Always => true,
                    Build::Never => false,
                    Build::Missing => missing || svc.pull_policy == PullPolicy::Build,
                }
        })
        .cloned()
        .collect()
}

/// The builds of `wanted` (see [`wanted_builds`]): one step per distinct build (tagged for every
/// service that shares it), each after the builds whose images it starts `FROM`; `sources` holds
/// their contexts and Dockerfiles as read from the disk.
pub fn builds(
    project: &Project,
    wanted: &BTreeSet<String>,
    overrides: &crate::build::Overrides,
    sources: &BuildSources,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let ordered = crate::build::ordered(project, wanted, overrides, sources)
        .map_err(|m| error(None, m, None))?;
    for name in wanted {
        let mut w = crate::build::ignored(name, &project.services[name], overrides);
        plan.warnings.append(&mut w);
    }
    if overrides.memory > 0
        && overrides.builder == crate::engine::Builder::BuildKit
        && !wanted.is_empty()
    {
        plan.warnings.push(
            "--memory: ignored: BuildKit takes no memory limit for a build (DOCKER_BUILDKIT=0 builds with the classic builder, which does)".into(),
        );
    }
    let mut steps: Vec<usize> = Vec::new();
    for crate::build::OrderedBuild {
        spec: s,
        services: names,
        needs: deps,
    } in ordered
    {
        let source = s.request.tag.clone();
        let tags = s.extra_tags.clone();
        let reason = if names.len() > 1 {
            Reason::SharedBuild(names.clone())
        } else {
            Reason::None
        };
        let deps: Vec<usize> = deps.iter().map(|&d| steps[d]).collect();
        let built = plan.for_service(
            &names[0],
            Op::BuildImage { spec: Box::new(s) },
            deps,
            reason,
        );
        let mut last = built;
        for target in tags {
            let tag = Op::TagImage {
                source: source.clone(),
                target,
            };
            last = plan.for_service(&names[0], tag, vec![built], Reason::None);
        }
        steps.push(last);
    }
    Ok(plan)
}

/// The images to pull before planning `up` (their IDs label the containers); images that are
/// built are not pulled.
pub fn pulls(
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    policy: Pull,
    build: Build,
) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for name in scope {
        let svc = &project.services[name];
        let image = crate::names::image_name(project, name, svc);
        let present = observed.images.contains_key(&image);
        let stale = observed
            .images
            .get(&image)
            .is_some_and(|i| older_than_policy(&i.last_tagged, &svc.pull_policy, observed.now));
        let policy = match svc.pull_policy {
            PullPolicy::Always => Pull::Always,
            PullPolicy::Never | PullPolicy::Build => Pull::Never,
            _ if stale => Pull::Always,
            _ => policy,
        };
        let want = match policy {
            Pull::Always => svc.build.is_none() || !svc.image.is_empty(),
            Pull::Missing => !present,
            Pull::Never => false,
        };
        // an image another service of the project builds is built, not pulled (as Compose)
        let built_by_another = svc.build.is_none()
            && !svc.image.is_empty()
            && project
                .services
                .values()
                .any(|s| s.build.is_some() && s.image == svc.image);
        if built_by_another && build != Build::Never {
            continue;
        }
        if svc.build.is_some() && build != Build::Never {
            // built, not pulled (unless an image to pull is named and policy says so)
            let pull_anyway = svc.pull_policy == PullPolicy::Always && !svc.image.is_empty();
            if !pull_anyway {
                continue;
            }
        }
        if !present && (!want || svc.build.is_some() && svc.image.is_empty()) {
            if svc.build.is_some() {
                return Err(error(
                    Some(name),
                    format!("image `{image}` is not on the engine and --no-build was given"),
                    Some("build it (`rcompose build`) or drop --no-build".into()),
                ));
            }
            return Err(error(
                Some(name),
                format!("image `{image}` is not on the engine and pulling is disabled"),
                Some("pull it, or drop `pull_policy: never` / `--pull never`".into()),
            ));
        }
        if want && seen.insert(image.clone()) {
            let reason = if present {
                Reason::PullPolicyAlways
            } else {
                Reason::Missing
            };
            plan.for_service(name, Op::PullImage { image }, vec![], reason);
        }
    }
    Ok(plan)
}

/// `pull_policy: daily|weekly|every_<duration>`: was the image last pulled (`last_tagged`, RFC
/// 3339) longer ago than that at `now` (Unix seconds)?
pub(super) fn older_than_policy(last_tagged: &str, policy: &PullPolicy, now: i64) -> bool {
    let interval = match policy {
        PullPolicy::Daily => 86_400,
        PullPolicy::Weekly => 7 * 86_400,
        PullPolicy::Every(d) => match crate::model::Duration::parse(d) {
            Some(d) => d.0 / 1_000_000_000,
            None => return false,
        },
        _ => return false,
    };
    let Some(then) = crate::clock::rfc3339_seconds(last_tagged) else {
        // the engine does not know when: pull
        return true;
    };
    now - then > interval
}

/// What `rcompose pull` pulls: each distinct image the services in `scope` name (not those that
/// `pull_policy: never|build` keeps local, nor, with `ignore_buildable`, those that build);
/// `missing_only` skips the images the engine has. A service that builds can do without its
/// pull, as can all with `ignore_failures`.
pub fn pull_command(
    project: &Project,
    observed: &Observed,
    scope: &BTreeSet<String>,
    ignore_buildable: bool,
    missing_only: bool,
    ignore_failures: bool,
) -> Plan {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for name in scope {
        let svc = &project.services[name];
        if svc.image.is_empty() || (svc.build.is_some() && ignore_buildable) {
            continue;
        }
        if matches!(svc.pull_policy, PullPolicy::Never | PullPolicy::Build) {
            continue;
        }
        if missing_only && observed.images.contains_key(&svc.image) {
            continue;
        }
        if seen.insert(svc.image.clone()) {
            let pull = Op::PullImage {
                image: svc.image.clone(),
            };
            let i = plan.add(pull, Group::Service(name.clone()), vec![], Reason::None);
            plan.steps[i].optional = ignore_failures || svc.build.is_some();
        }
    }
    plan
}

/// What `rcompose push` pushes: the images of the services in `scope` that build and name them
/// (`image:` and `build.tags`), each once.
pub fn push_command(project: &Project, scope: &BTreeSet<String>, ignore_failures: bool) -> Plan {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for name in scope {
        let svc = &project.services[name];
        let Some(b) = &svc.build else { continue };
        if svc.image.is_empty() {
            continue;
        }
        for image in std::iter::once(&svc.image).chain(&b.tags) {
            if seen.insert(image.clone()) {
                let push = Op::PushImage {
                    image: image.clone(),
                };
                let i = plan.add(push, Group::Service(name.clone()), vec![], Reason::None);
                plan.steps[i].optional = ignore_failures;
            }
        }
    }
    plan
}
