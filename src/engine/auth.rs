//! Registry credentials as the Docker CLI keeps them: `$DOCKER_CONFIG/config.json` (or
//! `~/.docker/config.json`) `auths`, and credential helpers (`credHelpers`, `credsStore`) asked
//! through their `docker-credential-<name> get` programs.

use std::io::Write;
use std::process::{Command, Stdio};

use bollard::auth::DockerCredentials;

/// The registry an image reference lives on, as config.json keys it.
pub fn registry_of(reference: &str) -> String {
    let first = reference.split('/').next().unwrap_or_default();
    let is_host = reference.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    if is_host {
        first.to_string()
    } else {
        "https://index.docker.io/v1/".to_string()
    }
}

fn config(dir: Option<&std::path::Path>) -> Option<serde_json::Value> {
    let dir = dir?;
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// What a `docker-credential-<helper> get` says for `registry`.
fn from_helper(helper: &str, registry: &str) -> Option<DockerCredentials> {
    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(registry.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let user = v["Username"].as_str().unwrap_or_default().to_string();
    let secret = v["Secret"].as_str().unwrap_or_default().to_string();
    Some(if user == "<token>" {
        DockerCredentials {
            identitytoken: Some(secret),
            serveraddress: Some(registry.into()),
            ..Default::default()
        }
    } else {
        DockerCredentials {
            username: Some(user),
            password: Some(secret),
            serveraddress: Some(registry.into()),
            ..Default::default()
        }
    })
}

/// The credentials for the registry of `reference`, if the user has any.
pub fn credentials(
    config_dir: Option<&std::path::Path>,
    reference: &str,
) -> Option<DockerCredentials> {
    let registry = registry_of(reference);
    let cfg = config(config_dir)?;
    if let Some(helper) = cfg["credHelpers"][&registry].as_str() {
        return from_helper(helper, &registry);
    }
    let entry = cfg["auths"].as_object().and_then(|auths| {
        auths.iter().find_map(|(k, v)| {
            let host = k
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/');
            (k == &registry || host == registry.trim_end_matches('/')).then_some(v)
        })
    });
    if let Some(auth) = entry
        .and_then(|e| e["auth"].as_str())
        .filter(|a| !a.is_empty())
    {
        // the engine reads user and password, not `auth`: decode it as the Docker CLI does
        let decoded = base64_decode(auth)?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        return Some(DockerCredentials {
            username: Some(user.to_string()),
            password: Some(password.to_string()),
            serveraddress: Some(registry),
            ..Default::default()
        });
    }
    if let Some(store) = cfg["credsStore"].as_str() {
        return from_helper(store, &registry);
    }
    None
}

/// Standard base64, padding optional (the Docker CLI writes it padded; hand-edited files may
/// not be); `None` when it is not base64.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_auth_fields() {
        assert_eq!(base64_decode("cmN0OnMzY3JldA==").unwrap(), b"rct:s3cret");
        assert_eq!(base64_decode("YQ").unwrap(), b"a");
        assert!(base64_decode("*").is_none());
    }

    #[test]
    fn registries_are_read_off_references() {
        assert_eq!(registry_of("redis"), "https://index.docker.io/v1/");
        assert_eq!(
            registry_of("library/redis:7"),
            "https://index.docker.io/v1/"
        );
        assert_eq!(registry_of("localhost:5000/app"), "localhost:5000");
        assert_eq!(registry_of("127.0.0.1:5000/a/b:1"), "127.0.0.1:5000");
        assert_eq!(registry_of("ghcr.io/org/app"), "ghcr.io");
    }
}
