//! A project as a Swarm stack, pure: its services as `ServiceSpec`s (every key Swarm can honour,
//! the equivalents where Swarm has one: `network_mode: host`, service `tmpfs`, `cpus`,
//! `mem_limit`, `restart`), its overlay networks, its secrets and configs as versions named by
//! their content, with `docker stack`'s names and labels. Each key Swarm cannot honour is said
//! with its key path: a warning, or an error where running without it would be wrong.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    EndpointSpec, EndpointSpecModeEnum, GenericResourcesInner,
    GenericResourcesInnerDiscreteResourceSpec, HealthConfig, Limit, Mount, MountTmpfsOptions,
    MountType, MountVolumeOptions, MountVolumeOptionsDriverConfig, NetworkAttachmentConfig,
    NetworkCreateRequest, ResourceObject, ResourcesUlimits, ServiceSpecMode,
    ServiceSpecModeReplicated, ServiceSpecModeReplicatedJob, ServiceSpecRollbackConfig,
    ServiceSpecUpdateConfig, TaskSpec, TaskSpecContainerSpec, TaskSpecContainerSpecConfigs,
    TaskSpecContainerSpecDnsConfig, TaskSpecContainerSpecFile, TaskSpecContainerSpecFile1,
    TaskSpecContainerSpecSecrets, TaskSpecLogDriver, TaskSpecPlacement,
    TaskSpecPlacementPreferences, TaskSpecPlacementSpread, TaskSpecResources,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};

use crate::engine::{ConfigSpec, SecretSpec, ServiceSpec};
use crate::load::{ErrorKind, LoadError, LoadErrors};
use crate::model::{
    Condition, DeployMode, FileObject, FileReference, Project, Restart, Service, UlimitValue,
    UpdateConfig, VolumeKind,
};
use crate::names::labels;

/// What a translation starts from beyond the project.
#[derive(Debug, Clone, Default)]
pub struct StackOptions {
    /// The stack's name (`<stack>_<key>` names its objects).
    pub stack: String,
    /// The negotiated API version (`1.41`): fields newer engines take are gated.
    pub api_version: String,
    /// Images pinned by digest: as written → `image@sha256:...`.
    pub pinned: BTreeMap<String, String>,
    /// The contents of the secrets and configs given as `file:`, by `secrets.<key>` /
    /// `configs.<key>` (or why the file cannot be read).
    pub files: BTreeMap<String, Result<Vec<u8>, String>>,
    /// The services' `build:` sections are built and pushed first (`--build --push`).
    pub builds: bool,
}

/// A network the stack needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StackNetwork {
    pub key: String,
    pub name: String,
    /// Made elsewhere: it must exist, with swarm scope.
    pub external: bool,
    pub spec: NetworkCreateRequest,
}

/// One version of a secret or config, named by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackFile {
    pub key: String,
    /// The name it is created under (external: the name to find).
    pub name: String,
    pub external: bool,
    pub labels: BTreeMap<String, String>,
    pub data: Vec<u8>,
}

/// A service of the stack and what its deploy waits for.
#[derive(Debug, Clone, PartialEq)]
pub struct StackService {
    pub key: String,
    pub name: String,
    pub spec: ServiceSpec,
    /// The services it depends on and their conditions.
    pub depends: Vec<(String, Condition)>,
    /// It is a job (`replicated-job`, `global-job`): its tasks complete.
    pub job: bool,
}

/// The stack a project becomes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stack {
    pub name: String,
    pub networks: Vec<StackNetwork>,
    pub secrets: Vec<StackFile>,
    pub configs: Vec<StackFile>,
    pub services: Vec<StackService>,
    /// Keys Swarm does not honour, with their paths.
    pub warnings: Vec<String>,
}

impl StackFile {
    pub fn secret_spec(&self) -> SecretSpec {
        SecretSpec {
            name: Some(self.name.clone()),
            labels: Some(self.labels.clone().into_iter().collect()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(&self.data)),
            ..Default::default()
        }
    }

    pub fn config_spec(&self) -> ConfigSpec {
        ConfigSpec {
            name: Some(self.name.clone()),
            labels: Some(self.labels.clone().into_iter().collect()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(&self.data)),
            ..Default::default()
        }
    }
}

impl Translation<'_> {
    /// `<stack>_<key>`, or the name the file gives (the loader's `<project>_<key>` is no name
    /// the file gave).
    fn object_name(&self, key: &str, given: &str) -> String {
        if given.is_empty() || given == format!("{}_{key}", self.project.name) {
            format!("{}_{key}", self.opts.stack)
        } else {
            given.to_string()
        }
    }
}

/// The version of a secret or config with this content: its name and the first hex digits of
/// its sha256.
fn versioned(name: &str, data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(data)
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{name}-{hex}")
}

/// Translation errors: each names its key path (`LoadError::path`), for the loader's
/// [`crate::load::Locator`] to place in the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub LoadErrors);

impl Refused {
    /// `path: message` lines (the key path is the text up to the first `: `).
    fn new(lines: Vec<String>) -> Refused {
        let errors = lines.into_iter().map(|line| match line.split_once(": ") {
            Some((path, message)) => LoadError::new(ErrorKind::Unsupported, message).path(path),
            None => LoadError::new(ErrorKind::Unsupported, line),
        });
        Refused(LoadErrors(errors.collect()))
    }

    /// Each error as `path: message`.
    #[cfg(test)]
    pub fn lines(&self) -> Vec<String> {
        self.0.0.iter().map(ToString::to_string).collect()
    }
}

/// The stack `project` becomes under `opts`.
pub fn convert(project: &Project, opts: &StackOptions) -> Result<Stack, Refused> {
    let mut t = Translation {
        project,
        opts,
        stack: Stack {
            name: opts.stack.clone(),
            ..Default::default()
        },
        errors: Vec::new(),
    };
    t.networks();
    t.files("secrets", &project.secrets);
    t.files("configs", &project.configs);
    for (key, svc) in &project.services {
        t.service(key, svc);
    }
    if t.errors.is_empty() {
        Ok(t.stack)
    } else {
        Err(Refused::new(t.errors))
    }
}

struct Translation<'a> {
    project: &'a Project,
    opts: &'a StackOptions,
    stack: Stack,
    errors: Vec<String>,
}

impl Translation<'_> {
    /// The networks the services use (a service with none joins `default`), overlay unless
    /// the file says otherwise.
    fn networks(&mut self) {
        let used: std::collections::BTreeSet<&String> = self
            .project
            .services
            .values()
            .filter(|s| s.network_mode.is_empty())
            .flat_map(|s| s.networks.keys())
            .collect();
        for key in used {
            let n = self.project.networks.get(key).cloned().unwrap_or_default();
            let name = self.object_name(key, &n.name);
            let mut l: HashMap<String, String> = n.labels.clone().into_iter().collect();
            l.insert(labels::STACK_NAMESPACE.into(), self.opts.stack.clone());
            let spec = NetworkCreateRequest {
                name: name.clone(),
                driver: Some(if n.driver.is_empty() {
                    "overlay".into()
                } else {
                    n.driver.clone()
                }),
                options: (!n.driver_opts.is_empty())
                    .then(|| n.driver_opts.clone().into_iter().collect()),
                attachable: n.attachable.then_some(true),
                internal: n.internal.then_some(true),
                labels: Some(l),
                ..Default::default()
            };
            self.stack.networks.push(StackNetwork {
                key: key.clone(),
                name,
                external: n.external,
                spec,
            });
        }
    }

    /// Secrets or configs: one version each, named by its content.
    fn files(&mut self, kind: &str, objects: &BTreeMap<String, FileObject>) {
        for (key, obj) in objects {
            let path = format!("{kind}.{key}");
            let name = self.object_name(key, &obj.name);
            if obj.external {
                let file = StackFile {
                    key: key.clone(),
                    name,
                    external: true,
                    labels: BTreeMap::new(),
                    data: Vec::new(),
                };
                self.push_file(kind, file);
                continue;
            }
            let data = if !obj.file.is_empty() {
                match self.opts.files.get(&path) {
                    Some(Ok(d)) => d.clone(),
                    Some(Err(why)) => {
                        self.errors
                            .push(format!("{path}.file: cannot read {}: {why}", obj.file));
                        continue;
                    }
                    None => {
                        self.errors
                            .push(format!("{path}.file: {} was not read", obj.file));
                        continue;
                    }
                }
            } else if !obj.environment.is_empty() {
                match self.project.environment.get(&obj.environment) {
                    Some(v) => v.clone().into_bytes(),
                    None => {
                        self.errors.push(format!(
                            "{path}.environment: variable {} is not set",
                            obj.environment
                        ));
                        continue;
                    }
                }
            } else {
                obj.content.clone().into_bytes()
            };
            if !obj.driver.is_empty() || !obj.template_driver.is_empty() {
                self.stack.warnings.push(format!(
                    "{path}: `driver` and `template_driver` are not supported by rcompose stack: ignored"
                ));
            }
            let mut l: BTreeMap<String, String> = obj.labels.clone();
            l.insert(labels::STACK_NAMESPACE.into(), self.opts.stack.clone());
            l.insert(labels::STACK_KEY.into(), key.clone());
            let file = StackFile {
                key: key.clone(),
                name: versioned(&name, &data),
                external: false,
                labels: l,
                data,
            };
            self.push_file(kind, file);
        }
    }

    fn push_file(&mut self, kind: &str, file: StackFile) {
        match kind {
            "secrets" => self.stack.secrets.push(file),
            _ => self.stack.configs.push(file),
        }
    }

    fn service(&mut self, key: &str, svc: &Service) {
        let path = format!("services.{key}");
        let before = self.errors.len();
        self.refuse_or_warn(&path, svc);
        let name = format!("{}_{key}", self.opts.stack);
        let image = svc.image.clone();
        if image.is_empty() {
            self.errors.push(format!(
                "{path}: a stack service needs `image` (the name its build is pushed to, for every node to pull)"
            ));
        }
        let deploy = svc.deploy.clone().unwrap_or_default();
        let mode = self.mode(&path, svc, &deploy.mode, deploy.replicas);
        let job = matches!(
            deploy.mode,
            DeployMode::ReplicatedJob | DeployMode::GlobalJob
        );
        let mut service_labels: HashMap<String, String> =
            deploy.labels.clone().into_iter().collect();
        service_labels.insert(labels::STACK_NAMESPACE.into(), self.opts.stack.clone());
        service_labels.insert(labels::STACK_IMAGE.into(), image.clone());
        service_labels.insert(labels::SERVICE.into(), key.into());
        let container = self.container(key, svc, &image);
        let task = TaskSpec {
            container_spec: Some(container),
            resources: self.resources(&path, svc, &deploy.resources),
            restart_policy: self.restart(&path, svc, deploy.restart_policy.as_ref(), job),
            placement: placement(&deploy.placement),
            networks: self.attachments(key, svc),
            log_driver: log_driver(svc),
            ..Default::default()
        };
        let spec = ServiceSpec {
            name: Some(name.clone()),
            labels: Some(service_labels),
            task_template: Some(task),
            mode: Some(mode),
            update_config: deploy
                .update_config
                .as_ref()
                .map(|u| self.update_config(&format!("{path}.deploy.update_config"), u)),
            rollback_config: deploy.rollback_config.as_ref().map(|u| {
                let c = self.update_config(&format!("{path}.deploy.rollback_config"), u);
                rollback(c)
            }),
            endpoint_spec: self.endpoint(&path, svc, &deploy.endpoint_mode),
            ..Default::default()
        };
        if self.errors.len() > before {
            return;
        }
        let spec = with_hash(spec);
        let depends = svc
            .depends_on
            .iter()
            .filter(|(d, _)| self.project.services.contains_key(*d))
            .map(|(d, dep)| (d.clone(), dep.condition.clone()))
            .collect();
        self.stack.services.push(StackService {
            key: key.to_string(),
            name,
            spec,
            depends,
            job,
        });
    }

    /// Keys Swarm cannot honour: errors where running without them would be wrong, warnings
    /// otherwise.
    fn refuse_or_warn(&mut self, path: &str, svc: &Service) {
        for (i, p) in svc.ports.iter().enumerate() {
            if !p.host_ip.is_empty() {
                self.errors.push(format!(
                    "{path}.ports[{i}].host_ip: Swarm publishes on every address of every node (it would widen {} to 0.0.0.0)",
                    p.host_ip
                ));
            }
        }
        if !svc.network_mode.is_empty() && svc.network_mode != "host" {
            self.errors.push(format!(
                "{path}.network_mode: {:?} is not supported by Swarm services (only `host`)",
                svc.network_mode
            ));
        }
        let warn = [
            (svc.privileged, "privileged"),
            (!svc.devices.is_empty(), "devices"),
            (!svc.links.is_empty(), "links"),
            (!svc.external_links.is_empty(), "external_links"),
            (!svc.pid.is_empty(), "pid"),
            (!svc.ipc.is_empty(), "ipc"),
            (!svc.security_opt.is_empty(), "security_opt"),
            (svc.shm_size.0 != 0, "shm_size"),
            (!svc.cgroup_parent.is_empty(), "cgroup_parent"),
            (!svc.container_name.is_empty(), "container_name"),
            (!svc.volumes_from.is_empty(), "volumes_from"),
            (!svc.userns_mode.is_empty(), "userns_mode"),
            (!svc.uts.is_empty(), "uts"),
            (!svc.mac_address.is_empty(), "mac_address"),
            (!svc.storage_opt.is_empty(), "storage_opt"),
            (!svc.gpus.is_empty(), "gpus"),
            (svc.cpu_shares != 0, "cpu_shares"),
            (!svc.cpuset.is_empty(), "cpuset"),
            (svc.blkio_config.is_some(), "blkio_config"),
            (svc.oom_kill_disable, "oom_kill_disable"),
            (svc.memswap_limit.0 != 0, "memswap_limit"),
            (svc.mem_swappiness.0 != 0, "mem_swappiness"),
            (!svc.runtime.is_empty(), "runtime"),
            (!svc.platform.is_empty(), "platform"),
            (!svc.domainname.is_empty(), "domainname"),
            (!svc.device_cgroup_rules.is_empty(), "device_cgroup_rules"),
            (!svc.post_start.is_empty(), "post_start"),
            (!svc.pre_stop.is_empty(), "pre_stop"),
            (svc.use_api_socket, "use_api_socket"),
            (svc.build.is_some() && !self.opts.builds, "build"),
        ];
        for (set, key) in warn {
            if set {
                let why = match key {
                    "build" => {
                        "Swarm runs images: `stack deploy --build --push` builds and pushes it first (ignored)"
                    }
                    _ => "not supported by Swarm services",
                };
                self.stack.warnings.push(format!("{path}.{key}: {why}"));
            }
        }
    }

    fn mode(
        &mut self,
        path: &str,
        svc: &Service,
        mode: &DeployMode,
        replicas: Option<i64>,
    ) -> ServiceSpecMode {
        let n = replicas.or(svc.scale).unwrap_or(1);
        match mode {
            DeployMode::Global => ServiceSpecMode {
                global: Some(HashMap::new()),
                ..Default::default()
            },
            DeployMode::ReplicatedJob => ServiceSpecMode {
                replicated_job: Some(ServiceSpecModeReplicatedJob {
                    max_concurrent: Some(n),
                    total_completions: Some(n),
                }),
                ..Default::default()
            },
            DeployMode::GlobalJob => ServiceSpecMode {
                global_job: Some(HashMap::new()),
                ..Default::default()
            },
            DeployMode::Other(m) => {
                self.errors
                    .push(format!("{path}.deploy.mode: unknown mode {m:?}"));
                ServiceSpecMode::default()
            }
            DeployMode::Unset | DeployMode::Replicated => ServiceSpecMode {
                replicated: Some(ServiceSpecModeReplicated { replicas: Some(n) }),
                ..Default::default()
            },
        }
    }
}

/// `deploy.placement`.
fn placement(p: &crate::model::Placement) -> Option<TaskSpecPlacement> {
    if p.constraints.is_empty() && p.preferences.is_empty() && p.max_replicas == 0 {
        return None;
    }
    let preferences = p
        .preferences
        .iter()
        .map(|pref| TaskSpecPlacementPreferences {
            spread: Some(TaskSpecPlacementSpread {
                spread_descriptor: Some(pref.spread.clone()),
            }),
        })
        .collect::<Vec<_>>();
    Some(TaskSpecPlacement {
        constraints: (!p.constraints.is_empty()).then(|| p.constraints.clone()),
        preferences: (!preferences.is_empty()).then_some(preferences),
        max_replicas: (p.max_replicas > 0).then_some(p.max_replicas as i64),
        ..Default::default()
    })
}

/// `logging`, or the legacy `log_driver` / `log_opt`.
fn log_driver(svc: &Service) -> Option<TaskSpecLogDriver> {
    let (driver, options) = match &svc.logging {
        Some(l) => (l.driver.clone(), l.options.clone()),
        None => (svc.log_driver.clone(), svc.log_opt.clone()),
    };
    if driver.is_empty() && options.is_empty() {
        return None;
    }
    Some(TaskSpecLogDriver {
        name: (!driver.is_empty()).then_some(driver),
        options: (!options.is_empty()).then(|| options.into_iter().collect()),
    })
}

/// The spec with the hash of its JSON among its labels.
fn with_hash(mut spec: ServiceSpec) -> ServiceSpec {
    use sha2::{Digest, Sha256};
    // the labels and options are hash maps: keys sorted, so that the same spec hashes the same
    fn sorted(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.sort_keys();
                m.values_mut().for_each(sorted);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(sorted),
            _ => {}
        }
    }
    let mut json = serde_json::to_value(&spec).unwrap_or_default();
    sorted(&mut json);
    let hash: String = Sha256::digest(json.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let l = spec.labels.get_or_insert_with(HashMap::new);
    l.insert(labels::STACK_SPEC_HASH.into(), hash);
    spec
}

/// An update config as a rollback config (the same fields).
fn rollback(u: ServiceSpecUpdateConfig) -> ServiceSpecRollbackConfig {
    let json = serde_json::to_value(u).unwrap_or_default();
    serde_json::from_value(json).unwrap_or_default()
}

#[cfg(test)]
mod tests;

mod parts;
