//! Command-line structures (clap derive) only: global options and one struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "rcompose",
    version,
    about = "Define and run multi-container applications (a Docker Compose implementation)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Compose configuration files (`-` for stdin)
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Project name
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,
    /// Alternate working directory (default: the folder of the first compose file)
    #[arg(long, global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Alternate environment files (replace the project folder's .env)
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    pub env_files: Vec<String>,
    /// Profiles to enable
    #[arg(long = "profile", global = true, value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Progress output type
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub progress: Progress,
    /// Control when to print ANSI control characters
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub ansi: Ansi,
    /// Execute the command in dry-run mode
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Show more output
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Progress {
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ansi {
    Never,
    Always,
    Auto,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and start containers
    Up(UpArgs),
    /// Stop and remove containers, networks (and volumes, images)
    Down(DownArgs),
    /// List containers
    Ps(PsArgs),
    /// Create containers for a service
    Create(CreateArgs),
    /// Start services
    Start(ServicesArgs),
    /// Stop services
    Stop(StopArgs),
    /// Restart service containers
    Restart(StopArgs),
    /// Force stop service containers
    Kill(KillArgs),
    /// Remove stopped service containers
    Rm(RmArgs),
    /// Pause services
    Pause(ServicesArgs),
    /// Unpause services
    Unpause(ServicesArgs),
    /// Block until containers of all (or specified) services stop, then print their exit codes
    Wait(WaitArgs),
    /// Scale services
    Scale(ScaleArgs),
    /// List running compose projects
    Ls(LsArgs),
    /// Build or rebuild services
    Build(BuildArgs),
    /// Pull service images
    Pull(PullArgs),
    /// Push service images
    Push(PushArgs),
    /// List images used by the created containers
    Images(ImagesArgs),
    /// View output from containers
    Logs(LogsArgs),
    /// Execute a command in a running container
    Exec(ExecArgs),
    /// Run a one-off command on a service
    Run(RunArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(CpArgs),
    /// Display the running processes
    Top(ServicesArgs),
    /// Print the public port for a port binding
    Port(PortArgs),
    /// Receive real time events from containers
    Events(EventsArgs),
    /// Attach local standard input, output, and error streams to a service's running container
    Attach(AttachArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(StatsArgs),
    /// Show the rcompose version information
    Version(VersionArgs),
    /// Watch the build context and sync, restart or rebuild services when files change
    Watch(WatchArgs),
    /// Parse, resolve and render the compose file in canonical format
    Config(ConfigArgs),
    /// Draw the service dependency graph
    Graph(GraphArgs),
    /// Print a shell completion script
    Completion(CompletionArgs),
}

/// A Go-style duration on the command line (`50ms`, `1s`, `1m30s`).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match crate::model::Duration::parse(s) {
        Some(d) if d.0 >= 0 => Ok(std::time::Duration::from_nanos(d.0 as u64)),
        _ => Err(format!(
            "{s:?} is not a duration (write it like 50ms, 1s or 1m30s)"
        )),
    }
}

/// The watch settings `watch` and `up --watch` share.
#[derive(Debug, Clone, Args)]
pub struct WatchSettings {
    /// How long files must be quiet before a batch of changes is carried out
    #[arg(
        long,
        value_name = "DURATION",
        env = "RCOMPOSE_WATCH_QUIET_PERIOD",
        default_value = "30ms",
        value_parser = parse_duration
    )]
    pub quiet_period: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
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
    pub services: Vec<String>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct PsArgs {
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
    /// Format the output
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    pub services: Vec<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short, long, value_name = "SECONDS")]
    pub timeout: Option<i64>,
}

#[derive(Debug, Args)]
pub struct KillArgs {
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
    /// Format the output
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullCommandPolicy {
    Missing,
    Always,
}

#[derive(Debug, Args)]
pub struct PullArgs {
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

#[derive(Debug, Args)]
pub struct ImagesArgs {
    pub services: Vec<String>,
    /// Format the output
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    pub services: Vec<String>,
    /// Follow log output
    #[arg(short, long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs for each container
    #[arg(short = 'n', long, default_value = "all")]
    pub tail: String,
    /// Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    pub since: Option<String>,
    /// Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)
    #[arg(long)]
    pub until: Option<String>,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Index of the container if the service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    pub service: String,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
    /// Detached mode: run the command in the background
    #[arg(short, long)]
    pub detach: bool,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VAL")]
    pub env: Vec<String>,
    /// Index of the container if the service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
    /// Disable pseudo-TTY allocation (by default one is allocated when stdin is a terminal)
    #[arg(short = 'T', long = "no-tty")]
    pub no_tty: bool,
    /// Give extended privileges to the process
    #[arg(long)]
    pub privileged: bool,
    /// Run the command as this user
    #[arg(short, long)]
    pub user: Option<String>,
    /// Path to workdir directory for this command
    #[arg(short, long)]
    pub workdir: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    pub service: String,
    /// The command and its arguments (default: the service's)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
    /// Build the image before starting the container
    #[arg(long)]
    pub build: bool,
    /// Add Linux capabilities
    #[arg(long, value_delimiter = ',')]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long, value_delimiter = ',')]
    pub cap_drop: Vec<String>,
    /// Run the container in the background and print its ID
    #[arg(short, long)]
    pub detach: bool,
    /// Override the entrypoint of the image
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Set environment variables
    #[arg(short, long = "env", value_name = "KEY=VAL")]
    pub env: Vec<String>,
    /// Set environment variables from a file
    #[arg(long)]
    pub env_from_file: Vec<String>,
    /// Keep STDIN open even if not attached (default true)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub interactive: bool,
    /// Add or override a label
    #[arg(short, long = "label", value_name = "KEY=VAL")]
    pub labels: Vec<String>,
    /// Assign a name to the container
    #[arg(long)]
    pub name: Option<String>,
    /// Disable pseudo-TTY allocation (default: one when stdin is a terminal)
    #[arg(short = 'T', long = "no-TTY", alias = "no-tty")]
    pub no_tty: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Publish a container's port(s) to the host
    #[arg(short, long = "publish")]
    pub publish: Vec<String>,
    /// Pull the image before running
    #[arg(long, value_enum)]
    pub pull: Option<PullPolicy>,
    /// Don't print anything to stdout
    #[arg(short, long)]
    pub quiet: bool,
    /// Suppress progress output from the build process
    #[arg(long)]
    pub quiet_build: bool,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Run the command with all the service's ports enabled and mapped to the host
    #[arg(short = 'P', long)]
    pub service_ports: bool,
    /// Use the service's network aliases in the networks the container connects to
    #[arg(long)]
    pub use_aliases: bool,
    /// Run as this username or uid
    #[arg(short, long)]
    pub user: Option<String>,
    /// Bind mount a volume
    #[arg(short, long = "volume")]
    pub volumes: Vec<String>,
    /// Working directory inside the container
    #[arg(short, long)]
    pub workdir: Option<String>,
}

#[derive(Debug, Args)]
pub struct CpArgs {
    /// `SERVICE:SRC_PATH DEST_PATH|-` or `SRC_PATH|- SERVICE:DEST_PATH`
    pub source: String,
    pub destination: String,
    /// Include containers created by the run command
    #[arg(long)]
    pub all: bool,
    /// Archive mode (copy all uid/gid information)
    #[arg(short, long)]
    pub archive: bool,
    /// Always follow symbolic links in SRC_PATH
    #[arg(short = 'L', long)]
    pub follow_link: bool,
    /// Index of the container if the service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
}

#[derive(Debug, Args)]
pub struct PortArgs {
    pub service: String,
    pub private_port: String,
    /// Index of the container if the service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
    /// tcp or udp
    #[arg(long, default_value = "tcp")]
    pub protocol: String,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    pub services: Vec<String>,
    /// Output events as a stream of JSON objects
    #[arg(long)]
    pub json: bool,
    /// Show all events created since timestamp
    #[arg(long)]
    pub since: Option<String>,
    /// Stream events until this timestamp
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    pub service: String,
    /// Override the key sequence for detaching from a container
    #[arg(long)]
    pub detach_keys: Option<String>,
    /// Index of the container if the service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
    /// Do not attach STDIN
    #[arg(long)]
    pub no_stdin: bool,
    /// Proxy all received signals to the process
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub sig_proxy: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    pub service: Option<String>,
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Format output: table or json
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Disable streaming stats and only pull the first result
    #[arg(long)]
    pub no_stream: bool,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    Pretty,
    Json,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output
    #[arg(short, long, value_enum, default_value = "pretty")]
    pub format: VersionFormat,
    /// Show only the version number
    #[arg(long)]
    pub short: bool,
}
