//! The Docker Engine behind traits, in rcompose's own light types: the roles each layer needs
//! (`roles`), the objects they speak of (`types`, `swarm`), and one implementation on a real engine
//! through bollard (`docker`, the only place bollard is called); a fake one for tests (`fake`);
//! build contexts as the engine reads them (`context`).

pub mod auth;
pub mod context;
mod docker;
#[cfg(test)]
pub mod fake;
mod roles;
mod swarm;
mod types;

use std::fmt;
use std::pin::Pin;

use futures_util::Stream;

pub use bollard::models::{
    ContainerCreateBody, EndpointSettings, NetworkCreateRequest, VolumeCreateRequest,
};

pub use docker::Docker;
pub use roles::{Engine, ImageStore, Interactive, Inventory, Resources, Swarm, Watcher};
pub use swarm::*;
pub use types::*;

/// What went wrong talking to the engine; callers match on the kind, users read the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// No engine answered (socket missing, connection refused).
    Unreachable,
    /// The object does not exist (404).
    NotFound,
    /// A container's image does not exist (404 `No such image`).
    NoSuchImage,
    /// The object exists or is in use (409; a network with endpoints, 403).
    Conflict,
    /// A published host port is taken.
    PortInUse,
    /// Anything else the engine refused.
    Other,
}

impl EngineError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> EngineError {
        EngineError {
            kind,
            message: message.into(),
        }
    }

    /// The object asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind, ErrorKind::NotFound | ErrorKind::NoSuchImage)
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EngineError {}

pub type Result<T> = std::result::Result<T, EngineError>;

pub type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = T> + Send + 'a>>;

/// Runs `request` in `container` (without a terminal), each chunk of its output to `on_chunk`
/// as it comes; its exit code.
pub async fn run_exec(
    engine: &impl Interactive,
    container: &str,
    request: ExecRequest,
    mut on_chunk: impl FnMut(LogChunk),
) -> Result<i64> {
    let id = engine.create_exec(container, request).await?;
    if let Some(mut session) = engine.start_exec(&id, false, false).await? {
        while let Some(chunk) = futures_util::StreamExt::next(&mut session.output).await {
            on_chunk(chunk?);
        }
    }
    exit_code(engine, &id).await
}

/// A container's output so far (stdout and stderr as they came), per `options` (not followed).
pub async fn output(
    engine: &impl Watcher,
    container: &str,
    options: LogOptions,
) -> Result<Vec<u8>> {
    let mut logs = engine.logs(container, options);
    let mut text = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut logs).await {
        text.extend_from_slice(&chunk?.text);
    }
    Ok(text)
}

/// The exit code of an exec whose output ended: the engine records it a moment after.
pub async fn exit_code(engine: &impl Interactive, id: &str) -> Result<i64> {
    let mut delay = std::time::Duration::from_millis(2);
    for _ in 0..60 {
        if let Some(code) = engine.exec_exit_code(id).await? {
            return Ok(code);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_millis(100));
    }
    Err(EngineError::new(
        ErrorKind::Other,
        "the command's output ended but the engine reports it still running",
    ))
}
