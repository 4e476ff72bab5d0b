//! Command-line structures (clap derive) only: global options, the subcommands, and one struct
//! per subcommand (`project`: the project's lifecycle, builds and listings; `containers`: the
//! commands on its containers).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod containers;
mod project;
mod stack;

pub use containers::*;
pub use project::*;
pub use stack::*;

#[derive(Debug, Parser)]
#[command(
    name = "rcompose",
    version = concat!("version v", env!("CARGO_PKG_VERSION")),
    disable_version_flag = true,
    about = "Define and run multi-container applications (a Docker Compose implementation)"
)]
pub struct Cli {
    /// Show the rcompose version information
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    pub version: Option<bool>,
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
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
    /// At most N engine calls at a time, -1 for unlimited (default: COMPOSE_PARALLEL_LIMIT, or unlimited)
    #[arg(long, global = true, value_name = "N", allow_negative_numbers = true)]
    pub parallel: Option<i64>,
    /// Include all resources, even those not used by services (`config` prints them, `up` creates them)
    #[arg(long, global = true)]
    pub all_resources: bool,
    /// Run compose in backward compatibility mode (Compose v1's `_` in container names)
    #[arg(long, global = true)]
    pub compatibility: bool,
    /// Show more output
    #[arg(long, global = true)]
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
    Restart(RestartArgs),
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
    /// Create a new image from a service container's changes
    Commit(CommitArgs),
    /// Export a service container's filesystem as a tar archive
    Export(ExportArgs),
    /// List the project's volumes
    Volumes(VolumesArgs),
    /// Publish the compose application (its files, and with --with-env its env files) as an OCI artifact
    Publish(PublishArgs),
    /// Watch the build context and sync, restart or rebuild services when files change
    Watch(WatchArgs),
    /// Deploy the project to a Swarm, and manage its stacks
    Stack(StackArgs),
    /// Parse, resolve and render the compose file in canonical format
    Config(ConfigArgs),
    /// Draw the service dependency graph
    Graph(GraphArgs),
    /// Print a shell completion script
    Completion(CompletionArgs),
}

/// A Go-style duration on the command line (`50ms`, `1s`, `1m30s`).
pub fn parse_bytes(s: &str) -> Result<i64, String> {
    match crate::model::UnitBytes::parse(s) {
        Some(b) if b.0 >= 0 => Ok(b.0),
        _ => Err(format!(
            "{s:?} is not a size (write it like 512m, 2g or a number of bytes)"
        )),
    }
}

pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match crate::model::Duration::parse(s) {
        Some(d) if d.0 >= 0 => Ok(std::time::Duration::from_nanos(d.0 as u64)),
        _ => Err(format!(
            "{s:?} is not a duration (write it like 50ms, 1s or 1m30s)"
        )),
    }
}
