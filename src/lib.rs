//! rcompose: a Docker Compose implementation, as a command and as a library. The library's front
//! door is [`environment`]: bring a compose project up for a test, reach its services, and have it
//! torn down when the test ends ([`Setup`], [`Environment`], [`Wait`]). [`load()`] reads compose
//! files into the validated [`Project`] model ([`model`]); [`compose`] is the service layer the
//! command line and the test environments share (converge, down, lifecycle, images); [`graph`]
//! orders services by their dependencies; [`render`] prints a project as `docker compose config`
//! does. Every failure is an [`Error`].

pub mod compose;
pub mod environment;
pub mod graph;
pub mod load;
pub mod model;
pub mod render;

mod build;
mod cli;
mod clock;
mod commands;
mod engine;
mod error;
mod exec;
mod names;
mod observe;
mod oci;
mod plan;
mod progress;
mod ready;
mod settings;
mod term;
mod watch;

pub use environment::{Environment, Setup, Wait};
pub use error::{Error, NotReady};
pub use load::{Loaded, Options, load};
pub use model::Project;

/// The command line: parses this process's arguments, runs the command and returns its exit
/// code (the `rcompose` binary is this call).
pub fn run_cli() -> i32 {
    commands::run()
}
