//! `rcompose version`: rcompose's version (`--short`, `-f json`).

use crate::cli::{VersionArgs, VersionFormat};
use crate::error::Error;

pub fn run(args: &VersionArgs) -> Result<(), Error> {
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
