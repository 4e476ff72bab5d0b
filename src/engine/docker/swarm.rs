//! The Swarm role on a real engine (a manager): the local node's state, nodes, services, tasks,
//! secrets, configs and stack networks by the stack's namespace label, service logs, and
//! registry digests.

use bollard::query_parameters as q;
use futures_util::TryStreamExt;

use super::super::{
    BoxStream, ConfigSpec, EngineError, ErrorKind, LogChunk, NetworkInfo, Result, SecretSpec,
    ServiceSpec, Swarm, SwarmNode, SwarmObject, SwarmService, SwarmState, SwarmTask,
};
use super::{Docker, filters, log_chunk, map_err, rfc3339, sorted};
use crate::names::labels;

fn stack_filter(stack: &str) -> std::collections::HashMap<String, Vec<String>> {
    filters(&[("label", format!("{}={stack}", labels::STACK_NAMESPACE))])
}

/// A date as the engine gives it, as text (whichever form the bollard build uses).
fn date(d: Option<time::OffsetDateTime>) -> String {
    d.map(rfc3339).unwrap_or_default()
}

fn service(s: bollard::models::Service) -> SwarmService {
    let spec = s.spec.unwrap_or_default();
    let update = s.update_status.unwrap_or_default();
    SwarmService {
        id: s.id.unwrap_or_default(),
        name: spec.name.clone().unwrap_or_default(),
        version: s.version.and_then(|v| v.index).unwrap_or(0),
        spec,
        update_state: update.state,
        update_message: update.message.unwrap_or_default(),
    }
}

fn task(t: bollard::models::Task) -> SwarmTask {
    let status = t.status.unwrap_or_default();
    let container = status.container_status.unwrap_or_default();
    let image = t
        .spec
        .as_ref()
        .and_then(|s| s.container_spec.as_ref())
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    SwarmTask {
        id: t.id.unwrap_or_default(),
        service_id: t.service_id.unwrap_or_default(),
        slot: t.slot,
        node_id: t.node_id.unwrap_or_default(),
        desired: t.desired_state.unwrap_or_default(),
        state: status.state.unwrap_or_default(),
        message: status.message.unwrap_or_default(),
        err: status.err.unwrap_or_default(),
        exit_code: container.exit_code,
        timestamp: date(status.timestamp),
        image,
        spec: t.spec,
    }
}

fn object(
    id: Option<String>,
    spec_name: Option<String>,
    l: Option<std::collections::HashMap<String, String>>,
) -> SwarmObject {
    SwarmObject {
        id: id.unwrap_or_default(),
        name: spec_name.unwrap_or_default(),
        labels: sorted(l),
    }
}

impl Docker {
    /// The IDs of the secrets and configs a spec names: the API takes IDs, the plan names.
    async fn with_ids(&self, mut spec: ServiceSpec) -> Result<ServiceSpec> {
        let Some(c) = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        else {
            return Ok(spec);
        };
        if c.secrets.as_ref().is_some_and(|s| !s.is_empty()) {
            let all = self.list_secrets(None).await?;
            for r in c.secrets.iter_mut().flatten() {
                let name = r.secret_name.clone().unwrap_or_default();
                let found = all.iter().find(|o| o.name == name).ok_or_else(|| {
                    EngineError::new(ErrorKind::NotFound, format!("secret {name} not found"))
                })?;
                r.secret_id = Some(found.id.clone());
            }
        }
        if c.configs.as_ref().is_some_and(|s| !s.is_empty()) {
            let all = self.list_configs(None).await?;
            for r in c.configs.iter_mut().flatten() {
                let name = r.config_name.clone().unwrap_or_default();
                let found = all.iter().find(|o| o.name == name).ok_or_else(|| {
                    EngineError::new(ErrorKind::NotFound, format!("config {name} not found"))
                })?;
                r.config_id = Some(found.id.clone());
            }
        }
        Ok(spec)
    }

    fn credentials_if(
        &self,
        auth: bool,
        spec: &ServiceSpec,
    ) -> Option<bollard::auth::DockerCredentials> {
        let image = spec
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .and_then(|c| c.image.as_deref())?;
        auth.then(|| self.credentials(image)).flatten()
    }
}

impl Swarm for Docker {
    async fn swarm_state(&self) -> Result<SwarmState> {
        let info = self.client.info().await.map_err(map_err)?;
        let swarm = info.swarm.unwrap_or_default();
        Ok(SwarmState {
            local_state: swarm
                .local_node_state
                .map(|s| s.to_string())
                .unwrap_or_default(),
            manager: swarm.control_available.unwrap_or(false),
            node_id: swarm.node_id.unwrap_or_default(),
            node_addr: swarm.node_addr.unwrap_or_default(),
            hostname: info.name.unwrap_or_default(),
        })
    }

    async fn list_nodes(&self) -> Result<Vec<SwarmNode>> {
        let nodes = self
            .client
            .list_nodes(None::<q::ListNodesOptions>)
            .await
            .map_err(map_err)?;
        Ok(nodes
            .into_iter()
            .map(|n| {
                let spec = n.spec.unwrap_or_default();
                let status = n.status.unwrap_or_default();
                SwarmNode {
                    id: n.id.unwrap_or_default(),
                    hostname: n.description.and_then(|d| d.hostname).unwrap_or_default(),
                    role: spec.role.map(|r| r.to_string()).unwrap_or_default(),
                    availability: spec.availability.map(|a| a.to_string()).unwrap_or_default(),
                    state: status.state.unwrap_or_default(),
                    addr: status.addr.unwrap_or_default(),
                }
            })
            .collect())
    }

    async fn list_services(&self, stack: Option<&str>) -> Result<Vec<SwarmService>> {
        let opts = q::ListServicesOptions {
            filters: stack.map(stack_filter),
            status: None,
        };
        let list = self
            .client
            .list_services(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list.into_iter().map(service).collect())
    }

    async fn create_service(&self, spec: ServiceSpec, auth: bool) -> Result<String> {
        let spec = self.with_ids(spec).await?;
        let creds = self.credentials_if(auth, &spec);
        let r = self
            .client
            .create_service(spec, creds)
            .await
            .map_err(map_err)?;
        Ok(r.id.unwrap_or_default())
    }

    async fn update_service(
        &self,
        id: &str,
        version: u64,
        spec: ServiceSpec,
        auth: bool,
    ) -> Result<Vec<String>> {
        let spec = self.with_ids(spec).await?;
        let creds = self.credentials_if(auth, &spec);
        let opts = q::UpdateServiceOptions {
            version: version as i32,
            ..Default::default()
        };
        let r = self
            .client
            .update_service(id, spec, opts, creds)
            .await
            .map_err(map_err)?;
        Ok(r.warnings.unwrap_or_default())
    }

    async fn remove_service(&self, id: &str) -> Result<()> {
        self.client.delete_service(id).await.map_err(map_err)
    }

    async fn list_tasks(
        &self,
        service: Option<&str>,
        stack: Option<&str>,
    ) -> Result<Vec<SwarmTask>> {
        let mut f = Vec::new();
        if let Some(s) = service {
            f.push(("service", s.to_string()));
        }
        if let Some(s) = stack {
            f.push(("label", format!("{}={s}", labels::STACK_NAMESPACE)));
        }
        let opts = q::ListTasksOptions {
            filters: (!f.is_empty()).then(|| filters(&f)),
        };
        let list = self.client.list_tasks(Some(opts)).await.map_err(map_err)?;
        Ok(list.into_iter().map(task).collect())
    }

    fn service_logs(&self, service: &str, tail: usize) -> BoxStream<'static, Result<LogChunk>> {
        let opts = q::LogsOptions {
            stdout: true,
            stderr: true,
            tail: tail.to_string(),
            ..Default::default()
        };
        Box::pin(
            self.streams
                .service_logs(service, Some(opts))
                .map_err(map_err)
                .map_ok(log_chunk),
        )
    }

    async fn list_secrets(&self, stack: Option<&str>) -> Result<Vec<SwarmObject>> {
        let opts = q::ListSecretsOptions {
            filters: stack.map(stack_filter),
        };
        let list = self
            .client
            .list_secrets(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list
            .into_iter()
            .map(|s| {
                let spec = s.spec.unwrap_or_default();
                object(s.id, spec.name, spec.labels)
            })
            .collect())
    }

    async fn create_secret(&self, spec: SecretSpec) -> Result<String> {
        let r = self.client.create_secret(spec).await.map_err(map_err)?;
        Ok(r.id)
    }

    async fn remove_secret(&self, id: &str) -> Result<()> {
        self.client.delete_secret(id).await.map_err(map_err)
    }

    async fn list_configs(&self, stack: Option<&str>) -> Result<Vec<SwarmObject>> {
        let opts = q::ListConfigsOptions {
            filters: stack.map(stack_filter),
        };
        let list = self
            .client
            .list_configs(Some(opts))
            .await
            .map_err(map_err)?;
        Ok(list
            .into_iter()
            .map(|c| {
                let spec = c.spec.unwrap_or_default();
                object(c.id, spec.name, spec.labels)
            })
            .collect())
    }

    async fn create_config(&self, spec: ConfigSpec) -> Result<String> {
        let r = self.client.create_config(spec).await.map_err(map_err)?;
        Ok(r.id)
    }

    async fn remove_config(&self, id: &str) -> Result<()> {
        self.client.delete_config(id).await.map_err(map_err)
    }

    async fn stack_networks(&self, stack: &str) -> Result<Vec<NetworkInfo>> {
        self.networks_where(stack_filter(stack)).await
    }

    async fn image_digest(&self, reference: &str, auth: bool) -> Result<String> {
        let creds = auth.then(|| self.credentials(reference)).flatten();
        let d = self
            .client
            .inspect_registry_image(reference, creds)
            .await
            .map_err(map_err)?;
        match d.descriptor.digest {
            Some(digest) if !digest.is_empty() => Ok(digest),
            _ => Err(EngineError::new(
                ErrorKind::Other,
                format!("the registry gave no digest for {reference}"),
            )),
        }
    }
}
