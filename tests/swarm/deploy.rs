//! Deploys: a project using the loader's features (`.env`, `include`, `extends`, `profiles`,
//! long `depends_on`, inline config content) reaching every task, replicas spread over nodes,
//! `service_healthy` ordering, and build + push with every node pulling the pinned image.

use std::collections::BTreeSet;

use crate::lab::{Lab, Stack, block_on, desired, rfc3339, seconds, state, text};

const FEATURES: &str = r#"
include:
  - db.yaml
services:
  app:
    extends: {file: base.yaml, service: base}
    image: IMAGE
    command: ["sh", "-c", "echo \"greeting=$$GREETING tier=$$TIER config=$$(cat /etc/app.conf)\"; exec sleep 3600"]
    environment:
      GREETING: ${GREETING}
    configs:
      - source: appconf
        target: /etc/app.conf
    depends_on:
      db:
        condition: service_started
    deploy:
      replicas: 2
  debug:
    image: IMAGE
    profiles: [debug]
    command: ["sleep", "3600"]
  tools:
    image: IMAGE
    profiles: [tools]
    init: true
    command: ["sleep", "3600"]
configs:
  appconf:
    content: "inline ${GREETING}"
"#;

pub fn a_project_of_every_loader_feature_deploys(lab: &Lab) {
    let s = Stack::new(lab, "features", FEATURES);
    s.write(
        "base.yaml",
        "services:\n  base:\n    init: true\n    environment:\n      TIER: backend\n",
    );
    s.write(
        "db.yaml",
        "services:\n  db:\n    image: IMAGE\n    init: true\n    command: [\"sleep\", \"3600\"]\n",
    );
    s.write(".env", "GREETING=hello-dotenv\n");
    s.ok(&["--profile", "tools", "stack", "deploy", "--wait"]);
    let keys: BTreeSet<String> = s.services().into_keys().collect();
    assert_eq!(
        keys,
        BTreeSet::from(["app".into(), "db".into(), "tools".into()])
    );
    let app = s.service("app");
    let env = app
        .spec
        .unwrap()
        .task_template
        .unwrap()
        .container_spec
        .unwrap()
        .env
        .unwrap();
    assert!(
        env.contains(&"GREETING=hello-dotenv".to_string()),
        "{env:?}"
    );
    assert!(env.contains(&"TIER=backend".to_string()), "{env:?}");
    // both tasks print what they see
    let line = "greeting=hello-dotenv tier=backend config=inline hello-dotenv";
    crate::lab::until(
        std::time::Duration::from_secs(30),
        "two tasks printing",
        || (s.logs("app").matches(line).count() == 2).then_some(()),
    );
    let running = s
        .tasks("app")
        .iter()
        .filter(|t| state(t) == "running")
        .count();
    assert_eq!(running, 2);
}

pub fn replicas_spread_over_nodes(lab: &Lab) {
    let yaml = "services:\n  web:\n    image: IMAGE\n    init: true\n    command: [sleep, '3600']\n    deploy:\n      replicas: N\n      placement: {max_replicas_per_node: 1}\n";
    let s = Stack::new(lab, "spread", &yaml.replace('N', "3"));
    s.ok(&["stack", "deploy", "--wait"]);
    let tasks: Vec<_> = s
        .tasks("web")
        .into_iter()
        .filter(|t| desired(t) == "running" && state(t) == "running")
        .collect();
    let nodes: BTreeSet<String> = tasks.iter().filter_map(|t| t.node_id.clone()).collect();
    assert_eq!((tasks.len(), nodes.len()), (3, 3), "one task per node");
    // a fourth cannot be placed: the wait says why and gives up at its timeout
    s.write("compose.yaml", &yaml.replace('N', "4"));
    let out = s.run(&[
        "stack",
        "deploy",
        "--wait",
        "--wait-timeout",
        "8s",
        "--progress",
        "plain",
    ]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no suitable node"), "{}", text(&out));
    assert!(
        err.contains("did not converge within --wait-timeout 8s"),
        "{}",
        text(&out)
    );
}

/// `db`, healthy `secs` seconds after it starts, and `web`, which waits for that.
pub fn db_then_web(secs: u32) -> String {
    format!(
        r#"
services:
  db:
    image: IMAGE
    init: true
    command: [sh, -c, "sleep {secs}; touch /tmp/ready; exec sleep 3600"]
    healthcheck: {{test: [CMD, test, -f, /tmp/ready], interval: 500ms, retries: 60}}
  web:
    image: IMAGE
    init: true
    command: [sleep, "3600"]
    depends_on:
      db: {{condition: service_healthy}}
"#
    )
}

pub fn service_healthy_orders_the_deploy(lab: &Lab) {
    let s = Stack::new(lab, "healthy", &db_then_web(2));
    s.ok(&["stack", "deploy", "--wait"]);
    let db = s
        .tasks("db")
        .into_iter()
        .find(|t| state(t) == "running")
        .expect("db runs");
    // Swarm turns a task with a healthcheck to running once it is healthy
    let healthy_at = seconds(&rfc3339(db.status.unwrap().timestamp.unwrap()));
    let web = s.service("web");
    let created = seconds(&rfc3339(web.created_at.unwrap()));
    let db_created = seconds(&rfc3339(s.service("db").created_at.unwrap()));
    assert!(
        healthy_at - db_created >= 2.0,
        "db turned healthy after its 2 s"
    );
    assert!(
        created >= healthy_at,
        "web was created {:.2}s before db turned healthy",
        healthy_at - created
    );
}

pub fn build_push_and_every_node_pulls_the_pinned_image(lab: &Lab) {
    let tag = format!("rcs-app-{}", std::process::id());
    let s = Stack::new(
        lab,
        "build",
        &format!(
            "services:\n  app:\n    build: {{context: .}}\n    image: REGISTRY/{tag}:1\n    init: true\n    deploy: {{mode: global}}\n"
        ),
    );
    s.write(
        "Dockerfile",
        &format!("FROM IMAGE\nRUN echo built-{tag} > /built\nCMD [\"sh\", \"-c\", \"cat /built; exec sleep 3600\"]\n"),
    );
    s.ok(&["stack", "deploy", "--build", "--push", "--wait"]);
    let repo = format!("{}/{tag}", lab.registry());
    let built =
        block_on(lab.docker(1).inspect_image(&format!("{repo}:1"))).expect("built on node 1");
    let digest = built
        .repo_digests
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.starts_with(&repo));
    let digest = digest.expect("node 1 pushed it: it has its registry digest");
    let spec = s.service("app").spec.unwrap();
    let image = spec
        .task_template
        .unwrap()
        .container_spec
        .unwrap()
        .image
        .unwrap();
    assert_eq!(
        image,
        format!("{repo}:1@{}", digest.split('@').nth(1).unwrap())
    );
    let tasks: Vec<_> = s
        .tasks("app")
        .into_iter()
        .filter(|t| state(t) == "running")
        .collect();
    let nodes: BTreeSet<String> = tasks.iter().filter_map(|t| t.node_id.clone()).collect();
    assert_eq!(nodes.len(), 3, "a task on every node");
    for n in [2, 3] {
        // nodes 2 and 3 never built it: they pulled it by its digest
        let pulled = block_on(lab.docker(n).inspect_image(&digest))
            .unwrap_or_else(|e| panic!("node {n} has {digest}: {e}"));
        assert!(pulled.repo_digests.unwrap_or_default().contains(&digest));
    }
    crate::lab::until(
        std::time::Duration::from_secs(30),
        "three tasks printing",
        || (s.logs("app").matches(&format!("built-{tag}")).count() == 3).then_some(()),
    );
}
