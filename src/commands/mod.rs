//! One module per subcommand; this one parses the command line, builds the load options from
//! flags and environment, runs the command and turns its outcome into an exit code.

pub mod completion;
pub mod config;
pub mod graph;

use std::io::{Read, Write};

use clap::Parser;

use crate::cli::{Cli, Command, Global};
use crate::load::{self, ErrorKind, LoadErrors, Options};

/// What a command can fail with.
pub enum Failure {
    /// A bad project (exit 1) or bad usage (exit 2), rendered with locations.
    Load(LoadErrors),
    /// Anything else, with a message.
    Other(String),
}

impl From<LoadErrors> for Failure {
    fn from(e: LoadErrors) -> Self {
        Failure::Load(e)
    }
}

/// Entry point of the binary: returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match &cli.command {
        Command::Config(args) => config::run(&cli.global, args),
        Command::Graph(args) => graph::run(&cli.global, args),
        Command::Completion(args) => completion::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Load(e)) => {
            eprint!("{}", crate::render::errors(&e));
            if e.0.iter().all(|x| x.kind == ErrorKind::Usage) {
                2
            } else {
                1
            }
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            1
        }
    }
}

/// `no such service: x`, with a did-you-mean or the profile that would enable it.
pub fn no_such_service(project: &crate::model::Project, name: &str) -> Failure {
    let mut e = load::LoadError::new(ErrorKind::Undefined, format!("no such service: {name}"));
    if let Some(svc) = project.disabled.get(name) {
        e = e.hint(format!(
            "it is in profile `{}`: add `--profile {}`",
            svc.profiles.join("`, `"),
            svc.profiles.first().map_or("", String::as_str)
        ));
    } else if let Some(best) =
        load::error::did_you_mean(name, project.services.keys().map(String::as_str))
    {
        e = e.hint(format!("did you mean `{best}`?"));
    } else {
        let names: Vec<&str> = project.services.keys().map(String::as_str).collect();
        e = e.hint(format!("the services are: {}", names.join(", ")));
    }
    Failure::Load(e.into())
}

/// Load options from the global flags and the process environment.
pub fn options(global: &Global, services: &[String]) -> Result<Options, Failure> {
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::Other(format!("cannot read the current folder: {e}")))?;
    let mut o = Options::new(cwd);
    o.os_env = std::env::vars().collect();
    o.files = global.files.clone();
    o.project_directory = global.project_directory.clone();
    o.project_name = global.project_name.clone();
    o.env_files = global.env_files.clone();
    o.profiles = global
        .profiles
        .iter()
        .flat_map(|p| p.split(','))
        .map(str::to_string)
        .collect();
    o.services = services.to_vec();
    if o.files.iter().any(|f| f == "-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Other(format!("cannot read stdin: {e}")))?;
        o.stdin = Some(s);
    }
    Ok(o)
}

/// Prints warnings from the load on stderr.
pub fn warn(loaded: &load::Loaded) {
    let mut err = std::io::stderr();
    for w in &loaded.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}

/// Writes to stdout; a closed pipe is not an error.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::Other(format!("cannot write output: {e}"))),
    }
}
