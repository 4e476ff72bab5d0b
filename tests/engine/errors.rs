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

/// A relay from 127.0.0.1:<port> to the engine's unix socket, for as long as the test runs.
fn tcp_relay() -> u16 {
    use std::os::unix::net::UnixStream;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(engine) = UnixStream::connect("/var/run/docker.sock") else {
                continue;
            };
            let (mut c_read, mut e_write) =
                (client.try_clone().unwrap(), engine.try_clone().unwrap());
            let (mut e_read, mut c_write) = (engine, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c_read, &mut e_write);
                let _ = e_write.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut e_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn docker_host_may_be_tcp() {
    let port = tcp_relay();
    let p = Project::new(
        "tcp",
        "services:\n  a:\n    image: IMAGE\n    command: [sleep, '300']\n    init: true\n",
    );
    let host = format!("tcp://127.0.0.1:{port}");
    let out = p.run_env(&["up", "-d"], &[("DOCKER_HOST", &host)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ps = p.run_env(&["ps", "-q"], &[("DOCKER_HOST", &host)]);
    assert_eq!(stdout(&ps).lines().count(), 1, "{}", stderr(&ps));
    assert_eq!(
        state(&p.containers()[&format!("{}-a-1", p.name)]),
        "running"
    );
}
