//! The `build` keys that need more than a copy into the request, pure: key paths, caches,
//! secrets, SSH ids, platforms, and the keys the chosen builder or this engine ignores.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::engine::{BuildSecret, Builder, SshSource, api_version};
use crate::model::{FileReference, Project, Service};

use super::Overrides;

/// The key path of a build key: `services.web.build.secrets`.
pub(super) fn key(service: &str, key: &str) -> String {
    format!("services.{service}.build.{key}")
}

/// `linux/amd64` and `linux/amd64/v1`... name one platform; `linux/arm64` does not.
pub(super) fn same_platform(a: &str, b: &str) -> bool {
    let parts = |p: &str| -> Vec<String> { p.split('/').take(2).map(str::to_lowercase).collect() };
    parts(a) == parts(b)
}

/// `cache_from` entries as the engine takes them: images (`name:tag`, `type=registry,ref=...`);
/// a local folder cache needs buildx.
pub(super) fn cache_from(service: &str, entries: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let attrs = cache_attrs(e);
        match attrs.get("type").map(String::as_str) {
            None => out.push(e.clone()),
            Some("registry") => match attrs.get("ref") {
                Some(r) => out.push(r.clone()),
                None => {
                    return Err(format!(
                        "{}[{i}]: `type=registry` needs a `ref=`",
                        key(service, "cache_from")
                    ));
                }
            },
            Some(t) => {
                return Err(format!(
                    "{}[{i}]: a `type={t}` cache is read by buildx only; the engine's /build endpoint reads cache from images (an image name, or type=registry,ref=IMAGE)",
                    key(service, "cache_from")
                ));
            }
        }
    }
    Ok(out)
}

/// Whether `cache_to` asks for the inline cache (the only export the engine's /build endpoint
/// does).
pub(super) fn cache_to(service: &str, entries: &[String], buildkit: bool) -> Result<bool, String> {
    let mut inline = false;
    for (i, e) in entries.iter().enumerate() {
        let attrs = cache_attrs(e);
        match attrs.get("type").map(String::as_str) {
            Some("inline") if buildkit => inline = true,
            Some("inline") => {
                return Err(format!(
                    "{}[{i}]: the inline cache needs BuildKit, and the classic builder was chosen",
                    key(service, "cache_to")
                ));
            }
            other => {
                let t = other.unwrap_or("registry");
                return Err(format!(
                    "{}[{i}]: a `type={t}` cache export needs buildx; the engine's /build endpoint exports the inline cache only (type=inline)",
                    key(service, "cache_to")
                ));
            }
        }
    }
    Ok(inline)
}

/// `type=local,src=path` as a map.
fn cache_attrs(entry: &str) -> BTreeMap<String, String> {
    if !entry.contains('=') {
        return BTreeMap::new();
    }
    entry
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// A build's secrets by id (a reference's `target`, else its `source`), from the project's
/// `secrets`: a file, an environment variable or inline content.
pub(super) fn secrets(
    project: &Project,
    service: &str,
    refs: &[FileReference],
) -> Result<BTreeMap<String, BuildSecret>, String> {
    let mut out = BTreeMap::new();
    for (i, r) in refs.iter().enumerate() {
        let path = format!("{}[{i}]", key(service, "secrets"));
        let def = project
            .secrets
            .get(&r.source)
            .ok_or_else(|| format!("{path}: secret `{}` is not defined", r.source))?;
        let source = if !def.file.is_empty() {
            BuildSecret::File(PathBuf::from(&def.file))
        } else if !def.environment.is_empty() {
            let value = project.environment.get(&def.environment).ok_or_else(|| {
                format!(
                    "{path}: secret `{}` comes from the environment variable {}, which is not set",
                    r.source, def.environment
                )
            })?;
            BuildSecret::Value(value.clone().into_bytes())
        } else if !def.content.is_empty() {
            BuildSecret::Value(def.content.clone().into_bytes())
        } else {
            return Err(format!(
                "{path}: secret `{}` has no file, environment or content to build with",
                r.source
            ));
        };
        let id = if r.target.is_empty() {
            &r.source
        } else {
            &r.target
        };
        out.insert(id.clone(), source);
    }
    Ok(out)
}

/// A build's SSH ids: `default` (or `id` alone) is the running agent (`SSH_AUTH_SOCK`),
/// `id=path[,path]` an agent socket or key files.
pub(super) fn ssh(
    project: &Project,
    service: &str,
    entries: &[String],
) -> Result<BTreeMap<String, SshSource>, String> {
    let mut out = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let path = format!("{}[{i}]", key(service, "ssh"));
        match e.split_once('=') {
            Some((id, paths)) if !paths.is_empty() => {
                // (the loader made them absolute)
                let paths = paths.split(',').map(PathBuf::from).collect();
                out.insert(id.to_string(), SshSource::Keys(paths));
            }
            _ => {
                let id = e.trim_end_matches('=');
                let socket = project
                    .environment
                    .get("SSH_AUTH_SOCK")
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        format!("{path}: `{id}` forwards the running SSH agent, and SSH_AUTH_SOCK is not set")
                    })?;
                out.insert(id.to_string(), SshSource::Agent(PathBuf::from(socket)));
            }
        }
    }
    Ok(out)
}

/// The `build` keys of `service` that the chosen builder has no parameter for, as warnings.
pub fn ignored(service: &str, svc: &Service, overrides: &Overrides) -> Vec<String> {
    let Some(b) = &svc.build else {
        return Vec::new();
    };
    let classic = overrides.builder == Builder::Classic;
    // measured: Docker 20.10's BuildKit runs RUN steps without them; newer BuildKit releases
    // take them, from API 1.44 as far as known (not checked here: no newer engine)
    let api = &overrides.engine_api;
    let old_buildkit = !classic && !api.is_empty() && api_version(api) < (1, 44);
    let run_steps = "this engine's BuildKit does not apply it to RUN steps (newer BuildKit releases do); DOCKER_BUILDKIT=0 builds with the classic builder, which does";
    [
        (old_buildkit && b.shm_size.0 > 0, "shm_size", run_steps),
        (old_buildkit && !b.ulimits.is_empty(), "ulimits", run_steps),
        (
            !b.provenance.is_empty(),
            "provenance",
            "attestations are made by buildx",
        ),
        (
            !b.sbom.is_empty(),
            "sbom",
            "attestations are made by buildx",
        ),
        (
            !b.isolation.is_empty(),
            "isolation",
            "isolation is for Windows engines",
        ),
        (
            classic && !b.entitlements.is_empty(),
            "entitlements",
            "the classic builder has no entitlements",
        ),
    ]
    .into_iter()
    .filter(|(set, ..)| *set)
    .map(|(_, k, why)| format!("{}: ignored: {why}", key(service, k)))
    .collect()
}
