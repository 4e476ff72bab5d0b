//! The parts of a stack service's spec: its container (command, environment, mounts, secrets,
//! configs, healthcheck...), resources, restart policy, networks, update config and ports.

use super::*;

/// `API >= (major, minor)` for a version text like `1.41`.
fn at_least(api: &str, want: (u32, u32)) -> bool {
    crate::plan::spec::version(api) >= want
}

fn some<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl Translation<'_> {
    /// The container spec of service `key`.
    pub(super) fn container(
        &mut self,
        key: &str,
        svc: &Service,
        image: &str,
    ) -> TaskSpecContainerSpec {
        let path = format!("services.{key}");
        let mut env = crate::plan::spec::environment(svc);
        env.sort();
        let mut container_labels: HashMap<String, String> =
            svc.labels.clone().into_iter().collect();
        container_labels.insert(labels::STACK_NAMESPACE.into(), self.opts.stack.clone());
        let hosts: Vec<String> = svc
            .extra_hosts
            .0
            .iter()
            .flat_map(|(host, ips)| ips.iter().map(move |ip| format!("{ip} {host}")))
            .collect();
        let dns = TaskSpecContainerSpecDnsConfig {
            nameservers: some(svc.dns.clone()),
            search: some(svc.dns_search.clone()),
            options: some(svc.dns_opt.clone()),
        };
        let has_dns = dns != TaskSpecContainerSpecDnsConfig::default();
        let ulimits: Vec<ResourcesUlimits> = svc
            .ulimits
            .iter()
            .map(|(name, v)| {
                let (soft, hard) = match v {
                    UlimitValue::Single(n) => (*n, *n),
                    UlimitValue::Pair { soft, hard } => (*soft, *hard),
                };
                ResourcesUlimits {
                    name: Some(name.clone()),
                    soft: Some(soft),
                    hard: Some(hard),
                }
            })
            .collect();
        let oom = svc.oom_score_adj != 0;
        if oom && !at_least(&self.opts.api_version, (1, 46)) {
            self.stack.warnings.push(format!(
                "{path}.oom_score_adj needs Docker Engine API 1.46 for Swarm services (this engine speaks {}): ignored",
                self.opts.api_version
            ));
        }
        TaskSpecContainerSpec {
            image: Some(
                self.opts
                    .pinned
                    .get(image)
                    .cloned()
                    .unwrap_or_else(|| image.to_string()),
            ),
            labels: Some(container_labels),
            command: svc.entrypoint.clone(),
            args: svc.command.clone(),
            hostname: text(&svc.hostname),
            env: some(env),
            dir: text(&svc.working_dir),
            user: text(&svc.user),
            groups: some(svc.group_add.clone()),
            tty: svc.tty.then_some(true),
            open_stdin: svc.stdin_open.then_some(true),
            read_only: svc.read_only.then_some(true),
            mounts: some(self.mounts(key, svc)),
            stop_signal: text(&svc.stop_signal),
            stop_grace_period: svc.stop_grace_period.map(|d| d.0),
            health_check: self.healthcheck(&path, svc),
            hosts: some(hosts),
            dns_config: has_dns.then_some(dns),
            secrets: some(self.secret_refs(&path, &svc.secrets)),
            configs: some(self.config_refs(&path, &svc.configs)),
            oom_score_adj: (oom && at_least(&self.opts.api_version, (1, 46)))
                .then_some(svc.oom_score_adj),
            init: svc.init,
            sysctls: (!svc.sysctls.is_empty()).then(|| svc.sysctls.clone().into_iter().collect()),
            capability_add: some(svc.cap_add.clone()),
            capability_drop: some(svc.cap_drop.clone()),
            ulimits: some(ulimits),
            ..Default::default()
        }
    }

    fn healthcheck(&mut self, path: &str, svc: &Service) -> Option<HealthConfig> {
        let h = svc.healthcheck.as_ref()?;
        if h.disable {
            return Some(HealthConfig {
                test: Some(vec!["NONE".into()]),
                ..Default::default()
            });
        }
        let interval_ok = at_least(&self.opts.api_version, (1, 44));
        if h.start_interval.is_some() && !interval_ok {
            self.stack.warnings.push(format!(
                "{path}.healthcheck.start_interval needs Docker Engine API 1.44 (this engine speaks {}): ignored",
                self.opts.api_version
            ));
        }
        Some(HealthConfig {
            test: some(h.test.clone()),
            interval: h.interval.map(|d| d.0),
            timeout: h.timeout.map(|d| d.0),
            retries: h.retries.map(|r| r as i64),
            start_period: h.start_period.map(|d| d.0),
            start_interval: h.start_interval.filter(|_| interval_ok).map(|d| d.0),
        })
    }

    /// Volumes (named ones of the stack), binds, tmpfs mounts and the service's `tmpfs:` list.
    fn mounts(&mut self, key: &str, svc: &Service) -> Vec<Mount> {
        let mut out = Vec::new();
        for (i, v) in svc.volumes.iter().enumerate() {
            let m = match &v.kind {
                VolumeKind::Volume => {
                    let named = self.project.volumes.get(&v.source);
                    let source = named.map(|n| self.object_name(&v.source, &n.name));
                    let mut l: HashMap<String, String> = v
                        .volume
                        .as_ref()
                        .map(|o| o.labels.clone().into_iter().collect())
                        .unwrap_or_default();
                    l.insert(labels::STACK_NAMESPACE.into(), self.opts.stack.clone());
                    let driver = named.filter(|n| !n.driver.is_empty()).map(|n| {
                        MountVolumeOptionsDriverConfig {
                            name: Some(n.driver.clone()),
                            options: (!n.driver_opts.is_empty())
                                .then(|| n.driver_opts.clone().into_iter().collect()),
                        }
                    });
                    Mount {
                        typ: Some(MountType::VOLUME),
                        source: source.or_else(|| text(&v.source)),
                        volume_options: Some(MountVolumeOptions {
                            no_copy: v.volume.as_ref().is_some_and(|o| o.nocopy).then_some(true),
                            labels: Some(l),
                            driver_config: driver,
                            ..Default::default()
                        }),
                        ..Default::default()
                    }
                }
                VolumeKind::Bind => Mount {
                    typ: Some(MountType::BIND),
                    source: text(&v.source),
                    ..Default::default()
                },
                VolumeKind::Tmpfs => Mount {
                    typ: Some(MountType::TMPFS),
                    tmpfs_options: v.tmpfs.as_ref().map(|t| MountTmpfsOptions {
                        size_bytes: (t.size.0 != 0).then_some(t.size.0),
                        mode: (t.mode != 0).then_some(t.mode as i64),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                other => {
                    self.stack.warnings.push(format!(
                        "services.{key}.volumes[{i}]: a `{other}` mount is not supported by Swarm services: ignored"
                    ));
                    continue;
                }
            };
            out.push(Mount {
                target: Some(v.target.clone()),
                read_only: v.read_only.then_some(true),
                ..m
            });
        }
        for t in &svc.tmpfs {
            let target = t.split(':').next().unwrap_or(t);
            out.push(Mount {
                typ: Some(MountType::TMPFS),
                target: Some(target.to_string()),
                ..Default::default()
            });
        }
        out
    }

    /// The version of secret or config `source` the service gets (`None` when undefined).
    fn version_of(&self, kind: &str, source: &str) -> Option<String> {
        let files = if kind == "secrets" {
            &self.stack.secrets
        } else {
            &self.stack.configs
        };
        files
            .iter()
            .find(|f| f.key == source)
            .map(|f| f.name.clone())
    }

    fn secret_refs(
        &mut self,
        path: &str,
        refs: &[FileReference],
    ) -> Vec<TaskSpecContainerSpecSecrets> {
        let files = self.file_refs(path, "secrets", refs);
        let files = files
            .into_iter()
            .map(|(name, file)| TaskSpecContainerSpecSecrets {
                file: Some(file),
                secret_name: Some(name),
                ..Default::default()
            });
        files.collect()
    }

    fn config_refs(
        &mut self,
        path: &str,
        refs: &[FileReference],
    ) -> Vec<TaskSpecContainerSpecConfigs> {
        let files = self.file_refs(path, "configs", refs);
        let files = files
            .into_iter()
            .map(|(name, f)| TaskSpecContainerSpecConfigs {
                file: Some(TaskSpecContainerSpecFile1 {
                    name: f.name,
                    uid: f.uid,
                    gid: f.gid,
                    mode: f.mode,
                }),
                config_name: Some(name),
                ..Default::default()
            });
        files.collect()
    }

    /// A service's `secrets` or `configs`: the version each gets and its file in the
    /// container (uid and gid 0, mode 0444 unless said; a config's target defaults to
    /// `/<key>`).
    fn file_refs(
        &mut self,
        path: &str,
        kind: &str,
        refs: &[FileReference],
    ) -> Vec<(String, TaskSpecContainerSpecFile)> {
        let mut out = Vec::new();
        for (i, r) in refs.iter().enumerate() {
            let Some(name) = self.version_of(kind, &r.source) else {
                let defined = match kind {
                    "secrets" => &self.project.secrets,
                    _ => &self.project.configs,
                };
                // one the file defines could not be read: that error is said already
                if !defined.contains_key(&r.source) {
                    let what = kind.trim_end_matches('s');
                    self.errors.push(format!(
                        "{path}.{kind}[{i}]: {what} `{}` is not defined",
                        r.source
                    ));
                }
                continue;
            };
            let or = |v: &str, default: String| if v.is_empty() { default } else { v.to_string() };
            let target = match kind {
                "secrets" => or(&r.target, r.source.clone()),
                _ => or(&r.target, format!("/{}", r.source)),
            };
            let file = TaskSpecContainerSpecFile {
                name: Some(target),
                uid: Some(or(&r.uid, "0".into())),
                gid: Some(or(&r.gid, "0".into())),
                mode: Some(r.mode.map_or(0o444, |m| m.0 as u32)),
            };
            out.push((name, file));
        }
        out
    }

    /// `deploy.resources`, with `cpus`, `mem_limit`, `mem_reservation` and `pids_limit` where
    /// the deploy section says nothing.
    pub(super) fn resources(
        &mut self,
        path: &str,
        svc: &Service,
        r: &crate::model::Resources,
    ) -> Option<TaskSpecResources> {
        let nano = |cpus: f32| (cpus > 0.0).then(|| (cpus as f64 * 1e9).round() as i64);
        let l = r.limits.clone().unwrap_or_default();
        let limits = Limit {
            nano_cpus: nano(l.cpus).or(nano(svc.cpus)),
            memory_bytes: (l.memory.0 > 0)
                .then_some(l.memory.0)
                .or((svc.mem_limit.0 > 0).then_some(svc.mem_limit.0)),
            pids: (l.pids > 0)
                .then_some(l.pids)
                .or((svc.pids_limit > 0).then_some(svc.pids_limit)),
        };
        let res = r.reservations.clone().unwrap_or_default();
        if !res.devices.is_empty() {
            self.stack.warnings.push(format!(
                "{path}.deploy.resources.reservations.devices: not supported by Swarm services: ignored"
            ));
        }
        let generic: Vec<GenericResourcesInner> = res
            .generic_resources
            .iter()
            .filter_map(|g| g.discrete_resource_spec.as_ref())
            .map(|d| GenericResourcesInner {
                discrete_resource_spec: Some(GenericResourcesInnerDiscreteResourceSpec {
                    kind: Some(d.kind.clone()),
                    value: Some(d.value),
                }),
                ..Default::default()
            })
            .collect();
        let reservations = ResourceObject {
            nano_cpus: nano(res.cpus),
            memory_bytes: (res.memory.0 > 0)
                .then_some(res.memory.0)
                .or((svc.mem_reservation.0 > 0).then_some(svc.mem_reservation.0)),
            generic_resources: some(generic),
        };
        let limits = (limits != Limit::default()).then_some(limits);
        let reservations = (reservations != ResourceObject::default()).then_some(reservations);
        (limits.is_some() || reservations.is_some()).then_some(TaskSpecResources {
            limits,
            reservations,
            ..Default::default()
        })
    }

    /// `deploy.restart_policy`, or `restart:` where it is absent (as `docker stack` does).
    pub(super) fn restart(
        &mut self,
        path: &str,
        svc: &Service,
        rp: Option<&crate::model::RestartPolicy>,
        job: bool,
    ) -> Option<TaskSpecRestartPolicy> {
        use TaskSpecRestartPolicyConditionEnum as C;
        if let Some(rp) = rp {
            let condition = match rp.condition.as_str() {
                "" => None,
                "none" => Some(C::NONE),
                "on-failure" => Some(C::ON_FAILURE),
                "any" => Some(C::ANY),
                other => {
                    self.errors.push(format!(
                        "{path}.deploy.restart_policy.condition: {other:?} is not one of none, on-failure, any"
                    ));
                    None
                }
            };
            return Some(TaskSpecRestartPolicy {
                condition,
                delay: rp.delay.map(|d| d.0),
                max_attempts: rp.max_attempts.map(|n| n as i64),
                window: rp.window.map(|d| d.0),
            });
        }
        let (condition, max) = match &svc.restart {
            // a job's failed task runs again, a completed one does not
            Restart::Unset if job => (C::ON_FAILURE, None),
            Restart::Unset => return None,
            Restart::No => (C::NONE, None),
            Restart::Always | Restart::UnlessStopped => (C::ANY, None),
            Restart::OnFailure => (C::ON_FAILURE, None),
            Restart::OnFailureMax(n) => (C::ON_FAILURE, n.parse().ok()),
            Restart::Other(other) => {
                self.errors
                    .push(format!("{path}.restart: unknown restart policy {other:?}"));
                return None;
            }
        };
        Some(TaskSpecRestartPolicy {
            condition: Some(condition),
            max_attempts: max,
            ..Default::default()
        })
    }

    /// The networks a task joins (the host network for `network_mode: host`), with the
    /// service's name and aliases.
    pub(super) fn attachments(
        &mut self,
        key: &str,
        svc: &Service,
    ) -> Option<Vec<NetworkAttachmentConfig>> {
        if svc.network_mode == "host" {
            return Some(vec![NetworkAttachmentConfig {
                target: Some("host".into()),
                ..Default::default()
            }]);
        }
        let out: Vec<NetworkAttachmentConfig> = svc
            .networks
            .iter()
            .map(|(net, cfg)| {
                let cfg = cfg.clone().unwrap_or_default();
                let n = self.project.networks.get(net).cloned().unwrap_or_default();
                let mut aliases = vec![key.to_string()];
                aliases.extend(cfg.aliases.iter().cloned());
                NetworkAttachmentConfig {
                    target: Some(self.object_name(net, &n.name)),
                    aliases: Some(aliases),
                    driver_opts: (!cfg.driver_opts.is_empty())
                        .then(|| cfg.driver_opts.into_iter().collect()),
                }
            })
            .collect();
        some(out)
    }

    pub(super) fn update_config(
        &mut self,
        path: &str,
        u: &UpdateConfig,
    ) -> ServiceSpecUpdateConfig {
        let failure_action = match u.failure_action.as_str() {
            "" => None,
            a => a.parse().map(Some).unwrap_or_else(|_| {
                self.errors.push(format!(
                    "{path}.failure_action: {a:?} is not one of continue, pause, rollback"
                ));
                None
            }),
        };
        let order = match u.order.as_str() {
            "" => None,
            o => o.parse().map(Some).unwrap_or_else(|_| {
                self.errors.push(format!(
                    "{path}.order: {o:?} is not one of stop-first, start-first"
                ));
                None
            }),
        };
        ServiceSpecUpdateConfig {
            parallelism: Some(u.parallelism.unwrap_or(1) as i64),
            delay: (u.delay.0 != 0).then_some(u.delay.0),
            failure_action,
            monitor: (u.monitor.0 != 0).then_some(u.monitor.0),
            max_failure_ratio: (u.max_failure_ratio != 0.0).then_some(u.max_failure_ratio as f64),
            order,
        }
    }

    /// `ports` (ingress unless `mode: host`) and `deploy.endpoint_mode`.
    pub(super) fn endpoint(
        &mut self,
        path: &str,
        svc: &Service,
        mode: &str,
    ) -> Option<EndpointSpec> {
        let mut ports = Vec::new();
        for (i, p) in svc.ports.iter().enumerate() {
            let protocol = match p.protocol.as_str() {
                "" | "tcp" => EndpointPortConfigProtocolEnum::TCP,
                "udp" => EndpointPortConfigProtocolEnum::UDP,
                "sctp" => EndpointPortConfigProtocolEnum::SCTP,
                other => {
                    self.errors.push(format!(
                        "{path}.ports[{i}].protocol: {other:?} is not tcp, udp or sctp"
                    ));
                    continue;
                }
            };
            let publish_mode = match p.mode.as_str() {
                "host" => EndpointPortConfigPublishModeEnum::HOST,
                _ => EndpointPortConfigPublishModeEnum::INGRESS,
            };
            if p.published.contains('-') {
                self.errors.push(format!(
                    "{path}.ports[{i}].published: a range ({}) is not supported by Swarm services: publish each port",
                    p.published
                ));
                continue;
            }
            let published = match p.published.as_str() {
                "" => None,
                n => match n.parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        self.errors
                            .push(format!("{path}.ports[{i}].published: {n:?} is not a port"));
                        continue;
                    }
                },
            };
            ports.push(EndpointPortConfig {
                name: text(&p.name),
                protocol: Some(protocol),
                target_port: Some(p.target as i64),
                published_port: published,
                publish_mode: Some(publish_mode),
            });
        }
        let mode = match mode {
            "" => None,
            "vip" => Some(EndpointSpecModeEnum::VIP),
            "dnsrr" => Some(EndpointSpecModeEnum::DNSRR),
            other => {
                self.errors.push(format!(
                    "{path}.deploy.endpoint_mode: {other:?} is not vip or dnsrr"
                ));
                None
            }
        };
        (mode.is_some() || !ports.is_empty()).then(|| EndpointSpec {
            mode,
            ports: some(ports),
        })
    }
}
