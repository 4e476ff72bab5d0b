//! The arguments of the commands on a project's containers: logs, exec, run, cp, port, events,
//! attach, stats, and version.

use clap::{Args, ValueEnum};

use super::{Format, PullPolicy};

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Services to act on (default: all)
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
    /// The service whose container is used
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
    /// Keep STDIN open (the default; --interactive=false closes it)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub interactive: bool,
    /// Allocate a pseudo-TTY (the default when stdin is a terminal; -T disables it)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub tty: bool,
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
    /// The service whose container is used
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
    /// Keep STDIN open even if not attached (default true; --interactive=false closes it)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub interactive: bool,
    /// Allocate a pseudo-TTY (the default when stdin is a terminal; -T disables it)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub tty: bool,
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
    /// Where to copy to: a local path, `-` (a tar on stdout) or `SERVICE:PATH`
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
pub struct CommitArgs {
    /// The service whose container is committed
    pub service: String,
    /// The image's name, `REPOSITORY[:TAG]` (none: an untagged image)
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub reference: Option<String>,
    /// Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")
    #[arg(short, long)]
    pub author: Option<String>,
    /// Apply Dockerfile instruction to the created image
    #[arg(short = 'c', long = "change", value_name = "INSTRUCTION")]
    pub changes: Vec<String>,
    /// Commit message
    #[arg(short, long)]
    pub message: Option<String>,
    /// Pause container during commit (default true; --pause=false leaves it running)
    #[arg(short, long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub pause: bool,
    /// Index of the container if the service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The service whose container is exported
    pub service: String,
    /// Write to a file, instead of STDOUT
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Index of the container if the service has multiple replicas
    #[arg(long)]
    pub index: Option<u32>,
}

#[derive(Debug, Args)]
pub struct PortArgs {
    /// The service whose container is used
    pub service: String,
    /// The container port (`80` or `80/udp`)
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
    /// Services to act on (default: all)
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
    /// The service whose container is used
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
    /// Only this service's containers (default: all)
    pub service: Option<String>,
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Format the output: table, json, or a Go template (`table {{.Name}}\t{{.CPUPerc}}`)
    #[arg(long, default_value = "table", value_parser = Format::parse)]
    pub format: Format,
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
