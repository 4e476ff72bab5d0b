//! Bad situations: no engine, a missing image, a taken port, a missing external network. Each
//! gives one clear message naming the service, a non-zero exit, and nothing the next `up` cannot
//! converge.

use super::*;

#[test]
fn an_unreachable_engine_says_what_was_tried() {
    let p = Project::new("noengine", "services:\n  a:\n    image: IMAGE\n");
    let out = p.run_env(
        &["up", "-d"],
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot reach the Docker Engine at unix:///nonexistent/docker.sock"),
        "{err}"
    );
    assert!(err.contains("DOCKER_HOST"), "{err}");
}

#[test]
fn a_missing_image_creates_nothing() {
    let p = Project::new(
        "noimage",
        "services:\n  a:\n    image: rcompose-test/does-not-exist:1\n",
    );
    let out = p.run(&["up", "-d", "--pull", "never"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("service `a`") && err.contains("rcompose-test/does-not-exist:1"),
        "{err}"
    );
    assert!(p.containers().is_empty() && p.networks().is_empty());

    // a pull that fails (a registry on 127.0.0.1 that is not there) names the service too
    p.write(
        "compose.yaml",
        "services:\n  a:\n    image: 127.0.0.1:1/nothing/here:1\n",
    );
    let out = p.run(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("service `a`: pull image 127.0.0.1:1/nothing/here:1"),
        "{err}"
    );
    assert!(p.containers().is_empty() && p.networks().is_empty());
}

#[test]
fn a_taken_port_names_the_service_and_the_next_up_converges() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let p = Project::new(
        "port",
        &format!(
            "services:\n  web:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n    ports: ['127.0.0.1:{port}:80']\n"
        ),
    );
    let out = p.run(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("service `web`: start container"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    drop(listener);
    p.ok(&["up", "-d"]);
    let web = &p.containers()[&format!("{}-web-1", p.name)];
    assert_eq!(state(web), "running");
}

#[test]
fn a_missing_external_network_creates_nothing() {
    let p = Project::new(
        "extnet",
        "services:\n  a:\n    image: IMAGE\n    networks: [outside]\nnetworks:\n  outside:\n    external: true\n    name: rct-no-such-network\n",
    );
    let out = p.run(&["up", "-d"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("external network rct-no-such-network not found"),
        "{}",
        stderr(&out)
    );
    assert!(p.containers().is_empty() && p.networks().is_empty());
}
