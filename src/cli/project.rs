//! The arguments of the commands on a whole project: up, down, create, the lifecycle commands,
//! scale, builds, pulls, pushes, listings, config, graph, watch and completion.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::parse_duration;

/// The watch settings `watch` and `up --watch` share.
#[derive(Debug, Clone, Args)]
pub struct WatchSettings {
    /// How long files must be quiet before a batch of changes is carried out
    #[arg(
        long,
        value_name = "DURATION",
        env = crate::settings::RCOMPOSE_WATCH_QUIET_PERIOD,
        default_value = "30ms",
        value_parser = parse_duration
    )]
    pub quiet_period: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Do not build and start the services before watching
    #[arg(long)]
    pub no_up: bool,
    /// Prune dangling images on rebuild
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub prune: bool,
    /// Hide build output
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub settings: WatchSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Services to include (they enable their profiles)
    pub services: Vec<String>,
    /// Format the output [default: yaml; a table for --variables]
    #[arg(long, value_enum)]
    pub format: Option<ConfigFormat>,
    /// Save to file (default: stdout)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only validate the configuration, don't print anything
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the service names, one per line
    #[arg(long = "services")]
    pub list_services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the network names, one per line
    #[arg(long)]
    pub networks: bool,
    /// Print the image names, one per line
    #[arg(long)]
    pub images: bool,
    /// Print the profile names, one per line
    #[arg(long = "profiles", id = "list_profiles")]
    pub list_profiles: bool,
    /// Print the model variables and their defaults
    #[arg(long)]
    pub variables: bool,
    /// Print the environment used for interpolation
    #[arg(long)]
    pub environment: bool,
    /// Print the project name with a random suffix, for `COMPOSE_PROJECT_NAME` (rcompose's own:
    /// parallel CI jobs on one engine get their own projects)
    #[arg(long)]
    pub unique_name: bool,
    /// Print the service config hash, one per line (`*` for all)
    #[arg(long, value_name = "SERVICES")]
    pub hash: Option<String>,
    /// Don't interpolate environment variables
    #[arg(long)]
    pub no_interpolate: bool,
    /// Don't normalize the compose model
    #[arg(long)]
    pub no_normalize: bool,
    /// Don't resolve file paths
    #[arg(long)]
    pub no_path_resolution: bool,
    /// Don't check model consistency (warning: may produce invalid output)
    #[arg(long)]
    pub no_consistency: bool,
    /// Print the models the services use (their `model`), one per line
    #[arg(long)]
    pub models: bool,
    /// Pin image tags to digests (asked of the images' registries through the engine)
    #[arg(long)]
    pub resolve_image_digests: bool,
    /// Print an override file pinning each service's image to its digest
    #[arg(long)]
    pub lock_image_digests: bool,
    /// Don't resolve service env files (accepted as Compose takes it: 2.40.3 prints the same model either way)
    #[arg(long)]
    pub no_env_resolution: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Text,
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to generate the script for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullPolicy {
    Always,
    Missing,
    Never,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Services to start (and what they depend on)
    pub services: Vec<String>,
    /// Assume "yes" as answer to all prompts and run non-interactively
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    /// Detached mode: run containers in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Pull images before running
    #[arg(long, value_enum)]
    pub pull: Option<PullPolicy>,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Don't build an image, even if it's policy
    #[arg(long)]
    pub no_build: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long)]
    pub no_recreate: bool,
    /// Recreate dependent containers
    #[arg(long)]
    pub always_recreate_deps: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long)]
    pub renew_anon_volumes: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances (SERVICE=NUM)
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Don't start the services after creating them
    #[arg(long)]
    pub no_start: bool,
    /// Shutdown timeout in seconds when containers are stopped or replaced
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
    /// Wait for services to be running|healthy (a job that exited 0 counts). Implies detached mode
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration in seconds to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Restrict attaching to the specified services
    #[arg(long, value_name = "SERVICE")]
    pub attach: Vec<String>,
    /// Do not attach (stream logs) to the specified services
    #[arg(long, value_name = "SERVICE")]
    pub no_attach: Vec<String>,
    /// Attach to dependent containers
    #[arg(long)]
    pub attach_dependencies: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Show timestamps
    #[arg(long)]
    pub timestamps: bool,
    /// Stops all containers if any container was stopped
    #[arg(long, conflicts_with = "detach")]
    pub abort_on_container_exit: bool,
    /// Stops all containers if any container exited with failure
    #[arg(long, conflicts_with = "detach")]
    pub abort_on_container_failure: bool,
    /// Return the exit code of the selected service container. Implies --abort-on-container-exit
    #[arg(long, value_name = "SERVICE", conflicts_with = "detach")]
    pub exit_code_from: Option<String>,
    /// Watch source code and rebuild/refresh containers when files are updated (with -d: the
    /// services run detached and the watch stays in the foreground)
    #[arg(short = 'w', long)]
    pub watch: bool,
    #[command(flatten)]
    pub watch_settings: WatchSettings,
    /// Build images before starting containers
    #[arg(long, conflicts_with = "no_build")]
    pub build: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Assume "yes" as answer to all prompts and run non-interactively
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
    /// Build images before starting containers
    #[arg(long, conflicts_with = "no_build")]
    pub build: bool,
    /// Don't build an image, even if it's missing
    #[arg(long)]
    pub no_build: bool,
    /// Pull image before running
    #[arg(long, value_enum)]
    pub pull: Option<PullPolicy>,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long)]
    pub no_recreate: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances (SERVICE=NUM)
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rmi {
    Local,
    All,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Services to stop and remove (default: all)
    pub services: Vec<String>,
    /// Remove named volumes declared in the volumes section and anonymous volumes
    #[arg(short, long)]
    pub volumes: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Remove images used by services: local (built) or all
    #[arg(long, value_enum)]
    pub rmi: Option<Rmi>,
    /// Shutdown timeout in seconds
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
}

pub use crate::render::template::Format;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Show all stopped containers (including those created by the run command)
    #[arg(short, long)]
    pub all: bool,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Display services
    #[arg(long = "services")]
    pub list_services: bool,
    /// Filter services by status: paused, restarting, removing, running, dead, created, exited
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Filter services by a property (status=...)
    #[arg(long, value_name = "KEY=VALUE")]
    pub filter: Option<String>,
    /// Format the output: table, json, or a Go template (`{{.Name}}`, `table {{.Name}}\t{{.State}}`)
    #[arg(long, default_value = "table", value_parser = Format::parse)]
    pub format: Format,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Include orphaned services (not declared by the project; --orphans=false leaves them out)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub orphans: bool,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
    /// Don't restart dependent services (those whose `depends_on` has `restart: true`)
    #[arg(long)]
    pub no_deps: bool,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// SIGNAL to send to the container
    #[arg(short, long, default_value = "SIGKILL")]
    pub signal: String,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Don't ask to confirm removal
    #[arg(short, long)]
    pub force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short, long)]
    pub stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short, long)]
    pub volumes: bool,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Drops project when the first container stops
    #[arg(long)]
    pub down_project: bool,
}

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// SERVICE=NUM
    #[arg(required = true)]
    pub scales: Vec<String>,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show all stopped Compose projects
    #[arg(short, long)]
    pub all: bool,
    /// Only display project names
    #[arg(short, long)]
    pub quiet: bool,
    /// Filter output based on conditions provided (name=...)
    #[arg(long, value_name = "KEY=VALUE")]
    pub filter: Option<String>,
    /// Format the output: table, json, or a Go template (`{{.Name}}`, `table {{.Name}}\t{{.State}}`)
    #[arg(long, default_value = "table", value_parser = Format::parse)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Do not use cache when building the image
    #[arg(long)]
    pub no_cache: bool,
    /// Always attempt to pull a newer version of the image
    #[arg(long)]
    pub pull: bool,
    /// Set build-time variables for services (KEY=VALUE)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// Don't print anything to stdout
    #[arg(short, long)]
    pub quiet: bool,
    /// Also build dependencies (transitively)
    #[arg(long)]
    pub with_dependencies: bool,
    /// Print the builds as a bake file (JSON) instead of building
    #[arg(long)]
    pub print: bool,
    /// Push the service images once they are built (those with `image:` or `build.tags`)
    #[arg(long)]
    pub push: bool,
    /// Set memory limit for the build container (`512m`, `2g`). Not supported by BuildKit
    #[arg(short = 'm', long, value_name = "BYTES", value_parser = super::parse_bytes)]
    pub memory: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullCommandPolicy {
    Missing,
    Always,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Pull what it can and ignores images with pull failures
    #[arg(long)]
    pub ignore_pull_failures: bool,
    /// Ignore images that can be built
    #[arg(long)]
    pub ignore_buildable: bool,
    /// Also pull services declared as dependencies
    #[arg(long)]
    pub include_deps: bool,
    /// Pull without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
    /// Apply pull policy ("missing"|"always")
    #[arg(long, value_enum)]
    pub policy: Option<PullCommandPolicy>,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Push what it can and ignores images with push failures
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Also push images of services declared as dependencies
    #[arg(long)]
    pub include_deps: bool,
    /// Push without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OciVersionArg {
    #[value(name = "1.0")]
    V1_0,
    #[value(name = "1.1")]
    V1_1,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Where to publish: REPOSITORY[:TAG] on a registry (one on 127.0.0.1 is plain HTTP)
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub repository: String,
    /// Pin image tags to digests
    #[arg(long)]
    pub resolve_image_digests: bool,
    /// OCI image/artifact specification version (default: 1.1, else 1.0 where the registry refuses it)
    #[arg(long, value_enum, value_name = "VERSION")]
    pub oci_version: Option<OciVersionArg>,
    /// Include environment variables and env files in the published OCI artifact
    #[arg(long)]
    pub with_env: bool,
    /// Assume "yes" as answer to all prompts
    #[arg(short = 'y', long = "yes")]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct VolumesArgs {
    /// Only the volumes these services mount
    pub services: Vec<String>,
    /// Format the output: table, json, or a Go template (`{{.Name}} {{.Driver}}`)
    #[arg(long, default_value = "table", value_parser = Format::parse)]
    pub format: Format,
    /// Only display volume names
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Services to act on (default: all)
    pub services: Vec<String>,
    /// Format the output: table, json, or a Go template (`{{.Name}}`, `table {{.Name}}\t{{.State}}`)
    #[arg(long, default_value = "table", value_parser = Format::parse)]
    pub format: Format,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
}
