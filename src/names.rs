//! Compose's naming rules and labels in one place, for every layer: the engine names of a
//! project's containers, images, networks and volumes, the labels that tie engine objects to a
//! project, and unique project names for parallel test runs.

use std::hash::{BuildHasher, Hasher};

use crate::model::{Project, Service};

/// The labels Compose puts on engine objects.
pub mod labels {
    pub const PROJECT: &str = "com.docker.compose.project";
    pub const SERVICE: &str = "com.docker.compose.service";
    pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
    pub const NUMBER: &str = "com.docker.compose.container-number";
    pub const ONEOFF: &str = "com.docker.compose.oneoff";
    pub const SLUG: &str = "com.docker.compose.slug";
    pub const IMAGE: &str = "com.docker.compose.image";
    pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
    pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
    pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
    pub const ENVIRONMENT_FILE: &str = "com.docker.compose.project.environment_file";
    pub const VERSION: &str = "com.docker.compose.version";
    pub const REPLACE: &str = "com.docker.compose.replace";
    pub const NETWORK: &str = "com.docker.compose.network";
    pub const VOLUME: &str = "com.docker.compose.volume";
    pub const IMAGE_BUILDER: &str = "com.docker.compose.image.builder";
    /// The stack a Swarm object belongs to (`docker stack`'s own label).
    pub const STACK_NAMESPACE: &str = "com.docker.stack.namespace";
    /// A stack service's image as the file names it (`docker stack`'s own label).
    pub const STACK_IMAGE: &str = "com.docker.stack.image";
    /// The file's key of a versioned secret or config of a stack (rcompose's).
    pub const STACK_KEY: &str = "rcompose.stack.key";
    /// The hash of the spec rcompose last sent for a stack service (rcompose's): a setting the
    /// file dropped is a change too.
    pub const STACK_SPEC_HASH: &str = "rcompose.stack.spec-hash";
}

/// The container name of a service's replica: `container_name`, or `<project>-<service>-<n>`
/// (`_` between them under `--compatibility`).
pub fn container_name(p: &Project, service: &str, svc: &Service, number: u32) -> String {
    if svc.container_name.is_empty() {
        let (project, sep) = (&p.name, p.separator());
        format!("{project}{sep}{service}{sep}{number}")
    } else {
        svc.container_name.clone()
    }
}

/// The image a service runs: `image`, or `<project>-<service>` for a built one (`_` under
/// `--compatibility`).
pub fn image_name(p: &Project, service: &str, svc: &Service) -> String {
    if svc.image.is_empty() {
        format!("{}{}{service}", p.name, p.separator())
    } else {
        svc.image.clone()
    }
}

/// The engine name of a project network: its `name`, or `<project>_<key>`.
pub fn network_name(p: &Project, key: &str) -> String {
    resource_name(&p.name, key, p.networks.get(key).map(|n| n.name.as_str()))
}

/// The engine name of a project volume: its `name`, or `<project>_<key>`.
pub fn volume_name(p: &Project, key: &str) -> String {
    resource_name(&p.name, key, p.volumes.get(key).map(|v| v.name.as_str()))
}

fn resource_name(project: &str, key: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!("{project}_{key}"),
    }
}

/// The `com.docker.compose.depends_on` label of a service's containers:
/// `db:service_healthy:false,cache:service_started:true` (service, condition, restart).
pub fn depends_on_label(svc: &Service) -> String {
    let deps: Vec<String> = svc
        .depends_on
        .iter()
        .map(|(name, d)| format!("{name}:{}:{}", d.condition, d.restart))
        .collect();
    deps.join(",")
}

/// The services a `com.docker.compose.depends_on` label names.
pub fn depends_on_services(label: &str) -> impl Iterator<Item = &str> {
    label
        .split(',')
        .filter_map(|d| d.split(':').next())
        .filter(|s| !s.is_empty())
}

/// The name a replacement container is created under, before the old one goes: the old
/// container's short ID, `_`, the final name (as Compose).
pub fn replacement_name(old_id: &str, name: &str) -> String {
    format!("{}_{name}", &old_id[..old_id.len().min(12)])
}

/// The final name of a container still under its [`replacement_name`] (a short ID of 12 hex
/// digits, `_`, the name); `None` for any other name.
pub fn replacement_target(name: &str) -> Option<&str> {
    let (id, target) = name.split_once('_')?;
    let short_id = id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit());
    short_id.then_some(target)
}

/// What the `com.docker.compose.replace` label of a replacement names: `<service>-<n>`, or the
/// `container_name`.
pub fn replaced_label(sep: char, service: &str, svc: &Service, number: u32) -> String {
    if svc.container_name.is_empty() {
        format!("{service}{sep}{number}")
    } else {
        svc.container_name.clone()
    }
}

/// The name of a one-off container of `run`: `<project>-<service>-run-<first 12 of the slug>`.
pub fn oneoff_name(p: &Project, service: &str, slug: &str) -> String {
    let (project, sep) = (&p.name, p.separator());
    format!(
        "{project}{sep}{service}{sep}run{sep}{}",
        &slug[..slug.len().min(12)]
    )
}

/// A project name made of lowercase letters, digits, `-` and `_`, starting with a letter or
/// digit, as Compose normalizes one.
pub fn normalize_project_name(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect::<String>()
        .trim_start_matches(['-', '_'])
        .to_string()
}

/// A project name nobody else uses: `base` (normalized) and 8 random hexadecimal digits.
pub fn unique_name(base: &str) -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    let base = normalize_project_name(base);
    let base = if base.is_empty() { "rcompose" } else { &base };
    format!("{base}-{:08x}", h.finish() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_are_valid_and_differ() {
        let a = unique_name("My App");
        let b = unique_name("My App");
        assert_ne!(a, b);
        assert!(
            a.starts_with("myapp-") && a.len() == "myapp-".len() + 8,
            "{a}"
        );
        assert_eq!(normalize_project_name(&a), a);
        assert!(unique_name("__").starts_with("rcompose-"));
    }
}
