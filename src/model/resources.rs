//! The project's top-level resources: networks (with IPAM), volumes, secrets and configs.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

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
    #[serde(flatten, skip_serializing)]
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
    #[serde(flatten, skip_serializing)]
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
    #[serde(flatten, skip_serializing)]
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
    #[serde(flatten, skip_serializing)]
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
    #[serde(flatten, skip_serializing)]
    pub extensions: Extensions,
}
