//! Stacks in the service layer: the project `up` runs, deployed to a Swarm through a manager —
//! built and pushed first when asked, images pinned by digest, translated, planned against
//! what the swarm has of the stack and run (waiting in dependency phases) — and removed,
//! listed, and looked into (services, tasks).

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{Engine, SwarmNode, SwarmService, SwarmTask, TaskState};
use crate::error::Error;
use crate::model::Project;
use crate::names::labels;
use crate::observe::ObservedStack;
use crate::plan::stack::{self, DeployOptions, StackOptions};
use crate::plan::{Build, Plan};

use super::{Compose, Done, Images};

/// When `stack deploy` asks the registry for an image's digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resolve {
    /// Every time.
    #[default]
    Always,
    /// When the image (as the file names it) changed since the last deploy.
    Changed,
    /// Never: each node takes the image by its name.
    Never,
}

/// What `stack deploy` does beyond the project.
#[derive(Debug, Clone, Default)]
pub struct Deploy {
    pub stack: String,
    pub prune: bool,
    pub wait: bool,
    /// Send the registry credentials to the nodes (`--with-registry-auth`).
    pub auth: bool,
    pub resolve: Resolve,
    /// Build the services that have `build:` first, on the manager's engine.
    pub build: bool,
    /// Push them to their registry first.
    pub push: bool,
}

/// A stack on the swarm: its name and how many services it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSummary {
    pub name: String,
    pub services: usize,
}

/// A service of a stack with its task counts.
#[derive(Debug, Clone)]
pub struct ServiceStatus {
    pub service: SwarmService,
    pub running: usize,
    /// Replicas asked for (for a global service, its tasks that should run).
    pub desired: usize,
}

impl<E: Engine> Compose<E> {
    /// The engine is a manager of a swarm; the error says what it is otherwise.
    pub async fn manager(&self) -> Result<(), Error> {
        let state = self.engine().swarm_state().await?;
        let at = match (self.engine().host(), state.hostname.as_str()) {
            (h, "") if h.is_empty() => "the engine".to_string(),
            (h, name) if h.is_empty() => format!("the engine of {name}"),
            (h, "") => format!("the engine at {h}"),
            (h, name) => format!("the engine of {name} at {h}"),
        };
        match (state.local_state.as_str(), state.manager) {
            ("active", true) => Ok(()),
            ("active", false) => Err(Error::hinted(
                format!("{at} is a worker of its swarm: stacks are deployed through a manager"),
                "point DOCKER_HOST at a manager (`docker node ls` on one lists them)",
            )),
            (other, _) => Err(Error::hinted(
                format!("{at} is not part of a swarm (its swarm state is {other:?})"),
                "run `docker swarm init` there, or point DOCKER_HOST at a swarm's manager",
            )),
        }
    }

    /// Deploys `project` as stack `d.stack`; the plan it ran (printed instead under `dry_run`).
    pub async fn stack_deploy(&self, project: &Project, d: &Deploy) -> Result<Plan, Error> {
        let mut opts = StackOptions {
            stack: d.stack.clone(),
            api_version: self.engine().api_version(),
            pinned: BTreeMap::new(),
            files: crate::observe::stack_files(project),
            builds: d.build,
        };
        // what the stack cannot honour is said before anything is built or asked
        stack::convert(project, &opts).map_err(|r| Error::Load(r.0))?;
        self.manager().await?;
        let built: BTreeSet<String> = project
            .services
            .iter()
            .filter(|(_, s)| s.build.is_some())
            .map(|(k, _)| k.clone())
            .collect();
        if d.build && !built.is_empty() {
            let observed = self.observe(&project.name, Some(project)).await?;
            let images = Images {
                build: Build::Always,
                ..Default::default()
            };
            self.images(project, &observed, &built, &images).await?;
        }
        if d.push && !built.is_empty() {
            self.push(project, &built, false, false).await?;
        }
        let observed = crate::observe::stack(self.engine(), &d.stack).await?;
        opts.pinned = self.pin(project, &observed, d).await;
        let stack = stack::convert(project, &opts).map_err(|r| Error::Load(r.0))?;
        let deploy = DeployOptions {
            prune: d.prune,
            wait: d.wait,
            auth: d.auth,
        };
        let plan = stack::deploy(&stack, &observed, &deploy)?;
        self.execute(&d.stack, &plan).await?;
        Ok(plan)
    }

    /// The images of `project` pinned by their registry digests, as `d.resolve` says; an
    /// image that cannot be is said, and each node then takes it by name.
    async fn pin(
        &self,
        project: &Project,
        observed: &ObservedStack,
        d: &Deploy,
    ) -> BTreeMap<String, String> {
        let mut pinned = BTreeMap::new();
        if d.resolve == Resolve::Never || self.options().dry_run {
            return pinned;
        }
        let images: BTreeSet<&String> = project
            .services
            .values()
            .map(|s| &s.image)
            .filter(|i| !i.is_empty() && !i.contains('@'))
            .collect();
        let lookups = images.into_iter().map(|image| async move {
            if d.resolve == Resolve::Changed {
                // unchanged since the last deploy: the digest it was pinned to then
                let before = observed
                    .services
                    .iter()
                    .find(|s| s.label(labels::STACK_IMAGE) == image.as_str());
                let current = before.and_then(|s| {
                    let t = s.spec.task_template.as_ref()?;
                    t.container_spec.as_ref()?.image.clone()
                });
                if let Some(current) = current {
                    return (image.clone(), Ok(current));
                }
            }
            (
                image.clone(),
                self::pinned(self.engine(), image, d.auth).await,
            )
        });
        for (image, found) in futures_util::future::join_all(lookups).await {
            match found {
                Ok(p) => {
                    pinned.insert(image, p);
                }
                Err(why) => self.progress().message(&format!(
                    "warning: image {image} could not be pinned to a digest ({why}): each node takes it by name, and nodes may run different versions of it"
                )),
            }
        }
        pinned
    }

    /// Removes stack `name`: its services (waiting for their tasks to be gone), then its
    /// secrets, configs and networks.
    pub async fn stack_rm(&self, name: &str) -> Result<Done, Error> {
        self.manager().await?;
        let observed = crate::observe::stack(self.engine(), name).await?;
        let plan = stack::remove(name, &observed);
        if plan.is_empty() {
            return Ok(Done::Nothing);
        }
        self.execute(name, &plan).await?;
        Ok(Done::Acted)
    }

    /// The stacks on the swarm (from their services' namespace label), by name.
    pub async fn stacks(&self) -> Result<Vec<StackSummary>, Error> {
        self.manager().await?;
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for s in self.engine().list_services(None).await? {
            let ns = s.label(labels::STACK_NAMESPACE);
            if !ns.is_empty() {
                *count.entry(ns.to_string()).or_default() += 1;
            }
        }
        Ok(count
            .into_iter()
            .map(|(name, services)| StackSummary { name, services })
            .collect())
    }

    /// The services of stack `name` with their running and desired task counts.
    pub async fn stack_services(&self, name: &str) -> Result<Vec<ServiceStatus>, Error> {
        self.manager().await?;
        let (services, tasks) = futures_util::try_join!(
            self.engine().list_services(Some(name)),
            self.engine().list_tasks(None, Some(name)),
        )?;
        let mut out: Vec<ServiceStatus> = services
            .into_iter()
            .map(|service| {
                let mine = tasks.iter().filter(|t| t.service_id == service.id);
                let running = mine
                    .clone()
                    .filter(|t| t.state == TaskState::RUNNING)
                    .count();
                let active = mine.filter(|t| t.desired == TaskState::RUNNING).count();
                let desired = service.replicas().map_or(active, |n| n as usize);
                ServiceStatus {
                    service,
                    running,
                    desired,
                }
            })
            .collect();
        out.sort_by(|a, b| a.service.name.cmp(&b.service.name));
        Ok(out)
    }

    /// The tasks of stack `name`, with its services (for their names) and the swarm's nodes.
    pub async fn stack_tasks(
        &self,
        name: &str,
    ) -> Result<(Vec<SwarmTask>, Vec<SwarmService>, Vec<SwarmNode>), Error> {
        self.manager().await?;
        let (tasks, services, nodes) = futures_util::try_join!(
            self.engine().list_tasks(None, Some(name)),
            self.engine().list_services(Some(name)),
            self.engine().list_nodes(),
        )?;
        Ok((tasks, services, nodes))
    }
}

/// How long the registry may take to give a digest.
const DIGEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// `image` pinned to the digest its registry has for it (`name:tag@sha256:...`), asked through
/// the engine (`auth`: with the user's credentials); the error says why not. Stack deploys and
/// `config --resolve-image-digests` pin images this way.
pub async fn pinned(
    engine: &impl crate::engine::Swarm,
    image: &str,
    auth: bool,
) -> Result<String, String> {
    let lookup = engine.image_digest(image, auth);
    match tokio::time::timeout(DIGEST_TIMEOUT, lookup).await {
        Ok(r) => r
            .map(|digest| format!("{image}@{digest}"))
            .map_err(|e| e.message),
        Err(_) => Err(format!("no answer within {}s", DIGEST_TIMEOUT.as_secs())),
    }
}
