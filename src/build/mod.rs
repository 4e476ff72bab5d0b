//! Building images, pure: a service's build as the engine takes it (its BuildKit by default, the
//! classic builder when asked; each key either sent, or refused with its key path), which
//! services share one build, and the order (a service whose Dockerfile starts `FROM`
//! another service's image builds after it; the others in parallel). The context
//! tar is made in `context.rs` when the build runs.

pub mod context;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::engine::{BuildRequest, BuildSecret, Builder, SshSource};
use crate::model::{Project, Service, UlimitValue};
use crate::names::image_name;
use crate::names::labels;

/// Where a build's Dockerfile comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerfileSource {
    /// Relative to the context, or absolute.
    Path(String),
    Inline(String),
}

/// One build: the context folder, the Dockerfile, the request, and the other names to tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    pub context: PathBuf,
    pub dockerfile: DockerfileSource,
    /// Everything but the Dockerfile's name in the tar (known when the tar is made).
    pub request: BuildRequest,
    /// `build.tags` and the images of services sharing this build.
    pub extra_tags: Vec<String>,
}

/// What shapes every build of a run: the command line's overrides (`build --no-cache --pull
/// --build-arg K=V`) and, from the service layer, the builder and the engine's platform.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub no_cache: bool,
    pub pull: bool,
    pub args: BTreeMap<String, String>,
    /// BuildKit unless `DOCKER_BUILDKIT=0` or the engine lacks it.
    pub builder: Builder,
    /// The engine's `os/arch` (empty: not known, nothing is checked).
    pub engine_platform: String,
    /// The engine's API version (`1.41`; empty: not known).
    pub engine_api: String,
}

/// The key path of a build key: `services.web.build.secrets`.
fn key(service: &str, key: &str) -> String {
    format!("services.{service}.build.{key}")
}

/// The build of `service`, or why it cannot be built with the builder `overrides` names.
pub fn spec(
    project: &Project,
    service: &str,
    svc: &Service,
    overrides: &Overrides,
) -> Result<BuildSpec, String> {
    let b = svc
        .build
        .as_ref()
        .ok_or_else(|| format!("service `{service}` has no `build` section"))?;
    let buildkit = overrides.builder == Builder::BuildKit;
    if !buildkit {
        for (set, what) in [
            (!b.additional_contexts.is_empty(), "additional_contexts"),
            (!b.ssh.is_empty(), "ssh"),
            (!b.secrets.is_empty(), "secrets"),
            (b.privileged, "privileged"),
            (b.platforms.len() > 1, "platforms"),
        ] {
            if set {
                return Err(format!(
                    "{}: needs BuildKit, and the classic builder was chosen (DOCKER_BUILDKIT=0, or an engine without BuildKit)",
                    key(service, what)
                ));
            }
        }
    }
    if !b.additional_contexts.is_empty() {
        return Err(format!(
            "{}: named build contexts need BuildKit's Dockerfile frontend 1.4, which the engine's own BuildKit has from Docker Engine 23.0; this engine's BuildKit is older",
            key(service, "additional_contexts")
        ));
    }
    if b.context.contains("://") || b.context.starts_with("git@") {
        return Err(format!(
            "{}: remote build contexts ({}) are not supported yet",
            key(service, "context"),
            b.context
        ));
    }
    // security.insecure cannot be granted through the engine's /build endpoint
    let insecure = b.entitlements.iter().any(|e| e == "security.insecure");
    if b.privileged || insecure {
        let k = if b.privileged {
            "privileged"
        } else {
            "entitlements"
        };
        return Err(format!(
            "{}: the engine's /build endpoint cannot grant the security.insecure entitlement (that needs buildx with a builder started with it allowed)",
            key(service, k)
        ));
    }
    if let Some(e) = b.entitlements.iter().find(|e| e.as_str() != "network.host") {
        return Err(format!(
            "{}: unknown entitlement `{e}` (network.host and security.insecure exist)",
            key(service, "entitlements")
        ));
    }
    let engine = &overrides.engine_platform;
    let platform = match b.platforms.as_slice() {
        [] => svc.platform.clone(),
        list => {
            let other = list
                .iter()
                .find(|p| !engine.is_empty() && !same_platform(p, engine));
            if let Some(p) = other {
                return Err(format!(
                    "{}: the engine builds for {engine} only, not {p} (no emulation or other builder is set up for it)",
                    key(service, "platforms")
                ));
            }
            list[0].clone()
        }
    };
    let dockerfile = if !b.dockerfile_inline.is_empty() {
        DockerfileSource::Inline(b.dockerfile_inline.clone())
    } else if b.dockerfile.is_empty() {
        DockerfileSource::Path("Dockerfile".into())
    } else {
        DockerfileSource::Path(b.dockerfile.clone())
    };
    // `args: [NAME]` take the value from the environment, as in Compose; the command line wins
    let mut args: BTreeMap<String, String> = b
        .args
        .iter()
        .filter_map(|(k, v)| {
            v.clone()
                .or_else(|| project.environment.get(k).cloned())
                .map(|v| (k.clone(), v))
        })
        .collect();
    args.extend(overrides.args.clone());
    let cache_from = cache_from(service, &b.cache_from)?;
    if cache_to(service, &b.cache_to, buildkit)? {
        args.insert("BUILDKIT_INLINE_CACHE".into(), "1".into());
    }
    let secrets = secrets(project, service, &b.secrets)?;
    let ssh = ssh(project, service, &b.ssh)?;
    let mut image_labels: BTreeMap<String, String> = b.labels.clone();
    let builder = if buildkit { "buildkit" } else { "classic" };
    image_labels.insert(labels::IMAGE_BUILDER.into(), builder.into());
    image_labels.insert(labels::PROJECT.into(), project.name.clone());
    image_labels.insert(labels::SERVICE.into(), service.into());
    image_labels.insert(labels::VERSION.into(), env!("CARGO_PKG_VERSION").into());
    let ulimits = b
        .ulimits
        .iter()
        .map(|(name, v)| {
            let pair = match v {
                UlimitValue::Single(n) => (*n, *n),
                UlimitValue::Pair { soft, hard } => (*soft, *hard),
            };
            (name.clone(), pair)
        })
        .collect();
    Ok(BuildSpec {
        context: PathBuf::from(if b.context.is_empty() {
            "."
        } else {
            &b.context
        }),
        dockerfile,
        request: BuildRequest {
            builder: overrides.builder,
            dockerfile: String::new(),
            tag: image_name(&project.name, service, svc),
            args,
            target: b.target.clone(),
            labels: image_labels,
            cache_from,
            network: b.network.clone(),
            extra_hosts: b.extra_hosts.as_list(":"),
            shm_size: b.shm_size.0,
            ulimits,
            no_cache: b.no_cache || overrides.no_cache,
            pull: b.pull || overrides.pull,
            platform,
            secrets,
            ssh,
        },
        extra_tags: b.tags.clone(),
    })
}

/// `linux/amd64` and `linux/amd64/v1`... name one platform; `linux/arm64` does not.
fn same_platform(a: &str, b: &str) -> bool {
    let parts = |p: &str| -> Vec<String> { p.split('/').take(2).map(str::to_lowercase).collect() };
    parts(a) == parts(b)
}

/// `cache_from` entries as the engine takes them: images (`name:tag`, `type=registry,ref=...`);
/// a local folder cache needs buildx.
fn cache_from(service: &str, entries: &[String]) -> Result<Vec<String>, String> {
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
fn cache_to(service: &str, entries: &[String], buildkit: bool) -> Result<bool, String> {
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
fn secrets(
    project: &Project,
    service: &str,
    refs: &[crate::model::FileReference],
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
fn ssh(
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
    // BuildKit applies them to RUN steps from BuildKit 0.12 (Docker Engine 25, API 1.44)
    let old_buildkit = !classic && api_below(&overrides.engine_api, 44);
    let run_steps = "this engine's BuildKit does not apply it to RUN steps (Docker Engine 25 does); DOCKER_BUILDKIT=0 builds with the classic builder, which does";
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

/// Whether API version `api` (`1.41`) is below `1.<minor>`; an unknown one is not.
fn api_below(api: &str, minor: u32) -> bool {
    match api.split_once('.') {
        Some(("1", m)) => m.parse::<u32>().is_ok_and(|m| m < minor),
        _ => false,
    }
}

/// The first line of a Dockerfile that only BuildKit reads (`# syntax=`, `RUN --mount`,
/// `COPY --link`, here-documents...), with its number.
pub fn needs_buildkit(dockerfile: &str) -> Option<(usize, String)> {
    let flags = [
        "--mount",
        "--link",
        "--chmod",
        "--security",
        "--network",
        "--parents",
        "--exclude",
        "--checksum",
    ];
    for (i, line) in dockerfile.lines().enumerate() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        let directive = lower.starts_with('#')
            && lower[1..].trim_start().starts_with("syntax")
            && lower.contains('=');
        let words: Vec<&str> = t.split_whitespace().collect();
        let instruction = words
            .first()
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default();
        let flagged = matches!(instruction.as_str(), "RUN" | "COPY" | "ADD")
            && words[1..]
                .iter()
                .take_while(|w| w.starts_with("--"))
                .any(|w| flags.iter().any(|f| w.starts_with(f)));
        let heredoc = matches!(instruction.as_str(), "RUN" | "COPY")
            && words[1..]
                .iter()
                .any(|w| w.starts_with("<<") && w.len() > 2);
        if directive || flagged || heredoc {
            return Some((i + 1, t.to_string()));
        }
    }
    None
}

/// The line of the Dockerfile `text` where BuildKit's step `step` is written
/// (`[build 3/4] RUN make -j4`: the stage's instruction with that text; continuation lines
/// joined), 1-based.
pub fn locate(text: &str, step: &str) -> Option<usize> {
    let (stage, instruction) = match step.strip_prefix('[').and_then(|s| s.split_once("] ")) {
        Some((inside, rest)) => {
            let words: Vec<&str> = inside.split_whitespace().collect();
            let stage = (words.len() > 1).then(|| words[0].to_ascii_lowercase());
            (stage, rest)
        }
        None => (None, step),
    };
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let want = squash(instruction);
    // the instructions with their first line, continuation lines joined
    let mut instructions: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if pending.is_none() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        let (n, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        match t.strip_suffix('\\') {
            Some(part) => {
                acc.push_str(part);
                acc.push(' ');
                pending = Some((n, acc));
            }
            None => {
                acc.push_str(t);
                instructions.push((n, squash(&acc)));
            }
        }
    }
    let mut current: Option<String> = None;
    let mut index = 0usize;
    for (n, ins) in &instructions {
        let upper = ins.to_ascii_uppercase();
        if upper.starts_with("FROM ") {
            let words: Vec<&str> = ins.split_whitespace().collect();
            let named = words
                .iter()
                .position(|w| w.eq_ignore_ascii_case("as"))
                .and_then(|i| words.get(i + 1));
            current = Some(match named {
                Some(name) => name.to_ascii_lowercase(),
                None => format!("stage-{index}"),
            });
            index += 1;
        }
        let in_stage = match (&stage, &current) {
            (Some(s), Some(c)) => s == c,
            _ => true,
        };
        if in_stage && ins.eq_ignore_ascii_case(&want) {
            return Some(*n);
        }
    }
    None
}

/// A BuildKit step's name in words: `[build 3/4] RUN make` is "stage `build`, step 3/4
/// `RUN make`"; other names stay as they are.
pub fn step_words(step: &str) -> String {
    let Some((inside, rest)) = step.strip_prefix('[').and_then(|s| s.split_once("] ")) else {
        return step.to_string();
    };
    match inside.split_whitespace().collect::<Vec<_>>().as_slice() {
        [stage, n] if n.contains('/') => format!("stage `{stage}`, step {n} `{rest}`"),
        [n] if n.contains('/') => format!("step {n} `{rest}`"),
        _ => step.to_string(),
    }
}

/// The images a Dockerfile builds `FROM` (variables left as written).
pub fn from_images(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 5 && l[..5].eq_ignore_ascii_case("from "))
        .filter_map(|l| {
            l[5..]
                .split_whitespace()
                .find(|w| !w.starts_with("--"))
                .map(str::to_string)
        })
        .collect()
}

/// The stage names a Dockerfile declares (`FROM image AS name`), lowercased as the builder does.
pub fn stages(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 5 && l[..5].eq_ignore_ascii_case("from "))
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let i = words.iter().position(|w| w.eq_ignore_ascii_case("as"))?;
            words.get(i + 1).map(|w| w.to_ascii_lowercase())
        })
        .collect()
}

/// What the files say about one build, read before planning: whether the context is a folder,
/// and the Dockerfile's text (or why it cannot be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub context_is_dir: bool,
    pub dockerfile: Result<String, String>,
}

/// The sources of the builds about to be planned, by service.
pub type Sources = BTreeMap<String, Source>;

/// The Dockerfile's path of a spec (`None` when inline).
pub fn dockerfile_path(spec: &BuildSpec) -> Option<PathBuf> {
    match &spec.dockerfile {
        DockerfileSource::Inline(_) => None,
        DockerfileSource::Path(p) => Some(spec.context.join(p)),
    }
}

/// What can be known before anything is sent: the context is a folder, the Dockerfile is there,
/// and the `target` is one of its stages. The message names the service and the file.
pub fn check_sources(service: &str, spec: &BuildSpec, source: &Source) -> Result<(), String> {
    if !source.context_is_dir {
        return Err(format!(
            "service `{service}`: build context {} is not a folder",
            spec.context.display()
        ));
    }
    let text = source.dockerfile.as_ref().map_err(|why| {
        let path = dockerfile_path(spec).unwrap_or_default();
        format!(
            "service `{service}`: cannot read the Dockerfile {}: {why}",
            path.display()
        )
    })?;
    if spec.request.builder == Builder::Classic
        && let Some((n, line)) = needs_buildkit(text)
    {
        let file = match dockerfile_path(spec) {
            Some(p) => p.display().to_string(),
            None => "dockerfile_inline".to_string(),
        };
        return Err(format!(
            "service `{service}`: {file}:{n} needs BuildKit (`{line}`), and the classic builder was chosen (DOCKER_BUILDKIT=0, or an engine without BuildKit)"
        ));
    }
    let target = &spec.request.target;
    if !target.is_empty() {
        let all = stages(text);
        if !all.contains(&target.to_ascii_lowercase()) {
            let known = if all.is_empty() {
                "it names no stages (`FROM image AS name`)".to_string()
            } else {
                format!("its stages are {}", all.join(", "))
            };
            return Err(format!(
                "service `{service}`: build target `{target}` is not a stage of the Dockerfile; {known}"
            ));
        }
    }
    Ok(())
}

/// One build of [`ordered`]: the spec, the services it serves, and the builds it waits for
/// (indexes into the returned list).
#[derive(Debug, Clone)]
pub struct OrderedBuild {
    pub spec: BuildSpec,
    pub services: Vec<String>,
    pub needs: Vec<usize>,
}

/// Builds of `services` with one build per distinct spec, in an order where each comes after the
/// builds it needs.
pub fn ordered(
    project: &Project,
    services: &BTreeSet<String>,
    overrides: &Overrides,
    sources: &Sources,
) -> Result<Vec<OrderedBuild>, String> {
    let mut builds: Vec<(BuildSpec, Vec<String>)> = Vec::new();
    for name in services {
        let svc = &project.services[name];
        if svc.build.is_none() {
            continue;
        }
        let mut s = spec(project, name, svc, overrides)?;
        let source = sources
            .get(name)
            .ok_or_else(|| format!("service `{name}`: its build files were not read"))?;
        check_sources(name, &s, source)?;
        // the same build under another name is one build with another tag
        let same = builds.iter_mut().find(|(other, _)| {
            let mut a = other.request.clone();
            let mut b = s.request.clone();
            a.tag.clear();
            b.tag.clear();
            a.labels.remove(labels::SERVICE);
            b.labels.remove(labels::SERVICE);
            other.context == s.context && other.dockerfile == s.dockerfile && a == b
        });
        match same {
            Some((other, names)) => {
                if s.request.tag != other.request.tag {
                    other.extra_tags.push(std::mem::take(&mut s.request.tag));
                }
                other.extra_tags.append(&mut s.extra_tags);
                names.push(name.clone());
            }
            None => builds.push((s, vec![name.clone()])),
        }
    }
    // what each build needs: builds of the images its Dockerfile starts from; where a `FROM`
    // names its image through a variable, the builds of the services it depends on too.
    // Otherwise builds run in parallel: ordering them by depends_on costs minutes.
    let produced: BTreeMap<String, usize> = builds
        .iter()
        .enumerate()
        .flat_map(|(i, (s, _))| {
            std::iter::once(s.request.tag.clone())
                .chain(s.extra_tags.iter().cloned())
                .map(move |t| (t, i))
        })
        .collect();
    let needs: Vec<BTreeSet<usize>> = builds
        .iter()
        .enumerate()
        .map(|(i, (_, names))| {
            let text = sources[&names[0]].dockerfile.as_deref().unwrap_or_default();
            let froms = from_images(text);
            let opaque = froms.iter().any(|f| f.contains('$'));
            let mut n: BTreeSet<usize> = froms
                .iter()
                .filter_map(|img| {
                    produced
                        .get(img)
                        .or_else(|| produced.get(&format!("{img}:latest")))
                        .copied()
                })
                .collect();
            for name in names.iter().filter(|_| opaque) {
                for dep in project.services[name].depends_on.keys() {
                    if let Some(svc) = project.services.get(dep) {
                        let img = image_name(&project.name, dep, svc);
                        if let Some(&j) = produced.get(&img) {
                            n.insert(j);
                        }
                    }
                }
            }
            n.remove(&i);
            n
        })
        .collect();
    // a topological order; a cycle between builds is an error
    let after: BTreeMap<usize, BTreeSet<usize>> = needs.iter().cloned().enumerate().collect();
    let order = crate::graph::order(&after)
        .ok_or("the builds depend on each other in a cycle (FROM another service's image)")?;
    let position: BTreeMap<usize, usize> = order.iter().enumerate().map(|(p, &i)| (i, p)).collect();
    Ok(order
        .iter()
        .map(|&i| {
            let (spec, services) = builds[i].clone();
            let needs = needs[i].iter().map(|j| position[j]).collect();
            OrderedBuild {
                spec,
                services,
                needs,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(yaml: &str) -> Project {
        // a folder that exists: `ordered` checks that contexts are folders
        let mut o = crate::load::Options::new(std::env::temp_dir());
        o.files = vec!["-".into()];
        o.stdin = Some(yaml.to_string());
        o.project_name = Some("p".into());
        o.os_env.insert("FROM_ENV".into(), "env-value".into());
        crate::load::load(&o)
            .expect("the test project loads")
            .project
    }

    #[test]
    fn specs_take_args_labels_and_overrides() {
        let p = project(
            "services:\n  app:\n    build:\n      context: ./app\n      args: [FROM_ENV, GIVEN=1]\n      target: prod\n      labels: {a: b}\n",
        );
        let o = Overrides {
            no_cache: true,
            args: BTreeMap::from([("GIVEN".into(), "2".into())]),
            ..Default::default()
        };
        let s = spec(&p, "app", &p.services["app"], &o).unwrap();
        assert_eq!(s.request.tag, "p-app");
        assert_eq!(s.request.args["FROM_ENV"], "env-value");
        assert_eq!(s.request.args["GIVEN"], "2");
        assert_eq!(s.request.target, "prod");
        assert!(s.request.no_cache);
        assert_eq!(s.request.labels["a"], "b");
        assert_eq!(
            s.request.labels["com.docker.compose.image.builder"],
            "buildkit"
        );
        assert_eq!(s.dockerfile, DockerfileSource::Path("Dockerfile".into()));
    }

    #[test]
    fn shared_builds_happen_once_and_from_orders_them() {
        let p = project(
            "services:\n  base:\n    image: my/base\n    build:\n      dockerfile_inline: FROM debian\n  app:\n    build:\n      dockerfile_inline: |\n        FROM --platform=x my/base\n  worker:\n    build:\n      dockerfile_inline: |\n        FROM --platform=x my/base\n",
        );
        let all: BTreeSet<String> = p.services.keys().cloned().collect();
        let sources: Sources = all
            .iter()
            .map(|name| {
                let b = p.services[name].build.as_ref().unwrap();
                let source = Source {
                    context_is_dir: true,
                    dockerfile: Ok(b.dockerfile_inline.clone()),
                };
                (name.clone(), source)
            })
            .collect();
        let builds = ordered(&p, &all, &Overrides::default(), &sources).unwrap();
        let summary: Vec<String> = builds
            .iter()
            .map(|b| {
                format!(
                    "{} {:?} {:?} {:?}",
                    b.spec.request.tag, b.spec.extra_tags, b.services, b.needs
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                r#"my/base [] ["base"] []"#,
                r#"p-app ["p-worker"] ["app", "worker"] [0]"#
            ]
        );
    }

    #[test]
    fn stages_and_ignored_keys() {
        assert_eq!(
            stages("FROM a AS Base\nfrom --platform=x b as final\nFROM c\n"),
            vec!["base", "final"]
        );
        let p = project(
            "services:\n  app:\n    build:\n      context: .\n      sbom: true\n      entitlements: [network.host]\n",
        );
        let mut o = Overrides::default();
        let w = ignored("app", &p.services["app"], &o);
        assert_eq!(
            w,
            ["services.app.build.sbom: ignored: attestations are made by buildx"]
        );
        o.builder = Builder::Classic;
        let w = ignored("app", &p.services["app"], &o);
        assert_eq!(w.len(), 2, "{w:?}");
        let p = project(
            "services:\n  app:\n    build:\n      context: .\n      shm_size: 1g\n      ulimits: {nofile: 10}\n",
        );
        let mut o = Overrides {
            engine_api: "1.41".into(),
            ..Default::default()
        };
        let w = ignored("app", &p.services["app"], &o);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("services.app.build.shm_size: ignored: this engine's BuildKit"),
            "{w:?}"
        );
        o.engine_api = "1.44".into();
        assert!(ignored("app", &p.services["app"], &o).is_empty());
    }

    #[test]
    fn buildkit_keys_become_the_request() {
        let p = project(
            "services:\n  app:\n    build:\n      context: .\n      secrets: [tok, {source: env, target: other}]\n      ssh: [default, 'keys=/k1,/k2']\n      cache_from: [img:1, 'type=registry,ref=img:2']\n      cache_to: ['type=inline']\n      ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}\nsecrets:\n  tok: {file: ./t.txt}\n  env: {environment: FROM_ENV}\n",
        );
        let mut p = p;
        p.environment
            .insert("SSH_AUTH_SOCK".into(), "/run/agent".into());
        let s = spec(&p, "app", &p.services["app"], &Overrides::default()).unwrap();
        let r = &s.request;
        assert_eq!(r.builder, Builder::BuildKit);
        assert!(matches!(&r.secrets["tok"], BuildSecret::File(f) if f.ends_with("t.txt")));
        assert_eq!(
            r.secrets["other"],
            BuildSecret::Value(b"env-value".to_vec())
        );
        assert_eq!(r.ssh["default"], SshSource::Agent("/run/agent".into()));
        assert_eq!(
            r.ssh["keys"],
            SshSource::Keys(vec!["/k1".into(), "/k2".into()])
        );
        assert_eq!(r.cache_from, ["img:1", "img:2"]);
        assert_eq!(r.args["BUILDKIT_INLINE_CACHE"], "1");
        assert_eq!(r.ulimits["nofile"], (1, 2));
        assert_eq!(r.ulimits["nproc"], (5, 5));
        // a secret's value never shows in a plan
        assert!(!format!("{r:?}").contains("env-value"));
    }

    #[test]
    fn what_this_engine_cannot_do_names_the_key() {
        let cases = [
            (
                "additional_contexts: {base: ../b}",
                "services.a.build.additional_contexts: named build contexts",
                "Docker Engine 23.0",
            ),
            (
                "cache_to: ['type=local,dest=/tmp/c']",
                "services.a.build.cache_to[0]: a `type=local` cache export needs buildx",
                "",
            ),
            (
                "cache_from: ['type=local,src=/tmp/c']",
                "services.a.build.cache_from[0]: a `type=local` cache",
                "",
            ),
            (
                "platforms: [linux/amd64, linux/arm64]",
                "services.a.build.platforms: the engine builds for linux/amd64 only, not linux/arm64",
                "",
            ),
            (
                "privileged: true",
                "services.a.build.privileged: the engine's /build endpoint cannot grant",
                "",
            ),
            (
                "secrets: [nope]",
                "services.a.build.secrets[0]: secret `nope` is not defined",
                "",
            ),
        ];
        for (yaml, want, also) in cases {
            let p = project(&format!(
                "services:\n  a:\n    build:\n      context: .\n      {yaml}\n"
            ));
            let o = Overrides {
                engine_platform: "linux/amd64".into(),
                ..Default::default()
            };
            let e = spec(&p, "a", &p.services["a"], &o).unwrap_err();
            assert!(e.starts_with(want) && e.contains(also), "{yaml}: {e}");
        }
    }

    #[test]
    fn steps_are_found_in_the_dockerfile() {
        let text = "# comment\nFROM a AS build\nRUN make\nRUN exit 3\n\nFROM b\nRUN exit 3\nRUN apt-get \\\n    install x\n";
        assert_eq!(locate(text, "[build 3/3] RUN exit 3"), Some(4));
        assert_eq!(locate(text, "[stage-1 2/3] RUN exit 3"), Some(7));
        assert_eq!(locate(text, "[stage-1 3/3] RUN apt-get install x"), Some(8));
        assert_eq!(locate(text, "[2/3] RUN make"), Some(3));
        assert_eq!(locate(text, "[internal] load metadata"), None);
        assert_eq!(
            step_words("[build 3/3] RUN exit 3"),
            "stage `build`, step 3/3 `RUN exit 3`"
        );
        assert_eq!(step_words("[internal] load x"), "[internal] load x");
    }

    #[test]
    fn buildkit_only_dockerfiles_are_found() {
        assert_eq!(needs_buildkit("FROM a\nRUN make\n"), None);
        for (text, line) in [
            ("# syntax=docker/dockerfile:1\nFROM a\n", 1),
            ("FROM a\nRUN --mount=type=cache,target=/c make\n", 2),
            ("FROM a\nCOPY --link . /\n", 2),
            ("FROM a\nRUN <<EOF\necho\nEOF\n", 2),
        ] {
            assert_eq!(needs_buildkit(text).map(|(n, _)| n), Some(line), "{text}");
        }
        let p = project("services:\n  app:\n    build: .\n");
        let o = Overrides {
            builder: Builder::Classic,
            ..Default::default()
        };
        let s = spec(&p, "app", &p.services["app"], &o).unwrap();
        let source = Source {
            context_is_dir: true,
            dockerfile: Ok("FROM x\nRUN --mount=type=secret,id=t cat /run/secrets/t\n".into()),
        };
        let e = check_sources("app", &s, &source).unwrap_err();
        assert!(
            e.contains("Dockerfile:2 needs BuildKit") && e.contains("DOCKER_BUILDKIT=0"),
            "{e}"
        );
    }

    #[test]
    fn sources_are_checked_before_sending() {
        let p = project("services:\n  app:\n    build: .\n");
        let mut s = spec(&p, "app", &p.services["app"], &Overrides::default()).unwrap();
        let ok = Source {
            context_is_dir: true,
            dockerfile: Ok("FROM x AS base\n".into()),
        };
        assert_eq!(check_sources("app", &s, &ok), Ok(()));
        s.request.target = "nope".into();
        let e = check_sources("app", &s, &ok).unwrap_err();
        assert!(
            e.contains("`nope` is not a stage") && e.contains("base"),
            "{e}"
        );
        let unreadable = Source {
            context_is_dir: true,
            dockerfile: Err("no such file".into()),
        };
        let e = check_sources("app", &s, &unreadable).unwrap_err();
        assert!(
            e.contains("cannot read the Dockerfile") && e.contains("no such file"),
            "{e}"
        );
        let no_folder = Source {
            context_is_dir: false,
            ..ok
        };
        let e = check_sources("app", &s, &no_folder).unwrap_err();
        assert!(e.contains("is not a folder"), "{e}");
    }

    #[test]
    fn the_classic_builder_refuses_what_it_cannot_do() {
        let p = project("services:\n  a:\n    build:\n      context: .\n      ssh: [default]\n");
        let o = Overrides {
            builder: Builder::Classic,
            ..Default::default()
        };
        let e = spec(&p, "a", &p.services["a"], &o).unwrap_err();
        assert!(e.starts_with("services.a.build.ssh: needs BuildKit"), "{e}");
    }
}
