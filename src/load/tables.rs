//! Every rule of the loader that is keyed by a path in the file (`services.*.ports`, with `*`
//! for any key or index), in one place: short syntaxes, interpolation casts, merge rules and
//! de-duplication keys, defaults, paths to resolve, and the conversions for the typed model. Each
//! table is compiled once ([`PathTable`]) and looked up by depth.

use std::sync::LazyLock;

use super::paths::PathTable;

/// The short syntaxes `canonical` rewrites to long ones, by key path.
#[derive(Clone, Copy)]
pub(super) enum Transform {
    Service,
    FileMount,
    StringOrX,
    KeyValue,
    DependsOn,
    EnvFile,
    StringOrList,
    Dns,
    Extends,
    Gpus,
    SliceToMap,
    Volume,
    Device,
    Ports,
    Build,
    Ssh,
    MaybeExternal,
    Include,
}

pub(super) static TRANSFORMS: LazyLock<PathTable<Transform>> =
    LazyLock::new(|| PathTable::new(TRANSFORM_LIST));

const TRANSFORM_LIST: &[(&str, Transform)] = &[
    ("services.*", Transform::Service),
    ("services.*.build.secrets.*", Transform::FileMount),
    ("services.*.build.provenance", Transform::StringOrX),
    ("services.*.build.sbom", Transform::StringOrX),
    ("services.*.build.additional_contexts", Transform::KeyValue),
    ("services.*.depends_on", Transform::DependsOn),
    ("services.*.env_file", Transform::EnvFile),
    ("services.*.label_file", Transform::StringOrList),
    ("services.*.extends", Transform::Extends),
    ("services.*.gpus", Transform::Gpus),
    ("services.*.networks", Transform::SliceToMap),
    ("services.*.models", Transform::SliceToMap),
    ("services.*.volumes.*", Transform::Volume),
    ("services.*.dns", Transform::Dns),
    ("services.*.devices.*", Transform::Device),
    ("services.*.secrets.*", Transform::FileMount),
    ("services.*.configs.*", Transform::FileMount),
    ("services.*.ports", Transform::Ports),
    ("services.*.build", Transform::Build),
    ("services.*.build.ssh", Transform::Ssh),
    ("services.*.develop.watch.*.ignore", Transform::StringOrList),
    (
        "services.*.develop.watch.*.include",
        Transform::StringOrList,
    ),
    ("volumes.*", Transform::MaybeExternal),
    ("networks.*", Transform::MaybeExternal),
    ("secrets.*", Transform::MaybeExternal),
    ("configs.*", Transform::MaybeExternal),
    ("include.*", Transform::Include),
];

/// A value type that Compose casts an interpolated string to, by key path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    Int,
    Float,
    Bool,
}

/// Paths (with `*` for any key or index) whose string values Compose casts after substitution.
pub(super) static CASTS: LazyLock<PathTable<Cast>> = LazyLock::new(|| PathTable::new(CAST_LIST));

const CAST_LIST: &[(&str, Cast)] = &[
    ("services.*.cpu_count", Cast::Int),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int),
    ("services.*.cpu_quota", Cast::Int),
    ("services.*.cpu_rt_period", Cast::Int),
    ("services.*.cpu_rt_runtime", Cast::Int),
    ("services.*.cpus", Cast::Float),
    ("services.*.cpu_shares", Cast::Int),
    ("services.*.init", Cast::Bool),
    ("services.*.depends_on.*.required", Cast::Bool),
    ("services.*.depends_on.*.restart", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    (
        "services.*.deploy.update_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    (
        "services.*.deploy.rollback_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    (
        "services.*.deploy.placement.max_replicas_per_node",
        Cast::Int,
    ),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int),
    ("services.*.pids_limit", Cast::Int),
    ("services.*.ports.*.target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.*.read_only", Cast::Bool),
    ("services.*.volumes.*.volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

/// How `merge` combines a key of two files, by key path (mappings merge, lists append).
#[derive(Clone, Copy)]
pub(super) enum Rule {
    ToSequence,
    Replace,
    Build,
    DependsOn,
    ToMapping,
    ExtraHosts,
    Logging,
    IpamConfig,
}

pub(super) static RULES: LazyLock<PathTable<Rule>> = LazyLock::new(|| PathTable::new(RULE_LIST));

const RULE_LIST: &[(&str, Rule)] = &[
    ("networks.*.ipam.config", Rule::IpamConfig),
    ("networks.*.labels", Rule::ToSequence),
    ("volumes.*.labels", Rule::ToSequence),
    ("services.*.annotations", Rule::ToSequence),
    ("services.*.build", Rule::Build),
    ("services.*.build.args", Rule::ToSequence),
    ("services.*.build.additional_contexts", Rule::ToSequence),
    ("services.*.build.extra_hosts", Rule::ExtraHosts),
    ("services.*.build.labels", Rule::ToSequence),
    ("services.*.command", Rule::Replace),
    ("services.*.depends_on", Rule::DependsOn),
    ("services.*.deploy.labels", Rule::ToSequence),
    ("services.*.dns", Rule::ToSequence),
    ("services.*.dns_opt", Rule::ToSequence),
    ("services.*.dns_search", Rule::ToSequence),
    ("services.*.entrypoint", Rule::Replace),
    ("services.*.env_file", Rule::ToSequence),
    ("services.*.label_file", Rule::ToSequence),
    ("services.*.environment", Rule::ToSequence),
    ("services.*.extra_hosts", Rule::ExtraHosts),
    ("services.*.healthcheck.test", Rule::Replace),
    ("services.*.labels", Rule::ToSequence),
    ("services.*.volumes.*.volume.labels", Rule::ToSequence),
    ("services.*.logging", Rule::Logging),
    ("services.*.models", Rule::ToMapping),
    ("services.*.networks", Rule::ToMapping),
    ("services.*.sysctls", Rule::ToSequence),
    ("services.*.tmpfs", Rule::ToSequence),
    ("services.*.ulimits.*", Rule::Replace),
];

/// What makes two items of a merged list the same item (kept once, the later one winning).
#[derive(Clone, Copy)]
pub(super) enum Index {
    KeyValue,
    Volume,
    Device,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

pub(super) static UNIQUE: LazyLock<PathTable<Index>> =
    LazyLock::new(|| PathTable::new(UNIQUE_LIST));

const UNIQUE_LIST: &[(&str, Index)] = &[
    ("networks.*.labels", Index::KeyValue),
    ("networks.*.ipam.options", Index::KeyValue),
    ("services.*.annotations", Index::KeyValue),
    ("services.*.build.args", Index::KeyValue),
    ("services.*.build.additional_contexts", Index::KeyValue),
    ("services.*.build.platform", Index::KeyValue),
    ("services.*.build.tags", Index::KeyValue),
    ("services.*.build.labels", Index::KeyValue),
    ("services.*.cap_add", Index::KeyValue),
    ("services.*.cap_drop", Index::KeyValue),
    ("services.*.devices", Index::Device),
    ("services.*.configs", Index::Mount("")),
    ("services.*.deploy.labels", Index::KeyValue),
    ("services.*.dns", Index::KeyValue),
    ("services.*.dns_opt", Index::KeyValue),
    ("services.*.dns_search", Index::KeyValue),
    ("services.*.environment", Index::KeyValue),
    ("services.*.env_file", Index::EnvFile),
    ("services.*.expose", Index::Expose),
    ("services.*.labels", Index::KeyValue),
    ("services.*.links", Index::KeyValue),
    ("services.*.networks.*.aliases", Index::KeyValue),
    ("services.*.networks.*.link_local_ips", Index::KeyValue),
    ("services.*.ports", Index::Port),
    ("services.*.profiles", Index::KeyValue),
    ("services.*.secrets", Index::Mount("/run/secrets")),
    ("services.*.sysctls", Index::KeyValue),
    ("services.*.tmpfs", Index::KeyValue),
    ("services.*.volumes", Index::Volume),
];

/// The defaults `set_defaults` fills in, by key path.
#[derive(Clone, Copy)]
pub(super) enum Defaulted {
    Build,
    Secret,
    Port,
    Device,
}
pub(super) static DEFAULTS: LazyLock<PathTable<Defaulted>> = LazyLock::new(|| {
    PathTable::new(&[
        ("services.*.build", Defaulted::Build),
        ("services.*.secrets.*", Defaulted::Secret),
        ("services.*.ports.*", Defaulted::Port),
        (
            "services.*.deploy.resources.reservations.devices.*",
            Defaulted::Device,
        ),
        ("services.*.gpus.*", Defaulted::Device),
    ])
});

/// The file paths `resolve_paths` makes absolute, by key path.
#[derive(Clone, Copy)]
pub(super) enum PathKind {
    Context,
    File,
    Volume,
    LocalVolume,
}
pub(super) static PATHS: LazyLock<PathTable<PathKind>> = LazyLock::new(|| {
    PathTable::new(&[
        ("services.*.build.context", PathKind::Context),
        ("services.*.build.additional_contexts.*", PathKind::Context),
        ("services.*.env_file.*.path", PathKind::File),
        ("services.*.label_file.*", PathKind::File),
        ("services.*.develop.watch.*.path", PathKind::File),
        ("services.*.build.ssh.*", PathKind::File),
        ("configs.*.file", PathKind::File),
        ("secrets.*.file", PathKind::File),
        ("services.*.extends.file", PathKind::File),
        ("services.*.volumes.*", PathKind::Volume),
        ("volumes.*", PathKind::LocalVolume),
    ])
});

/// The conversions `prepare_for_model` makes, by key path.
#[derive(Clone, Copy)]
pub(super) enum ModelValue {
    MapWithEquals,
    StringMap,
    Command,
    HealthTest,
    ExtraHosts,
    StringList,
    Port,
    Count,
    Cpus,
    Ssh,
    FileRef,
    ProviderOptions,
}
pub(super) static MODEL_VALUES: LazyLock<PathTable<ModelValue>> = LazyLock::new(|| {
    PathTable::new(&[
        ("services.*.environment", ModelValue::MapWithEquals),
        ("services.*.build.args", ModelValue::MapWithEquals),
        (
            "services.*.post_start.*.environment",
            ModelValue::MapWithEquals,
        ),
        (
            "services.*.pre_stop.*.environment",
            ModelValue::MapWithEquals,
        ),
        (
            "services.*.develop.watch.*.exec.environment",
            ModelValue::MapWithEquals,
        ),
        ("services.*.labels", ModelValue::StringMap),
        ("services.*.annotations", ModelValue::StringMap),
        ("services.*.sysctls", ModelValue::StringMap),
        ("services.*.deploy.labels", ModelValue::StringMap),
        ("services.*.build.labels", ModelValue::StringMap),
        ("networks.*.labels", ModelValue::StringMap),
        ("volumes.*.labels", ModelValue::StringMap),
        ("secrets.*.labels", ModelValue::StringMap),
        ("configs.*.labels", ModelValue::StringMap),
        ("services.*.volumes.*.volume.labels", ModelValue::StringMap),
        ("services.*.logging.options", ModelValue::StringMap),
        ("networks.*.driver_opts", ModelValue::StringMap),
        ("volumes.*.driver_opts", ModelValue::StringMap),
        ("networks.*.ipam.options", ModelValue::StringMap),
        ("services.*.storage_opt", ModelValue::StringMap),
        ("services.*.log_opt", ModelValue::StringMap),
        ("services.*.networks.*.driver_opts", ModelValue::StringMap),
        (
            "networks.*.ipam.config.*.aux_addresses",
            ModelValue::StringMap,
        ),
        (
            "services.*.deploy.resources.reservations.devices.*.options",
            ModelValue::StringMap,
        ),
        ("services.*.gpus.*.options", ModelValue::StringMap),
        ("secrets.*.driver_opts", ModelValue::StringMap),
        ("configs.*.driver_opts", ModelValue::StringMap),
        ("services.*.command", ModelValue::Command),
        ("services.*.entrypoint", ModelValue::Command),
        ("services.*.post_start.*.command", ModelValue::Command),
        ("services.*.pre_stop.*.command", ModelValue::Command),
        (
            "services.*.develop.watch.*.exec.command",
            ModelValue::Command,
        ),
        ("services.*.healthcheck.test", ModelValue::HealthTest),
        ("services.*.extra_hosts", ModelValue::ExtraHosts),
        ("services.*.build.extra_hosts", ModelValue::ExtraHosts),
        ("services.*.expose", ModelValue::StringList),
        ("services.*.dns", ModelValue::StringList),
        ("services.*.dns_search", ModelValue::StringList),
        ("services.*.tmpfs", ModelValue::StringList),
        ("services.*.build.tags", ModelValue::StringList),
        ("services.*.build.cache_from", ModelValue::StringList),
        ("services.*.build.cache_to", ModelValue::StringList),
        ("services.*.build.platforms", ModelValue::StringList),
        ("services.*.profiles", ModelValue::StringList),
        ("services.*.security_opt", ModelValue::StringList),
        ("services.*.cap_add", ModelValue::StringList),
        ("services.*.cap_drop", ModelValue::StringList),
        ("services.*.group_add", ModelValue::StringList),
        ("services.*.ports.*", ModelValue::Port),
        (
            "services.*.deploy.resources.reservations.devices.*.count",
            ModelValue::Count,
        ),
        ("services.*.gpus.*.count", ModelValue::Count),
        ("services.*.cpus", ModelValue::Cpus),
        ("services.*.deploy.resources.limits.cpus", ModelValue::Cpus),
        (
            "services.*.deploy.resources.reservations.cpus",
            ModelValue::Cpus,
        ),
        ("services.*.build.ssh", ModelValue::Ssh),
        ("services.*.secrets.*", ModelValue::FileRef),
        ("services.*.configs.*", ModelValue::FileRef),
        ("services.*.build.secrets.*", ModelValue::FileRef),
        ("services.*.provider.options", ModelValue::ProviderOptions),
    ])
});
