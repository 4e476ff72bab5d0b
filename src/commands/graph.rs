//! `rcompose graph`: the dependency graph as text (start levels), Graphviz dot or Mermaid.

use super::{Context, print};
use crate::cli::{GraphArgs, GraphFormat};
use crate::error::Error;
use crate::graph::Graph;

pub fn run(ctx: &Context, args: &GraphArgs) -> Result<(), Error> {
    let loaded = crate::load::load(&ctx.options(&[])?)?;
    super::context::warn(&loaded);
    let g = Graph::new(&loaded.project)
        .map_err(|e| Error::Load(crate::load::LoadError::from(e).into()))?;
    let text = match args.format {
        GraphFormat::Text => g.to_text(),
        GraphFormat::Dot => g.to_dot(),
        GraphFormat::Mermaid => g.to_mermaid(),
    };
    print(&text)
}
