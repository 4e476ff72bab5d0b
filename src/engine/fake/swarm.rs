//! The fake engine's swarm of one node: services whose tasks run (or complete, or fail with
//! the exit code the test set) at once, secrets, configs, and stack networks by label.

use super::*;
use crate::engine::{NodeState, TaskState, UpdateState};

/// The services of `stack` (all with `None`).
fn in_stack(s: &SwarmService, stack: Option<&str>) -> bool {
    stack.is_none_or(|st| s.label(labels::STACK_NAMESPACE) == st)
}

fn swarm_object(
    id: String,
    name: Option<String>,
    l: Option<std::collections::HashMap<String, String>>,
) -> SwarmObject {
    SwarmObject {
        id,
        name: name.unwrap_or_default(),
        labels: l.unwrap_or_default().into_iter().collect(),
    }
}

impl Swarm for Fake {
    async fn swarm_state(&self) -> Result<SwarmState> {
        Ok(SwarmState {
            local_state: "active".into(),
            manager: true,
            node_id: "node1".into(),
            node_addr: "127.0.0.1".into(),
            hostname: "node1".into(),
        })
    }
    async fn list_nodes(&self) -> Result<Vec<SwarmNode>> {
        let node = SwarmNode {
            id: "node1".into(),
            hostname: "node1".into(),
            role: "manager".into(),
            availability: "active".into(),
            state: NodeState::READY,
            addr: "127.0.0.1".into(),
        };
        Ok(vec![node])
    }
    async fn list_services(&self, stack: Option<&str>) -> Result<Vec<SwarmService>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.services
            .values()
            .filter(|s| in_stack(s, stack))
            .cloned()
            .collect())
    }
    async fn create_service(&self, spec: ServiceSpec, _: bool) -> Result<String> {
        let name = spec.name.clone().unwrap_or_default();
        self.call(format!("create service {name}")).await?;
        let mut w = self.world.lock().expect("fake world");
        if w.services.values().any(|s| s.name == name) {
            return Err(EngineError::new(
                ErrorKind::Conflict,
                format!("service {name} exists"),
            ));
        }
        let id = w.id();
        let service = SwarmService {
            id: id.clone(),
            name,
            version: 1,
            spec,
            ..Default::default()
        };
        w.services.insert(id.clone(), service);
        Ok(id)
    }
    async fn update_service(
        &self,
        id: &str,
        version: u64,
        spec: ServiceSpec,
        _: bool,
    ) -> Result<Vec<String>> {
        let name = spec.name.clone().unwrap_or_default();
        self.call(format!("update service {name}")).await?;
        let mut w = self.world.lock().expect("fake world");
        let s = w.services.get_mut(id).ok_or_else(|| no_such(id))?;
        if s.version != version {
            return Err(EngineError::new(ErrorKind::Other, "update out of sequence"));
        }
        s.version += 1;
        s.spec = spec;
        s.update_state = Some(UpdateState::COMPLETED);
        Ok(Vec::new())
    }
    async fn remove_service(&self, id: &str) -> Result<()> {
        let name = {
            let mut w = self.world.lock().expect("fake world");
            w.services.remove(id).ok_or_else(|| no_such(id))?.name
        };
        self.call(format!("remove service {name}")).await
    }
    async fn list_tasks(
        &self,
        service: Option<&str>,
        stack: Option<&str>,
    ) -> Result<Vec<SwarmTask>> {
        let w = self.world.lock().expect("fake world");
        let exits = self.exits.lock().expect("fake exits").clone();
        let mut tasks = Vec::new();
        for s in w.services.values().filter(|s| in_stack(s, stack)) {
            if service.is_some_and(|n| n != s.name && n != s.id) {
                continue;
            }
            let key = s.label(labels::SERVICE).to_string();
            for slot in 1..=s.replicas().unwrap_or(1) {
                let (state, exit_code) = match exits.get(&key) {
                    Some(0) => (TaskState::COMPLETE, Some(0)),
                    Some(&code) => (TaskState::FAILED, Some(code)),
                    None if s.is_job() => (TaskState::COMPLETE, Some(0)),
                    None => (TaskState::RUNNING, None),
                };
                tasks.push(SwarmTask {
                    id: format!("{}.{slot}", s.id),
                    service_id: s.id.clone(),
                    slot: Some(slot as i64),
                    node_id: "node1".into(),
                    desired: if s.is_job() {
                        TaskState::COMPLETE
                    } else if state == TaskState::RUNNING {
                        TaskState::RUNNING
                    } else {
                        TaskState::SHUTDOWN
                    },
                    state,
                    exit_code,
                    ..Default::default()
                });
            }
        }
        Ok(tasks)
    }
    fn service_logs(&self, _: &str, _: usize) -> BoxStream<'static, Result<LogChunk>> {
        Box::pin(futures_util::stream::empty())
    }
    async fn list_secrets(&self, stack: Option<&str>) -> Result<Vec<SwarmObject>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.secrets
            .values()
            .filter(|o| stack.is_none_or(|st| of_stack(st, &o.labels)))
            .cloned()
            .collect())
    }
    async fn create_secret(&self, spec: SecretSpec) -> Result<String> {
        self.call(format!(
            "create secret {}",
            spec.name.clone().unwrap_or_default()
        ))
        .await?;
        let mut w = self.world.lock().expect("fake world");
        let id = w.id();
        let object = swarm_object(id.clone(), spec.name, spec.labels);
        w.secrets.insert(id.clone(), object);
        Ok(id)
    }
    async fn remove_secret(&self, id: &str) -> Result<()> {
        let name = {
            let mut w = self.world.lock().expect("fake world");
            w.secrets.remove(id).ok_or_else(|| no_such(id))?.name
        };
        self.call(format!("remove secret {name}")).await
    }
    async fn list_configs(&self, stack: Option<&str>) -> Result<Vec<SwarmObject>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.configs
            .values()
            .filter(|o| stack.is_none_or(|st| of_stack(st, &o.labels)))
            .cloned()
            .collect())
    }
    async fn create_config(&self, spec: ConfigSpec) -> Result<String> {
        self.call(format!(
            "create config {}",
            spec.name.clone().unwrap_or_default()
        ))
        .await?;
        let mut w = self.world.lock().expect("fake world");
        let id = w.id();
        let object = swarm_object(id.clone(), spec.name, spec.labels);
        w.configs.insert(id.clone(), object);
        Ok(id)
    }
    async fn remove_config(&self, id: &str) -> Result<()> {
        let name = {
            let mut w = self.world.lock().expect("fake world");
            w.configs.remove(id).ok_or_else(|| no_such(id))?.name
        };
        self.call(format!("remove config {name}")).await
    }
    async fn stack_networks(&self, stack: &str) -> Result<Vec<NetworkInfo>> {
        let w = self.world.lock().expect("fake world");
        Ok(w.networks
            .values()
            .filter(|n| of_stack(stack, &n.labels))
            .cloned()
            .collect())
    }
    async fn image_digest(&self, reference: &str, _: bool) -> Result<String> {
        let w = self.world.lock().expect("fake world");
        let image = w.images.get(reference).ok_or_else(|| no_such(reference))?;
        Ok(image.id.clone())
    }
}

/// Whether an object's labels say it belongs to stack `stack`.
fn of_stack(stack: &str, object_labels: &BTreeMap<String, String>) -> bool {
    object_labels
        .get(labels::STACK_NAMESPACE)
        .map(String::as_str)
        == Some(stack)
}
