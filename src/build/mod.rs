//! Building images, pure: a service's build as the engine's classic builder takes it (API 1.41),
//! which services share one build, and the order (a service whose Dockerfile starts `FROM`
//! another service's image, or that depends on a built service, builds after it). The context
//! tar is made in `context.rs` when the build runs.

pub mod context;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::engine::{BuildRequest, labels};
use crate::model::{Project, Service};
use crate::plan::spec::image_name;

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
    image_labels.insert("com.docker.compose.image.builder".into(), "classic".into());
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
        },
        extra_tags: b.tags.clone(),
    })
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

/// The Dockerfile text of a spec, for [`from_images`] (empty when unreadable).
pub fn dockerfile_text(spec: &BuildSpec) -> String {
    match &spec.dockerfile {
        DockerfileSource::Inline(t) => t.clone(),
        DockerfileSource::Path(p) => {
            std::fs::read_to_string(spec.context.join(p)).unwrap_or_default()
        }
    }
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
) -> Result<Vec<OrderedBuild>, String> {
    let mut builds: Vec<(BuildSpec, Vec<String>)> = Vec::new();
    for name in services {
        let svc = &project.services[name];
        if svc.build.is_none() {
            continue;
        }
        let mut s = spec(project, name, svc, overrides)?;
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
    // what each build needs: builds of the images its Dockerfile starts from, and of the
    // services it depends on
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
        .map(|(i, (s, names))| {
            let mut n: BTreeSet<usize> = from_images(&dockerfile_text(s))
                .iter()
                .filter_map(|img| {
                    produced
                        .get(img)
                        .or_else(|| produced.get(&format!("{img}:latest")))
                        .copied()
                })
                .collect();
            for name in names {
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
    let mut order: Vec<usize> = Vec::new();
    let mut placed = vec![false; builds.len()];
    while order.len() < builds.len() {
        let next = (0..builds.len())
            .find(|&i| !placed[i] && needs[i].iter().all(|&j| placed[j]))
            .ok_or("the builds depend on each other in a cycle (FROM another service's image)")?;
        placed[next] = true;
        order.push(next);
    }
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
        let mut o = crate::load::Options::new("/tmp/p");
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
        let builds = ordered(&p, &all, &Overrides::default()).unwrap();
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
    fn the_classic_builder_refuses_what_it_cannot_do() {
        let p = project("services:\n  a:\n    build:\n      context: .\n      ssh: [default]\n");
        let e = spec(&p, "a", &p.services["a"], &Overrides::default()).unwrap_err();
        assert!(e.contains("does not support SSH keys"), "{e}");
    }
}
