//! A compose project as an OCI artifact, in the layout Compose 2.40 publishes and reads: one
//! layer per compose file (`application/vnd.docker.compose.file+yaml`, annotated with its file
//! name), one per extended file (annotated `com.docker.compose.extends`), one per env file when
//! asked (`application/vnd.docker.compose.envfile`), under an image manifest whose artifact type
//! is `application/vnd.docker.compose.project` (OCI 1.1) or whose config has Compose's empty
//! config media type (OCI 1.0). Pure: bytes in, bytes out; the registry calls are elsewhere.
//! The layout was read from docker/compose v2.40.3 `internal/oci/push.go` and `pkg/remote/oci.go`.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const PROJECT_ARTIFACT_TYPE: &str = "application/vnd.docker.compose.project";
pub const COMPOSE_FILE_MEDIA_TYPE: &str = "application/vnd.docker.compose.file+yaml";
pub const ENV_FILE_MEDIA_TYPE: &str = "application/vnd.docker.compose.envfile";
pub const EMPTY_CONFIG_MEDIA_TYPE: &str = "application/vnd.docker.compose.config.empty.v1+json";
/// OCI 1.1's empty descriptor (`{}`), the config of an artifact.
pub const OCI_EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";

/// The Compose version the annotations name (the reference's, so that its reader accepts ours).
pub const COMPOSE_VERSION: &str = "v2.40.3";

/// Which OCI specification the manifest follows (`--oci-version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OciVersion {
    /// 1.0: no `artifactType`; Compose's own empty config marks the artifact.
    V1_0,
    /// 1.1 (the default): `artifactType` and the OCI empty config.
    V1_1,
}

/// One blob of the artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub media_type: String,
    pub data: Vec<u8>,
    pub annotations: BTreeMap<String, String>,
}

impl Blob {
    pub fn digest(&self) -> String {
        digest(&self.data)
    }

    /// The blob's descriptor, as the manifest lists it.
    pub fn descriptor(&self) -> Value {
        let mut d = json!({
            "mediaType": self.media_type,
            "digest": self.digest(),
            "size": self.data.len(),
        });
        if !self.annotations.is_empty() {
            d["annotations"] = json!(self.annotations);
        }
        d
    }
}

pub fn digest(data: &[u8]) -> String {
    let hash = Sha256::digest(data);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn annotated(media_type: &str, data: Vec<u8>, pairs: &[(&str, &str)]) -> Blob {
    let mut annotations: BTreeMap<String, String> = [(
        "com.docker.compose.version".to_string(),
        COMPOSE_VERSION.to_string(),
    )]
    .into();
    for (k, v) in pairs {
        annotations.insert(k.to_string(), v.to_string());
    }
    Blob {
        media_type: media_type.into(),
        data,
        annotations,
    }
}

/// A compose file's layer; `name` is the file's base name (or the hashed name of an extended
/// file, with `extends`).
pub fn compose_file(name: &str, data: Vec<u8>, extends: bool) -> Blob {
    let mut b = annotated(
        COMPOSE_FILE_MEDIA_TYPE,
        data,
        &[("com.docker.compose.file", name)],
    );
    if extends {
        b.annotations
            .insert("com.docker.compose.extends".into(), "true".into());
    }
    b
}

/// An env file's layer, under the hashed name the published compose file refers to.
pub fn env_file(name: &str, data: Vec<u8>) -> Blob {
    annotated(
        ENV_FILE_MEDIA_TYPE,
        data,
        &[("com.docker.compose.envfile", name)],
    )
}

/// The name a local file is published under: the SHA-256 of its path, as Compose names it, so
/// that the artifact does not show the publisher's folders.
pub fn hashed_name(path: &str, extension: &str) -> String {
    let d = digest(path.as_bytes());
    format!("{}.{extension}", d.trim_start_matches("sha256:"))
}

/// The config blob and the manifest over `layers`; `created` is an RFC 3339 time.
pub fn manifest(layers: &[Blob], version: OciVersion, created: &str) -> (Blob, Vec<u8>) {
    let config = Blob {
        media_type: match version {
            OciVersion::V1_0 => EMPTY_CONFIG_MEDIA_TYPE,
            OciVersion::V1_1 => OCI_EMPTY_MEDIA_TYPE,
        }
        .into(),
        data: b"{}".to_vec(),
        annotations: BTreeMap::new(),
    };
    let mut m = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
    });
    if version == OciVersion::V1_1 {
        m["artifactType"] = PROJECT_ARTIFACT_TYPE.into();
    }
    m["config"] = config.descriptor();
    m["layers"] = Value::Array(layers.iter().map(Blob::descriptor).collect());
    m["annotations"] = json!({ "org.opencontainers.image.created": created });
    let bytes = serde_json::to_vec(&m).expect("a JSON value serializes");
    (config, bytes)
}

/// What reading an artifact back gives: the files to write into its folder of the cache.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Files {
    /// Every compose layer that is not an extended file, in order, as one multi-document
    /// `compose.yaml` (later documents override earlier ones, as `-f` files do).
    pub compose: Vec<u8>,
    /// Extended and env files by their published names.
    pub others: BTreeMap<String, Vec<u8>>,
}

/// Why a manifest is not a compose project's.
pub fn check_manifest(manifest: &Value, reference: &str) -> Result<Vec<Value>, String> {
    let artifact = manifest["artifactType"].as_str().unwrap_or_default();
    let config = manifest["config"]["mediaType"].as_str().unwrap_or_default();
    let ok = if artifact.is_empty() {
        config == EMPTY_CONFIG_MEDIA_TYPE
    } else {
        artifact == PROJECT_ARTIFACT_TYPE
    };
    if !ok {
        let what = if artifact.is_empty() {
            config
        } else {
            artifact
        };
        return Err(format!(
            "{reference} is not a compose project's OCI artifact (it is {})",
            if what.is_empty() { "untyped" } else { what }
        ));
    }
    Ok(manifest["layers"].as_array().cloned().unwrap_or_default())
}

/// A published name must be a plain file name: no folder, no `..`.
fn plain_name(name: &str) -> Result<&str, String> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\']) {
        return Err(format!(
            "the artifact names a file {name:?}, which is not a plain file name"
        ));
    }
    Ok(name)
}

/// Assembles the files of an artifact from its layers' descriptors and their contents.
pub fn unpack(layers: &[(Value, Vec<u8>)]) -> Result<Files, String> {
    let mut files = Files::default();
    for (i, (desc, data)) in layers.iter().enumerate() {
        let annotation = |k: &str| desc["annotations"][k].as_str();
        match desc["mediaType"].as_str().unwrap_or_default() {
            COMPOSE_FILE_MEDIA_TYPE if annotation("com.docker.compose.extends").is_some() => {
                let name = annotation("com.docker.compose.file")
                    .ok_or("an extended file's layer has no file name")?;
                files
                    .others
                    .insert(plain_name(name)?.to_string(), data.clone());
            }
            COMPOSE_FILE_MEDIA_TYPE => {
                if i > 0 && !files.compose.is_empty() {
                    files.compose.extend_from_slice(b"\n---\n");
                }
                files.compose.extend_from_slice(data);
            }
            ENV_FILE_MEDIA_TYPE => {
                let name = annotation("com.docker.compose.envfile")
                    .ok_or("an env file's layer has no file name")?;
                files
                    .others
                    .insert(plain_name(name)?.to_string(), data.clone());
            }
            _ => {}
        }
    }
    if files.compose.is_empty() {
        return Err("the artifact holds no compose file".into());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_project_unpacks_to_one_multi_document_file() {
        let layers = [
            compose_file(
                "compose.yaml",
                b"services: {a: {image: x}}\n".to_vec(),
                false,
            ),
            compose_file(
                "override.yaml",
                b"services: {a: {image: y}}\n".to_vec(),
                false,
            ),
            env_file("abc.env", b"A=1\n".to_vec()),
        ];
        let (_, m) = manifest(&layers, OciVersion::V1_1, "2026-12-02T00:00:00Z");
        let m: Value = serde_json::from_slice(&m).unwrap();
        let descs = check_manifest(&m, "r").unwrap();
        let pairs: Vec<(Value, Vec<u8>)> = descs
            .into_iter()
            .zip(layers.iter().map(|l| l.data.clone()))
            .collect();
        let files = unpack(&pairs).unwrap();
        assert_eq!(
            files.compose,
            b"services: {a: {image: x}}\n\n---\nservices: {a: {image: y}}\n".to_vec()
        );
        assert_eq!(files.others["abc.env"], b"A=1\n".to_vec());
    }

    #[test]
    fn a_layer_naming_a_path_is_refused() {
        let l = env_file("../../etc/passwd", b"x".to_vec());
        assert!(unpack(&[(l.descriptor(), l.data)]).is_err());
    }

    #[test]
    fn an_image_manifest_is_not_a_project() {
        let m = json!({"config": {"mediaType": "application/vnd.oci.image.config.v1+json"}});
        let e = check_manifest(&m, "127.0.0.1:5000/app:1").unwrap_err();
        assert!(e.contains("not a compose project"), "{e}");
    }
}
