//! The translation of projects from YAML: names and labels as `docker stack` gives them,
//! versions of secrets and configs by content, the equivalents, and each refused or ignored key
//! with its path.

use super::*;

fn project(yaml: &str) -> Project {
    let mut o = crate::load::Options::new("/tmp/p");
    o.files = vec!["-".into()];
    o.stdin = Some(yaml.to_string());
    o.project_name = Some("p".into());
    o.os_env.insert("TOKEN".into(), "s3cret".into());
    crate::load::load(&o)
        .expect("the test project loads")
        .project
}

fn opts() -> StackOptions {
    StackOptions {
        stack: "shop".into(),
        api_version: "1.41".into(),
        ..Default::default()
    }
}

fn stack(yaml: &str) -> Stack {
    convert(&project(yaml), &opts()).expect("the project translates")
}

fn container(s: &StackService) -> TaskSpecContainerSpec {
    s.spec
        .task_template
        .clone()
        .unwrap()
        .container_spec
        .unwrap()
}

#[test]
fn names_and_labels_are_docker_stacks() {
    let st = stack(
        "services:\n  web:\n    image: nginx:1\n    ports: ['8080:80']\n    environment: {B: '2', A: '1'}\n    labels: {tier: front}\n    deploy: {replicas: 2, labels: {team: x}}\n",
    );
    assert_eq!(st.networks.len(), 1);
    let net = &st.networks[0];
    assert_eq!(net.name, "shop_default");
    assert_eq!(net.spec.driver.as_deref(), Some("overlay"));
    assert_eq!(
        net.spec.labels.as_ref().unwrap()[labels::STACK_NAMESPACE],
        "shop"
    );
    let web = &st.services[0];
    assert_eq!(web.name, "shop_web");
    let l = web.spec.labels.clone().unwrap();
    assert_eq!(l[labels::STACK_NAMESPACE], "shop");
    assert_eq!(l[labels::STACK_IMAGE], "nginx:1");
    assert_eq!(l["team"], "x");
    assert_eq!(l[labels::STACK_SPEC_HASH].len(), 64);
    let c = container(web);
    assert_eq!(c.image.as_deref(), Some("nginx:1"));
    assert_eq!(c.env.unwrap(), ["A=1", "B=2"]);
    let cl = c.labels.unwrap();
    assert_eq!(
        (cl["tier"].as_str(), cl[labels::STACK_NAMESPACE].as_str()),
        ("front", "shop")
    );
    let replicas = web.spec.mode.clone().unwrap().replicated.unwrap().replicas;
    assert_eq!(replicas, Some(2));
    let nets = web.spec.task_template.clone().unwrap().networks.unwrap();
    assert_eq!(nets[0].target.as_deref(), Some("shop_default"));
    assert_eq!(nets[0].aliases.clone().unwrap(), ["web"]);
    let port = &web.spec.endpoint_spec.clone().unwrap().ports.unwrap()[0];
    assert_eq!(
        (port.published_port, port.target_port),
        (Some(8080), Some(80))
    );
    assert_eq!(
        port.publish_mode,
        Some(EndpointPortConfigPublishModeEnum::INGRESS)
    );
}

#[test]
fn a_pinned_image_is_deployed_by_digest_and_labelled_as_written() {
    let mut o = opts();
    let digest = "registry:5000/web:1@sha256:0123";
    o.pinned.insert("registry:5000/web:1".into(), digest.into());
    let p = project("services:\n  web: {image: 'registry:5000/web:1'}\n");
    let st = convert(&p, &o).unwrap();
    assert_eq!(container(&st.services[0]).image.as_deref(), Some(digest));
    let l = st.services[0].spec.labels.clone().unwrap();
    assert_eq!(l[labels::STACK_IMAGE], "registry:5000/web:1");
}

#[test]
fn secrets_and_configs_are_versions_named_by_their_content() {
    let yaml = |content: &str| {
        format!(
            "services:\n  app:\n    image: a\n    secrets: [token]\n    configs: [{{source: conf, target: /etc/app.conf, mode: 0400}}]\nsecrets:\n  token: {{environment: TOKEN}}\nconfigs:\n  conf: {{content: '{content}'}}\n"
        )
    };
    let one = stack(&yaml("a=1"));
    let two = stack(&yaml("a=2"));
    let (c1, c2) = (&one.configs[0], &two.configs[0]);
    assert!(c1.name.starts_with("shop_conf-") && c1.name.len() == "shop_conf-".len() + 10);
    assert_ne!(c1.name, c2.name);
    assert_eq!(c1.data, b"a=1");
    assert_eq!(c1.labels[labels::STACK_KEY], "conf");
    assert_eq!(c1.labels[labels::STACK_NAMESPACE], "shop");
    assert_eq!(one.secrets[0].data, b"s3cret");
    assert_eq!(one.secrets[0].name, two.secrets[0].name);
    let c = container(&one.services[0]);
    let secret = &c.secrets.unwrap()[0];
    assert_eq!(
        secret.secret_name.as_deref(),
        Some(one.secrets[0].name.as_str())
    );
    let file = secret.file.clone().unwrap();
    assert_eq!(
        (file.name.as_deref(), file.mode),
        (Some("/run/secrets/token"), Some(0o444))
    );
    let config = &c.configs.unwrap()[0];
    assert_eq!(config.config_name.as_deref(), Some(c1.name.as_str()));
    let file = config.file.clone().unwrap();
    assert_eq!(
        (file.name.as_deref(), file.mode),
        (Some("/etc/app.conf"), Some(0o400))
    );
    // the spec that uses another version is another spec
    let hash =
        |st: &Stack| st.services[0].spec.labels.clone().unwrap()[labels::STACK_SPEC_HASH].clone();
    assert_ne!(hash(&one), hash(&two));
    assert_eq!(hash(&one), hash(&stack(&yaml("a=1"))));
}

#[test]
fn a_secret_file_that_cannot_be_read_names_its_key() {
    let mut o = opts();
    let p = project(
        "services:\n  app: {image: a, secrets: [key]}\nsecrets:\n  key: {file: ./key.pem}\n",
    );
    o.files.insert(
        "secrets.key".into(),
        Err("No such file or directory".into()),
    );
    let err = convert(&p, &o).unwrap_err().lines();
    assert_eq!(err.len(), 1);
    assert!(
        err[0].starts_with("secrets.key.file: cannot read /tmp/p/key.pem"),
        "{err:?}"
    );
}

#[test]
fn keys_swarm_cannot_honour_are_said_with_their_paths() {
    let p = project(
        "services:\n  web:\n    image: w\n    privileged: true\n    ports: ['127.0.0.1:80:80']\n  db:\n    network_mode: bridge\n    image: d\n  app:\n    build: .\n",
    );
    let err = convert(&p, &opts()).unwrap_err().lines();
    assert!(
        err.iter()
            .any(|e| e.starts_with("services.web.ports[0].host_ip: ")),
        "{err:?}"
    );
    assert!(
        err.iter()
            .any(|e| e.starts_with("services.db.network_mode: ")),
        "{err:?}"
    );
    assert!(
        err.iter()
            .any(|e| e.starts_with("services.app: a stack service needs `image`")),
        "{err:?}"
    );
    let p = project("services:\n  web:\n    image: w\n    privileged: true\n    shm_size: 64m\n");
    let st = convert(&p, &opts()).unwrap();
    assert_eq!(
        st.warnings,
        [
            "services.web.privileged: not supported by Swarm services",
            "services.web.shm_size: not supported by Swarm services"
        ]
    );
}

#[test]
fn equivalents_are_translated() {
    let st = stack(
        "services:\n  edge:\n    image: e\n    network_mode: host\n    tmpfs: [/run]\n    cpus: 0.5\n    mem_limit: 64m\n    restart: always\n    healthcheck: {test: [CMD, 'true'], interval: 2s}\n",
    );
    assert!(st.networks.is_empty());
    let task = st.services[0].spec.task_template.clone().unwrap();
    assert_eq!(task.networks.unwrap()[0].target.as_deref(), Some("host"));
    let mounts = task.container_spec.clone().unwrap().mounts.unwrap();
    assert_eq!(mounts[0].typ, Some(MountType::TMPFS));
    assert_eq!(mounts[0].target.as_deref(), Some("/run"));
    let limits = task.resources.unwrap().limits.unwrap();
    assert_eq!(
        (limits.nano_cpus, limits.memory_bytes),
        (Some(500_000_000), Some(64 << 20))
    );
    let restart = task.restart_policy.unwrap().condition;
    assert_eq!(restart, Some(TaskSpecRestartPolicyConditionEnum::ANY));
    let health = task.container_spec.unwrap().health_check.unwrap();
    assert_eq!(health.interval, Some(2_000_000_000));
}

#[test]
fn dependencies_jobs_volumes_and_placement() {
    let st = stack(
        "services:\n  migrate:\n    image: m\n    deploy: {mode: replicated-job}\n  db:\n    image: d\n    volumes: [data:/var/lib/db]\n    deploy:\n      placement: {max_replicas_per_node: 1, constraints: [node.role==worker]}\n  web:\n    image: w\n    depends_on:\n      db: {condition: service_healthy}\n      migrate: {condition: service_completed_successfully}\nvolumes:\n  data: {}\n",
    );
    let by = |k: &str| st.services.iter().find(|s| s.key == k).unwrap();
    let migrate = by("migrate");
    assert!(migrate.job);
    let job = migrate.spec.mode.clone().unwrap().replicated_job.unwrap();
    assert_eq!(job.total_completions, Some(1));
    let restart = migrate
        .spec
        .task_template
        .clone()
        .unwrap()
        .restart_policy
        .unwrap();
    assert_eq!(
        restart.condition,
        Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE)
    );
    let db = by("db").spec.task_template.clone().unwrap();
    let placement = db.placement.unwrap();
    assert_eq!(placement.max_replicas, Some(1));
    assert_eq!(placement.constraints.unwrap(), ["node.role==worker"]);
    let mount = &db.container_spec.unwrap().mounts.unwrap()[0];
    assert_eq!(mount.source.as_deref(), Some("shop_data"));
    let ns = mount.volume_options.clone().unwrap().labels.unwrap();
    assert_eq!(ns[labels::STACK_NAMESPACE], "shop");
    let depends = &by("web").depends;
    assert!(depends.contains(&("db".into(), Condition::ServiceHealthy)));
    assert!(depends.contains(&("migrate".into(), Condition::ServiceCompletedSuccessfully)));
}
