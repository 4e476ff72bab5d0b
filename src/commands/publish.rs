//! `rcompose publish REPOSITORY[:TAG]`: the project's compose files (every profile), the files
//! they extend and, with `--with-env`, their env files, pushed to a registry as an OCI artifact
//! that `-f oci://REPOSITORY[:TAG]` (ours or Compose's) reads back; the service layer publishes,
//! this asks the user what Compose asks.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

use super::Context;
use crate::cli::{OciVersionArg, PublishArgs};
use crate::compose::publish::{PublishOptions, check};
use crate::error::Error;
use crate::model::{Project, VolumeKind};
use crate::oci::artifact::OciVersion;

pub async fn run(ctx: &Context, args: &PublishArgs) -> Result<(), Error> {
    let loaded = ctx.loaded(&[], |o| o.profiles = vec!["*".into()])?;
    let project = loaded.project;
    check(&project, loaded.local_includes, args.with_env)?;
    if !args.yes && !confirmed(&project, args)? {
        return Err(Error::msg("publish canceled: nothing was pushed"));
    }
    let options = PublishOptions {
        repository: args.repository.clone(),
        with_env: args.with_env,
        resolve_image_digests: args.resolve_image_digests,
        oci_version: args.oci_version.map(|v| match v {
            OciVersionArg::V1_0 => OciVersion::V1_0,
            OciVersionArg::V1_1 => OciVersion::V1_1,
        }),
        config_dir: ctx.env.docker_config_dir(),
    };
    ctx.compose().await?.publish(&project, &options).await
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
