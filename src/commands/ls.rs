//! `rcompose ls`: the Compose projects on the engine, from their containers' labels.

use std::collections::BTreeMap;

use super::{Context, print, templated};
use crate::cli::{Format, LsArgs};
use crate::engine::Inventory;
use crate::error::Error;
use crate::names::labels;

pub async fn run(ctx: &Context, args: &LsArgs) -> Result<(), Error> {
    let engine = ctx.engine().await?;
    // as the reference: without -a, only running containers count (`running(2)`, not
    // `exited(1), running(2)`); only containers a Compose made (with a config hash) count
    let containers = engine.list_containers(None, args.all).await?;
    // project → (state → count, config files)
    let mut projects: BTreeMap<String, (BTreeMap<String, usize>, String)> = BTreeMap::new();
    for c in containers
        .iter()
        .filter(|c| !c.label(labels::CONFIG_HASH).is_empty())
    {
        let p = projects
            .entry(c.label(labels::PROJECT).to_string())
            .or_default();
        *p.0.entry(c.state.to_string()).or_default() += 1;
        if p.1.is_empty() {
            p.1 = c.label(labels::CONFIG_FILES).to_string();
        }
    }
    let name_filter = match &args.filter {
        None => None,
        Some(f) => match f.split_once('=') {
            Some(("name", v)) => Some(v.to_string()),
            _ => {
                return Err(Error::msg(format!(
                    "invalid filter `{f}`: only name=<project> is supported"
                )));
            }
        },
    };
    let rows: Vec<(String, String, String)> = projects
        .into_iter()
        .filter(|(name, _)| {
            name_filter
                .as_ref()
                .is_none_or(|f| name.contains(f.as_str()))
        })
        .map(|(name, (states, files))| {
            let status: Vec<String> = states.iter().map(|(s, n)| format!("{s}({n})")).collect();
            (name, status.join(", "), files)
        })
        .collect();
    let text = if args.quiet {
        rows.iter().map(|r| format!("{}\n", r.0)).collect()
    } else {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(n, s, f)| serde_json::json!({"Name": n, "Status": s, "ConfigFiles": f}))
            .collect();
        let headers = [
            ("Name", "NAME"),
            ("Status", "STATUS"),
            ("ConfigFiles", "CONFIG FILES"),
        ];
        match templated(&args.format, &list, &headers) {
            Some(text) => text?,
            None if args.format == Format::Json => {
                serde_json::to_string(&list).expect("json") + "\n"
            }
            None => {
                let titles = ["NAME", "STATUS", "CONFIG FILES"];
                let rows = rows.into_iter().map(|(n, s, f)| vec![n, s, f]);
                crate::render::titled(&titles, rows, 20)
            }
        }
    };
    print(&text)
}
