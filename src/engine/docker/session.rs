//! A BuildKit session held open beside a build: `POST /session` upgraded to h2c on its own
//! connection to the engine, where rcompose serves the gRPC services the engine's BuildKit calls
//! back — health, the build context (`filesync.rs`), registry credentials (from `config.json`),
//! build secrets and SSH agents — until the session is dropped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bollard_buildkit_proto::health::health_check_response::ServingStatus;
use bollard_buildkit_proto::health::health_server::{Health, HealthServer};
use bollard_buildkit_proto::health::{
    HealthCheckRequest, HealthCheckResponse, HealthListRequest, HealthListResponse,
};
use bollard_buildkit_proto::moby::buildkit::secrets::v1::secrets_server::{Secrets, SecretsServer};
use bollard_buildkit_proto::moby::buildkit::secrets::v1::{GetSecretRequest, GetSecretResponse};
use bollard_buildkit_proto::moby::filesync::v1::auth_server::{Auth, AuthServer};
use bollard_buildkit_proto::moby::filesync::v1::file_sync_server::FileSyncServer;
use bollard_buildkit_proto::moby::filesync::v1::{
    CredentialsRequest, CredentialsResponse, FetchTokenRequest, FetchTokenResponse,
    GetTokenAuthorityRequest, GetTokenAuthorityResponse, VerifyTokenAuthorityRequest,
    VerifyTokenAuthorityResponse,
};
use bollard_buildkit_proto::moby::sshforward::v1::ssh_server::{Ssh, SshServer};
use bollard_buildkit_proto::moby::sshforward::v1::{
    BytesMessage, CheckAgentRequest, CheckAgentResponse,
};
use futures_util::{Stream, StreamExt};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tonic::server::NamedService;
use tonic::{Request, Response, Status, Streaming};

use super::filesync::Files;
use crate::engine::BuildSecret;
use crate::engine::context::Local;

/// BuildKit's limit on a secret's size.
const MAX_SECRET: usize = 500 * 1024;

/// What a session serves: secrets by id, SSH agent sockets by id, where credentials are, and
/// the context folder when the engine reads it through the session.
#[derive(Default)]
pub struct Sources {
    pub secrets: HashMap<String, BuildSecret>,
    pub ssh: HashMap<String, PathBuf>,
    pub config_dir: Option<PathBuf>,
    pub local: Option<Arc<Local>>,
}

/// An open session; the engine can call it until it is dropped.
pub struct Session {
    pub id: String,
    serving: tokio::task::JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

/// The shared key of a context folder: BuildKit keeps what was sent under it.
pub fn key_of(dir: &Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(dir.to_string_lossy().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh session id (BuildKit wants it unique among the engine's sessions).
fn new_id() -> String {
    use sha2::{Digest, Sha256};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let seed = format!(
        "{:?} {} {}",
        std::time::SystemTime::now(),
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    );
    let digest = Sha256::digest(seed.as_bytes());
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// A connection to the engine, unix socket or TCP.
enum EngineConn {
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

async fn dial(host: &str) -> std::io::Result<EngineConn> {
    if let Some(path) = host.strip_prefix("unix://") {
        return Ok(EngineConn::Unix(
            tokio::net::UnixStream::connect(path).await?,
        ));
    }
    let addr = host
        .strip_prefix("tcp://")
        .or_else(|| host.strip_prefix("http://"))
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "BuildKit sessions need a unix:// or tcp:// engine address, not {host} (DOCKER_BUILDKIT=0 builds with the classic builder, without a session)"
            ))
        })?;
    Ok(EngineConn::Tcp(tokio::net::TcpStream::connect(addr).await?))
}

/// The upgraded connection, as tonic serves it.
struct Conn(TokioIo<hyper::upgrade::Upgraded>);

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// The methods a session tells the engine it serves.
fn methods(files: bool) -> Vec<String> {
    let health = HealthServer::<Served>::NAME;
    let auth = AuthServer::<Served>::NAME;
    let secrets = SecretsServer::<Served>::NAME;
    let ssh = SshServer::<Served>::NAME;
    [
        format!("/{health}/Check"),
        format!("/{auth}/Credentials"),
        format!("/{auth}/FetchToken"),
        format!("/{auth}/GetTokenAuthority"),
        format!("/{auth}/VerifyTokenAuthority"),
        format!("/{secrets}/GetSecret"),
        format!("/{ssh}/CheckAgent"),
        format!("/{ssh}/ForwardAgent"),
    ]
    .into_iter()
    .chain(files.then(|| format!("/{}/DiffCopy", FileSyncServer::<Files>::NAME)))
    .collect()
}

/// Opens a session on the engine at `host` (`name` is what the engine shows for it; BuildKit
/// keeps what it was sent under `shared_key`); it serves `sources` until dropped.
pub async fn open(
    host: &str,
    name: &str,
    shared_key: &str,
    sources: Sources,
) -> Result<Session, String> {
    let id = new_id();
    let fail = |what: &str, e: String| format!("opening a BuildKit session ({what}): {e}");
    let stream = dial(host)
        .await
        .map_err(|e| fail("connecting", e.to_string()))?;
    let (mut sender, connection) = match stream {
        EngineConn::Unix(s) => handshake(s).await,
        EngineConn::Tcp(s) => handshake(s).await,
    }
    .map_err(|e| fail("handshake", e))?;
    tokio::spawn(connection);
    let mut request = hyper::Request::post("/session")
        .header(hyper::header::HOST, "docker")
        .header(hyper::header::CONNECTION, "Upgrade")
        .header(hyper::header::UPGRADE, "h2c")
        .header("X-Docker-Expose-Session-Uuid", &id)
        .header("X-Docker-Expose-Session-Name", name)
        .header("X-Docker-Expose-Session-Sharedkey", shared_key);
    for m in methods(sources.local.is_some()) {
        request = request.header("X-Docker-Expose-Session-Grpc-Method", m);
    }
    let request = request
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .map_err(|e| fail("request", e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| fail("POST /session", e.to_string()))?;
    if response.status() != hyper::StatusCode::SWITCHING_PROTOCOLS {
        let status = response.status();
        use http_body_util::BodyExt;
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| String::from_utf8_lossy(&b.to_bytes()).trim().to_string())
            .unwrap_or_default();
        return Err(fail(
            "POST /session",
            format!("the engine answered {status}: {body}"),
        ));
    }
    let upgraded = hyper::upgrade::on(response)
        .await
        .map_err(|e| fail("upgrade", e.to_string()))?;
    let conn = Conn(TokioIo::new(upgraded));
    let files = sources.local.clone().map(|l| FileSyncServer::new(Files(l)));
    let served = Arc::new(Served(sources));
    let router = tonic::transport::Server::builder()
        .add_optional_service(files)
        .add_service(HealthServer::from_arc(served.clone()))
        .add_service(AuthServer::from_arc(served.clone()))
        .add_service(SecretsServer::from_arc(served.clone()))
        .add_service(SshServer::from_arc(served));
    let serving = tokio::spawn(async move {
        let incoming = futures_util::stream::iter([Ok::<_, std::io::Error>(conn)]);
        let _ = router.serve_with_incoming(incoming).await;
    });
    Ok(Session { id, serving })
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Empty<bytes::Bytes>>;

type Driving = Pin<Box<dyn std::future::Future<Output = ()> + Send + 'static>>;

/// HTTP/1 on a fresh connection: the sender, and the connection to drive (upgrades kept).
async fn handshake<S>(s: S) -> Result<(Sender, Driving), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(s))
        .await
        .map_err(|e| e.to_string())?;
    let connection = async move {
        let _ = connection.with_upgrades().await;
    };
    Ok((sender, Box::pin(connection)))
}

/// The services of one session.
struct Served(Sources);

#[tonic::async_trait]
impl Health for Served {
    async fn check(
        &self,
        _: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    async fn list(
        &self,
        _: Request<HealthListRequest>,
    ) -> Result<Response<HealthListResponse>, Status> {
        Ok(Response::new(HealthListResponse::default()))
    }

    type WatchStream =
        Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send + 'static>>;

    async fn watch(
        &self,
        _: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("watch"))
    }
}

#[tonic::async_trait]
impl Auth for Served {
    async fn credentials(
        &self,
        request: Request<CredentialsRequest>,
    ) -> Result<Response<CredentialsResponse>, Status> {
        let host = &request.get_ref().host;
        // config.json keys Docker Hub by its v1 address
        let reference = match host.as_str() {
            "docker.io" | "registry-1.docker.io" | "index.docker.io" => "library/x".to_string(),
            h => format!("{h}/x"),
        };
        let creds = crate::engine::auth::credentials(self.0.config_dir.as_deref(), &reference);
        let mut out = CredentialsResponse::default();
        if let Some(c) = creds {
            match c.identitytoken {
                Some(token) => out.secret = token,
                None => {
                    out.username = c.username.unwrap_or_default();
                    out.secret = c.password.unwrap_or_default();
                }
            }
        }
        Ok(Response::new(out))
    }

    async fn fetch_token(
        &self,
        _: Request<FetchTokenRequest>,
    ) -> Result<Response<FetchTokenResponse>, Status> {
        // BuildKit then asks for the credentials and fetches the token itself
        Err(Status::unimplemented("fetch_token"))
    }

    async fn get_token_authority(
        &self,
        _: Request<GetTokenAuthorityRequest>,
    ) -> Result<Response<GetTokenAuthorityResponse>, Status> {
        Err(Status::unavailable("client-side authentication is off"))
    }

    async fn verify_token_authority(
        &self,
        _: Request<VerifyTokenAuthorityRequest>,
    ) -> Result<Response<VerifyTokenAuthorityResponse>, Status> {
        Err(Status::unavailable("client-side authentication is off"))
    }
}

#[tonic::async_trait]
impl Secrets for Served {
    async fn get_secret(
        &self,
        request: Request<GetSecretRequest>,
    ) -> Result<Response<GetSecretResponse>, Status> {
        let id = &request.get_ref().id;
        let data = match self.0.secrets.get(id) {
            None => return Err(Status::not_found(format!("secret {id} not found"))),
            Some(BuildSecret::Value(v)) => v.clone(),
            Some(BuildSecret::File(path)) => tokio::fs::read(path).await.map_err(|e| {
                Status::failed_precondition(format!(
                    "secret {id}: cannot read {}: {e}",
                    path.display()
                ))
            })?,
        };
        if data.len() > MAX_SECRET {
            let message = format!(
                "secret {id} is {} bytes; BuildKit takes 500 KiB at most",
                data.len()
            );
            return Err(Status::failed_precondition(message));
        }
        Ok(Response::new(GetSecretResponse { data }))
    }
}

/// The agent socket for an SSH id (`default` when none is given).
fn agent(sources: &Sources, id: &str) -> Result<PathBuf, Status> {
    let id = if id.is_empty() { "default" } else { id };
    sources
        .ssh
        .get(id)
        .cloned()
        .ok_or_else(|| Status::not_found(format!("no SSH agent or key is given for id `{id}`")))
}

#[tonic::async_trait]
impl Ssh for Served {
    async fn check_agent(
        &self,
        request: Request<CheckAgentRequest>,
    ) -> Result<Response<CheckAgentResponse>, Status> {
        agent(&self.0, &request.get_ref().id)?;
        Ok(Response::new(CheckAgentResponse {}))
    }

    type ForwardAgentStream =
        Pin<Box<dyn Stream<Item = Result<BytesMessage, Status>> + Send + 'static>>;

    async fn forward_agent(
        &self,
        request: Request<Streaming<BytesMessage>>,
    ) -> Result<Response<Self::ForwardAgentStream>, Status> {
        let id = request
            .metadata()
            .get("buildkit.ssh.id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let path = agent(&self.0, &id)?;
        let socket = connect_agent(&path).await?;
        let (read, mut write) = socket.into_split();
        let mut incoming = request.into_inner();
        // what the builder writes goes to the agent...
        tokio::spawn(async move {
            while let Some(Ok(m)) = incoming.next().await {
                if write.write_all(&m.data).await.is_err() {
                    break;
                }
            }
            let _ = write.shutdown().await;
        });
        // ...and what the agent answers goes back
        let answers = futures_util::stream::unfold(Some(read), |state| async move {
            let mut read = state?;
            let mut buf = vec![0u8; 16 * 1024];
            match read.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(BytesMessage { data: buf }), Some(read)))
                }
                Err(e) => Some((Err(Status::unavailable(e.to_string())), None)),
            }
        });
        Ok(Response::new(Box::pin(answers)))
    }
}

async fn connect_agent(path: &Path) -> Result<tokio::net::UnixStream, Status> {
    tokio::net::UnixStream::connect(path).await.map_err(|e| {
        Status::unavailable(format!(
            "cannot reach the SSH agent at {}: {e}",
            path.display()
        ))
    })
}

/// An SSH agent of rcompose's own holding key files (`ssh: [id=~/.ssh/key]`): `ssh-agent`
/// and `ssh-add` from OpenSSH, in a private folder; stopped when dropped.
pub struct KeyAgent {
    pub socket: PathBuf,
    child: std::process::Child,
    dir: PathBuf,
}

impl KeyAgent {
    pub fn start(keys: &[PathBuf]) -> Result<KeyAgent, String> {
        let dir = std::env::temp_dir().join(format!("rcompose-ssh-{}", new_id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let socket = dir.join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("SSH key files are served by OpenSSH's ssh-agent, which cannot start: {e}")
            })?;
        let agent = KeyAgent { socket, child, dir };
        // the socket appears once the agent listens
        let start = std::time::Instant::now();
        while !agent.socket.exists() {
            if start.elapsed() > std::time::Duration::from_secs(5) {
                return Err("ssh-agent did not open its socket within 5s".into());
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        for key in keys {
            let out = std::process::Command::new("ssh-add")
                .arg(key)
                .env("SSH_AUTH_SOCK", &agent.socket)
                .stdin(std::process::Stdio::null())
                .output()
                .map_err(|e| format!("ssh-add cannot start: {e}"))?;
            if !out.status.success() {
                let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
                return Err(format!("ssh-add {}: {why}", key.display()));
            }
        }
        Ok(agent)
    }
}

impl Drop for KeyAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
