//! `rcompose version`: rcompose's version (`--short`, `-f json`).

use super::Failure;
use crate::cli::{VersionArgs, VersionFormat};

pub fn run(args: &VersionArgs) -> Result<(), Failure> {
    let v = env!("CARGO_PKG_VERSION");
    let text = if args.short {
        format!("{v}\n")
    } else if args.format == VersionFormat::Json {
        format!("{}\n", serde_json::json!({ "version": format!("v{v}") }))
    } else {
        format!("rcompose version v{v}\n")
    };
    super::print(&text)
}
