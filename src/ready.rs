//! Readiness of a service's container: the conditions a wait can ask for (ready, healthy, a
//! completed job, a log line, TCP or HTTP on a published port), waiting for one until a deadline,
//! and why a container is not ready yet (the timeout messages of `up --wait` and the library).

use std::collections::VecDeque;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::engine::{
    ContainerInfo, ContainerState, Health, Inventory, LogOptions, Status, Watcher,
};
use crate::model::Condition;

/// What a container must reach before a wait is over.
///
/// ```
/// use rcompose::environment::Wait;
///
/// let wait = Wait::http(8080, "/health").status(204);
/// assert_eq!(wait.to_string(), "to answer GET /health on port 8080 with 204");
/// assert_eq!(Wait::log_line("ready").to_string(), "to print a line containing \"ready\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// As `up --wait`: running, and healthy if it has a healthcheck; a job that exited 0 is done.
    Ready,
    /// Its healthcheck passed (a container without one fails at once).
    Healthy,
    /// It exited with code 0 (a job: migrations, seeding).
    Completed,
    /// A line of its output (stdout or stderr) contains this text.
    LogLine(String),
    /// A TCP connection to the host port that this container port is published on is accepted
    /// and not closed at once (the engine's proxy accepts, then closes while nothing listens).
    Tcp(u16),
    /// `GET path` on the host port that this container port is published on answers with
    /// `status` (any 2xx when `None`).
    Http {
        port: u16,
        path: String,
        status: Option<u16>,
    },
}

impl Wait {
    /// [`Wait::LogLine`].
    pub fn log_line(text: impl Into<String>) -> Wait {
        Wait::LogLine(text.into())
    }
    /// [`Wait::Http`] expecting any 2xx.
    pub fn http(port: u16, path: impl Into<String>) -> Wait {
        Wait::Http {
            port,
            path: path.into(),
            status: None,
        }
    }
    /// The same [`Wait::Http`] expecting exactly `status`; other waits are unchanged.
    pub fn status(self, expected: u16) -> Wait {
        match self {
            Wait::Http { port, path, .. } => Wait::Http {
                port,
                path,
                status: Some(expected),
            },
            other => other,
        }
    }
}

impl fmt::Display for Wait {
    /// What is awaited: `to be healthy`, `to answer GET /health on port 80 with 2xx`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wait::Ready => write!(f, "to be ready"),
            Wait::Healthy => write!(f, "to be healthy"),
            Wait::Completed => write!(f, "to complete successfully"),
            Wait::LogLine(t) => write!(f, "to print a line containing {t:?}"),
            Wait::Tcp(p) => write!(f, "to accept TCP connections on port {p}"),
            Wait::Http { port, path, status } => {
                write!(f, "to answer GET {path} on port {port} with ")?;
                match status {
                    Some(s) => write!(f, "{s}"),
                    None => write!(f, "2xx"),
                }
            }
        }
    }
}

/// What a container's state says about a wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Done,
    /// It can no longer happen.
    Failed(Why),
    Pending,
}

/// Why a wait can no longer pass. Each caller words it: `up`'s waits as Compose does, the
/// library with the state's details ([`reason`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Unhealthy,
    /// It exited with this code (a job that had to exit 0, or a container that had to run).
    Exited(i64),
    ExitedBeforeHealthy(i64),
    NoHealthcheck,
    Removed,
}

/// Judges `wait` on a container's state: the one table of what ready, healthy and completed
/// mean, for `up`'s waits (on events) and the library's (on inspections). The probes' waits
/// only fail here, when the container stopped.
pub fn judge(wait: &Wait, st: &ContainerState) -> Verdict {
    let stopped = st.status.is_stopped();
    let removed = st.status == Status::Removed;
    match wait {
        Wait::Healthy => match (&st.status, &st.health) {
            (_, Health::Healthy) => Verdict::Done,
            (_, Health::Unhealthy) => Verdict::Failed(Why::Unhealthy),
            _ if stopped || removed => Verdict::Failed(Why::ExitedBeforeHealthy(st.exit_code)),
            (Status::Running, Health::Unset) => Verdict::Failed(Why::NoHealthcheck),
            _ => Verdict::Pending,
        },
        Wait::Completed if stopped && st.exit_code == 0 => Verdict::Done,
        Wait::Completed if removed => Verdict::Failed(Why::Removed),
        Wait::Ready => match (&st.status, &st.health) {
            (_, Health::Healthy) => Verdict::Done,
            (_, Health::Unhealthy) => Verdict::Failed(Why::Unhealthy),
            _ if stopped && st.exit_code == 0 => Verdict::Done,
            (Status::Running, Health::Unset) => Verdict::Done,
            _ if stopped => Verdict::Failed(Why::Exited(st.exit_code)),
            _ => Verdict::Pending,
        },
        _ if stopped => Verdict::Failed(Why::Exited(st.exit_code)),
        _ => Verdict::Pending,
    }
}

/// The library's wording of a failure: `it is unhealthy: 3 checks failed in a row, ...`.
pub fn reason(why: Why, st: &ContainerState) -> String {
    match why {
        Why::Unhealthy => format!("it is unhealthy: {}", health_text(st)),
        Why::Exited(code) => format!("it exited with code {code}"),
        Why::ExitedBeforeHealthy(code) => {
            format!("it exited with code {code} before it was healthy")
        }
        Why::NoHealthcheck => "it has no healthcheck, so it cannot become healthy".into(),
        Why::Removed => "it was removed".into(),
    }
}

/// The health part of a state: `3 checks failed in a row, the last exited 1: "refused"`.
fn health_text(st: &ContainerState) -> String {
    let mut s = match st.health_failures {
        0 => "no check failed yet".to_string(),
        1 => "1 check failed".to_string(),
        n => format!("{n} checks failed in a row"),
    };
    match &st.health_last {
        Some((code, out)) if !out.is_empty() => {
            s += &format!(", the last exited {code}: {:?}", clip(out, 200))
        }
        Some((code, _)) => s += &format!(", the last exited {code}"),
        None => s = "no check has run yet".into(),
    }
    s
}

/// Where a container is, in words: `running, health starting (2 checks failed...)`, `exited with
/// code 3`, `created, not started`.
pub fn describe(st: &ContainerState) -> String {
    match (&st.status, &st.health) {
        (s, _) if s.is_stopped() => format!("exited with code {}", st.exit_code),
        (Status::Created, _) => "created, not started".into(),
        (s, Health::Unset) => s.to_string(),
        (s, h) => format!("{s}, health {h} ({})", health_text(st)),
    }
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The host address container port `port`/tcp of `c` is published on; connections go to the
/// loopback address of its family unless it is bound to one other address.
pub fn published(c: &ContainerInfo, port: u16) -> Result<SocketAddr, String> {
    let mut bound: Vec<&crate::engine::PortInfo> = c
        .ports
        .iter()
        .filter(|p| p.private == port && p.protocol == "tcp" && p.public != 0)
        .collect();
    // IPv4 first: the engine lists both families for one binding
    bound.sort_by_key(|p| p.host_ip.contains(':'));
    let p = bound.first().ok_or_else(|| {
        format!("its port {port}/tcp is not published (add `ports: [\"127.0.0.1::{port}\"]`)")
    })?;
    let ip: IpAddr = match p.host_ip.parse::<IpAddr>() {
        Ok(ip) if !ip.is_unspecified() => ip,
        Ok(IpAddr::V6(_)) => Ipv6Addr::LOCALHOST.into(),
        _ => Ipv4Addr::LOCALHOST.into(),
    };
    Ok(SocketAddr::new(ip, p.public))
}

/// Waits until container `c` (of `project`) meets `wait` or `timeout` passes; the error says
/// why not, with where the container is.
pub async fn until<E: Watcher>(
    engine: &E,
    project: &str,
    c: &ContainerInfo,
    wait: &Wait,
    timeout: Duration,
) -> Result<(), String> {
    let container = c.name.as_str();
    let deadline = Instant::now() + timeout;
    match wait {
        Wait::Ready | Wait::Healthy | Wait::Completed => {
            state(engine, project, container, wait, deadline, timeout).await
        }
        Wait::LogLine(text) => log_line(engine, container, text, deadline, timeout).await,
        Wait::Tcp(port) | Wait::Http { port, .. } => {
            let addr = published(c, *port)?;
            probe_loop(engine, container, wait, addr, deadline, timeout).await
        }
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Ready, healthy, completed: decided on inspections, taken again on each of its events.
async fn state<E: Watcher>(
    engine: &E,
    project: &str,
    container: &str,
    wait: &Wait,
    deadline: Instant,
    timeout: Duration,
) -> Result<(), String> {
    let mut events = engine.events(project);
    let mut events_open = true;
    loop {
        let st = engine
            .inspect_container(container)
            .await
            .map_err(|e| e.message)?;
        match judge(wait, &st) {
            Verdict::Done => return Ok(()),
            Verdict::Failed(why) => return Err(reason(why, &st)),
            Verdict::Pending => {}
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(format!(
                "not done within {}: {}",
                secs(timeout),
                describe(&st)
            ));
        }
        // the next event about it, and a fresh look every second in any case
        let tick = (deadline - now).min(Duration::from_secs(1));
        let next = async {
            while events_open {
                match events.next().await {
                    Some(Ok(e)) if e.name == container => return,
                    Some(_) => {}
                    None => events_open = false,
                }
            }
            std::future::pending::<()>().await
        };
        let _ = tokio::time::timeout(tick, next).await;
    }
}

/// A line containing `text` in the container's output (from its start).
async fn log_line<E: Watcher>(
    engine: &E,
    container: &str,
    text: &str,
    deadline: Instant,
    timeout: Duration,
) -> Result<(), String> {
    let opts = LogOptions {
        follow: true,
        ..Default::default()
    };
    let mut logs = engine.logs(container, opts);
    let mut last: VecDeque<String> = VecDeque::new();
    let mut pending: Vec<u8> = Vec::new();
    let seen = |last: &VecDeque<String>| match last.is_empty() {
        true => "it printed nothing".to_string(),
        false => format!(
            "its last lines:\n{}",
            last.iter()
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    loop {
        match tokio::time::timeout_at(deadline.into(), logs.next()).await {
            Ok(Some(Ok(chunk))) => {
                pending.extend_from_slice(&chunk.text);
                while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let line = String::from_utf8_lossy(&line).trim_end().to_string();
                    if line.contains(text) {
                        return Ok(());
                    }
                    last.push_back(clip(&line, 300));
                    if last.len() > 10 {
                        last.pop_front();
                    }
                }
                if String::from_utf8_lossy(&pending).contains(text) {
                    return Ok(());
                }
            }
            Ok(Some(Err(e))) => return Err(e.message),
            Ok(None) => {
                // the output ends when the container stops
                let st = engine
                    .inspect_container(container)
                    .await
                    .map_err(|e| e.message)?;
                return Err(format!(
                    "it stopped ({}) without printing it; {}",
                    describe(&st),
                    seen(&last)
                ));
            }
            Err(_) => {
                return Err(format!(
                    "no such line within {}; {}",
                    secs(timeout),
                    seen(&last)
                ));
            }
        }
    }
}

/// TCP or HTTP: tries until it answers, the container stops, or the deadline.
async fn probe_loop<E: Watcher>(
    engine: &E,
    container: &str,
    wait: &Wait,
    addr: SocketAddr,
    deadline: Instant,
    timeout: Duration,
) -> Result<(), String> {
    let mut delay = Duration::from_millis(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let why =
            match tokio::time::timeout(left.min(Duration::from_secs(2)), probe(wait, addr)).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(why)) => why,
                Err(_) => "no answer within 2s".to_string(),
            };
        let st = engine
            .inspect_container(container)
            .await
            .map_err(|e| e.message)?;
        if let Verdict::Failed(stopped) = judge(wait, &st) {
            return Err(format!("{} (at {addr}: {why})", reason(stopped, &st)));
        }
        if Instant::now() + delay >= deadline {
            return Err(format!(
                "not done within {}: the last try at {addr}: {why}; the container: {}",
                secs(timeout),
                describe(&st)
            ));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(200));
    }
}

/// One try of a TCP or HTTP wait at `addr`.
async fn probe(wait: &Wait, addr: SocketAddr) -> Result<(), String> {
    let mut s = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    match wait {
        Wait::Http { path, status, .. } => {
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: rcompose\r\nConnection: close\r\n\r\n"
            );
            s.write_all(request.as_bytes())
                .await
                .map_err(|e| format!("cannot send the request: {e}"))?;
            let mut head = Vec::new();
            let mut buf = [0u8; 512];
            while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
                match s.read(&mut buf).await {
                    Ok(0) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                    Err(e) => return Err(format!("cannot read the answer: {e}")),
                }
            }
            let line = String::from_utf8_lossy(&head);
            let line = line.lines().next().unwrap_or_default();
            let code = status_code(line).ok_or_else(|| match line.is_empty() {
                true => "the connection was closed without an answer".to_string(),
                false => format!("not an HTTP answer: {:?}", clip(line, 80)),
            })?;
            let good = match status {
                Some(s) => code == *s,
                None => (200..300).contains(&code),
            };
            match good {
                true => Ok(()),
                false => Err(format!("it answered {code}")),
            }
        }
        _ => {
            // the engine's proxy accepts and then closes at once while nothing listens inside
            let mut one = [0u8; 1];
            match tokio::time::timeout(Duration::from_millis(50), s.read(&mut one)).await {
                Ok(Ok(0)) => Err("the connection was closed at once (nothing listens yet)".into()),
                Ok(Err(e)) => Err(format!("the connection failed: {e}")),
                Ok(Ok(_)) | Err(_) => Ok(()),
            }
        }
    }
}

/// A container that is not ready, why, and its last log lines (indented; empty when it printed
/// nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unready {
    pub service: String,
    pub container: String,
    pub why: String,
    pub logs: String,
}

impl fmt::Display for Unready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "service `{}` ({}): {}",
            self.service, self.container, self.why
        )
    }
}

/// The containers of `project`'s services in `scope` that are not ready as `up --wait` means it
/// (one-offs aside), with where each is (a container not started says what it waits for) and
/// its last 20 log lines.
pub async fn unready<E: Inventory + Watcher>(
    engine: &E,
    project: &crate::model::Project,
    scope: &std::collections::BTreeSet<String>,
) -> Vec<Unready> {
    let Ok(all) = engine.list_containers(Some(&project.name), true).await else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in all
        .iter()
        .filter(|c| !c.is_oneoff() && scope.contains(c.service()))
    {
        let Ok(st) = engine.inspect_container(&c.name).await else {
            continue;
        };
        let why = match judge(&Wait::Ready, &st) {
            Verdict::Done => continue,
            Verdict::Failed(why) => reason(why, &st),
            Verdict::Pending if !st.health.is_unset() => {
                format!("not healthy yet: {}", describe(&st))
            }
            Verdict::Pending => describe(&st),
        };
        let deps: Vec<String> = project
            .services
            .get(c.service())
            .map(|s| {
                s.depends_on
                    .iter()
                    .map(|(d, dep)| match dep.condition {
                        Condition::ServiceHealthy => format!("{d} to be healthy"),
                        Condition::ServiceCompletedSuccessfully => format!("{d} to complete"),
                        _ => format!("{d} to start"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let why = match st.status {
            Status::Created if !deps.is_empty() => {
                format!("{why}: it waits for {}", deps.join(", "))
            }
            _ => why,
        };
        out.push(Unready {
            service: c.service().to_string(),
            container: c.name.clone(),
            why,
            logs: tail(engine, &c.name, 20).await,
        });
    }
    out
}

/// The last `lines` lines of a container's output, indented for an error message (empty when
/// it printed nothing).
pub async fn tail<E: Watcher>(engine: &E, container: &str, lines: usize) -> String {
    let opts = LogOptions {
        tail: Some(lines.to_string()),
        ..Default::default()
    };
    // what could be read: this is a report about a failure already
    let text = crate::engine::output(engine, container, opts)
        .await
        .unwrap_or_default();
    String::from_utf8_lossy(&text)
        .lines()
        .map(|l| format!("    {}\n", clip(l, 300)))
        .collect()
}

/// `HTTP/1.1 204 No Content` → 204.
fn status_code(line: &str) -> Option<u16> {
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(status: &str, health: &str, code: i64) -> ContainerState {
        ContainerState {
            status: Status::from(status),
            health: Health::from(health),
            exit_code: code,
            ..Default::default()
        }
    }

    #[test]
    fn verdicts_follow_the_state() {
        use Verdict::*;
        let cases = [
            (Wait::Ready, st("running", "", 0), Done),
            (Wait::Ready, st("running", "starting", 0), Pending),
            (Wait::Ready, st("exited", "", 0), Done),
            (Wait::Healthy, st("running", "healthy", 0), Done),
            (Wait::Healthy, st("created", "", 0), Pending),
            (Wait::Completed, st("running", "", 0), Pending),
            (Wait::Completed, st("exited", "", 0), Done),
            (Wait::Tcp(80), st("running", "", 0), Pending),
            (Wait::log_line("x"), st("restarting", "", 1), Pending),
        ];
        for (wait, state, want) in cases {
            assert_eq!(judge(&wait, &state), want, "{wait} on {state:?}");
        }
        let failed = |w: Wait, s| match judge(&w, &s) {
            Failed(why) => reason(why, &s),
            v => panic!("{w}: {v:?}"),
        };
        assert_eq!(
            failed(Wait::Healthy, st("running", "", 0)),
            "it has no healthcheck, so it cannot become healthy"
        );
        assert_eq!(
            failed(Wait::Completed, st("exited", "", 3)),
            "it exited with code 3"
        );
        assert_eq!(
            failed(Wait::Ready, st("exited", "starting", 2)),
            "it exited with code 2"
        );
        let mut sick = st("running", "unhealthy", 0);
        sick.health_failures = 3;
        sick.health_last = Some((1, "refused\n".trim().into()));
        assert_eq!(
            failed(Wait::Healthy, sick),
            "it is unhealthy: 3 checks failed in a row, the last exited 1: \"refused\""
        );
    }

    #[test]
    fn descriptions_and_status_lines() {
        assert_eq!(describe(&st("created", "", 0)), "created, not started");
        assert_eq!(
            describe(&st("running", "starting", 0)),
            "running, health starting (no check has run yet)"
        );
        assert_eq!(describe(&st("exited", "", 137)), "exited with code 137");
        assert_eq!(status_code("HTTP/1.1 204 No Content"), Some(204));
        assert_eq!(status_code("HTTP/1.0 503"), Some(503));
        assert_eq!(status_code("SSH-2.0-x"), None);
        assert_eq!(
            Wait::http(80, "/health").status(204).to_string(),
            "to answer GET /health on port 80 with 204"
        );
        assert_eq!(clip("abcdef", 3), "abc…");
    }
}
