//! A fake engine for tests of ordering and convergence: it keeps a small world (containers with
//! their labels and states, networks, volumes, images) that the engine roles read and change,
//! sends the container events a real engine would, records every call, and can be told to fail
//! a call, to make calls slow, or to have a service's containers exit with a code when started.
//! A swarm of one node is simulated too: its services' tasks run (or complete) at once.
//! It tests rcompose's logic, never an engine feature (those are tested on the real engine).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;

use super::{
    Action, BoxStream, BuildContext, BuildOutput, BuildRequest, ContainerCreateBody,
    ContainerEvent, ContainerInfo, ContainerState, EndpointSettings, EngineError, ErrorKind,
    Health, ImageInfo, ImageStore, Inventory, LogChunk, LogOptions, NetworkCreateRequest,
    NetworkInfo, PullProgress, Resources, Result, Status, VolumeCreateRequest, VolumeInfo, Watcher,
};
use super::{
    ConfigSpec, SecretSpec, ServiceSpec, Swarm, SwarmNode, SwarmObject, SwarmService, SwarmState,
    SwarmTask,
};
use crate::names::labels;

#[derive(Debug, Clone)]
struct Container {
    id: String,
    labels: BTreeMap<String, String>,
    image: String,
    image_id: String,
    status: Status,
    health: Health,
    has_healthcheck: bool,
    exit_code: i64,
    networks: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct World {
    /// Swarm services, secrets and configs by ID.
    services: BTreeMap<String, SwarmService>,
    secrets: BTreeMap<String, SwarmObject>,
    configs: BTreeMap<String, SwarmObject>,
    containers: BTreeMap<String, Container>,
    networks: BTreeMap<String, NetworkInfo>,
    volumes: BTreeMap<String, VolumeInfo>,
    images: BTreeMap<String, ImageInfo>,
    next_id: u64,
}

impl World {
    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("{:064x}", self.next_id)
    }
}

/// The fake engine. `Fake::default()` is an empty engine speaking API 1.41.
pub struct Fake {
    world: Mutex<World>,
    log: Mutex<Vec<String>>,
    events: broadcast::Sender<(String, ContainerEvent)>,
    /// Calls fail whose log line is this.
    pub fail: Mutex<Option<String>>,
    /// How long each call takes.
    pub delay: Duration,
    /// Containers of these services exit with this code as soon as they start.
    pub exits: Mutex<BTreeMap<String, i64>>,
    /// The healthchecks of these services never pass (their health stays `starting`).
    pub never_healthy: Mutex<Vec<String>>,
    busy: AtomicUsize,
    most_busy: AtomicUsize,
}

impl Default for Fake {
    fn default() -> Fake {
        Fake {
            world: Mutex::default(),
            log: Mutex::default(),
            events: broadcast::channel(1024).0,
            fail: Mutex::default(),
            delay: Duration::ZERO,
            exits: Mutex::default(),
            never_healthy: Mutex::default(),
            busy: AtomicUsize::new(0),
            most_busy: AtomicUsize::new(0),
        }
    }
}

impl Fake {
    /// An engine whose calls take `delay` each.
    pub fn slow(delay: Duration) -> Fake {
        Fake {
            delay,
            ..Fake::default()
        }
    }

    /// The calls made so far, one line each (`create p-web-1`, `start p-web-1`...).
    pub fn calls(&self) -> Vec<String> {
        self.log.lock().expect("fake log").clone()
    }

    /// Where `call` stands among the calls made so far (a test fails when it was not made).
    pub fn at(&self, call: &str) -> usize {
        let calls = self.calls();
        calls
            .iter()
            .position(|l| l == call)
            .unwrap_or_else(|| panic!("no `{call}` in {calls:?}"))
    }

    /// Forgets the calls made so far.
    pub fn clear_calls(&self) {
        self.log.lock().expect("fake log").clear();
    }

    /// The most calls that ran at the same time.
    pub fn most_busy(&self) -> usize {
        self.most_busy.load(Ordering::SeqCst)
    }

    /// Has an image (as pulled or built before).
    pub fn add_image(&self, reference: &str) {
        let mut w = self.world.lock().expect("fake world");
        let id = format!("sha256:{}", w.id());
        w.images.insert(
            reference.to_string(),
            ImageInfo {
                id,
                tags: vec![reference.to_string()],
                ..Default::default()
            },
        );
    }

    /// The containers' names and states, by name: `p-web-1 running`.
    pub fn containers(&self) -> Vec<String> {
        let w = self.world.lock().expect("fake world");
        w.containers
            .iter()
            .map(|(n, c)| format!("{n} {}", c.status))
            .collect()
    }

    /// The ID of a container.
    pub fn container_id(&self, name: &str) -> Option<String> {
        let w = self.world.lock().expect("fake world");
        w.containers.get(name).map(|c| c.id.clone())
    }

    /// A call: it takes the delay, is logged, and fails when told to.
    async fn call(&self, what: String) -> Result<()> {
        let now = self.busy.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_busy.fetch_max(now, Ordering::SeqCst);
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.busy.fetch_sub(1, Ordering::SeqCst);
        self.log.lock().expect("fake log").push(what.clone());
        if self.fail.lock().expect("fake fail").as_deref() == Some(what.as_str()) {
            return Err(EngineError::new(ErrorKind::Other, "boom"));
        }
        Ok(())
    }

    fn send(&self, name: &str, c: &Container, action: Action) {
        let project = c.labels.get(labels::PROJECT).cloned().unwrap_or_default();
        let event = ContainerEvent {
            id: c.id.clone(),
            name: name.to_string(),
            exit_code: (action == Action::Die).then_some(c.exit_code),
            action,
            service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
            time_nano: 0,
        };
        let _ = self.events.send((project, event));
    }

    /// Changes a container, then sends the events the change makes.
    fn change(&self, name: &str, f: impl FnOnce(&mut Container) -> Vec<Action>) -> Result<()> {
        let mut w = self.world.lock().expect("fake world");
        let c = w.containers.get_mut(name).ok_or_else(|| no_such(name))?;
        for action in f(c) {
            self.send(name, c, action);
        }
        Ok(())
    }
}

/// Whether an object's labels say it belongs to `project`.
fn of(project: &str, object_labels: &BTreeMap<String, String>) -> bool {
    object_labels.get(labels::PROJECT).map(String::as_str) == Some(project)
}

fn no_such(name: &str) -> EngineError {
    EngineError::new(ErrorKind::NotFound, format!("No such container: {name}"))
}

fn info(name: &str, c: &Container) -> ContainerInfo {
    let status = match c.status {
        Status::Exited => format!("Exited ({}) 1 second ago", c.exit_code),
        Status::Running => "Up 1 second".into(),
        _ => String::new(),
    };
    ContainerInfo {
        id: c.id.clone(),
        name: name.to_string(),
        labels: c.labels.clone(),
        image: c.image.clone(),
        image_id: c.image_id.clone(),
        state: c.status.clone(),
        status,
        networks: c.networks.clone(),
        ..Default::default()
    }
}

impl Inventory for Fake {
    fn api_version(&self) -> String {
        "1.41".into()
    }
    async fn list_containers(
        &self,
        project: Option<&str>,
        all: bool,
    ) -> Result<Vec<ContainerInfo>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.containers
            .iter()
            .filter(|(_, c)| project.is_none_or(|p| of(p, &c.labels)))
            .filter(|(_, c)| all || c.status == Status::Running)
            .map(|(n, c)| info(n, c))
            .collect())
    }
    async fn containers_using_volume(&self, volume: &str) -> Result<Vec<ContainerInfo>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.containers
            .iter()
            .map(|(n, c)| info(n, c))
            .filter(|c| c.volumes.contains_key(volume))
            .collect())
    }
    async fn list_networks(&self, project: &str) -> Result<Vec<NetworkInfo>> {
        let w = self.world.lock().expect("fake world");
        let mine = w.networks.values().filter(|n| of(project, &n.labels));
        Ok(mine.cloned().collect())
    }
    async fn list_volumes(&self, project: &str) -> Result<Vec<VolumeInfo>> {
        let w = self.world.lock().expect("fake world");
        let mine = w.volumes.values().filter(|v| of(project, &v.labels));
        Ok(mine.cloned().collect())
    }
    async fn all_networks(&self) -> Result<Vec<NetworkInfo>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.networks.values().cloned().collect())
    }
    async fn find_network(&self, name: &str) -> Result<Option<NetworkInfo>> {
        Ok(self
            .world
            .lock()
            .expect("fake world")
            .networks
            .get(name)
            .cloned())
    }
    async fn network_users(&self, id: &str) -> Result<Vec<String>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.containers
            .iter()
            .filter(|(_, c)| c.networks.values().any(|n| n == id))
            .map(|(name, _)| name.clone())
            .collect())
    }
    async fn find_volume(&self, name: &str) -> Result<Option<VolumeInfo>> {
        Ok(self
            .world
            .lock()
            .expect("fake world")
            .volumes
            .get(name)
            .cloned())
    }
    async fn dangling_images(&self, _: &str) -> Result<Vec<String>> {
        // the fake's images are all tagged
        Ok(Vec::new())
    }
    async fn image_info(&self, reference: &str) -> Result<Option<ImageInfo>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.images
            .get(reference)
            .or_else(|| w.images.values().find(|i| i.id == reference))
            .cloned())
    }
}

impl ImageStore for Fake {
    async fn pull_image(&self, r: &str, _: &(dyn Fn(PullProgress) + Send + Sync)) -> Result<()> {
        self.call(format!("pull {r}")).await?;
        self.add_image(r);
        Ok(())
    }
    async fn remove_image(&self, r: &str) -> Result<()> {
        self.call(format!("rmi {r}")).await?;
        self.world.lock().expect("fake world").images.remove(r);
        Ok(())
    }
    async fn platform(&self) -> Result<String> {
        Ok("linux/amd64".into())
    }
    async fn build_image(
        &self,
        r: BuildRequest,
        _: BuildContext,
        _: &(dyn Fn(BuildOutput) + Send + Sync),
    ) -> Result<String> {
        self.call(format!("build {}", r.tag)).await?;
        self.add_image(&r.tag);
        Ok(self.world.lock().expect("fake world").images[&r.tag]
            .id
            .clone())
    }
    async fn tag_image(&self, s: &str, t: &str) -> Result<()> {
        self.call(format!("tag {s} {t}")).await?;
        let mut w = self.world.lock().expect("fake world");
        if let Some(i) = w.images.get(s).cloned() {
            w.images.insert(t.to_string(), i);
        }
        Ok(())
    }
    async fn push_image(&self, r: &str, _: &(dyn Fn(PullProgress) + Send + Sync)) -> Result<()> {
        self.call(format!("push {r}")).await
    }
}

impl Resources for Fake {
    async fn create_network(&self, s: NetworkCreateRequest) -> Result<String> {
        self.call(format!("create network {}", s.name)).await?;
        let mut w = self.world.lock().expect("fake world");
        let id = w.id();
        let n = NetworkInfo {
            id: id.clone(),
            name: s.name.clone(),
            labels: s.labels.unwrap_or_default().into_iter().collect(),
            scope: if s.driver.as_deref() == Some("overlay") {
                "swarm"
            } else {
                "local"
            }
            .into(),
            driver: s.driver.unwrap_or_else(|| "bridge".into()),
            created: w.networks.len() as i64,
        };
        w.networks.insert(s.name, n);
        Ok(id)
    }
    async fn remove_network(&self, n: &str) -> Result<()> {
        // by name or by ID, as the engine takes it; the call is logged by name
        let name = {
            let w = self.world.lock().expect("fake world");
            w.networks
                .values()
                .find(|x| x.id == n)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| n.to_string())
        };
        self.call(format!("remove network {name}")).await?;
        self.world
            .lock()
            .expect("fake world")
            .networks
            .remove(&name);
        Ok(())
    }
    async fn create_volume(&self, s: VolumeCreateRequest) -> Result<()> {
        let name = s.name.clone().unwrap_or_default();
        self.call(format!("create volume {name}")).await?;
        let v = VolumeInfo {
            name: name.clone(),
            driver: "local".into(),
            labels: s.labels.unwrap_or_default().into_iter().collect(),
            mountpoint: format!("/var/lib/docker/volumes/{name}/_data"),
            scope: "local".into(),
        };
        self.world
            .lock()
            .expect("fake world")
            .volumes
            .insert(name, v);
        Ok(())
    }
    async fn remove_volume(&self, n: &str) -> Result<()> {
        self.call(format!("remove volume {n}")).await?;
        self.world.lock().expect("fake world").volumes.remove(n);
        Ok(())
    }
    async fn create_container(&self, n: &str, body: ContainerCreateBody) -> Result<String> {
        self.call(format!("create {n}")).await?;
        let mut w = self.world.lock().expect("fake world");
        if w.containers.contains_key(n) {
            let m = format!("Conflict. The container name \"/{n}\" is already in use");
            return Err(EngineError::new(ErrorKind::Conflict, m));
        }
        let image = body.image.clone().unwrap_or_default();
        let image_id = w
            .images
            .get(&image)
            .map(|i| i.id.clone())
            .unwrap_or_default();
        let mut networks = BTreeMap::new();
        let endpoints = body.networking_config.and_then(|n| n.endpoints_config);
        for net in endpoints.into_iter().flat_map(|e| e.into_keys()) {
            let id = w
                .networks
                .get(&net)
                .map(|n| n.id.clone())
                .unwrap_or_default();
            networks.insert(net, id);
        }
        let id = w.id();
        let c = Container {
            id: id.clone(),
            labels: body.labels.unwrap_or_default().into_iter().collect(),
            image,
            image_id,
            status: Status::Created,
            health: Health::Unset,
            has_healthcheck: body.healthcheck.is_some_and(|h| {
                h.test
                    .is_some_and(|t| t.first().is_some_and(|w| w != "NONE"))
            }),
            exit_code: 0,
            networks,
        };
        self.send(n, &c, Action::Create);
        w.containers.insert(n.to_string(), c);
        Ok(id)
    }
    async fn connect_network(&self, c: &str, n: &str, _: EndpointSettings) -> Result<()> {
        self.call(format!("connect {c} {n}")).await?;
        let mut w = self.world.lock().expect("fake world");
        let id = w.networks.get(n).map(|n| n.id.clone()).unwrap_or_default();
        let c = w.containers.get_mut(c).ok_or_else(|| no_such(c))?;
        c.networks.insert(n.to_string(), id);
        Ok(())
    }
    async fn disconnect_network(&self, c: &str, n: &str) -> Result<()> {
        self.call(format!("disconnect {c} {n}")).await?;
        let mut w = self.world.lock().expect("fake world");
        let c = w.containers.get_mut(c).ok_or_else(|| no_such(c))?;
        c.networks.retain(|name, id| name != n && id != n);
        Ok(())
    }
    async fn upload(&self, c: &str, _: &str, _: Vec<u8>) -> Result<()> {
        self.call(format!("upload {c}")).await
    }
    async fn start_container(&self, n: &str) -> Result<()> {
        self.call(format!("start {n}")).await?;
        let exits = self.exits.lock().expect("fake exits").clone();
        let never_healthy = self.never_healthy.lock().expect("fake health").clone();
        self.change(n, |c| {
            c.status = Status::Running;
            let mut actions = vec![Action::Start];
            let service = c.labels.get(labels::SERVICE).cloned().unwrap_or_default();
            if c.has_healthcheck && never_healthy.contains(&service) {
                c.health = Health::Starting;
            } else if c.has_healthcheck {
                c.health = Health::Healthy;
                actions.push(Action::Health(Health::Healthy));
            }
            if let Some(&code) = exits.get(&service) {
                c.status = Status::Exited;
                c.exit_code = code;
                actions.push(Action::Die);
            }
            actions
        })
    }
    async fn stop_container(&self, n: &str, _: Option<i64>) -> Result<()> {
        self.call(format!("stop {n}")).await?;
        self.change(n, |c| match c.status {
            Status::Running | Status::Paused => {
                c.status = Status::Exited;
                c.exit_code = 0;
                vec![Action::Die]
            }
            _ => vec![],
        })
    }
    async fn restart_container(&self, n: &str, _: Option<i64>) -> Result<()> {
        self.call(format!("restart {n}")).await?;
        self.change(n, |c| {
            c.status = Status::Running;
            vec![Action::Restart]
        })
    }
    async fn kill_container(&self, n: &str, _: &str) -> Result<()> {
        self.call(format!("kill {n}")).await?;
        self.change(n, |c| {
            c.status = Status::Exited;
            c.exit_code = 137;
            vec![Action::Die]
        })
    }
    async fn pause_container(&self, n: &str) -> Result<()> {
        self.call(format!("pause {n}")).await?;
        self.change(n, |c| {
            c.status = Status::Paused;
            vec![Action::Pause]
        })
    }
    async fn unpause_container(&self, n: &str) -> Result<()> {
        self.call(format!("unpause {n}")).await?;
        self.change(n, |c| {
            c.status = Status::Running;
            vec![Action::Unpause]
        })
    }
    async fn remove_container(&self, n: &str, _: bool, _: bool) -> Result<()> {
        self.call(format!("rm {n}")).await?;
        let mut w = self.world.lock().expect("fake world");
        let c = w.containers.remove(n).ok_or_else(|| no_such(n))?;
        self.send(n, &c, Action::Destroy);
        Ok(())
    }
    async fn rename_container(&self, f: &str, t: &str) -> Result<()> {
        self.call(format!("rename {f} {t}")).await?;
        let mut w = self.world.lock().expect("fake world");
        let c = w.containers.remove(f).ok_or_else(|| no_such(f))?;
        w.containers.insert(t.to_string(), c);
        Ok(())
    }
}

impl Watcher for Fake {
    async fn inspect_container(&self, n: &str) -> Result<ContainerState> {
        let w = self.world.lock().expect("fake world");
        let c = w.containers.get(n).ok_or_else(|| no_such(n))?;
        Ok(ContainerState {
            id: c.id.clone(),
            name: n.to_string(),
            status: c.status.clone(),
            health: c.health.clone(),
            exit_code: c.exit_code,
            labels: c.labels.clone(),
            ..Default::default()
        })
    }
    async fn wait_container(&self, n: &str) -> Result<i64> {
        let mut events = self.events.subscribe();
        if let Ok(st) = self.inspect_container(n).await
            && st.status.is_stopped()
        {
            return Ok(st.exit_code);
        }
        while let Ok((_, e)) = events.recv().await {
            if e.name == n && e.action == Action::Die {
                return Ok(e.exit_code.unwrap_or(-1));
            }
        }
        Err(EngineError::new(ErrorKind::Other, "the fake engine closed"))
    }
    fn events(&self, project: &str) -> BoxStream<'static, Result<ContainerEvent>> {
        let project = project.to_string();
        let events = stream_of(self.events.subscribe());
        Box::pin(
            events.filter_map(move |(p, e)| std::future::ready((p == project).then_some(Ok(e)))),
        )
    }
    fn logs(&self, _: &str, _: LogOptions) -> BoxStream<'static, Result<LogChunk>> {
        Box::pin(futures_util::stream::empty())
    }
}

/// A broadcast receiver as a stream (lagging receivers skip what they missed).
fn stream_of<T: Clone + Send + 'static>(rx: broadcast::Receiver<T>) -> BoxStream<'static, T> {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(v) => return Some((v, rx)),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

mod swarm;
