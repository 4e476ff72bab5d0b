//! `rcompose graph`: the dependency graph as text (start levels), Graphviz dot or Mermaid.

use super::{Failure, options, print, warn};
use crate::cli::{Global, GraphArgs, GraphFormat};
use crate::graph::Graph;

pub fn run(global: &Global, args: &GraphArgs) -> Result<(), Failure> {
    let loaded = crate::load::load(&options(global, &[])?)?;
    warn(&loaded);
    let g = Graph::new(&loaded.project)
        .map_err(|e| Failure::Load(crate::load::LoadError::from(e).into()))?;
    let text = match args.format {
        GraphFormat::Text => g.to_text(),
        GraphFormat::Dot => g.to_dot(),
        GraphFormat::Mermaid => g.to_mermaid(),
    };
    print(&text)
}
