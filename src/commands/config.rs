//! `rcompose config`: loads the project and prints it (YAML/JSON), or parts of it, or hashes.

use std::collections::{BTreeMap, BTreeSet};

use super::{Context, print};
use crate::cli::{ConfigArgs, ConfigFormat};
use crate::error::Error;
use crate::load::interpolate::Variable;
use crate::model::Project;
use crate::render::{JsonStyle, json};

pub fn run(ctx: &Context, args: &ConfigArgs) -> Result<(), Error> {
    let mut opts = ctx.options(&args.services)?;
    // listing the variables must work while some are still missing
    opts.interpolate = !args.no_interpolate && !args.variables;
    // as the reference: `--compatibility` prints the files as written, without normalization
    opts.normalize = !args.no_normalize && !ctx.global.compatibility;
    opts.resolve_paths = !args.no_path_resolution;
    opts.consistency = !args.no_consistency;
    let loaded = crate::load::load(&opts)?;
    super::context::warn(&loaded);
    let mut project = loaded.project;
    if !args.services.is_empty() {
        select_services(&mut project, &args.services)?;
    }
    if !ctx.global.all_resources {
        prune_unused(&mut project);
    }
    // the engine is asked only when there is an image to pin
    let tagged = project
        .services
        .values()
        .any(|s| !s.image.is_empty() && !s.image.contains('@'));
    if (args.resolve_image_digests || args.lock_image_digests) && tagged {
        super::block_on(async { ctx.compose().await?.pin_images(&mut project).await })?;
    }

    let lines = |items: Vec<String>| -> String { items.into_iter().map(|s| s + "\n").collect() };
    let text = if args.quiet {
        return Ok(());
    } else if args.unique_name {
        format!("{}\n", crate::names::unique_name(&project.name))
    } else if let Some(which) = &args.hash {
        let wanted: Vec<&str> = which.split(',').collect();
        if !wanted.contains(&"*") {
            // as Compose: a name that is not an enabled service is an error, not an empty answer
            let named: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
            crate::load::require_services(&project, &named)?;
        }
        let mut out = String::new();
        for (name, svc) in &project.services {
            if wanted.contains(&"*") || wanted.contains(&name.as_str()) {
                out.push_str(&format!("{name} {}\n", crate::plan::hash::service(svc)));
            }
        }
        out
    } else if args.lock_image_digests {
        let v = crate::compose::publish::digest_override(&project);
        match args.format {
            Some(ConfigFormat::Json) => {
                json(
                    &v,
                    JsonStyle {
                        indent: true,
                        escape_dollar: true,
                    },
                ) + "\n"
            }
            _ => crate::render::yaml(&v, true),
        }
    } else if args.list_services {
        lines(project.services.keys().cloned().collect())
    } else if args.volumes {
        lines(project.volumes.keys().cloned().collect())
    } else if args.networks {
        lines(project.networks.keys().cloned().collect())
    } else if args.models {
        // the models some service uses, as the reference lists them (by their `model`)
        let used: BTreeSet<&String> = project
            .services
            .values()
            .flat_map(|s| s.models.keys())
            .collect();
        lines(
            project
                .models
                .iter()
                .filter(|(k, _)| used.contains(k))
                .map(|(_, m)| m.model.clone())
                .collect(),
        )
    } else if args.images {
        lines(
            project
                .services
                .iter()
                .map(|(n, s)| {
                    if s.image.is_empty() {
                        format!("{}-{n}", project.name)
                    } else {
                        s.image.clone()
                    }
                })
                .collect(),
        )
    } else if args.list_profiles {
        let all: BTreeSet<String> = project
            .services
            .values()
            .chain(project.disabled.values())
            .flat_map(|s| s.profiles.clone())
            .collect();
        lines(all.into_iter().collect())
    } else if args.environment {
        lines(
            project
                .environment
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        )
    } else if args.variables {
        variables(&loaded.variables, args.format)
    } else if let Some(model) = &loaded.model {
        let as_json = args.format == Some(ConfigFormat::Json);
        crate::render::model(model, as_json)
    } else {
        render_project(&project, args.format.unwrap_or(ConfigFormat::Yaml))
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e)),
        None => print(&text),
    }
}

/// `--variables`: a table by default, or JSON / YAML keyed by name.
fn variables(vars: &BTreeMap<String, Variable>, format: Option<ConfigFormat>) -> String {
    match format {
        None => {
            let titles = ["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"];
            let rows = vars.values().map(|v| {
                let required = v.required.to_string();
                vec![
                    v.name.clone(),
                    required,
                    v.default.clone(),
                    v.presence.clone(),
                ]
            });
            crate::render::titled(&titles, rows, 20)
        }
        Some(ConfigFormat::Json) => {
            let v = serde_json::to_value(vars).expect("variables serialize");
            let style = JsonStyle {
                indent: true,
                escape_dollar: false,
            };
            json(&v, style) + "\n"
        }
        Some(ConfigFormat::Yaml) => {
            // Go's YAML encoder lowercases the field names
            let v = serde_json::to_value(vars).expect("variables serialize");
            let lower = |m: &serde_json::Map<String, serde_json::Value>| {
                m.iter()
                    .map(|(k, v)| (k.to_lowercase(), v.clone()))
                    .collect::<serde_json::Map<_, _>>()
            };
            let v: serde_json::Map<String, serde_json::Value> = v
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_object().map(lower).unwrap_or_default().into(),
                    )
                })
                .collect();
            crate::render::yaml(&v.into(), false)
        }
    }
}

fn render_project(project: &Project, format: ConfigFormat) -> String {
    match format {
        ConfigFormat::Json => crate::render::project_json(project),
        ConfigFormat::Yaml => crate::render::project_yaml(project),
    }
}

/// Keeps the named services and what they depend on.
fn select_services(project: &mut Project, names: &[String]) -> Result<(), Error> {
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(n) = todo.pop() {
        let Some(svc) = project.services.get(&n) else {
            return Err(crate::load::no_such_service(project, &n).into());
        };
        if keep.insert(n.clone()) {
            todo.extend(
                svc.depends_on
                    .keys()
                    .filter(|d| project.services.contains_key(*d))
                    .cloned(),
            );
        }
    }
    project.services.retain(|n, _| keep.contains(n));
    Ok(())
}

/// Drops networks, volumes, secrets and configs no service uses, as `docker compose config` does.
pub fn prune_unused(project: &mut Project) {
    let mut nets = BTreeSet::new();
    let mut vols = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let mut configs = BTreeSet::new();
    for s in project.services.values() {
        nets.extend(s.networks.keys().cloned());
        for v in &s.volumes {
            if v.kind == crate::model::VolumeKind::Volume && !v.source.is_empty() {
                vols.insert(v.source.clone());
            }
        }
        secrets.extend(s.secrets.iter().map(|x| x.source.clone()));
        if let Some(b) = &s.build {
            secrets.extend(b.secrets.iter().map(|x| x.source.clone()));
        }
        configs.extend(s.configs.iter().map(|x| x.source.clone()));
    }
    project.networks.retain(|k, _| nets.contains(k));
    project.volumes.retain(|k, _| vols.contains(k));
    project.secrets.retain(|k, _| secrets.contains(k));
    project.configs.retain(|k, _| configs.contains(k));
}
