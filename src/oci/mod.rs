//! Compose projects as OCI artifacts on a registry, through the oci-client crate: `publish`
//! pushes one ([`push`]), `-f oci://REPO:TAG` and `include: oci://...` read one back into the
//! cache folder Compose uses, `$XDG_CACHE_HOME/docker-compose/<manifest digest>` ([`fetch`]).
//!
//! A registry on a loopback address (`127.0.0.0/8`, `::1`, `localhost`) is spoken to in plain
//! HTTP, as the engine treats it; any other over HTTPS. Credentials are the Docker CLI's
//! (`config.json`, credential helpers).

pub mod artifact;
pub mod layers;

use std::path::{Path, PathBuf};
use std::sync::Once;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use serde_json::Value;

use artifact::{Blob, Files, OciVersion};

/// Whether `registry` (`host[:port]`) is on this machine's loopback.
pub fn is_loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => registry.rsplit_once(':').map_or(registry, |(h, _)| h),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A reference as the registry client takes it; `what` names it in the error.
fn reference(text: &str) -> Result<Reference, String> {
    text.parse::<Reference>()
        .map_err(|e| format!("{text:?} is not a valid repository reference: {e}"))
}

fn client(r: &Reference) -> Client {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // reqwest is built without a default TLS provider: ring, as bollard's rustls uses
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let registry = r.resolve_registry().to_string();
    let protocol = if is_loopback(&registry) {
        ClientProtocol::HttpsExcept(vec![registry])
    } else {
        ClientProtocol::Https
    };
    Client::new(ClientConfig {
        protocol,
        ..Default::default()
    })
}

fn auth(config_dir: Option<&Path>, text: &str) -> RegistryAuth {
    match crate::engine::auth::credentials(config_dir, text) {
        Some(c) => match (c.username, c.password, c.identitytoken) {
            (Some(u), Some(p), _) => RegistryAuth::Basic(u, p),
            (_, _, Some(token)) => RegistryAuth::Bearer(token),
            _ => RegistryAuth::Anonymous,
        },
        None => RegistryAuth::Anonymous,
    }
}

/// A client logged in to the registry of `text` for `operation`, with the user's credentials.
async fn connect(
    config_dir: Option<&Path>,
    text: &str,
    operation: RegistryOperation,
) -> Result<(Reference, Client, RegistryAuth), String> {
    let r = reference(text)?;
    let client = client(&r);
    let auth = auth(config_dir, text);
    let doing = match operation {
        RegistryOperation::Push => "cannot reach the registry to push",
        RegistryOperation::Pull => "cannot reach the registry to read",
    };
    client
        .auth(&r, &auth, operation)
        .await
        .map_err(|e| failed(&r, doing, e))?;
    Ok((r, client, auth))
}

/// A registry error as a sentence naming the registry and what was being done, with the
/// causes the client's error wraps (a refused connection says so).
fn failed(r: &Reference, doing: &str, e: impl std::error::Error) -> String {
    let mut text = format!("{doing} {r} on {}: {e}", r.resolve_registry());
    let mut cause = e.source();
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(": ");
            text.push_str(&c_text);
        }
        cause = c.source();
    }
    text
}

/// Pushes the artifact of `layers` to `target` (`REPO:TAG`), OCI 1.1 unless `version` says
/// otherwise; with no version, a registry that refuses 1.1 manifests (a 4xx other than an
/// authorization error) gets 1.0. Returns the manifest's digest.
pub async fn push(
    config_dir: Option<&Path>,
    target: &str,
    layers: &[Blob],
    version: Option<OciVersion>,
    created: &str,
) -> Result<String, String> {
    let (r, client, _) = connect(config_dir, target, RegistryOperation::Push).await?;
    for blob in layers {
        client
            .push_blob(&r, blob.data.clone(), &blob.digest())
            .await
            .map_err(|e| failed(&r, "cannot push a layer of", e))?;
    }
    let attempt = |v: OciVersion| {
        let client = &client;
        let r = &r;
        async move {
            let (config, manifest) = artifact::manifest(layers, v, created);
            client
                .push_blob(r, config.data.clone(), &config.digest())
                .await
                .map_err(|e| (false, failed(r, "cannot push the config of", e)))?;
            let media = hyper::header::HeaderValue::from_static(artifact::MANIFEST_MEDIA_TYPE);
            let digest = artifact::digest(&manifest);
            match client.push_manifest_raw(r, manifest, media).await {
                Ok(_) => Ok(digest),
                Err(e) => Err((
                    refused_not_auth(&e),
                    failed(r, "cannot push the manifest of", e),
                )),
            }
        }
    };
    match version {
        Some(v) => attempt(v).await.map_err(|(_, e)| e),
        None => match attempt(OciVersion::V1_1).await {
            Err((true, _)) => attempt(OciVersion::V1_0).await.map_err(|(_, e)| e),
            other => other.map_err(|(_, e)| e),
        },
    }
}

/// Whether the registry refused a request as a client error that is not about authorization
/// (Compose's rule for falling back to OCI 1.0): a 4xx status other than 401, 403 and 407, or
/// an error envelope, which registries send with a 4xx (`MANIFEST_INVALID`...).
fn refused_not_auth(e: &oci_client::errors::OciDistributionError) -> bool {
    use oci_client::errors::OciDistributionError as E;
    match e {
        E::ServerError { code, .. } => (400..500).contains(code) && ![401, 403, 407].contains(code),
        E::RegistryError { .. } | E::ManifestParsingError(_) => true,
        _ => false,
    }
}

/// Reads the artifact `source` names (`REPO:TAG`, or an index listing one) from its registry:
/// the manifest's digest and the files it holds.
pub async fn pull(config_dir: Option<&Path>, source: &str) -> Result<(String, Files), String> {
    let (r, client, auth) = connect(config_dir, source, RegistryOperation::Pull).await?;
    let accepted = [artifact::MANIFEST_MEDIA_TYPE, artifact::INDEX_MEDIA_TYPE];
    let (bytes, mut digest) = client
        .pull_manifest_raw(&r, &auth, &accepted)
        .await
        .map_err(|e| failed(&r, "cannot read", e))?;
    let mut manifest: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{source}: not a manifest: {e}"))?;
    if manifest["mediaType"] == artifact::INDEX_MEDIA_TYPE {
        let entry = manifest["manifests"]
            .as_array()
            .and_then(|m| {
                m.iter()
                    .find(|d| d["artifactType"] == artifact::PROJECT_ARTIFACT_TYPE)
            })
            .ok_or_else(|| {
                format!("the OCI index {source} does not refer to a compose artifact")
            })?;
        let at = entry["digest"].as_str().unwrap_or_default().to_string();
        let inner = r.clone_with_digest(at);
        let (bytes, d) = client
            .pull_manifest_raw(&inner, &auth, &accepted)
            .await
            .map_err(|e| failed(&r, "cannot read", e))?;
        digest = d;
        manifest =
            serde_json::from_slice(&bytes).map_err(|e| format!("{source}: not a manifest: {e}"))?;
    }
    let descriptors = artifact::check_manifest(&manifest, source)?;
    let mut layers = Vec::new();
    for d in descriptors {
        let desc: OciDescriptor = serde_json::from_value(d.clone())
            .map_err(|e| format!("{source}: a layer's descriptor is not valid: {e}"))?;
        let mut data = Vec::new();
        client
            .pull_blob(&r, &desc, &mut data)
            .await
            .map_err(|e| failed(&r, "cannot read a layer of", e))?;
        layers.push((d, data));
    }
    Ok((digest, artifact::unpack(&layers)?))
}

/// Brings the artifact `source` (`oci://REPO:TAG`) into its folder of the cache (kept when it
/// is already there: a digest names one content) and gives the folder's `compose.yaml`.
pub async fn fetch(
    config_dir: Option<&Path>,
    cache: &Path,
    source: &str,
) -> Result<PathBuf, String> {
    let bare = source
        .strip_prefix(crate::load::OCI_PREFIX)
        .unwrap_or(source);
    let (digest, files) = pull(config_dir, bare)
        .await
        .map_err(|e| format!("cannot read the compose project {source}: {e}"))?;
    let hex = digest.rsplit(':').next().unwrap_or(&digest);
    let folder = cache.join(hex);
    let compose = folder.join("compose.yaml");
    if compose.is_file() {
        return Ok(compose);
    }
    write_folder(cache, &folder, &files)
        .map_err(|e| format!("cannot write {source} into {}: {e}", folder.display()))?;
    Ok(compose)
}

/// Writes the files into a fresh folder beside `folder` and renames it into place, so that a
/// reader never sees half of it and two processes fetching at once both end with one whole.
fn write_folder(cache: &Path, folder: &Path, files: &Files) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(cache)?;
    let tmp = cache.join(format!(
        ".{}.{}",
        folder.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::DirBuilder::new().mode(0o700).create(&tmp)?;
    let write = |name: &str, data: &[u8]| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(tmp.join(name))?;
        std::io::Write::write_all(&mut f, data)
    };
    write("compose.yaml", &files.compose)?;
    for (name, data) in &files.others {
        write(name, data)?;
    }
    match std::fs::rename(&tmp, folder) {
        Ok(()) => Ok(()),
        // another process put it there first: theirs is the same content
        Err(_) if folder.join("compose.yaml").is_file() => {
            std::fs::remove_dir_all(&tmp)?;
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// Runs `f` to completion from synchronous code (the loader's [`crate::load::Remote`]), on a
/// runtime of its own in a scoped thread: the caller may itself be on a runtime's thread.
pub fn blocking<T: Send>(
    f: impl std::future::Future<Output = Result<T, String>> + Send,
) -> Result<T, String> {
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the async runtime: {e}"))?
                .block_on(f)
        })
        .join()
        .unwrap_or_else(|_| Err("the registry client panicked".into()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries_are_plain_http() {
        assert!(is_loopback("127.0.0.1:5000"));
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("[::1]:5000"));
        assert!(is_loopback("127.3.4.5"));
        assert!(!is_loopback("registry.example.com:5000"));
        assert!(!is_loopback("10.0.0.1:5000"));
    }

    #[test]
    fn a_fetched_folder_is_written_whole() {
        let dir = std::env::temp_dir().join(crate::names::unique_name("rcompose-oci-cache"));
        let files = Files {
            compose: b"services: {}\n".to_vec(),
            others: [("a.env".to_string(), b"A=1\n".to_vec())].into(),
        };
        let folder = dir.join("abc");
        write_folder(&dir, &folder, &files).unwrap();
        assert_eq!(std::fs::read(folder.join("a.env")).unwrap(), b"A=1\n");
        // a second writer finds it there and leaves it whole
        write_folder(&dir, &folder, &files).unwrap();
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
