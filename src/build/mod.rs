//! Building images, pure: a service's build as the engine takes it (its BuildKit by default, the
//! classic builder when asked; each key either sent, or refused with its key path), which
//! services share one build, and the order (a service whose Dockerfile starts `FROM`
//! another service's image builds after it; the others in parallel). The context goes to the
//! engine as `engine::context` makes it, when the build runs.

mod bake;
mod dockerfile;
mod keys;

pub use bake::bake;
pub use dockerfile::{failure, from_images, needs_buildkit, stages};
pub use keys::ignored;
use keys::{cache_from, cache_to, key, same_platform, secrets, ssh};

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::engine::{BuildRequest, Builder};
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
    /// The Dockerfile's text as read before planning (a failed step is found in it).
    pub text: String,
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
    /// `build -m`: the build container's memory limit in bytes (the classic builder's; 0: none).
    pub memory: i64,
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
    // as the reference labels them: BuildKit images with the project, service and version; the
    // classic builder's with the builder alone (it makes a step of each label, a second apiece)
    if buildkit {
        image_labels.insert(labels::PROJECT.into(), project.name.clone());
        image_labels.insert(labels::SERVICE.into(), service.into());
        image_labels.insert(labels::VERSION.into(), env!("CARGO_PKG_VERSION").into());
    } else {
        image_labels.insert(labels::IMAGE_BUILDER.into(), "classic".into());
    }
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
            tag: image_name(project, service, svc),
            args,
            target: b.target.clone(),
            labels: image_labels,
            cache_from,
            network: b.network.clone(),
            extra_hosts: b.extra_hosts.as_list(":"),
            shm_size: b.shm_size.0,
            memory: overrides.memory,
            ulimits,
            no_cache: b.no_cache || overrides.no_cache,
            pull: b.pull || overrides.pull,
            platform,
            secrets,
            ssh,
        },
        extra_tags: b.tags.clone(),
        text: String::new(),
    })
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
        s.text = source.dockerfile.clone().unwrap_or_default();
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
                        let img = image_name(project, dep, svc);
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
    use super::dockerfile::{locate, step_words};
    use super::*;
    use crate::engine::{BuildSecret, SshSource};

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
        assert!(
            !s.request
                .labels
                .contains_key("com.docker.compose.image.builder")
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
    fn print_gives_a_bake_file_without_secret_values() {
        let p = project(
            "services:\n  app:\n    build:\n      context: .\n      target: prod\n      args: {A: '1'}\n      secrets: [tok, env]\n      ssh: [default]\n      tags: [extra:1]\nsecrets:\n  tok: {file: ./t.txt}\n  env: {environment: FROM_ENV}\n",
        );
        let all: BTreeSet<String> = ["app".to_string()].into();
        let sources: Sources = [(
            "app".to_string(),
            Source {
                context_is_dir: true,
                dockerfile: Ok("FROM x AS prod\n".into()),
            },
        )]
        .into();
        let mut p = p;
        p.environment.insert("SSH_AUTH_SOCK".into(), "/a".into());
        let builds = ordered(&p, &all, &Overrides::default(), &sources).unwrap();
        let v = bake(&p, &builds);
        assert_eq!(v["group"]["default"]["targets"], serde_json::json!(["app"]));
        let t = &v["target"]["app"];
        assert_eq!(t["target"], "prod");
        assert_eq!(t["args"]["A"], "1");
        assert_eq!(t["tags"], serde_json::json!(["extra:1", "p-app"]));
        assert_eq!(t["ssh"], serde_json::json!(["default"]));
        assert_eq!(t["output"], serde_json::json!(["type=docker"]));
        let secrets = t["secret"].as_array().unwrap();
        assert!(
            secrets[0]
                .as_str()
                .unwrap()
                .starts_with("id=tok,type=file,src=/")
        );
        assert_eq!(secrets[1], "id=env,type=env,env=FROM_ENV");
        assert!(t["dockerfile"].as_str().unwrap().ends_with("/Dockerfile"));
        assert!(!v.to_string().contains("env-value"));
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
