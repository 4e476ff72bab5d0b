//! rcompose: a Docker Compose implementation. The library API: load a project, build its graph.

pub mod cli;
pub mod commands;
pub mod graph;
pub mod load;
pub mod model;
pub mod render;

pub use load::{Loaded, Options, load};
pub use model::Project;
