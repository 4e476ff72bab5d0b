//! `rcompose publish REPOSITORY[:TAG]`: the project's compose files (every profile), the files
//! they extend and, with `--with-env`, their env files, pushed to a registry as an OCI artifact
//! that `-f oci://REPOSITORY[:TAG]` (ours or Compose's) reads back. The images the project
//! builds are pushed first, as Compose does.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use super::Context;
use crate::cli::{OciVersionArg, PublishArgs};
use crate::error::Error;
use crate::model::{Project, VolumeKind};
use crate::oci::artifact::{self, OciVersion};
use crate::progress::Event;

pub async fn run(ctx: &Context, args: &PublishArgs) -> Result<(), Error> {
    let loaded = ctx.loaded(&[], |o| o.profiles = vec!["*".into()])?;
    let project = loaded.project;
    if loaded.local_includes > 0 {
        return Err(Error::msg(
            "cannot publish compose file with local includes (an included file is not part of the artifact; include it from a registry with oci://, or merge it into the compose file)",
        ));
    }
    if let Some(f) = project
        .compose_files
        .iter()
        .find(|f| !Path::new(f).is_file())
    {
        return Err(Error::msg(format!(
            "cannot publish {f}: publish takes compose files on disk, not stdin"
        )));
    }
    prechecks(&project, args)?;
    if !args.yes && !confirmed(&project, args)? {
        return Err(Error::msg("publish canceled: nothing was pushed"));
    }

    let compose = ctx.compose().await?;
    let everything: BTreeSet<String> = project.services.keys().cloned().collect();
    // the images built here, so that the artifact's users can pull them (failures ignored,
    // as Compose does: an image may already be on its registry)
    compose.push(&project, &everything, true, false).await?;

    let working_dir = Path::new(&project.working_dir);
    let mut layers = crate::oci::layers::layers(
        &project.compose_files,
        working_dir,
        &project.environment,
        args.with_env,
    )
    .map_err(Error::msg)?;
    if args.resolve_image_digests {
        let mut pinned = project.clone();
        super::config::pin_digests(ctx, &mut pinned).await?;
        let services: serde_json::Map<String, serde_json::Value> = pinned
            .services
            .iter()
            .filter(|(_, s)| !s.image.is_empty())
            .map(|(n, s)| (n.clone(), serde_json::json!({ "image": s.image })))
            .collect();
        let yaml = crate::render::yaml(&serde_json::json!({ "services": services }), true);
        layers.push(artifact::compose_file(
            "image-digests.yaml",
            yaml.into_bytes(),
            false,
        ));
    }

    let progress = ctx.progress();
    let id = args.repository.as_str();
    if ctx.global.dry_run {
        progress.event(Event::done(id, "Published (dry run)"));
        progress.finish();
        return Ok(());
    }
    progress.event(Event::working(id, "Publishing"));
    let version = args.oci_version.map(|v| match v {
        OciVersionArg::V1_0 => OciVersion::V1_0,
        OciVersionArg::V1_1 => OciVersion::V1_1,
    });
    let created = crate::clock::rfc3339(crate::clock::now_secs());
    let config_dir = ctx.env.docker_config_dir();
    match crate::oci::push(config_dir.as_deref(), id, &layers, version, &created).await {
        Ok(_) => {
            progress.event(Event::done(id, "Published"));
            progress.finish();
            Ok(())
        }
        Err(e) => {
            progress.event(Event::error(id, "publishing failed"));
            progress.finish();
            Err(Error::msg(format!(
                "cannot publish the project {}: {e}",
                project.name
            )))
        }
    }
}

/// What Compose refuses to publish: services with only a `build` section (the artifact's users
/// have no image to run), and environment values unless `--with-env` allows them.
fn prechecks(project: &Project, args: &PublishArgs) -> Result<(), Error> {
    let build_only: Vec<&String> = project
        .services
        .iter()
        .filter(|(_, s)| s.image.is_empty() && s.build.is_some())
        .map(|(n, _)| n)
        .collect();
    if !build_only.is_empty() {
        let list: String = build_only.iter().map(|n| format!("- {n:?}\n")).collect();
        return Err(Error::msg(format!(
            "your Compose stack cannot be published as it only contains a build section for service(s):\n{list}give each an `image:` naming where its image is pushed"
        )));
    }
    if args.with_env {
        return Ok(());
    }
    let mut found = Vec::new();
    for (name, s) in &project.services {
        if !s.env_file.is_empty() {
            found.push(format!("service {name:?} has env_file declared."));
        }
        if !s.environment.is_empty() {
            found.push(format!(
                "service {name:?} has environment variable(s) declared."
            ));
        }
    }
    for (name, c) in &project.configs {
        if !c.environment.is_empty() {
            found.push(format!(
                "config {name:?} is declared as an environment variable."
            ));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(Error::msg(format!(
        "{}\nTo avoid leaking sensitive data, you must either explicitly allow the sending of environment variables by using the --with-env flag,\nor remove sensitive data from your Compose configuration",
        found.join("\n")
    )))
}

/// Asks before publishing what the user may not mean to share: bind mount declarations (not
/// their content) and, with `--with-env`, the environment's values.
fn confirmed(project: &Project, args: &PublishArgs) -> Result<bool, Error> {
    let mut binds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, s) in &project.services {
        for v in s.volumes.iter().filter(|v| v.kind == VolumeKind::Bind) {
            binds
                .entry(name)
                .or_default()
                .push(format!("{}:{}", v.source, v.target));
        }
    }
    if !binds.is_empty() {
        let mut q = String::from(
            "you are about to publish bind mounts declaration within your OCI artifact.\nonly the bind mount declarations will be added to the OCI artifact (not content)\nplease double check that you are not mounting potential user's sensitive directories or data\n",
        );
        for (name, list) in &binds {
            q.push_str(&format!("{name}\n"));
            for b in list {
                q.push_str(&format!("  {b}\n"));
            }
        }
        q.push_str("Are you ok to publish these bind mount declarations?");
        if !ask(&q)? {
            return Ok(false);
        }
    }
    if args.with_env {
        let mut q = String::new();
        for (name, s) in &project.services {
            if s.environment.is_empty() {
                continue;
            }
            q.push_str(&format!("Service/Config  {name}\n"));
            for (k, v) in &s.environment {
                q.push_str(&format!("{k}={}\n", v.as_deref().unwrap_or("")));
            }
        }
        for (name, c) in &project.configs {
            if !c.environment.is_empty() {
                q.push_str(&format!(
                    "Service/Config  {name}\n{name}={}\n",
                    c.environment
                ));
            }
        }
        if !q.is_empty() {
            let q = format!(
                "you are about to publish environment variables within your OCI artifact.\nplease double check that you are not leaking sensitive data\n{q}Are you ok to publish these environment variables?"
            );
            if !ask(&q)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// A yes/no question on stderr, answered on stdin (no by default; without a terminal to ask
/// on, an error that names `-y`).
fn ask(question: &str) -> Result<bool, Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::msg(format!(
            "{question}\npublish needs an answer and stdin is not a terminal: pass -y to publish anyway"
        )));
    }
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::io("cannot read the answer", e))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "Yes" | "YES"))
}
