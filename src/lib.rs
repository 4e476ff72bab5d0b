//! rcompose: a Docker Compose implementation. The library API: load a project, build its graph.

pub mod build;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod engine;
pub mod exec;
pub mod graph;
pub mod load;
pub mod model;
pub mod observe;
pub mod plan;
pub mod progress;
pub mod render;
pub mod term;
pub mod watch;

pub use load::{Loaded, Options, load};
pub use model::Project;
