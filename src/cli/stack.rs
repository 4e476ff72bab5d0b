//! The arguments of `rcompose stack`: deploy the project to a Swarm, remove a stack, and list
//! stacks, their services and their tasks.

use clap::{Args, Subcommand, ValueEnum};

use super::{ListFormat, parse_duration};

#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(subcommand)]
    pub command: StackCommand,
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Deploy the project as a stack (create or update it) through a swarm manager
    Deploy(StackDeployArgs),
    /// Remove stacks: their services, then secrets, configs and networks
    Rm(StackRmArgs),
    /// List the stacks on the swarm
    Ls(StackLsArgs),
    /// List the tasks of a stack
    Ps(StackPsArgs),
    /// List the services of a stack
    Services(StackServicesArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResolveImage {
    Always,
    Changed,
    Never,
}

#[derive(Debug, Args)]
pub struct StackDeployArgs {
    /// Compose files (as -f)
    #[arg(short = 'c', long = "compose-file", value_name = "FILE")]
    pub compose_files: Vec<String>,
    /// Wait until every service runs (healthy) or its job completed (the default on a terminal)
    #[arg(long, conflicts_with = "detach")]
    pub wait: bool,
    /// Return once the swarm accepted the services
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// How long --wait waits (`90s`, `5m`)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub wait_timeout: Option<std::time::Duration>,
    /// Remove the services, networks, secrets and configs the file no longer has
    #[arg(long)]
    pub prune: bool,
    /// When to pin images to their registry digests
    #[arg(long, value_enum, default_value = "always")]
    pub resolve_image: ResolveImage,
    /// Send the registry credentials to the nodes
    #[arg(long)]
    pub with_registry_auth: bool,
    /// Build the services' images first (on the manager's engine)
    #[arg(long)]
    pub build: bool,
    /// Push the built images to their registry first
    #[arg(long)]
    pub push: bool,
    /// The stack (default: the project name)
    #[arg(value_name = "STACK")]
    pub stack: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackRmArgs {
    /// The stacks (default: the project's)
    #[arg(value_name = "STACK")]
    pub stacks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StackLsArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct StackPsArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Only the task IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not cut IDs and errors short
    #[arg(long)]
    pub no_trunc: bool,
    /// The stack (default: the project name)
    #[arg(value_name = "STACK")]
    pub stack: Option<String>,
}

#[derive(Debug, Args)]
pub struct StackServicesArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Only the service IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// The stack (default: the project name)
    #[arg(value_name = "STACK")]
    pub stack: Option<String>,
}
