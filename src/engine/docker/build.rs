//! Image builds on a real engine: the classic builder (`/build?version=1`, its lines) and the
//! engine's BuildKit (`/build?version=2` with a session rcompose serves: secrets, SSH, registry
//! credentials), whose status messages become numbered steps and their output.

use std::collections::HashMap;

use bollard::models::BuildInfoAux;
use bollard::query_parameters as q;
use futures_util::StreamExt;

use super::super::{
    BuildContext, BuildOutput, BuildRequest, BuildStep, EngineError, ErrorKind, Result, SshSource,
    StepState,
};
use super::session::{self, KeyAgent, Sources};
use super::{Docker, map_err};

/// The query parameters both builders share.
fn options(r: &BuildRequest) -> q::BuildImageOptions {
    q::BuildImageOptions {
        dockerfile: r.dockerfile.clone(),
        t: Some(r.tag.clone()),
        extrahosts: (!r.extra_hosts.is_empty()).then(|| r.extra_hosts.join(",")),
        nocache: r.no_cache,
        cachefrom: (!r.cache_from.is_empty()).then(|| r.cache_from.clone()),
        pull: r.pull.then(|| "1".to_string()),
        rm: true,
        forcerm: true,
        buildargs: (!r.args.is_empty()).then(|| r.args.clone().into_iter().collect()),
        shmsize: (r.shm_size > 0).then_some(r.shm_size as i32),
        labels: (!r.labels.is_empty()).then(|| r.labels.clone().into_iter().collect()),
        networkmode: (!r.network.is_empty()).then(|| r.network.clone()),
        target: r.target.clone(),
        platform: r.platform.clone(),
        version: q::BuilderVersion::BuilderV1,
        ..Default::default()
    }
}

/// What the `/build` query needs beyond bollard's options: `ulimits` (which they lack) and
/// `memory` (an `i32` there, too small for more than 2 GiB).
fn extra_query(r: &BuildRequest) -> Vec<String> {
    let mut extra = Vec::new();
    if let Some(u) = ulimits_query(r) {
        extra.push(format!("ulimits={u}"));
    }
    if r.memory > 0 {
        extra.push(format!("memory={}", r.memory));
    }
    extra
}

/// `ulimits` as the engine reads it: a JSON list in the query.
fn ulimits_query(r: &BuildRequest) -> Option<String> {
    if r.ulimits.is_empty() {
        return None;
    }
    let list: Vec<serde_json::Value> = r
        .ulimits
        .iter()
        .map(|(name, (soft, hard))| serde_json::json!({"Name": name, "Soft": soft, "Hard": hard}))
        .collect();
    let json = serde_json::Value::from(list).to_string();
    Some(
        percent_encoding::utf8_percent_encode(&json, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
    )
}

/// A client whose `/build` requests carry what bollard's options cannot: the builder version
/// (bollard would open a session of its own for version 2) and [`extra_query`].
fn with_query(
    client: &bollard::Docker,
    version: &'static str,
    extra: Vec<String>,
) -> bollard::Docker {
    client.clone().with_request_modifier(move |mut req| {
        if !req.uri().path().ends_with("/build") {
            return req;
        }
        let query = req.uri().query().unwrap_or_default();
        let mut params: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("version=") && !p.starts_with("memory="))
            .map(str::to_string)
            .collect();
        params.push(format!("version={version}"));
        params.extend(extra.iter().cloned());
        let path_and_query = format!("{}?{}", req.uri().path(), params.join("&"));
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = hyper::Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
        req
    })
}

impl Docker {
    /// The classic builder: its `Step 3/7 : RUN make` lines, and where a failure happened.
    pub(super) async fn build_classic(
        &self,
        r: BuildRequest,
        context: Vec<u8>,
        output: &(dyn Fn(BuildOutput) + Send + Sync),
    ) -> Result<String> {
        let client = with_query(&self.streams, "1", extra_query(&r));
        let mut stream =
            client.build_image(options(&r), None, Some(bollard::body_full(context.into())));
        let mut id = String::new();
        let mut step = String::new();
        let at_step = |step: &str, e: EngineError| match step {
            "" => e,
            s => EngineError::new(e.kind, format!("{s}: {}", e.message)),
        };
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| at_step(&step, map_err(e)))?;
            if let Some(msg) = info.error_detail.and_then(|d| d.message) {
                let e = EngineError::new(ErrorKind::Other, msg.trim().to_string());
                return Err(at_step(&step, e));
            }
            if let Some(text) = info.stream {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    if let Some((n, instruction)) =
                        line.strip_prefix("Step ").and_then(|l| l.split_once(" : "))
                    {
                        step = format!("step {n} `{}`", instruction.trim());
                    }
                    output(BuildOutput::Line(line.to_string()));
                }
            }
            if let Some(BuildInfoAux::Default(image)) = info.aux
                && let Some(aux_id) = image.id
            {
                id = aux_id;
            }
        }
        Ok(id)
    }

    /// The engine's BuildKit, with a session serving the context (when it is a folder), the
    /// request's secrets and SSH ids (key files through an agent of rcompose's own) and the
    /// registry credentials.
    pub(super) async fn build_buildkit(
        &self,
        r: BuildRequest,
        context: BuildContext,
        output: &(dyn Fn(BuildOutput) + Send + Sync),
    ) -> Result<String> {
        let other = |m: String| EngineError::new(ErrorKind::Other, m);
        let mut agents = Vec::new();
        let mut ssh = HashMap::new();
        for (id, source) in &r.ssh {
            match source {
                SshSource::Agent(socket) => {
                    ssh.insert(id.clone(), socket.clone());
                }
                SshSource::Keys(keys) => {
                    let agent =
                        KeyAgent::start(keys).map_err(|e| other(format!("ssh `{id}`: {e}")))?;
                    ssh.insert(id.clone(), agent.socket.clone());
                    agents.push(agent);
                }
            }
        }
        let (local, body) = match context {
            // an empty body: the engine reads the context through the session
            BuildContext::Local(local) => (Some(local), Vec::new()),
            BuildContext::Tar(tar) => (None, tar),
        };
        // BuildKit keeps what a session sent under its shared key, and next time asks only
        // for what changed: one key per context folder, as the Docker CLI keys it
        let shared_key = match &local {
            Some(l) => session::key_of(&l.dir),
            None => r.tag.clone(),
        };
        let sources = Sources {
            secrets: r.secrets.clone().into_iter().collect(),
            ssh,
            config_dir: self.config_dir.clone(),
            local: local.clone(),
        };
        let session = session::open(&self.host, &r.tag, &shared_key, sources)
            .await
            .map_err(|e| EngineError::new(ErrorKind::Unreachable, e))?;
        let mut opts = options(&r);
        opts.session = Some(session.id.clone());
        if local.is_some() {
            opts.remote = Some("client-session".into());
        }
        let client = with_query(&self.streams, "2", extra_query(&r));
        let mut stream = client.build_image(opts, None, Some(bollard::body_full(body.into())));
        let mut steps = Steps::default();
        let mut id = String::new();
        while let Some(item) = stream.next().await {
            let info = match item {
                Ok(info) => info,
                Err(bollard::errors::Error::DockerStreamError { error }) => {
                    return Err(other(error.trim().to_string()));
                }
                Err(e) => return Err(map_err(e)),
            };
            match info.aux {
                Some(BuildInfoAux::BuildKit(status)) => steps.update(status, output),
                Some(BuildInfoAux::Default(image)) => id = image.id.unwrap_or(id),
                None => {}
            }
        }
        drop(session);
        drop(agents);
        Ok(id)
    }
}

/// What was said of each BuildKit vertex, by digest.
#[derive(Default)]
struct Steps {
    numbers: HashMap<String, usize>,
    said: HashMap<String, u8>,
}

const STARTED: u8 = 1;
const ENDED: u8 = 2;

fn seconds(t: &Option<bollard_buildkit_proto::google::protobuf::Timestamp>) -> Option<f64> {
    t.as_ref()
        .map(|t| t.seconds as f64 + f64::from(t.nanos) / 1e9)
}

impl Steps {
    fn number(&mut self, digest: &str) -> usize {
        let next = self.numbers.len() + 1;
        *self.numbers.entry(digest.to_string()).or_insert(next)
    }

    fn update(
        &mut self,
        status: bollard_buildkit_proto::moby::buildkit::v1::StatusResponse,
        output: &(dyn Fn(BuildOutput) + Send + Sync),
    ) {
        for v in status.vertexes {
            let number = self.number(&v.digest);
            let said = self.said.get(&v.digest).copied().unwrap_or(0);
            let step = |state| {
                BuildOutput::Step(BuildStep {
                    number,
                    name: v.name.clone(),
                    state,
                })
            };
            let mut now = said;
            if said & STARTED == 0 && (v.started.is_some() || v.cached) {
                output(step(StepState::Started));
                now |= STARTED;
            }
            if said & ENDED == 0 {
                if !v.error.is_empty() {
                    output(step(StepState::Error(v.error.clone())));
                    now |= ENDED;
                } else if v.cached {
                    output(step(StepState::Cached));
                    now |= ENDED;
                } else if v.completed.is_some() {
                    let took = match (seconds(&v.started), seconds(&v.completed)) {
                        (Some(a), Some(b)) => (b - a).max(0.0),
                        _ => 0.0,
                    };
                    output(step(StepState::Done(took)));
                    now |= ENDED;
                }
            }
            self.said.insert(v.digest.clone(), now);
        }
        for log in status.logs {
            let number = self.number(&log.vertex);
            let text = String::from_utf8_lossy(&log.msg);
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                output(BuildOutput::Log {
                    number,
                    text: line.to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulimits_go_in_the_query_as_json() {
        let r = BuildRequest {
            ulimits: [("nofile".to_string(), (10, 20))].into(),
            ..Default::default()
        };
        assert_eq!(
            ulimits_query(&r).unwrap(),
            "%5B%7B%22Name%22%3A%22nofile%22%2C%22Soft%22%3A10%2C%22Hard%22%3A20%7D%5D"
        );
    }
}
