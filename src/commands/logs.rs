//! `rcompose logs`: the containers' output with `svc-1  | ` prefixes; without `-f` every line
//! of every container merged in timestamp order, with `-f` followed live, picking up containers
//! that start, restart or are recreated later from their first line.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::Context;
use super::context::parse_time;
use crate::cli::LogsArgs;
use crate::compose::select;
use crate::engine::{Action, ContainerInfo, Inventory, LogOptions, Status, Watcher};
use crate::error::Error;
use crate::progress::logs::LogPrinter;

/// One line of a container: its time (the engine's prefix), and the line without it.
fn split_timestamp(line: &[u8]) -> (i128, &[u8], &[u8]) {
    let space = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let stamp = &line[..space];
    let rest = line.get(space + 1..).unwrap_or_default();
    let nanos = std::str::from_utf8(stamp)
        .ok()
        .and_then(crate::clock::rfc3339_nanos)
        .unwrap_or(0);
    (nanos, stamp, rest)
}

/// The containers `logs` reads: the services' (one-offs aside), `--index` narrowing.
pub fn chosen<'a>(
    all: &'a [ContainerInfo],
    services: &[String],
    index: Option<u32>,
) -> Result<Vec<&'a ContainerInfo>, Error> {
    let picked: Vec<&ContainerInfo> = select(all, services)
        .into_iter()
        .filter(|c| !c.is_oneoff())
        .filter(|c| index.is_none_or(|i| c.number() == i))
        .collect();
    if let (Some(i), true) = (index, picked.is_empty()) {
        return Err(Error::msg(format!(
            "no container with index {i} for {}",
            if services.is_empty() {
                "the project".to_string()
            } else {
                format!("service {}", services.join(", "))
            }
        )));
    }
    Ok(picked)
}

/// `web-1` for `project-web-1` (`web_1` for `project_web_1`, made under `--compatibility`).
pub fn short_name(project: &str, name: &str) -> String {
    name.strip_prefix(project)
        .and_then(|rest| rest.strip_prefix(['-', '_']))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(name)
        .to_string()
}

pub async fn run(ctx: &Context, args: &LogsArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let engine = ctx.engine().await?;
    let now = crate::clock::now_secs();
    let since = args
        .since
        .as_deref()
        .map(|s| parse_time(s, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| parse_time(s, now))
        .transpose()?;
    let tail = match args.tail.as_str() {
        "all" | "-1" | "" => None,
        n if n.parse::<u64>().is_ok() => Some(n.to_string()),
        n => {
            return Err(Error::invalid(
                "--tail",
                n,
                "expected a number of lines or `all`",
            ));
        }
    };
    // events first, so that no start between the listing and the subscription is missed
    let events = args.follow.then(|| engine.events(target.name()));
    let all = engine.list_containers(Some(target.name()), true).await?;
    let containers = chosen(&all, &args.services, args.index)?;
    let printer = Arc::new(LogPrinter::new(
        ctx.color(true) && !args.no_color,
        !args.no_log_prefix,
    ));
    let project = target.name().to_string();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for c in &containers {
        let n = index.len();
        index.insert(c.name.clone(), n);
    }
    let opts = |tail: Option<String>, since: Option<i64>| LogOptions {
        follow: args.follow,
        tail,
        since,
        until,
        timestamps: true,
    };
    if !args.follow {
        // every line of every container, then one merge by time
        let reads = containers.iter().map(|c| {
            let mut stream = engine.logs(&c.name, opts(tail.clone(), since));
            let name = c.name.clone();
            async move {
                let mut bytes = Vec::new();
                while let Some(chunk) = stream.next().await {
                    bytes.extend_from_slice(&chunk?.text);
                }
                Ok::<_, crate::engine::EngineError>((name, bytes))
            }
        });
        let mut lines: Vec<(i128, usize, String, Vec<u8>)> = Vec::new();
        for r in futures_util::future::join_all(reads).await {
            let (name, bytes) = r?;
            let i = index[&name];
            for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let (t, _, rest) = split_timestamp(line);
                let shown = if args.timestamps { line } else { rest };
                lines.push((t, i, name.clone(), shown.to_vec()));
            }
        }
        lines.sort_by_key(|(t, i, _, _)| (*t, *i));
        let mut sinks: HashMap<String, crate::progress::logs::LogSink<'_>> = HashMap::new();
        for (_, i, name, mut line) in lines {
            let sink = sinks
                .entry(name.clone())
                .or_insert_with(|| printer.sink(&short_name(&project, &name), i));
            line.push(b'\n');
            sink.write(&line);
        }
        return Ok(());
    }

    // following: one task per container stream; a container that starts again is followed
    // again from the last line printed
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, i128)>();
    let follow = |name: String, i: usize, since: Option<i64>, tail: Option<String>, after: i128| {
        let mut stream = engine.logs(&name, opts(tail, since));
        let printer = printer.clone();
        let label = short_name(&project, &name);
        let timestamps = args.timestamps;
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut sink = printer.sink(&label, i);
            let mut pending: Vec<u8> = Vec::new();
            let mut last = after;
            while let Some(Ok(chunk)) = stream.next().await {
                pending.extend_from_slice(&chunk.text);
                while let Some(at) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=at).collect();
                    let (t, _, rest) = split_timestamp(&line[..line.len() - 1]);
                    if t <= after {
                        continue;
                    }
                    last = last.max(t);
                    let mut shown = if timestamps {
                        line[..line.len() - 1].to_vec()
                    } else {
                        rest.to_vec()
                    };
                    shown.push(b'\n');
                    sink.write(&shown);
                }
            }
            sink.flush();
            let _ = tx.send((name, last));
        });
    };
    let mut following: HashMap<String, bool> = HashMap::new();
    let mut last_seen: HashMap<String, i128> = HashMap::new();
    for c in &containers {
        follow(
            c.name.clone(),
            index[&c.name],
            since,
            tail.clone(),
            i128::MIN,
        );
        following.insert(c.name.clone(), true);
    }
    let services: Vec<String> = args.services.clone();
    let wanted = |e: &crate::engine::ContainerEvent| {
        (services.is_empty() || services.contains(&e.service))
            && args.index.is_none_or(|i| {
                e.name
                    .rsplit('-')
                    .next()
                    .is_some_and(|n| n == i.to_string())
            })
    };
    let mut events = events.expect("subscribed when following");
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| Error::io("cannot handle Ctrl-C", e))?;
    loop {
        // everything stopped: done, unless a start follows at once (`restart` stops, then
        // starts: the engine's gap between the two is milliseconds)
        let mut grace = false;
        if following.values().all(|f| !f) {
            let running = engine.list_containers(Some(&project), false).await?;
            if !running.iter().any(|c| following.contains_key(&c.name)) {
                grace = true;
            }
        }
        let deadline = tokio::time::sleep(std::time::Duration::from_secs(1));
        tokio::pin!(deadline);
        tokio::select! {
            _ = &mut deadline, if grace => return Ok(()),
            Some((name, last)) = rx.recv() => {
                last_seen.insert(name.clone(), last);
                // a restart's `start` may have come before this stream's end
                let state = engine.inspect_container(&name).await;
                let i = index.get(&name).copied().unwrap_or(0);
                match state {
                    Ok(s) if s.status == Status::Running => {
                        follow(name.clone(), i, Some((last / 1_000_000_000) as i64), None, last);
                    }
                    state => {
                        // as Compose ends a followed container: `web-1 exited with code 137`
                        if let Ok(s) = state && s.status.is_stopped() {
                            let code = format!("exited with code {}", s.exit_code);
                            printer.note(&short_name(&project, &name), i, &code);
                        }
                        following.insert(name, false);
                    }
                }
            }
            Some(Ok(e)) = events.next() => {
                let oneoff = e.name.contains("-run-");
                if e.action == Action::Start && !oneoff && wanted(&e) && following.get(&e.name) != Some(&true) {
                    let after = last_seen.get(&e.name).copied().unwrap_or(i128::MIN);
                    let from = (after > i128::MIN).then_some((after / 1_000_000_000) as i64);
                    let n = index.len();
                    let i = *index.entry(e.name.clone()).or_insert(n);
                    following.insert(e.name.clone(), true);
                    follow(e.name.clone(), i, from, None, after);
                }
            }
            _ = interrupt.recv() => return Err(Error::Exit(130)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_at_their_timestamp() {
        let (t, stamp, rest) = split_timestamp(b"2024-01-02T03:04:05.5Z hello world");
        assert_eq!(t % 1_000_000_000, 500_000_000);
        assert_eq!(stamp, b"2024-01-02T03:04:05.5Z");
        assert_eq!(rest, b"hello world");
    }

    #[test]
    fn times_parse_in_every_form() {
        let now = 1_700_000_000;
        assert_eq!(parse_time("42m", now).ok(), Some(now - 42 * 60));
        assert_eq!(parse_time("1h30m", now).ok(), Some(now - 5400));
        assert_eq!(
            parse_time("2013-01-02T13:23:37Z", now).ok(),
            Some(1_357_133_017)
        );
        assert_eq!(parse_time("1357133017", now).ok(), Some(1_357_133_017));
        assert_eq!(parse_time("2013-01-02", now).ok(), Some(1_357_084_800));
        assert!(parse_time("yesterday", now).is_err());
    }
}
