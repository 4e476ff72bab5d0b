//! Building images, pure: a service's build as the engine's classic builder takes it (API 1.41),
//! which services share one build, and the order (a service whose Dockerfile starts `FROM`
//! another service's image builds after it; the others in parallel). The context
//! tar is made in `context.rs` when the build runs.

pub mod context;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::engine::BuildRequest;
use crate::model::{Project, Service};
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

/// Command-line overrides (`build --no-cache --pull --build-arg K=V`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub no_cache: bool,
    pub pull: bool,
    pub args: BTreeMap<String, String>,
}

/// The build of `service`, or why the classic builder cannot do it.
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
    for (set, what) in [
        (!b.additional_contexts.is_empty(), "additional contexts"),
        (!b.ssh.is_empty(), "SSH keys"),
        (!b.secrets.is_empty(), "build secrets"),
        (b.privileged, "privileged builds"),
        (b.platforms.len() > 1, "multi-platform builds"),
    ] {
        if set {
            return Err(format!(
                "service `{service}`: the engine's classic builder (API 1.41) does not support {what}"
            ));
        }
    }
    if b.context.contains("://") || b.context.starts_with("git@") {
        return Err(format!(
            "service `{service}`: remote build contexts ({}) are not supported yet",
            b.context
        ));
    }
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
    let mut image_labels: BTreeMap<String, String> = b.labels.clone();
    image_labels.insert(labels::IMAGE_BUILDER.into(), "classic".into());
    image_labels.insert(labels::PROJECT.into(), project.name.clone());
    image_labels.insert(labels::SERVICE.into(), service.into());
    image_labels.insert(labels::VERSION.into(), env!("CARGO_PKG_VERSION").into());
    Ok(BuildSpec {
        context: PathBuf::from(if b.context.is_empty() {
            "."
        } else {
            &b.context
        }),
        dockerfile,
        request: BuildRequest {
            dockerfile: String::new(),
            tag: image_name(&project.name, service, svc),
            args,
            target: b.target.clone(),
            labels: image_labels,
            cache_from: b.cache_from.clone(),
            network: b.network.clone(),
            extra_hosts: b.extra_hosts.as_list(":"),
            shm_size: b.shm_size.0,
            no_cache: b.no_cache || overrides.no_cache,
            pull: b.pull || overrides.pull,
            platform: b
                .platforms
                .first()
                .cloned()
                .unwrap_or_else(|| svc.platform.clone()),
        },
        extra_tags: b.tags.clone(),
    })
}

/// The `build` keys of `service` that the classic builder has no parameter for, as warnings.
pub fn ignored(service: &str, svc: &Service) -> Vec<String> {
    let Some(b) = &svc.build else {
        return Vec::new();
    };
    [
        (!b.ulimits.is_empty(), "ulimits"),
        (!b.cache_to.is_empty(), "cache_to"),
        (!b.entitlements.is_empty(), "entitlements"),
        (!b.provenance.is_empty(), "provenance"),
        (!b.sbom.is_empty(), "sbom"),
        (!b.isolation.is_empty(), "isolation"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, key)| {
        format!(
            "service `{service}`: `build.{key}` is ignored: the engine's classic builder (API 1.41) has no such option"
        )
    })
    .collect()
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
            "classic"
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
            "services:\n  app:\n    build:\n      context: .\n      ulimits: {nofile: 10}\n      cache_to: [x]\n",
        );
        let w = ignored("app", &p.services["app"]);
        assert_eq!(w.len(), 2);
        assert!(w[0].contains("`build.ulimits` is ignored"), "{w:?}");
        assert!(w[1].contains("`build.cache_to` is ignored"), "{w:?}");
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
        let e = spec(&p, "a", &p.services["a"], &Overrides::default()).unwrap_err();
        assert!(e.contains("does not support SSH keys"), "{e}");
    }
}
