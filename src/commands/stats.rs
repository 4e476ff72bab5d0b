//! `rcompose stats`: the resource use of the project's containers, as `docker stats` shows it
//! (a table redrawn each second, or one reading with `--no-stream`; `--format json`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;

use super::Context;
use crate::cli::{Format, StatsArgs};
use crate::compose::select;
use crate::engine::{ContainerInfo, Interactive, Inventory, StatsSample};
use crate::error::Error;

fn binary_size(n: u64) -> String {
    crate::render::size(n, true)
}

fn decimal_size(n: u64) -> String {
    crate::render::size(n, false)
}

#[derive(Clone)]
struct Row {
    id: String,
    name: String,
    sample: StatsSample,
}

fn cells(r: &Row, no_trunc: bool) -> BTreeMap<&'static str, String> {
    let s = &r.sample;
    let mem_percent = if s.mem_limit > 0 {
        s.mem_usage as f64 / s.mem_limit as f64 * 100.0
    } else {
        0.0
    };
    let id = if no_trunc {
        r.id.clone()
    } else {
        r.id.chars().take(12).collect()
    };
    BTreeMap::from([
        (
            "BlockIO",
            format!(
                "{} / {}",
                decimal_size(s.block_read),
                decimal_size(s.block_write)
            ),
        ),
        ("CPUPerc", format!("{:.2}%", s.cpu_percent)),
        ("Container", r.id.clone()),
        ("ID", id),
        ("MemPerc", format!("{mem_percent:.2}%")),
        (
            "MemUsage",
            format!(
                "{} / {}",
                binary_size(s.mem_usage),
                binary_size(s.mem_limit)
            ),
        ),
        ("Name", r.name.clone()),
        (
            "NetIO",
            format!("{} / {}", decimal_size(s.net_rx), decimal_size(s.net_tx)),
        ),
        ("PIDs", s.pids.to_string()),
    ])
}

/// The columns the reference heads in a `table` template.
const HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Name", "NAME"),
    ("CPUPerc", "CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET I/O"),
    ("BlockIO", "BLOCK I/O"),
    ("PIDs", "PIDS"),
    ("Container", "CONTAINER"),
];

fn render(rows: &[Row], format: &Format, no_trunc: bool) -> Result<String, Error> {
    let values: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| serde_json::json!(cells(r, no_trunc)))
        .collect();
    if let Some(text) = super::templated(format, &values, HEADERS) {
        return text;
    }
    if *format == Format::Json {
        return Ok(values.iter().map(|v| format!("{v}\n")).collect());
    }
    let titles = [
        "CONTAINER ID",
        "NAME",
        "CPU %",
        "MEM USAGE / LIMIT",
        "MEM %",
        "NET I/O",
        "BLOCK I/O",
        "PIDS",
    ];
    let keys = [
        "ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs",
    ];
    let table = rows.iter().map(|r| {
        let c = cells(r, no_trunc);
        keys.map(|k| c[k].clone()).to_vec()
    });
    Ok(crate::render::titled(&titles, table, 0))
}

pub async fn run(ctx: &Context, args: &StatsArgs) -> Result<(), Error> {
    let services: Vec<String> = args.service.iter().cloned().collect();
    let target = ctx.target(&services)?;
    let engine = ctx.engine().await?;
    let all = engine
        .list_containers(Some(target.name()), args.all)
        .await?;
    let mut containers: Vec<&ContainerInfo> = select(&all, &services);
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    if args.no_stream {
        let reads = containers.iter().map(|c| {
            let mut s = engine.stats(&c.name, false);
            async move { s.next().await.transpose() }
        });
        let mut rows = Vec::new();
        for (c, r) in containers
            .iter()
            .zip(futures_util::future::join_all(reads).await)
        {
            rows.push(Row {
                id: c.id.clone(),
                name: c.name.clone(),
                sample: r?.unwrap_or_default(),
            });
        }
        return super::print(&render(&rows, &args.format, args.no_trunc)?);
    }
    let latest: Arc<Mutex<BTreeMap<String, Row>>> = Arc::default();
    for c in &containers {
        let mut s = engine.stats(&c.name, true);
        let latest = latest.clone();
        let (id, name) = (c.id.clone(), c.name.clone());
        tokio::spawn(async move {
            while let Some(Ok(sample)) = s.next().await {
                let row = Row {
                    id: id.clone(),
                    name: name.clone(),
                    sample,
                };
                latest.lock().expect("stats lock").insert(name.clone(), row);
            }
        });
    }
    let clear = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let text = {
                    let rows: Vec<Row> = latest.lock().expect("stats lock").values().cloned().collect();
                    render(&rows, &args.format, args.no_trunc)?
                };
                super::print(&if clear { format!("\x1b[2J\x1b[H{text}") } else { text })?;
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}
