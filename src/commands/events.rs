//! `rcompose events`: the project's container events as they happen (`--json`: one object per
//! line), from `--since` until `--until`.

use futures_util::StreamExt;

use super::Context;
use crate::cli::EventsArgs;
use crate::engine::{EngineEvent, Interactive};
use crate::error::Error;

/// The time of an event as Compose prints it: `2006-01-02 15:04:05.000000` (UTC).
fn text_time(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let micros = nanos.rem_euclid(1_000_000_000) / 1000;
    let (y, m, d, hh, mm, ss) = crate::clock::civil(secs);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}.{micros:06}")
}

/// RFC 3339 with nanoseconds, for `--json`.
fn json_time(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let (y, m, d, hh, mm, ss) = crate::clock::civil(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:09}Z")
}

/// The attributes Compose shows: the engine's, without Compose's own labels.
fn shown_attributes(e: &EngineEvent) -> Vec<(&String, &String)> {
    e.attributes
        .iter()
        .filter(|(k, _)| !k.starts_with("com.docker.compose."))
        .collect()
}

pub fn render(e: &EngineEvent, json: bool) -> String {
    let service = e
        .attributes
        .get(crate::names::labels::SERVICE)
        .cloned()
        .unwrap_or_default();
    let attrs = shown_attributes(e);
    if json {
        let attributes: serde_json::Map<String, serde_json::Value> = attrs
            .iter()
            .map(|(k, v)| ((*k).clone(), serde_json::Value::String((*v).clone())))
            .collect();
        let v = serde_json::json!({
            "action": e.action,
            "attributes": attributes,
            "id": e.id,
            "service": service,
            "time": json_time(e.time_nano),
            "type": "container",
        });
        format!("{v}\n")
    } else {
        let list: Vec<String> = attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "{} container {} {} ({})\n",
            text_time(e.time_nano),
            e.action,
            e.id,
            list.join(", ")
        )
    }
}

pub async fn run(ctx: &Context, args: &EventsArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let engine = ctx.engine().await?;
    let now = crate::clock::now_secs();
    let time = |t: &Option<String>| -> Result<Option<String>, Error> {
        t.as_deref()
            .map(|s| super::context::parse_time(s, now).map(|v| v.to_string()))
            .transpose()
    };
    let mut events = engine.all_events(target.name(), time(&args.since)?, time(&args.until)?);
    while let Some(e) = events.next().await {
        let e = e?;
        if e.kind != "container" {
            continue;
        }
        let service = e
            .attributes
            .get(crate::names::labels::SERVICE)
            .map(String::as_str)
            .unwrap_or_default();
        if !args.services.is_empty() && !args.services.iter().any(|s| s == service) {
            continue;
        }
        super::print(&render(&e, args.json))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_render_like_compose() {
        let mut e = EngineEvent {
            kind: "container".into(),
            action: "start".into(),
            id: "abc".into(),
            time_nano: 1_357_133_017_123_456_789,
            ..Default::default()
        };
        e.attributes.insert("name".into(), "p-web-1".into());
        e.attributes.insert("image".into(), "busybox".into());
        e.attributes
            .insert("com.docker.compose.service".into(), "web".into());
        assert_eq!(
            render(&e, false),
            "2013-01-02 13:23:37.123456 container start abc (image=busybox, name=p-web-1)\n"
        );
        let v: serde_json::Value = serde_json::from_str(&render(&e, true)).unwrap();
        assert_eq!(v["service"], "web");
        assert_eq!(v["attributes"]["name"], "p-web-1");
        assert_eq!(v["time"], "2013-01-02T13:23:37.123456789Z");
    }
}
