//! Service keys reach the engine: one service with most of them, read back with an inspection;
//! secrets and configs (bind-mounted files and copied content), networks with aliases and fixed
//! addresses, `network_mode: service:x` and `volumes_from`.

use super::*;

#[test]
fn service_keys_are_applied_to_the_container() {
    let p = Project::new(
        "keys",
        "
services:
  full:
    image: IMAGE
    command: [sleep, '300']
    entrypoint: [/bin/sh, -c, 'exec \"$$@\"', sh]
    environment: {A: '1', B: two}
    working_dir: /tmp
    user: '65534:65534'
    hostname: box
    domainname: example.test
    labels: {team: qa}
    ports: ['127.0.0.1::80', '127.0.0.1::53/udp']
    expose: ['8080']
    extra_hosts: ['db.local=10.1.2.3']
    dns: [10.0.0.53]
    dns_search: [example.test]
    restart: on-failure:3
    mem_limit: 64m
    cpus: 0.5
    cpu_shares: 512
    pids_limit: 100
    ulimits:
      nofile: {soft: 1024, hard: 2048}
    sysctls: {net.ipv4.ip_forward: '0'}
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    read_only: true
    tmpfs: [/run:size=1m]
    shm_size: 32m
    init: true
    stop_signal: SIGUSR1
    stop_grace_period: 3s
    tty: true
    stdin_open: true
    oom_score_adj: 100
    group_add: ['100']
    security_opt: [no-new-privileges:true]
    devices: ['/dev/null:/dev/mynull:rw']
    logging:
      driver: json-file
      options: {max-size: 1m}
    healthcheck:
      test: [CMD, 'true']
      interval: 2s
      timeout: 1s
      retries: 4
      start_period: 1s
",
    );
    p.ok(&["up", "-d"]);
    let c = p.inspect(&format!("{}-full-1", p.name));
    let cfg = c.config.unwrap();
    let host = c.host_config.unwrap();
    assert_eq!(cfg.cmd.unwrap(), ["sleep", "300"]);
    assert_eq!(
        cfg.entrypoint.unwrap(),
        ["/bin/sh", "-c", "exec \"$@\"", "sh"]
    );
    let env = cfg.env.unwrap();
    assert!(
        env.contains(&"A=1".into()) && env.contains(&"B=two".into()),
        "{env:?}"
    );
    assert_eq!(cfg.working_dir.as_deref(), Some("/tmp"));
    assert_eq!(cfg.user.as_deref(), Some("65534:65534"));
    assert_eq!(cfg.hostname.as_deref(), Some("box"));
    assert_eq!(cfg.domainname.as_deref(), Some("example.test"));
    assert_eq!(cfg.labels.unwrap()["team"], "qa");
    assert!(cfg.exposed_ports.unwrap().iter().any(|p| p == "8080/tcp"));
    assert_eq!(cfg.stop_signal.as_deref(), Some("SIGUSR1"));
    assert_eq!(cfg.stop_timeout, Some(3));
    assert_eq!((cfg.tty, cfg.open_stdin), (Some(true), Some(true)));
    let hc = cfg.healthcheck.unwrap();
    assert_eq!(hc.test.unwrap(), ["CMD", "true"]);
    assert_eq!(
        (hc.interval, hc.timeout, hc.retries, hc.start_period),
        (
            Some(2_000_000_000),
            Some(1_000_000_000),
            Some(4),
            Some(1_000_000_000)
        )
    );

    let ports = host.port_bindings.unwrap();
    assert_eq!(
        ports["80/tcp"].as_ref().unwrap()[0].host_ip.as_deref(),
        Some("127.0.0.1")
    );
    assert!(ports.contains_key("53/udp"));
    assert_eq!(host.extra_hosts.unwrap(), ["db.local:10.1.2.3"]);
    assert_eq!(host.dns.unwrap(), ["10.0.0.53"]);
    assert_eq!(host.dns_search.unwrap(), ["example.test"]);
    let rp = host.restart_policy.unwrap();
    assert_eq!(
        (
            rp.name.unwrap().to_string().as_str(),
            rp.maximum_retry_count
        ),
        ("on-failure", Some(3))
    );
    assert_eq!(host.memory, Some(64 << 20));
    assert_eq!(host.nano_cpus, Some(500_000_000));
    assert_eq!(host.cpu_shares, Some(512));
    assert_eq!(host.pids_limit, Some(100));
    let ul = &host.ulimits.unwrap()[0];
    assert_eq!(
        (ul.name.as_deref(), ul.soft, ul.hard),
        (Some("nofile"), Some(1024), Some(2048))
    );
    assert_eq!(host.sysctls.unwrap()["net.ipv4.ip_forward"], "0");
    assert_eq!(host.cap_add.unwrap(), ["NET_ADMIN"]);
    assert_eq!(host.cap_drop.unwrap(), ["MKNOD"]);
    assert_eq!(host.readonly_rootfs, Some(true));
    assert_eq!(host.tmpfs.unwrap()["/run"], "size=1m");
    assert_eq!(host.shm_size, Some(32 << 20));
    assert_eq!(host.init, Some(true));
    assert_eq!(host.oom_score_adj, Some(100));
    assert_eq!(host.group_add.unwrap(), ["100"]);
    assert_eq!(host.security_opt.unwrap(), ["no-new-privileges:true"]);
    let dev = &host.devices.unwrap()[0];
    assert_eq!(
        (
            dev.path_on_host.as_deref(),
            dev.path_in_container.as_deref()
        ),
        (Some("/dev/null"), Some("/dev/mynull"))
    );
    let log = host.log_config.unwrap();
    assert_eq!(log.typ.as_deref(), Some("json-file"));
    assert_eq!(log.config.unwrap()["max-size"], "1m");
}

#[test]
fn secrets_and_configs_reach_the_container() {
    let p = Project::new(
        "secrets",
        "
services:
  app:
    image: IMAGE
    command: [sleep, '300']
    init: true
    secrets:
      - token
      - source: fromenv
        target: env_token
    configs:
      - source: inline
        target: /etc/app.conf
secrets:
  token:
    file: ./token.txt
  fromenv:
    environment: RCT_SECRET
configs:
  inline:
    content: |
      level=debug
",
    );
    p.write("token.txt", "s3cret\n");
    let out = p.run_env(&["up", "-d"], &[("RCT_SECRET", "from the environment")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let app = format!("{}-app-1", p.name);
    assert_eq!(read_file(&app, "/run/secrets/token"), "s3cret\n");
    assert_eq!(
        read_file(&app, "/run/secrets/env_token"),
        "from the environment"
    );
    assert_eq!(read_file(&app, "/etc/app.conf"), "level=debug\n");
}

#[test]
fn networks_aliases_addresses_and_shared_namespaces() {
    // the fixed subnet lies outside the engine's default pools (172.17-31.0.0/16, 192.168/16):
    // with the suite's networks made in parallel, the engine handed 172.31.0.0/16 to another
    // test's network and this one's 172.31.250.0/24 overlapped it
    let p = Project::new(
        "nets",
        "
services:
  api:
    image: IMAGE
    command: [sleep, '300']
    init: true
    volumes: [/shared]
    networks:
      front:
        aliases: [api.front]
      back:
        ipv4_address: 10.213.250.10
  sidecar:
    image: IMAGE
    command: [sleep, '300']
    init: true
    network_mode: service:api
    volumes_from: [api]
networks:
  front:
  back:
    ipam:
      config:
        - subnet: 10.213.250.0/24
",
    );
    p.ok(&["up", "-d"]);
    let api = p.inspect(&format!("{}-api-1", p.name));
    let nets = api.network_settings.unwrap().networks.unwrap();
    let front = &nets[&format!("{}_front", p.name)];
    let aliases = front.aliases.clone().unwrap();
    assert!(
        aliases.contains(&"api".to_string()) && aliases.contains(&"api.front".to_string()),
        "{aliases:?}"
    );
    let back = &nets[&format!("{}_back", p.name)];
    assert_eq!(back.ip_address.as_deref(), Some("10.213.250.10"));
    let sidecar = p
        .inspect(&format!("{}-sidecar-1", p.name))
        .host_config
        .unwrap();
    assert!(sidecar.network_mode.unwrap().starts_with("container:"));
    assert_eq!(sidecar.volumes_from.unwrap(), [format!("{}-api-1", p.name)]);
}

#[test]
fn network_and_volume_options_reach_the_engine() {
    let p = Project::new(
        "netopts",
        "
services:
  a:
    image: IMAGE
    command: [sleep, '300']
    init: true
    networks: [inner]
    volumes: [scratch:/scratch]
networks:
  inner:
    internal: true
    attachable: true
    labels: {purpose: test}
    driver_opts:
      com.docker.network.bridge.enable_icc: 'true'
volumes:
  scratch:
    labels: {purpose: test}
    driver_opts: {type: tmpfs, device: tmpfs, o: size=1m}
",
    );
    p.ok(&["up", "-d"]);
    let net = block_on(docker().inspect_network(
        &format!("{}_inner", p.name),
        None::<q::InspectNetworkOptions>,
    ))
    .unwrap();
    assert_eq!(net.internal, Some(true));
    assert_eq!(net.attachable, Some(true));
    let labels = net.labels.unwrap();
    assert_eq!(labels["purpose"], "test");
    assert_eq!(labels["com.docker.compose.network"], "inner");
    assert_eq!(
        net.options.unwrap()["com.docker.network.bridge.enable_icc"],
        "true"
    );
    let vol = block_on(docker().inspect_volume(&format!("{}_scratch", p.name))).unwrap();
    assert_eq!(vol.labels["purpose"], "test");
    assert_eq!(vol.labels["com.docker.compose.volume"], "scratch");
    assert_eq!(vol.options["type"], "tmpfs");
}

#[test]
fn mounts_names_links_namespaces_and_deploy_keys() {
    let p = Project::new(
        "mounts",
        "
services:
  db:
    image: IMAGE
    command: [sleep, '300']
    init: true
    container_name: CNAME
    ipc: shareable
  app:
    image: IMAGE
    command: [sleep, '300']
    init: true
    links: ['db:database']
    ipc: service:db
    pid: host
    volumes:
      - ./made/by/bind:/made
      - type: bind
        source: ./conf
        target: /conf
        read_only: true
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1048576}
    deploy:
      resources:
        limits: {memory: 32m, cpus: '0.25', pids: 50}
        reservations: {memory: 16m}
      restart_policy: {condition: on-failure, max_attempts: 2}
"
        .replace("CNAME", &format!("rct-cname-{}", std::process::id()))
        .as_str(),
    );
    std::fs::create_dir_all(p.dir.join("conf")).unwrap();
    p.ok(&["up", "-d"]);
    let db = format!("rct-cname-{}", std::process::id());
    assert!(p.containers().contains_key(&db), "container_name is used");
    assert!(
        p.dir.join("made/by/bind").is_dir(),
        "a missing bind source is created"
    );
    let app = p.inspect(&format!("{}-app-1", p.name));
    let host = app.host_config.unwrap();
    let endpoint = &app.network_settings.unwrap().networks.unwrap()[&format!("{}_default", p.name)];
    let links = endpoint.links.clone().unwrap();
    assert!(links.contains(&format!("{db}:database")), "{links:?}");
    let db_id = p.inspect(&db).id.unwrap();
    assert_eq!(
        host.ipc_mode.as_deref(),
        Some(format!("container:{db_id}").as_str())
    );
    assert_eq!(host.pid_mode.as_deref(), Some("host"));
    assert_eq!(host.memory, Some(32 << 20));
    assert_eq!(host.memory_reservation, Some(16 << 20));
    assert_eq!(host.nano_cpus, Some(250_000_000));
    assert_eq!(host.pids_limit, Some(50));
    let rp = host.restart_policy.unwrap();
    assert_eq!(
        (
            rp.name.unwrap().to_string().as_str(),
            rp.maximum_retry_count
        ),
        ("on-failure", Some(2))
    );
    let mounts = p.inspect(&format!("{}-app-1", p.name)).mounts.unwrap();
    let conf = mounts
        .iter()
        .find(|m| m.destination.as_deref() == Some("/conf"))
        .unwrap();
    assert_eq!(conf.rw, Some(false));
    let tmpfs = host.mounts.unwrap();
    let scratch = tmpfs
        .iter()
        .find(|m| m.target.as_deref() == Some("/scratch"))
        .unwrap();
    assert_eq!(
        scratch.tmpfs_options.as_ref().unwrap().size_bytes,
        Some(1_048_576)
    );
}

/// A network made outside any project, removed when the test ends (however it ends).
struct ExternalNetwork(String);

impl Drop for ExternalNetwork {
    fn drop(&mut self) {
        let _ = block_on(docker().remove_network(&self.0));
    }
}

// `privileged: true` is mapped like the other flags, but this sandboxed engine refuses it
// ("unable to apply caps: operation not permitted"), so it is not exercised here.
#[test]
fn userns_host_and_none_networks_and_an_existing_external_network() {
    let external = ExternalNetwork(format!("rct-ext-{}", std::process::id()));
    block_on(
        docker().create_network(bollard::models::NetworkCreateRequest {
            name: external.0.clone(),
            ..Default::default()
        }),
    )
    .expect("external network created");
    let p = Project::new(
        "modes",
        &format!(
            "
services:
  app:
    image: IMAGE
    command: [sleep, '300']
    init: true
    userns_mode: host
    networks: [outside]
  hostnet:
    image: IMAGE
    command: [sleep, '300']
    init: true
    network_mode: host
  nonet:
    image: IMAGE
    command: [sleep, '300']
    init: true
    network_mode: none
networks:
  outside:
    external: true
    name: {}
",
            external.0
        ),
    );
    p.ok(&["up", "-d"]);
    let app = p.inspect(&format!("{}-app-1", p.name));
    assert_eq!(
        app.host_config.unwrap().userns_mode.as_deref(),
        Some("host")
    );
    assert!(
        app.network_settings
            .unwrap()
            .networks
            .unwrap()
            .contains_key(&external.0)
    );
    let mode = |s: &str| {
        p.inspect(&format!("{}-{s}-1", p.name))
            .host_config
            .unwrap()
            .network_mode
            .unwrap()
    };
    assert_eq!(mode("hostnet"), "host");
    assert_eq!(mode("nonet"), "none");
    p.ok(&["down", "-t", "0"]);
    // down never removes an external network
    assert!(
        block_on(docker().inspect_network(&external.0, None::<q::InspectNetworkOptions>)).is_ok()
    );
}
