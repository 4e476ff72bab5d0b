//! `rcompose volumes`: the project's volumes on the engine (of the services named, when some
//! are), as a table, JSON lines, names or a Go template.

use serde_json::{Value, json};

use super::{Context, print, templated};
use crate::cli::{Format, VolumesArgs};
use crate::engine::{Inventory, VolumeInfo};
use crate::error::Error;
use crate::names::labels;

/// The columns the reference heads in a `table` template.
const HEADERS: &[(&str, &str)] = &[
    ("Name", "VOLUME NAME"),
    ("Driver", "DRIVER"),
    ("Scope", "SCOPE"),
    ("Mountpoint", "MOUNTPOINT"),
    ("Labels", "LABELS"),
    ("Links", "LINKS"),
    ("Size", "SIZE"),
    ("Group", "GROUP"),
    ("Availability", "AVAILABILITY"),
    ("Status", "STATUS"),
];

pub async fn run(ctx: &Context, args: &VolumesArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let engine = ctx.engine().await?;
    let mut volumes = engine.list_volumes(target.name()).await?;
    if !args.services.is_empty()
        && let Some(project) = target.model()
    {
        // the volumes those services mount, by their key in the project
        let keys: Vec<&str> = args
            .services
            .iter()
            .filter_map(|s| project.services.get(s))
            .flat_map(|s| &s.volumes)
            .filter(|v| v.kind == crate::model::VolumeKind::Volume)
            .map(|v| v.source.as_str())
            .collect();
        volumes.retain(|v| keys.contains(&v.labels.get(labels::VOLUME).map_or("", |k| k)));
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));
    let rows: Vec<Value> = volumes.iter().map(row).collect();
    let text = if args.quiet {
        volumes.iter().map(|v| format!("{}\n", v.name)).collect()
    } else if let Some(text) = templated(&args.format, &rows, HEADERS) {
        text?
    } else if args.format == Format::Json {
        rows.iter().map(|r| format!("{r}\n")).collect()
    } else {
        let table = volumes
            .iter()
            .map(|v| vec![v.driver.clone(), v.name.clone()]);
        crate::render::titled(&["DRIVER", "VOLUME NAME"], table, 10)
    };
    print(&text)
}

/// A volume as the reference's `--format json` prints it (what `docker volume ls` offers).
fn row(v: &VolumeInfo) -> Value {
    let labels: Vec<String> = v.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    json!({
        "Availability": "N/A",
        "Driver": v.driver,
        "Group": "N/A",
        "Labels": labels.join(","),
        "Links": "N/A",
        "Mountpoint": v.mountpoint,
        "Name": v.name,
        "Scope": v.scope,
        "Size": "N/A",
        "Status": "N/A",
    })
}
