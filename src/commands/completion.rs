//! `rcompose completion SHELL`: prints a completion script generated from the clap structures.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionArgs, Shell};
use crate::error::Error;

pub fn run(args: &CompletionArgs) -> Result<(), Error> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut cmd, "rcompose", &mut buf);
    super::print(&String::from_utf8_lossy(&buf))
}
