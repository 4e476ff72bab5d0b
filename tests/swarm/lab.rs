//! The swarm the stack tests run on, and a stack project of a test. `scripts/swarm-lab.sh`
//! starts three dockerd nodes, each in its own network namespace on a bridge of their own, and a
//! registry on node 1 (never the machine's engine); the [`Lab`] removes all of it when dropped,
//! also after a failed test, and a run killed outright leaves it to the next run's sweep. A
//! [`Stack`] is a folder with its compose files and a unique stack name; dropping it removes the
//! stack.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bollard::query_parameters as q;
use futures_util::StreamExt;

/// The test image on the machine's engine (`scripts/test-images.sh` makes it).
const LOCAL_IMAGE: &str = "rcompose-test/busybox:latest";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/swarm-lab.sh")
}

/// Output as text, for messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs an async engine call on a runtime of its own.
pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// Polls `check` every 100 ms until it gives a value, for at most `limit`; panics with `what`.
pub fn until<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        if start.elapsed() > limit {
            panic!("{what}: not within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running swarm of three nodes with a registry.
pub struct Lab {
    dir: PathBuf,
    vars: HashMap<String, String>,
}

impl Lab {
    /// Starts the lab (and puts the test image in its registry as `busybox:1`).
    pub fn up() -> Lab {
        let status =
            Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test-images.sh"))
                .output()
                .expect("scripts/test-images.sh runs");
        assert!(status.status.success(), "test images: {}", text(&status));
        let n = std::process::id();
        let dir = PathBuf::from(format!("/tmp/rcompose-swarm/tests-{n}"));
        let out = Command::new(script())
            .args(["up", &dir.to_string_lossy(), "3", &n.to_string()])
            .stdin(Stdio::null())
            .output()
            .expect("swarm-lab.sh runs");
        let lab = Lab {
            vars: parse_vars(&String::from_utf8_lossy(&out.stdout)),
            dir,
        };
        // a lab that failed half-way is removed by the drop
        assert!(
            out.status.success(),
            "the swarm lab did not start: {}",
            text(&out)
        );
        lab.push(LOCAL_IMAGE, "busybox:1");
        lab
    }

    pub fn var(&self, key: &str) -> &str {
        self.vars
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("lab variable {key}"))
    }

    /// `unix:///.../nN/docker.sock` of node `n` (1-based; node 1 is the manager).
    pub fn host(&self, n: usize) -> String {
        self.var(&format!("NODE{n}_HOST")).to_string()
    }

    pub fn registry(&self) -> &str {
        self.var("REGISTRY")
    }

    /// The test image in the registry.
    pub fn image(&self) -> String {
        format!("{}/busybox:1", self.registry())
    }

    /// The API of node `n`.
    pub fn docker(&self, n: usize) -> bollard::Docker {
        let path = self.host(n).trim_start_matches("unix://").to_string();
        bollard::Docker::connect_with_unix(&path, 60, bollard::API_DEFAULT_VERSION)
            .expect("the node's socket")
    }

    /// The manager's API.
    pub fn manager(&self) -> bollard::Docker {
        self.docker(1)
    }

    /// Puts the machine's `image` in the registry as `name`; its `repo@digest`.
    pub fn push(&self, image: &str, name: &str) -> String {
        let out = self.script(&["push", &self.dir.to_string_lossy(), image, name]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Kills node `n` at once (daemon and containers), as a machine losing power.
    pub fn kill_node(&self, n: usize) {
        self.script(&["kill-node", &self.dir.to_string_lossy(), &n.to_string()]);
    }

    /// Whether node `n`'s daemon answers.
    pub fn node_answers(&self, n: usize) -> bool {
        Command::new("docker")
            .args(["-H", &self.host(n), "info"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    pub fn start_node(&self, n: usize) {
        self.script(&["start-node", &self.dir.to_string_lossy(), &n.to_string()]);
    }

    fn script(&self, args: &[&str]) -> Output {
        let out = Command::new(script())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("swarm-lab.sh runs");
        assert!(
            out.status.success(),
            "swarm-lab.sh {args:?}: {}",
            text(&out)
        );
        out
    }

    /// The swarm's nodes: hostname → (ID, state).
    pub fn nodes(&self) -> HashMap<String, (String, String)> {
        let nodes =
            block_on(self.manager().list_nodes(None::<q::ListNodesOptions>)).expect("nodes");
        nodes
            .into_iter()
            .map(|n| {
                let host = n.description.and_then(|d| d.hostname).unwrap_or_default();
                let state = n
                    .status
                    .and_then(|s| s.state)
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                (host, (n.id.unwrap_or_default(), state))
            })
            .collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let out = Command::new(script())
            .args(["down", &self.dir.to_string_lossy()])
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => eprintln!("swarm-lab.sh down failed: {}", text(&o)),
            Err(e) => eprintln!("swarm-lab.sh down did not run: {e}"),
        }
    }
}

fn parse_vars(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A stack of a test: its folder, its name, and its removal when dropped.
pub struct Stack<'a> {
    pub lab: &'a Lab,
    pub dir: PathBuf,
    pub name: String,
}

impl<'a> Stack<'a> {
    /// `tag` names the test; in `yaml`, `IMAGE` stands for the test image in the registry and
    /// `REGISTRY` for the registry.
    pub fn new(lab: &'a Lab, tag: &str, yaml: &str) -> Stack<'a> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("rcs-{tag}-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join("rcompose-tests").join(&name);
        std::fs::create_dir_all(&dir).expect("test folder");
        let s = Stack { lab, dir, name };
        s.write("compose.yaml", yaml);
        s
    }

    pub fn write(&self, file: &str, content: &str) {
        let content = content
            .replace("IMAGE", &self.lab.image())
            .replace("REGISTRY", self.lab.registry());
        std::fs::write(self.dir.join(file), content).expect("file written");
    }

    /// `rcompose -p NAME ARGS` in the folder, with DOCKER_HOST at the manager.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_at(&self.lab.host(1), args)
    }

    /// [`Stack::run`] with DOCKER_HOST at `host`.
    pub fn run_at(&self, host: &str, args: &[&str]) -> Output {
        self.command(host, args).output().expect("rcompose runs")
    }

    pub fn command(&self, host: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rcompose"));
        c.arg("-p")
            .arg(&self.name)
            .args(args)
            .current_dir(&self.dir)
            .env("DOCKER_HOST", host)
            .env("NO_COLOR", "1")
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROFILES")
            .stdin(Stdio::null());
        c
    }

    /// Runs and requires success; returns stderr (where the progress goes) and stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "rcompose {args:?} failed: {}",
            text(&out)
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        )
    }

    /// `docker ARGS` against the manager, in the folder.
    pub fn docker_cli(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .current_dir(&self.dir)
            .env("DOCKER_HOST", self.lab.host(1))
            .stdin(Stdio::null())
            .output()
            .expect("docker runs")
    }

    /// The stack's services by their key (`web` for `<stack>_web`).
    pub fn services(&self) -> HashMap<String, bollard::models::Service> {
        services_of(self.lab, &self.name)
    }

    pub fn service(&self, key: &str) -> bollard::models::Service {
        self.services()
            .remove(key)
            .unwrap_or_else(|| panic!("service {key} of stack {}", self.name))
    }

    /// The tasks of service `key` that should run (or complete).
    pub fn tasks(&self, key: &str) -> Vec<bollard::models::Task> {
        tasks_of(self.lab, &format!("{}_{key}", self.name))
    }

    /// What service `key` printed, all its tasks together.
    pub fn logs(&self, key: &str) -> String {
        let options = q::LogsOptions {
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        let manager = self.lab.manager();
        let name = format!("{}_{key}", self.name);
        block_on(async {
            let mut out = String::new();
            let mut logs = manager.service_logs(&name, Some(options));
            while let Some(Ok(chunk)) = logs.next().await {
                out.push_str(&chunk.to_string());
            }
            out
        })
    }

    /// Waits until service `key`'s output has `line`.
    pub fn wait_for_line(&self, key: &str, line: &str) {
        until(
            Duration::from_secs(30),
            &format!("{key} printing {line:?}"),
            || self.logs(key).contains(line).then_some(()),
        );
    }

    /// Names of the stack's networks, configs and secrets (by the namespace label).
    pub fn objects(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        objects_of(self.lab, &self.name)
    }
}

impl Drop for Stack<'_> {
    fn drop(&mut self) {
        let _ = self.run(&["stack", "rm", &self.name]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn namespace(stack: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("com.docker.stack.namespace={stack}")],
    )])
}

pub fn services_of(lab: &Lab, stack: &str) -> HashMap<String, bollard::models::Service> {
    let options = q::ListServicesOptions {
        filters: Some(namespace(stack)),
        ..Default::default()
    };
    let services = block_on(lab.manager().list_services(Some(options))).expect("services");
    services
        .into_iter()
        .map(|s| {
            let name = s
                .spec
                .as_ref()
                .and_then(|s| s.name.clone())
                .unwrap_or_default();
            let key = name
                .strip_prefix(&format!("{stack}_"))
                .unwrap_or(&name)
                .to_string();
            (key, s)
        })
        .collect()
}

pub fn tasks_of(lab: &Lab, service: &str) -> Vec<bollard::models::Task> {
    let options = q::ListTasksOptions {
        filters: Some(HashMap::from([(
            "service".to_string(),
            vec![service.to_string()],
        )])),
    };
    // a manager under load can fail one call (a raft timeout): ask again for a while, never
    // read a failure as "no tasks"
    let mut last = String::new();
    until(Duration::from_secs(15), "listing tasks", || {
        match block_on(lab.manager().list_tasks(Some(options.clone()))) {
            Ok(tasks) => Some(tasks),
            // a service that is gone has no tasks
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Some(Vec::new()),
            Err(e) => {
                if e.to_string() != last {
                    eprintln!("listing the tasks of {service}: {e} (asking again)");
                    last = e.to_string();
                }
                None
            }
        }
    })
}

pub fn objects_of(lab: &Lab, stack: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let m = lab.manager();
    let (networks, configs, secrets) = block_on(async {
        let networks = m.list_networks(Some(q::ListNetworksOptions {
            filters: Some(namespace(stack)),
        }));
        let configs = m.list_configs(Some(q::ListConfigsOptions {
            filters: Some(namespace(stack)),
        }));
        let secrets = m.list_secrets(Some(q::ListSecretsOptions {
            filters: Some(namespace(stack)),
        }));
        futures_util::join!(networks, configs, secrets)
    });
    let mut n: Vec<String> = networks
        .expect("networks")
        .into_iter()
        .filter_map(|n| n.name)
        .collect();
    let mut c: Vec<String> = configs
        .expect("configs")
        .into_iter()
        .filter_map(|c| c.spec?.name)
        .collect();
    let mut s: Vec<String> = secrets
        .expect("secrets")
        .into_iter()
        .filter_map(|s| s.spec?.name)
        .collect();
    n.sort();
    c.sort();
    s.sort();
    (n, c, s)
}

/// The state of a task (`running`, `complete`...).
pub fn state(t: &bollard::models::Task) -> String {
    t.status
        .as_ref()
        .and_then(|s| s.state)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

pub fn desired(t: &bollard::models::Task) -> String {
    t.desired_state.map(|s| s.to_string()).unwrap_or_default()
}

/// A time bollard parsed, as the engine wrote it.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("a time that formats")
}

/// Seconds since the epoch of an RFC 3339 time the engine gave (`2026-11-30T23:10:01.5Z`).
pub fn seconds(time: &str) -> f64 {
    let (date, rest) = time.split_once('T').expect("a date and a time");
    let d: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().expect("a date part"))
        .collect();
    let clock = rest.trim_end_matches('Z');
    let clock = clock.split(['+']).next().unwrap_or(clock);
    let t: Vec<f64> = clock
        .split(':')
        .map(|p| p.parse().expect("a time part"))
        .collect();
    // days from the civil date (proleptic Gregorian)
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    days as f64 * 86400.0 + t[0] * 3600.0 + t[1] * 60.0 + t[2]
}
