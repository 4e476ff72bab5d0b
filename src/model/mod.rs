//! The typed Compose model (project, services, networks, volumes, secrets, configs), serde both
//! ways. Field order and omission rules follow Compose v2's JSON so `config` and the config hash match.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

pub mod input;
pub(crate) mod keywords;
mod parts;
mod resources;
mod scalars;
mod service;
pub use keywords::{Condition, DeployMode, PullPolicy, Restart, VolumeKind};
pub use parts::*;
pub use resources::*;
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
