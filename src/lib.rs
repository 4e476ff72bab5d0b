//! rcompose: a Docker Compose implementation, as a command and as a library. The library's front
//! door is [`environment`]: bring a compose project up for a test, reach its services, and have it
//! torn down when the test ends ([`Setup`], [`Environment`], [`Wait`]); [`load()`] reads compose files
//! into the validated [`Project`] model.

pub mod build;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod engine;
pub mod environment;
pub mod exec;
pub mod graph;
pub mod load;
pub mod model;
pub mod names;
pub mod observe;
pub mod plan;
pub mod progress;
pub mod ready;
pub mod render;
pub mod term;
pub mod watch;

pub use environment::{Environment, Setup, Wait};
pub use load::{Loaded, Options, load};
pub use model::Project;
