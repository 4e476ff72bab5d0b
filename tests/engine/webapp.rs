//! examples/webapp end to end, through rcompose alone: build and wait, a request through the
//! frontend reaches the backend (Redis count, PostgreSQL row), the rows survive `down` + `up`,
//! and `down -v` removes the volume. Makes `debian:bookworm-slim` first if the engine lacks it.

use std::io::{Read, Write};

use super::*;

fn base_image() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/offline-base-image.sh");
    let out = Command::new(&script)
        .output()
        .expect("the base image script runs");
    assert!(
        out.status.success(),
        "scripts/offline-base-image.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `GET path` on 127.0.0.1:port; the body as JSON.
fn get_json(port: u16, path: &str) -> serde_json::Value {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the frontend answers");
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"))
}

#[test]
fn the_example_app_serves_counts_and_keeps_its_data() {
    base_image();
    let p = Project::new("webapp", "services: {}\n");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/webapp/compose.yaml");
    let file = file.to_string_lossy().into_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let env = [("FRONTEND_PORT", port.as_str())];
    let rc = |args: &[&str]| {
        let mut all = vec!["-f", file.as_str()];
        all.extend_from_slice(args);
        let out = p.run_env(&all, &env);
        assert!(out.status.success(), "rcompose {args:?}:\n{}", stderr(&out));
    };
    // the built images go when the test ends
    let _images = super::images::Images(
        ["cache", "db", "backend", "frontend"]
            .iter()
            .map(|s| format!("{}-{s}", p.name))
            .collect(),
    );
    rc(&["up", "--build", "--wait"]);
    let port: u16 = port.parse().unwrap();
    let first = get_json(port, "/api/visit");
    assert_eq!(first["visits"], 1);
    assert_eq!(first["rows"], 1);
    assert_eq!(get_json(port, "/api/visit")["visits"], 2);

    rc(&["down"]);
    assert!(p.containers().is_empty());
    assert_eq!(p.volumes(), vec![format!("{}_db-data", p.name)]);
    rc(&["up", "--wait"]);
    let after = get_json(port, "/api/visit");
    assert_eq!(after["visits"], 1, "the cache starts over");
    assert_eq!(after["rows"], 3, "the database kept its rows");

    rc(&["down", "-v"]);
    assert!(p.volumes().is_empty());
}
