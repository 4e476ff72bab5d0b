//! The typed Compose model (project, services, networks, volumes, secrets, configs), serde both
//! ways; a service's own keys are in `service`, the enum-like values in `keywords`. Field order
//! and omission rules follow Compose v2's JSON so `config` and the config hash match; inside
//! `in_yaml_form` they follow its YAML, which differs in a few places.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

mod form;
pub mod input;
pub(crate) mod keywords;
mod scalars;
mod service;
pub use form::in_yaml_form;
use form::{json_form, none_in_yaml, yaml_form, zero_in_yaml};
pub use keywords::{Condition, DeployMode, PullPolicy, Restart, VolumeKind};
pub use scalars::{Duration, FileMode, HostsList, UlimitValue, UnitBytes};
pub use service::*;

/// Extension keys (`x-*`), kept and ignored.
pub type Extensions = BTreeMap<String, Json>;
/// `KEY: value` maps whose values may be absent (`environment`, `build.args`).
pub type MappingWithEquals = BTreeMap<String, Option<String>>;
pub type Mapping = BTreeMap<String, String>;

pub(crate) fn is_zero<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn is_true(v: &bool) -> bool {
    *v
}
fn yes() -> bool {
    true
}

/// Prints a float32 as Go does: its shortest text, and integers without a fraction.
fn go_f32<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return s.serialize_i64(*v as i64);
    }
    let f: f64 = v.to_string().parse().unwrap_or(*v as f64);
    s.serialize_f64(f)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Project {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub services: BTreeMap<String, Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Network>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, Volume>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, FileObject>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, FileObject>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, ModelConfig>,
    #[serde(flatten)]
    pub extensions: Extensions,
    /// Services switched off by profiles (not printed).
    #[serde(skip)]
    pub disabled: BTreeMap<String, Service>,
    /// Folder relative paths were resolved against.
    #[serde(skip)]
    pub working_dir: String,
    /// `--compatibility` (or `COMPOSE_COMPATIBILITY`): names joined by `_`, as Compose v1 did.
    #[serde(skip)]
    pub compatibility: bool,
    /// Absolute paths of the compose files, in order.
    #[serde(skip)]
    pub compose_files: Vec<String>,
    /// The environment used for interpolation (shell + .env).
    #[serde(skip)]
    pub environment: BTreeMap<String, String>,
    /// Variables the files refer to (for `config --variables`).
    #[serde(skip)]
    pub env_files: Vec<String>,
}

impl Project {
    /// What joins the parts of container and image names: `-`, or `_` under `--compatibility`.
    pub fn separator(&self) -> char {
        if self.compatibility { '_' } else { '-' }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BlkioConfig {
    #[serde(skip_serializing_if = "is_zero")]
    pub weight: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_iops: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_iops: Vec<ThrottleDevice>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

/// Go's JSON prints these fields with their Go names (no json tags upstream), its YAML in lower
/// case.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WeightDevice {
    #[serde(rename = "Path", alias = "path")]
    #[schemars(rename = "path")]
    pub path: String,
    #[serde(rename = "Weight", alias = "weight")]
    #[schemars(rename = "weight")]
    pub weight: u16,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ThrottleDevice {
    #[serde(rename = "Path", alias = "path")]
    #[schemars(rename = "path")]
    pub path: String,
    #[serde(rename = "Rate", alias = "rate")]
    #[schemars(rename = "rate")]
    pub rate: UnitBytes,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CredentialSpec {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub config: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub registry: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(extend("required" = ["condition"]))]
pub struct Dependency {
    #[serde(skip_serializing_if = "Condition::is_unset")]
    #[schemars(with = "String")]
    pub condition: Condition,
    #[serde(skip_serializing_if = "is_zero")]
    pub restart: bool,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Deploy {
    #[serde(skip_serializing_if = "DeployMode::is_unset")]
    #[schemars(with = "String")]
    pub mode: DeployMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::ListOrDict")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "zero_in_yaml")]
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(skip_serializing_if = "zero_in_yaml")]
    pub placement: Placement,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_mode: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct UpdateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u64>,
    #[serde(skip_serializing_if = "is_zero")]
    pub delay: Duration,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub failure_action: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub monitor: Duration,
    #[serde(skip_serializing_if = "is_zero", serialize_with = "go_f32")]
    pub max_failure_ratio: f32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub order: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Resource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Resource>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Resource {
    #[serde(skip_serializing_if = "is_zero", serialize_with = "go_f32")]
    pub cpus: f32,
    #[serde(skip_serializing_if = "is_zero")]
    pub memory: UnitBytes,
    #[serde(skip_serializing_if = "is_zero")]
    pub pids: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "input::ReservedDevices")]
    pub devices: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<GenericResource>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct GenericResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrete_resource_spec: Option<DiscreteGenericResource>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DiscreteGenericResource {
    pub kind: String,
    pub value: i64,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeviceRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    /// -1 means `all`.
    #[serde(skip_serializing_if = "is_zero")]
    #[schemars(with = "input::CountInput")]
    pub count: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_ids: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, Option<input::Scalar>>")]
    pub options: Mapping,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Placement {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PlacementPreference>,
    #[serde(rename = "max_replicas_per_node", skip_serializing_if = "is_zero")]
    pub max_replicas: u64,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PlacementPreference {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub spread: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct DeviceMapping {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub permissions: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct EnvFile {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// Printed only when false (Go's `omitzero` on an opt-out flag).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub required: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub format: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Extends {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Healthcheck {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "input::Command")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Duration>,
    #[serde(skip_serializing_if = "is_zero")]
    pub disable: bool,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Logging {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, Option<input::Scalar>>")]
    pub options: Mapping,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ServiceModel {
    #[serde(rename = "endpoint_var", skip_serializing_if = "String::is_empty")]
    pub endpoint_variable: String,
    #[serde(rename = "model_var", skip_serializing_if = "String::is_empty")]
    pub model_variable: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ModelConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub context_size: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runtime_flags: Vec<String>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ServiceNetwork {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::Options")]
    pub driver_opts: Mapping,
    #[serde(rename = "gw_priority", skip_serializing_if = "is_zero")]
    pub gateway_priority: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub interface_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv4_address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv6_address: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub priority: i64,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Port {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub target: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    #[schemars(with = "input::StringOrNumber")]
    pub published: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub app_protocol: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ServiceVolume {
    #[serde(rename = "type", skip_serializing_if = "VolumeKind::is_unset")]
    #[schemars(with = "String")]
    pub kind: VolumeKind,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consistency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<VolumeBind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<VolumeTmpfs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<VolumeImage>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct VolumeBind {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub selinux: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub propagation: String,
    /// Opt-out flag (absent means true); printed only when it was written or came from the
    /// short syntax, as Compose does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_host_path: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub recursive: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct VolumeVolume {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::ListOrDict")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "is_zero")]
    pub nocopy: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct VolumeTmpfs {
    #[serde(skip_serializing_if = "is_zero")]
    #[schemars(extend("minimum" = 0))]
    pub size: UnitBytes,
    #[serde(skip_serializing_if = "is_zero")]
    pub mode: u32,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct VolumeImage {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

/// A service's use of a secret or config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FileReference {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<FileMode>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Network {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::Options")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "zero_in_yaml")]
    pub ipam: Ipam,
    #[serde(skip_serializing_if = "is_zero")]
    #[schemars(with = "input::ExternalInput")]
    pub external: bool,
    #[serde(skip_serializing_if = "is_zero")]
    pub internal: bool,
    #[serde(skip_serializing_if = "is_zero")]
    pub attachable: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::ListOrDict")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv4: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv6: Option<bool>,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Ipam {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "BTreeMap<String, Option<input::Scalar>>")]
    pub options: Mapping,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct IpamPool {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subnet: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gateway: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip_range: String,
    #[serde(rename = "aux_addresses", skip_serializing_if = "BTreeMap::is_empty")]
    pub aux_addresses: Mapping,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Volume {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::Options")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "is_zero")]
    #[schemars(with = "input::ExternalInput")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::ListOrDict")]
    pub labels: Mapping,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}

/// A top-level secret or config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FileObject {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub environment: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content: String,
    #[serde(skip_serializing_if = "is_zero")]
    #[schemars(with = "input::ExternalInput")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::ListOrDict")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(with = "input::Options")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_driver: String,
    #[serde(flatten, skip_serializing_if = "json_form")]
    pub extensions: Extensions,
}
