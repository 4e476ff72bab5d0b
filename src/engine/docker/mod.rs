//! The engine roles on a real Docker Engine through bollard, the only place it is called:
//! connection (the host rcompose's settings name, unix or tcp), API version negotiation, error
//! mapping (404 → not found, 409 → conflict, a taken port, a missing image), and the conversions
//! to rcompose's types; the calls are in `calls`, `interactive` and `swarm`.

mod build;
mod calls;
mod filesync;
mod interactive;
mod session;
mod swarm;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use bollard::errors::Error as BError;
use bollard::models::ContainerSummaryStateEnum;

use super::{
    ContainerInfo, EngineError, ErrorKind, LogChunk, LogSource, MountInfo, PortInfo, Result, Status,
};

/// Calls wait at most this long (pulls and stops included); streams have no limit.
const CALL_TIMEOUT: Duration = Duration::from_secs(600);
const STREAM_TIMEOUT: Duration = Duration::from_secs(60 * 60 * 24 * 365);

/// A connected engine.
#[derive(Clone)]
pub struct Docker {
    client: bollard::Docker,
    streams: bollard::Docker,
    version: String,
    host: String,
    /// Where the Docker CLI keeps `config.json` (registry credentials).
    config_dir: Option<PathBuf>,
}

/// How the engine refuses to remove a network that containers are still on.
const ACTIVE_ENDPOINTS: &str = "has active endpoints";

fn map_err(e: BError) -> EngineError {
    match e {
        BError::DockerResponseServerError {
            status_code,
            message,
        } => {
            // the engine says what it is only in words: a taken port is a 500
            let kind = match status_code {
                404 if message.starts_with("No such image") => ErrorKind::NoSuchImage,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::Conflict,
                // several networks share the name (runs that raced each made one)
                _ if message.contains("is ambiguous") => ErrorKind::Conflict,
                // a network still in use (a 403): containers joined it, for instance ones
                // that a run racing this one made after this one looked
                _ if message.contains(ACTIVE_ENDPOINTS) => ErrorKind::Conflict,
                _ if message.contains("port is already allocated")
                    || message.contains("address already in use") =>
                {
                    ErrorKind::PortInUse
                }
                _ => ErrorKind::Other,
            };
            EngineError::new(kind, message.trim().to_string())
        }
        BError::SocketNotFoundError(_) => EngineError::new(ErrorKind::Unreachable, e.to_string()),
        BError::IOError { ref err } => {
            use std::io::ErrorKind as Io;
            let message = match err.kind() {
                Io::NotFound | Io::PermissionDenied | Io::ConnectionRefused => e.to_string(),
                // a stream (events, logs, a build) broke under a read
                _ => format!("the Docker Engine stopped answering ({e})"),
            };
            EngineError::new(ErrorKind::Unreachable, message)
        }
        BError::HyperLegacyError { ref err } if err.is_connect() => {
            EngineError::new(ErrorKind::Unreachable, format!("cannot connect ({e})"))
        }
        // the connection broke or timed out under a request: the engine stopped answering (the
        // client's own words, `client error (SendRequest)`, say nothing to a user)
        BError::HyperResponseError { .. }
        | BError::HyperLegacyError { .. }
        | BError::RequestTimeoutError => EngineError::new(
            ErrorKind::Unreachable,
            format!("the Docker Engine stopped answering ({e})"),
        ),
        // an `errorDetail` in a build, pull or push stream: the engine's own words
        BError::DockerStreamError { error } => {
            EngineError::new(ErrorKind::Other, error.trim().to_string())
        }
        other => EngineError::new(ErrorKind::Other, other.to_string()),
    }
}

fn filters(pairs: &[(&str, String)]) -> HashMap<String, Vec<String>> {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        m.entry(k.to_string()).or_default().push(v.clone());
    }
    m
}

fn project_filter(project: &str) -> HashMap<String, Vec<String>> {
    filters(&[(
        "label",
        format!("{}={project}", crate::names::labels::PROJECT),
    )])
}

fn network_info(n: bollard::models::Network) -> super::NetworkInfo {
    super::NetworkInfo {
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        labels: sorted(n.labels),
        driver: n.driver.unwrap_or_default(),
        scope: n.scope.unwrap_or_default(),
        created: n
            .created
            .map(|t| t.unix_timestamp_nanos() as i64)
            .unwrap_or_default(),
    }
}

fn sorted(m: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    m.unwrap_or_default().into_iter().collect()
}

/// A time as the engine writes it, RFC 3339 (bollard's `time` feature, which BuildKit needs,
/// parses them).
fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Docker {
    /// The containers that pass `filters` (stopped ones too when `all`).
    async fn containers_where(
        &self,
        filters: HashMap<String, Vec<String>>,
        all: bool,
    ) -> Result<Vec<super::ContainerInfo>> {
        let opts = bollard::query_parameters::ListContainersOptions {
            all,
            filters: Some(filters),
            ..Default::default()
        };
        let list = self
            .client
            .list_containers(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list.into_iter().map(container_info).collect())
    }

    /// The networks that pass `filters` (a project's or a stack's label).
    async fn networks_where(
        &self,
        filters: std::collections::HashMap<String, Vec<String>>,
    ) -> Result<Vec<super::NetworkInfo>> {
        let opts = bollard::query_parameters::ListNetworksOptions {
            filters: Some(filters),
        };
        let list = self
            .client
            .list_networks(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list.into_iter().map(network_info).collect())
    }

    /// Connects to `host` (`unix:///path` or `tcp://host:port`) and negotiates the API version;
    /// registry credentials come from `config_dir`'s `config.json`. The error says what was
    /// tried.
    pub async fn connect(host: &str, config_dir: Option<PathBuf>) -> Result<Docker> {
        let unreachable = |e: String| {
            let message = format!("cannot reach the Docker Engine at {host}: {e}");
            EngineError::new(ErrorKind::Unreachable, message)
        };
        let client = bollard::Docker::connect_with_host(host)
            .map_err(|e| unreachable(e.to_string()))?
            .with_timeout(CALL_TIMEOUT);
        // bollard 0.21 does not put the version in request paths; negotiating keeps working
        // when it does (0.22) and tells which version the engine speaks.
        let client = client
            .negotiate_version()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let version = client.client_version().to_string();
        let streams = client.clone().with_timeout(STREAM_TIMEOUT);
        Ok(Docker {
            client,
            streams,
            version,
            host: host.to_string(),
            config_dir,
        })
    }

    /// The address this client talks to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The credentials for pulling or pushing `reference`.
    fn credentials(&self, reference: &str) -> Option<bollard::auth::DockerCredentials> {
        super::auth::credentials(self.config_dir.as_deref(), reference)
    }
}

fn container_info(c: bollard::models::ContainerSummary) -> ContainerInfo {
    let name = c
        .names
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.trim_start_matches('/').to_string())
        .find(|n| !n.contains('/'))
        .unwrap_or_default();
    let networks = c
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, ep)| (name, ep.network_id.unwrap_or_default()))
        .collect();
    let listed = c.mounts.unwrap_or_default();
    let volumes = listed
        .iter()
        .filter(|m| m.typ.as_ref().map(|t| t.to_string()).as_deref() == Some("volume"))
        .filter_map(|m| Some((m.name.clone()?, m.destination.clone()?)))
        .collect();
    // the engine lists them in no set order: by name, so that `ps` prints them the same each time
    let mut mounts: Vec<MountInfo> = listed
        .into_iter()
        .map(|m| MountInfo {
            local: m.driver.as_deref() == Some("local"),
            name: m
                .name
                .filter(|n| !n.is_empty())
                .or(m.source)
                .unwrap_or_default(),
        })
        .collect();
    mounts.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ports: Vec<PortInfo> = c
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|p| PortInfo {
            host_ip: p.ip.unwrap_or_default(),
            private: p.private_port,
            public: p.public_port.unwrap_or(0),
            protocol: p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
        })
        .collect();
    ports.sort_by(|a, b| {
        (a.private, &a.protocol, &a.host_ip).cmp(&(b.private, &b.protocol, &b.host_ip))
    });
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name,
        labels: sorted(c.labels),
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        command: c.command.unwrap_or_default(),
        state: match c.state {
            None | Some(ContainerSummaryStateEnum::EMPTY) => Status::Unset,
            Some(other) => Status::from(other.to_string().as_str()),
        },
        status: c.status.unwrap_or_default(),
        created: c.created.unwrap_or(0),
        networks,
        volumes,
        mounts,
        ports,
    }
}

fn log_chunk(out: bollard::container::LogOutput) -> LogChunk {
    use bollard::container::LogOutput;
    let (source, bytes) = match out {
        LogOutput::StdErr { message } => (LogSource::Stderr, message),
        LogOutput::StdOut { message }
        | LogOutput::Console { message }
        | LogOutput::StdIn { message } => (LogSource::Stdout, message),
    };
    LogChunk {
        source,
        text: bytes.to_vec(),
    }
}

/// `repo:tag` (`latest` when absent; a digest is kept whole).
fn split_reference(reference: &str) -> (String, String) {
    if let Some((repo, digest)) = reference.split_once('@') {
        return (repo.to_string(), digest.to_string());
    }
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) => (
            reference[..slash + i].to_string(),
            reference[slash + i + 1..].to_string(),
        ),
        None => (reference.to_string(), "latest".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::{map_err, split_reference};
    use crate::engine::ErrorKind;

    #[test]
    fn refusals_are_classified_by_status_and_words() {
        let refusal = |status_code: u16, message: &str| {
            map_err(bollard::errors::Error::DockerResponseServerError {
                status_code,
                message: message.to_string(),
            })
            .kind
        };
        assert_eq!(refusal(404, "No such image: a"), ErrorKind::NoSuchImage);
        assert_eq!(refusal(404, "No such container: a"), ErrorKind::NotFound);
        assert_eq!(
            refusal(409, "Conflict. The container name"),
            ErrorKind::Conflict
        );
        assert_eq!(
            refusal(
                400,
                "network p_default is ambiguous (2 matches found on name)"
            ),
            ErrorKind::Conflict
        );
        assert_eq!(
            refusal(
                403,
                "error while removing network: network p_default id 1f has active endpoints"
            ),
            ErrorKind::Conflict
        );
        assert_eq!(
            refusal(500, "Bind for 0.0.0.0:80 failed: port is already allocated"),
            ErrorKind::PortInUse
        );
        assert_eq!(refusal(500, "something else"), ErrorKind::Other);
    }

    #[test]
    fn references_split_into_repo_and_tag() {
        let s = |r: &str| split_reference(r);
        assert_eq!(s("redis"), ("redis".into(), "latest".into()));
        assert_eq!(s("redis:7"), ("redis".into(), "7".into()));
        assert_eq!(
            s("localhost:5000/app"),
            ("localhost:5000/app".into(), "latest".into())
        );
        assert_eq!(
            s("localhost:5000/app:v1"),
            ("localhost:5000/app".into(), "v1".into())
        );
        assert_eq!(s("a@sha256:00"), ("a".into(), "sha256:00".into()));
    }
}
