//! Tests on the real Docker Engine: every test has its own folder and project name, asserts what
//! the engine reports through its API, and removes everything it made (its guard runs `down` and
//! then deletes whatever still carries the project label, built images included, even when the
//! test panics).
//! They need `rcompose-test/busybox:latest` (`scripts/test-images.sh` makes it).

mod attached;
mod buildkit;
mod ci;
mod converge;
mod deps;
mod environment;
mod errors;
mod everyday;
mod images;
mod interop;
mod keys;
mod lifecycle;
mod parity;
mod publish;
mod races;
mod signals;
mod watch;
mod webapp;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use bollard::query_parameters as q;

pub const IMAGE: &str = "rcompose-test/busybox:latest";

static COUNTER: AtomicUsize = AtomicUsize::new(0);
static IMAGE_READY: std::sync::Once = std::sync::Once::new();

/// Makes the test image if the engine lacks it (`scripts/test-images.sh`, once per run).
fn ensure_image() {
    IMAGE_READY.call_once(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test-images.sh");
        let out = Command::new(&script)
            .output()
            .expect("scripts/test-images.sh runs");
        assert!(
            out.status.success(),
            "scripts/test-images.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// A runtime for the API calls of a test.
pub fn block_on<T: Send>(f: impl std::future::Future<Output = T> + Send) -> T {
    let run = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(f)
    };
    // from inside a runtime (an async test), on a thread of its own
    match tokio::runtime::Handle::try_current() {
        Ok(_) => std::thread::scope(|s| s.spawn(run).join().expect("the call ran")),
        Err(_) => run(),
    }
}

pub fn docker() -> bollard::Docker {
    bollard::Docker::connect_with_defaults().expect("the engine answers")
}

/// A project of a test: a folder with its compose file, a unique name, and a guard.
pub struct Project {
    pub dir: PathBuf,
    pub name: String,
}

/// How many of this run's projects live, and the engine's build cache records from before the
/// first of them was made. Once none lives, the records made meanwhile go (the steps of the
/// tests' builds and what their sessions sent: `RUN`s, contexts, the example app's packages),
/// so the run leaves the build cache as it found it. Not per project: a record may serve the
/// builds of several tests, and a test between two builds must keep its own; and not often: on
/// this engine (API 1.41) `/system/df` ignores `type` and sizes every container, image and
/// volume, and asked for each project in parallel it loaded the engine enough to stall its port
/// proxy and a build's stream.
static LIVE: std::sync::Mutex<Stretch> = std::sync::Mutex::new(Stretch {
    projects: 0,
    records_before: None,
});

struct Stretch {
    projects: usize,
    /// `None`: not known (nothing is pruned then).
    records_before: Option<Vec<String>>,
}

/// The IDs of the engine's build cache records (`None`: not known).
fn cache_ids() -> Option<Vec<String>> {
    read_cache_records().map(|r| r.into_iter().map(|(id, _)| id).collect())
}

/// Prunes the build cache records `ids` (those in use stay).
pub fn prune_cache_records(ids: Vec<String>) {
    let d = docker();
    for id in ids {
        let options = q::PruneBuildOptions {
            all: Some(true),
            filters: Some(HashMap::from([("id".to_string(), vec![id])])),
            ..Default::default()
        };
        let _ = block_on(d.prune_build(Some(options)));
    }
}

/// Prunes the records that are not in `before`: a record that others build on goes in a later
/// round, once they went.
fn prune_cache_records_since(before: &[String]) {
    let mut left = usize::MAX;
    while let Some(now) = cache_ids() {
        let new: Vec<String> = now.into_iter().filter(|id| !before.contains(id)).collect();
        if new.is_empty() || new.len() >= left {
            return;
        }
        left = new.len();
        prune_cache_records(new);
    }
}

impl Project {
    /// `tag` names the test; `yaml` is the compose file (`IMAGE` stands for the test image).
    pub fn new(tag: &str, yaml: &str) -> Project {
        ensure_image();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("rct-{tag}-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join("rcompose-tests").join(&name);
        std::fs::create_dir_all(&dir).expect("test folder");
        {
            let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
            if live.projects == 0 {
                live.records_before = cache_ids();
            }
            live.projects += 1;
        }
        let p = Project { dir, name };
        p.write("compose.yaml", yaml);
        p
    }

    pub fn write(&self, file: &str, content: &str) {
        let path = self.dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(path, content.replace("IMAGE", IMAGE)).expect("file written");
    }

    /// Runs `rcompose -p <name> ARGS` in the project folder.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        rcompose_in(&self.dir, &self.name, args, env)
    }

    /// Runs and requires success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "rcompose {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The project's containers by name (stopped ones included).
    pub fn containers(&self) -> HashMap<String, bollard::models::ContainerSummary> {
        containers_of(&self.name)
    }

    pub fn inspect(&self, container: &str) -> bollard::models::ContainerInspectResponse {
        inspect(container)
    }

    pub fn networks(&self) -> Vec<String> {
        networks_of(&self.name)
    }

    pub fn volumes(&self) -> Vec<String> {
        volumes_of(&self.name)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = rcompose_in(
            &self.dir,
            &self.name,
            &["down", "-v", "--remove-orphans", "-t", "0"],
            &[],
        );
        remove_everything(&self.name);
        let _ = std::fs::remove_dir_all(&self.dir);
        // the last project of a stretch takes the build cache records the stretch made (held
        // locked: no project starts meanwhile)
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        live.projects -= 1;
        if live.projects == 0
            && let Some(before) = live.records_before.take()
        {
            prune_cache_records_since(&before);
        }
    }
}

/// The engine's build cache records as (id, description): `GET /system/df?type=build-cache`
/// on the socket (bollard reads the newer API's shape of this answer).
pub fn cache_records() -> Vec<(String, String)> {
    read_cache_records().unwrap_or_default()
}

/// The records, or `None` when the engine's answer could not be read (no socket, a refusal such
/// as `a disk usage operation is already running`).
fn read_cache_records() -> Option<Vec<(String, String)>> {
    use std::io::{Read, Write};
    let host = std::env::var("DOCKER_HOST").unwrap_or_default();
    let socket = host
        .strip_prefix("unix://")
        .unwrap_or("/var/run/docker.sock")
        .to_string();
    let mut s = std::os::unix::net::UnixStream::connect(&socket).ok()?;
    write!(
        s,
        "GET /system/df?type=build-cache HTTP/1.0\r\nHost: docker\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    if head.split_whitespace().nth(1) != Some("200") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let records = v.get("BuildCache")?.as_array().cloned().unwrap_or_default();
    Some(
        records
            .iter()
            .map(|c| {
                let field = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                (field("ID"), field("Description"))
            })
            .collect(),
    )
}

pub fn rcompose_in(dir: &Path, project: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .arg("-p")
        .arg(project)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("rcompose runs")
}

pub fn label_filter(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("com.docker.compose.project={project}")],
    )])
}

pub fn containers_of(project: &str) -> HashMap<String, bollard::models::ContainerSummary> {
    block_on(docker().list_containers(Some(q::ListContainersOptions {
        all: true,
        filters: Some(label_filter(project)),
        ..Default::default()
    })))
    .expect("containers listed")
    .into_iter()
    .map(|c| {
        let name = c.names.clone().unwrap_or_default()[0]
            .trim_start_matches('/')
            .to_string();
        (name, c)
    })
    .collect()
}

pub fn inspect(container: &str) -> bollard::models::ContainerInspectResponse {
    block_on(docker().inspect_container(container, None::<q::InspectContainerOptions>))
        .unwrap_or_else(|e| panic!("inspect {container}: {e}"))
}

/// The names of the networks that carry the project label, sorted.
pub fn networks_of(project: &str) -> Vec<String> {
    let f = label_filter(project);
    let mut v: Vec<String> =
        block_on(docker().list_networks(Some(q::ListNetworksOptions { filters: Some(f) })))
            .expect("networks listed")
            .into_iter()
            .filter_map(|n| n.name)
            .collect();
    v.sort();
    v
}

/// The names of the volumes that carry the project label, sorted.
pub fn volumes_of(project: &str) -> Vec<String> {
    let f = label_filter(project);
    let mut v: Vec<String> =
        block_on(docker().list_volumes(Some(q::ListVolumesOptions { filters: Some(f) })))
            .expect("volumes listed")
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.name)
            .collect();
    v.sort();
    v
}

/// The IDs of the images that carry the project label.
pub fn images_of(project: &str) -> Vec<String> {
    block_on(docker().list_images(Some(q::ListImagesOptions {
        all: true,
        filters: Some(label_filter(project)),
        ..Default::default()
    })))
    .expect("images listed")
    .into_iter()
    .map(|i| i.id)
    .collect()
}

/// Everything on the engine that carries the project label: `container NAME`, `network NAME`,
/// `volume NAME`, `image ID`.
pub fn leftovers(project: &str) -> Vec<String> {
    let containers = containers_of(project).into_keys();
    let mut all: Vec<String> = containers.map(|n| format!("container {n}")).collect();
    all.extend(
        networks_of(project)
            .into_iter()
            .map(|n| format!("network {n}")),
    );
    all.extend(
        volumes_of(project)
            .into_iter()
            .map(|v| format!("volume {v}")),
    );
    all.extend(images_of(project).into_iter().map(|i| format!("image {i}")));
    all.sort();
    all
}

/// Removes what carries a project's label when dropped (for projects the test does not make
/// through [`Project`]).
pub struct Sweep(pub String);

impl Drop for Sweep {
    fn drop(&mut self) {
        remove_everything(&self.0);
    }
}

/// Deletes what carries the project label, whatever state the test left it in.
pub fn remove_everything(project: &str) {
    let d = docker();
    block_on(async {
        let f = label_filter(project);
        if let Ok(list) = d
            .list_containers(Some(q::ListContainersOptions {
                all: true,
                filters: Some(f.clone()),
                ..Default::default()
            }))
            .await
        {
            for c in list {
                let _ = d
                    .remove_container(
                        &c.id.unwrap_or_default(),
                        Some(q::RemoveContainerOptions {
                            force: true,
                            v: true,
                            ..Default::default()
                        }),
                    )
                    .await;
            }
        }
        // images the project built (a guard that untagged one while a container still used it
        // leaves it dangling until now)
        if let Ok(list) = d
            .list_images(Some(q::ListImagesOptions {
                all: true,
                filters: Some(f.clone()),
                ..Default::default()
            }))
            .await
        {
            for i in list {
                let _ = d
                    .remove_image(
                        &i.id,
                        Some(q::RemoveImageOptions {
                            force: true,
                            ..Default::default()
                        }),
                        None,
                    )
                    .await;
            }
        }
        if let Ok(list) = d
            .list_networks(Some(q::ListNetworksOptions {
                filters: Some(f.clone()),
            }))
            .await
        {
            for n in list {
                let _ = d.remove_network(&n.id.unwrap_or_default()).await;
            }
        }
        if let Ok(list) = d
            .list_volumes(Some(q::ListVolumesOptions { filters: Some(f) }))
            .await
        {
            for v in list.volumes.unwrap_or_default() {
                let _ = d
                    .remove_volume(&v.name, None::<q::RemoveVolumeOptions>)
                    .await;
            }
        }
    });
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A label of a container summary.
pub fn label<'a>(c: &'a bollard::models::ContainerSummary, key: &str) -> &'a str {
    c.labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
        .unwrap_or_default()
}

pub fn state(c: &bollard::models::ContainerSummary) -> String {
    c.state.as_ref().map(|s| s.to_string()).unwrap_or_default()
}

/// Reads a file out of a container through the archive API.
pub fn read_file(container: &str, path: &str) -> String {
    try_read_file(container, path)
        .unwrap_or_else(|e| panic!("reading {path} from {container}: {e}"))
}

/// `path` in the container as the archive API's tar.
pub fn download(container: &str, path: &str) -> Result<Vec<u8>, String> {
    use futures_util::TryStreamExt;
    block_on(async {
        docker()
            .download_from_container(
                container,
                Some(q::DownloadFromContainerOptions {
                    path: path.to_string(),
                }),
            )
            .map_ok(|b| b.to_vec())
            .try_concat()
            .await
    })
    .map_err(|e| e.to_string())
}

/// The file's content, or why it cannot be read (yet).
pub fn try_read_file(container: &str, path: &str) -> Result<String, String> {
    let bytes = download(container, path)?;
    let mut archive = tar::Archive::new(&bytes[..]);
    let mut entry = archive
        .entries()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("an empty archive")?
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).map_err(|e| e.to_string())?;
    Ok(text)
}

/// Sends `signal` (`INT`, `TERM`, `KILL`) to a process, as a terminal or a supervisor would.
pub fn signal(pid: u32, signal: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{signal} {pid}");
}

/// A project of `n` services `s0`..`s{n-1}` that sleep.
pub fn sleepers(n: usize) -> String {
    let mut yaml = String::from("services:\n");
    for i in 0..n {
        yaml.push_str(&format!(
            "  s{i}:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n"
        ));
    }
    yaml
}

/// Polls `f` until it returns `Some`, for at most `secs` seconds (a bounded poll, for states the
/// engine has no event for, like a file's content).
pub fn eventually<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `rcompose -p NAME ARGS` in the project folder, not yet run.
pub fn command(p: &Project, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rcompose"));
    c.arg("-p")
        .arg(&p.name)
        .args(args)
        .current_dir(&p.dir)
        .env("NO_COLOR", "1");
    c
}

/// A running rcompose whose stdout lines arrive on a channel; killed when dropped.
pub struct Live {
    pub child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Live {
    pub fn start(p: &Project, args: &[&str]) -> Live {
        Live::spawn(p, args, false)
    }

    /// Like [`Live::start`], with stderr's lines on the same channel.
    pub fn start_with_stderr(p: &Project, args: &[&str]) -> Live {
        Live::spawn(p, args, true)
    }

    /// Any program (the reference, say) run as [`Live::start_with_stderr`] runs rcompose.
    pub fn from_command(mut c: Command) -> Live {
        Live::spawn_command(&mut c, true)
    }

    fn spawn(p: &Project, args: &[&str], stderr: bool) -> Live {
        Live::spawn_command(&mut command(p, args), stderr)
    }

    fn spawn_command(c: &mut Command, stderr: bool) -> Live {
        let mut child = c
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if stderr {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("the program starts");
        let (tx, lines) = std::sync::mpsc::channel();
        fn forward(from: impl std::io::Read + Send + 'static, tx: std::sync::mpsc::Sender<String>) {
            std::thread::spawn(move || {
                for line in
                    std::io::BufRead::lines(std::io::BufReader::new(from)).map_while(Result::ok)
                {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        forward(child.stdout.take().unwrap(), tx.clone());
        if let Some(err) = child.stderr.take() {
            forward(err, tx);
        }
        Live {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (bounded) for a line satisfying `f`; returns it.
    pub fn expect(&mut self, secs: u64, what: &str, f: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Some(l) = self.seen.iter().find(|l| f(l)) {
                return l.clone();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.seen.push(l),
                Err(_) => panic!("no line {what} within {secs}s; saw {:?}", self.seen),
            }
        }
    }

    /// Waits (bounded) for the process to exit; its code.
    pub fn exit_code(&mut self, secs: u64) -> Option<i32> {
        eventually(secs, "rcompose to exit", || {
            self.child.try_wait().expect("try_wait")
        })
        .code()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
