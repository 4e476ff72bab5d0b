//! `build --print`: builds as a bake file defines them, the shape the reference prints.

use crate::model::Project;

use super::{DockerfileSource, OrderedBuild};

/// Builds as a bake file defines them (`build --print`, the shape the reference prints): a
/// `default` group of every target, and per build its context, Dockerfile, args, labels, tags,
/// target, secrets and SSH ids (their sources, never their values), caches, network, hosts,
/// sizes, platforms and output.
pub fn bake(project: &Project, builds: &[OrderedBuild]) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let mut targets = Map::new();
    let mut names = Vec::new();
    for ob in builds {
        let name = ob.services[0].clone();
        let svc = &project.services[&name];
        let Some(b) = &svc.build else { continue };
        let r = &ob.spec.request;
        let mut t = Map::new();
        t.insert(
            "context".into(),
            json!(ob.spec.context.display().to_string()),
        );
        match &ob.spec.dockerfile {
            DockerfileSource::Path(p) => {
                let path = ob.spec.context.join(p);
                t.insert("dockerfile".into(), json!(path.display().to_string()));
            }
            DockerfileSource::Inline(text) => {
                t.insert("dockerfile-inline".into(), json!(text));
            }
        }
        let mut put = |k: &str, v: Value, set: bool| {
            if set {
                t.insert(k.into(), v);
            }
        };
        put("args", json!(r.args), !r.args.is_empty());
        put("labels", json!(r.labels), !r.labels.is_empty());
        // (the reference lists `build.tags` before the image's name)
        let tags: Vec<&String> = ob.spec.extra_tags.iter().chain([&r.tag]).collect();
        put("tags", json!(tags), true);
        put("target", json!(r.target), !r.target.is_empty());
        let secrets: Vec<String> = b
            .secrets
            .iter()
            .filter_map(|s| {
                let def = project.secrets.get(&s.source)?;
                let id = if s.target.is_empty() {
                    &s.source
                } else {
                    &s.target
                };
                Some(if !def.environment.is_empty() {
                    format!("id={id},type=env,env={}", def.environment)
                } else if !def.file.is_empty() {
                    format!("id={id},type=file,src={}", def.file)
                } else {
                    format!("id={id},type=content")
                })
            })
            .collect();
        put("secret", json!(secrets), !secrets.is_empty());
        put("ssh", json!(b.ssh), !b.ssh.is_empty());
        put("cache-from", json!(b.cache_from), !b.cache_from.is_empty());
        put("cache-to", json!(b.cache_to), !b.cache_to.is_empty());
        put("network", json!(r.network), !r.network.is_empty());
        put(
            "extra-hosts",
            json!(r.extra_hosts),
            !r.extra_hosts.is_empty(),
        );
        put("shm-size", json!(r.shm_size), r.shm_size > 0);
        let ulimits: Vec<String> = r
            .ulimits
            .iter()
            .map(|(n, (soft, hard))| format!("{n}={soft}:{hard}"))
            .collect();
        put("ulimits", json!(ulimits), !ulimits.is_empty());
        put("platforms", json!(b.platforms), !b.platforms.is_empty());
        put(
            "entitlements",
            json!(b.entitlements),
            !b.entitlements.is_empty(),
        );
        put("no-cache", json!(true), r.no_cache);
        put("pull", json!(true), r.pull);
        put("output", json!(["type=docker"]), true);
        targets.insert(name.clone(), Value::Object(t));
        names.push(name);
    }
    json!({"group": {"default": {"targets": names}}, "target": targets})
}
