//! `rcompose ps`: the project's containers as a table, JSON lines, IDs or service names.

use std::collections::BTreeSet;

use super::{Context, print, templated};
use crate::cli::{Format, PsArgs};
use crate::compose::select;
use crate::engine::{ContainerInfo, Inventory};
use crate::error::Error;

pub async fn run(ctx: &Context, args: &PsArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let engine = ctx.engine().await?;
    let all = engine.list_containers(Some(target.name()), true).await?;
    let mut statuses: Vec<String> = args.status.clone();
    if let Some(f) = &args.filter {
        match f.split_once('=') {
            Some(("status", v)) => statuses.push(v.to_string()),
            _ => {
                return Err(Error::msg(format!(
                    "invalid filter `{f}`: only status=<state> is supported"
                )));
            }
        }
    }
    let mut shown: Vec<&ContainerInfo> = select(&all, &args.services)
        .into_iter()
        .filter(|c| {
            let declared = target.model().is_none_or(|p| {
                p.services.contains_key(c.service()) || p.disabled.contains_key(c.service())
            });
            if !args.orphans && !declared {
                return false;
            }
            if !statuses.is_empty() {
                return statuses.iter().any(|s| *s == c.state.as_str());
            }
            args.all || c.is_up() && !c.is_oneoff()
        })
        .collect();
    shown.sort_by(|a, b| a.name.cmp(&b.name));
    let text = if args.list_services {
        let names: BTreeSet<&str> = shown.iter().map(|c| c.service()).collect();
        names.into_iter().map(|n| format!("{n}\n")).collect()
    } else if args.quiet {
        // full IDs, as the reference prints them
        shown.iter().map(|c| format!("{}\n", c.id)).collect()
    } else {
        let rows: Vec<serde_json::Value> = shown.iter().map(|c| row(c, args.no_trunc)).collect();
        match templated(&args.format, &rows, HEADERS) {
            Some(text) => text?,
            None if args.format == Format::Json => {
                rows.iter().map(|r| json_line(r) + "\n").collect()
            }
            None => table(&shown, args.no_trunc),
        }
    };
    print(&text)
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// `"sleep 300"`: cut to 20 characters (unless `no_trunc`) and quoted as the Docker CLI does.
fn command(c: &ContainerInfo, no_trunc: bool) -> String {
    let cmd = match no_trunc {
        true => c.command.clone(),
        false => ellipsis(&c.command, 20),
    };
    go_quote(&cmd)
}

/// `text` cut to `max` characters, its last one `…`, when longer (the Docker CLI's `Ellipsis`).
fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    text.chars().take(max - 1).chain(['…']).collect()
}

/// `text` as a Go string literal (`strconv.Quote`): quotes, backslashes and control characters
/// escaped.
fn go_quote(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `127.0.0.1:8080->80/tcp, 443/tcp`.
fn ports(c: &ContainerInfo) -> String {
    let mut out: Vec<String> = c
        .ports
        .iter()
        .map(|p| {
            if p.public == 0 {
                format!("{}/{}", p.private, p.protocol)
            } else if p.host_ip.is_empty() {
                format!("{}->{}/{}", p.public, p.private, p.protocol)
            } else if p.host_ip.contains(':') {
                format!("[{}]:{}->{}/{}", p.host_ip, p.public, p.private, p.protocol)
            } else {
                format!("{}:{}->{}/{}", p.host_ip, p.public, p.private, p.protocol)
            }
        })
        .collect();
    out.dedup();
    out.join(", ")
}

fn table(shown: &[&ContainerInfo], no_trunc: bool) -> String {
    let now = crate::clock::now_secs();
    let titles = [
        "NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS",
    ];
    let rows = shown.iter().map(|c| {
        vec![
            c.name.clone(),
            c.image.clone(),
            command(c, no_trunc),
            c.service().to_string(),
            crate::render::ago(c.created, now),
            c.status.clone(),
            ports(c),
        ]
    });
    crate::render::titled(&titles, rows, 10)
}

/// The columns the reference heads in a `table` template (its other fields head `<no value>`).
const HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Name", "NAME"),
    ("Image", "IMAGE"),
    ("Command", "COMMAND"),
    ("Service", "SERVICE"),
    ("CreatedAt", "CREATED AT"),
    ("RunningFor", "CREATED"),
    ("Status", "STATUS"),
    ("State", "STATE"),
    ("Ports", "PORTS"),
    ("Project", "PROJECT"),
    ("Size", "SIZE"),
    ("Labels", "LABELS"),
];

fn json_line(row: &serde_json::Value) -> String {
    crate::render::json(
        row,
        crate::render::JsonStyle {
            indent: false,
            escape_dollar: false,
        },
    )
}

/// A container as the reference's `--format json` prints it: ID, command and mounts cut short
/// unless `no_trunc`.
fn row(c: &ContainerInfo, no_trunc: bool) -> serde_json::Value {
    let now = crate::clock::now_secs();
    let created = time_utc(c.created);
    let labels: Vec<String> = c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let networks: Vec<&str> = c.networks.keys().map(String::as_str).collect();
    let mounts: Vec<String> = (c.mounts.iter())
        .map(|m| match no_trunc {
            true => m.name.clone(),
            false => ellipsis(&m.name, 15),
        })
        .collect();
    let id = match no_trunc {
        true => c.id.as_str(),
        false => short(&c.id),
    };
    serde_json::json!({
        "Command": command(c, no_trunc),
        "CreatedAt": created,
        "ExitCode": c.exit_code().unwrap_or(0),
        "Health": c.health(),
        "ID": id,
        "Image": c.image,
        "Labels": labels.join(","),
        "LocalVolumes": c.mounts.iter().filter(|m| m.local).count().to_string(),
        "Mounts": mounts.join(","),
        "Name": c.name,
        "Names": c.name,
        "Networks": networks.join(","),
        "Ports": ports(c),
        "Project": c.label(crate::names::labels::PROJECT),
        "Publishers": c.ports,
        "RunningFor": crate::render::ago(c.created, now),
        "Service": c.service(),
        "Size": "0B",
        "State": c.state,
        "Status": c.status,
    })
}

/// `2026-11-25 14:11:01 +0000 UTC`.
fn time_utc(secs: i64) -> String {
    let (y, m, d, hh, mm, ss) = crate::clock::civil(secs);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} +0000 UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_mounts_are_cut_and_quoted_as_the_docker_cli_does() {
        assert_eq!(ellipsis("pmref_longer-volume-name", 15), "pmref_longer-v…");
        assert_eq!(ellipsis("/tmp/pm/here", 15), "/tmp/pm/here");
        assert_eq!(ellipsis("exactly-fifteen", 15), "exactly-fifteen");
        assert_eq!(
            go_quote("sh -c \"echo a\\tb\"\n"),
            r#""sh -c \"echo a\\tb\"\n""#
        );
        assert_eq!(go_quote("é\u{1}"), "\"é\\x01\"");
    }

    #[test]
    fn times_print_like_go() {
        assert_eq!(time_utc(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(time_utc(1795615861), "2026-11-25 14:11:01 +0000 UTC");
    }
}
