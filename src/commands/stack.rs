//! `rcompose stack`: the project deployed to a Swarm through a manager (`deploy`, waiting on a
//! terminal unless `--detach`), stacks removed (`rm`), and the swarm's stacks, a stack's
//! services and its tasks listed (`ls`, `services`, `ps`) in the docker CLI's columns.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use super::{Context, print};
use crate::cli::{
    ListFormat, ResolveImage, StackArgs, StackCommand, StackDeployArgs, StackPsArgs,
    StackServicesArgs,
};
use crate::compose::{Deploy, Done, Resolve, ServiceStatus};
use crate::engine::{SwarmNode, SwarmService, SwarmTask};
use crate::error::Error;

pub async fn run(ctx: &Context, args: &StackArgs) -> Result<(), Error> {
    match &args.command {
        StackCommand::Deploy(a) => deploy(ctx, a).await,
        StackCommand::Rm(a) => {
            let names = match a.stacks.is_empty() {
                true => vec![ctx.target(&[])?.name().to_string()],
                false => a.stacks.clone(),
            };
            let compose = ctx.compose().await?;
            let mut missing = Vec::new();
            for name in &names {
                if compose.stack_rm(name).await? == Done::Nothing {
                    missing.push(name.clone());
                }
            }
            match missing.is_empty() {
                true => Ok(()),
                false => Err(Error::msg(format!(
                    "nothing found in stack: {}",
                    missing.join(", ")
                ))),
            }
        }
        StackCommand::Ls(a) => {
            let stacks = ctx.compose().await?.stacks().await?;
            let text = match a.format {
                ListFormat::Json => stacks
                    .iter()
                    .map(|s| {
                        let row = serde_json::json!({
                            "Name": s.name,
                            "Services": s.services.to_string(),
                            "Orchestrator": "Swarm",
                        });
                        format!("{row}\n")
                    })
                    .collect(),
                ListFormat::Table => {
                    let rows = stacks
                        .iter()
                        .map(|s| vec![s.name.clone(), s.services.to_string()]);
                    crate::render::titled(&["NAME", "SERVICES"], rows, 3)
                }
            };
            print(&text)
        }
        StackCommand::Services(a) => services(ctx, a).await,
        StackCommand::Ps(a) => ps(ctx, a).await,
    }
}

async fn deploy(ctx: &Context, args: &StackDeployArgs) -> Result<(), Error> {
    let loaded = ctx.loaded(&[], |o| {
        o.files.extend(args.compose_files.iter().cloned());
        o.locate = true;
    })?;
    let project = loaded.project;
    let stack = args.stack.clone().unwrap_or_else(|| project.name.clone());
    check_name(&stack)?;
    let d = Deploy {
        stack,
        prune: args.prune,
        wait: args.wait || (!args.detach && std::io::stderr().is_terminal()),
        auth: args.with_registry_auth,
        resolve: match args.resolve_image {
            ResolveImage::Always => Resolve::Always,
            ResolveImage::Changed => Resolve::Changed,
            ResolveImage::Never => Resolve::Never,
        },
        build: args.build,
        push: args.push,
    };
    let compose = ctx.compose().await?;
    // what the stack cannot honour, placed in the files
    let located = |e: Error| match (e, &loaded.locator) {
        (Error::Load(errors), Some(locator)) => Error::Load(locator.locate(errors)),
        (e, _) => e,
    };
    // interrupted, no further step is sent; the swarm goes on with what was
    let deploying = super::interruptible(&compose, async {
        compose.stack_deploy(&project, &d).await.map_err(located)
    });
    match (d.wait, args.wait_timeout) {
        (true, Some(limit)) => match tokio::time::timeout(limit, deploying).await {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(Error::hinted(
                format!(
                    "stack {} did not converge within --wait-timeout {}s",
                    d.stack,
                    limit.as_secs_f64()
                ),
                format!(
                    "the swarm goes on with the deploy: `rcompose stack ps {}` shows its tasks",
                    d.stack
                ),
            )),
        },
        _ => deploying.await.map(|_| ()),
    }
}

/// A stack's name is a prefix of every object's name: the characters Swarm takes in them.
fn check_name(name: &str) -> Result<(), Error> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    match first_ok && rest_ok {
        true => Ok(()),
        false => Err(Error::invalid(
            "stack name",
            name,
            "it must start with a letter or a digit, then letters, digits, '_', '.' or '-'",
        )),
    }
}

/// The stack `STACK` names, or the project's.
fn stack_name(ctx: &Context, stack: &Option<String>) -> Result<String, Error> {
    match stack {
        Some(s) => Ok(s.clone()),
        None => Ok(ctx.target(&[])?.name().to_string()),
    }
}

async fn services(ctx: &Context, args: &StackServicesArgs) -> Result<(), Error> {
    let name = stack_name(ctx, &args.stack)?;
    let list = ctx.compose().await?.stack_services(&name).await?;
    if list.is_empty() {
        return Err(Error::msg(format!("nothing found in stack: {name}")));
    }
    let text = if args.quiet {
        list.iter().map(|s| format!("{}\n", s.service.id)).collect()
    } else {
        let rows = list.iter().map(service_row);
        match args.format {
            ListFormat::Json => rows
                .map(|r| {
                    let row = serde_json::json!({
                        "ID": r[0], "Name": r[1], "Mode": r[2], "Replicas": r[3],
                        "Image": r[4], "Ports": r[5],
                    });
                    format!("{row}\n")
                })
                .collect(),
            ListFormat::Table => {
                let titles = ["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"];
                crate::render::titled(&titles, rows, 3)
            }
        }
    };
    print(&text)
}

/// ID, name, mode, replicas, image and ports of a service, as `docker service ls` shows them.
fn service_row(s: &ServiceStatus) -> Vec<String> {
    let svc = &s.service;
    let mode = svc.spec.mode.as_ref();
    let mode = match mode {
        Some(m) if m.global.is_some() => "global",
        Some(m) if m.replicated_job.is_some() => "replicated job",
        Some(m) if m.global_job.is_some() => "global job",
        _ => "replicated",
    };
    let replicas = format!("{}/{}", s.running, s.desired);
    let image = svc
        .spec
        .task_template
        .as_ref()
        .and_then(|t| t.container_spec.as_ref())
        .and_then(|c| c.image.clone())
        .unwrap_or_default();
    // the digest a deploy pinned is not shown
    let image = image.split('@').next().unwrap_or_default().to_string();
    let ports = svc
        .spec
        .endpoint_spec
        .as_ref()
        .and_then(|e| e.ports.as_ref())
        .map(|ports| {
            ports
                .iter()
                .map(|p| {
                    let proto = p.protocol.map(|p| p.to_string()).unwrap_or("tcp".into());
                    format!(
                        "*:{}->{}/{proto}",
                        p.published_port.unwrap_or_default(),
                        p.target_port.unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    vec![
        short(&svc.id),
        svc.name.clone(),
        mode.into(),
        replicas,
        image,
        ports,
    ]
}

async fn ps(ctx: &Context, args: &StackPsArgs) -> Result<(), Error> {
    let name = stack_name(ctx, &args.stack)?;
    let (mut tasks, services, nodes) = ctx.compose().await?.stack_tasks(&name).await?;
    if services.is_empty() {
        return Err(Error::msg(format!("nothing found in stack: {name}")));
    }
    let names: BTreeMap<&str, &SwarmService> =
        services.iter().map(|s| (s.id.as_str(), s)).collect();
    let hosts: BTreeMap<&str, &SwarmNode> = nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let task_name = |t: &SwarmTask| {
        let service = names
            .get(t.service_id.as_str())
            .map_or("", |s| s.name.as_str());
        match t.slot {
            Some(slot) if slot > 0 => format!("{service}.{slot}"),
            _ => format!("{service}.{}", t.node_id),
        }
    };
    // by name, the newest first within a slot, as docker does
    tasks.sort_by(|a, b| {
        task_name(a)
            .cmp(&task_name(b))
            .then(b.timestamp.cmp(&a.timestamp))
    });
    if args.quiet {
        return print(
            &tasks
                .iter()
                .map(|t| format!("{}\n", t.id))
                .collect::<String>(),
        );
    }
    let now = crate::clock::now_secs();
    let rows = tasks.iter().map(|t| {
        let state = crate::clock::rfc3339_seconds(&t.timestamp)
            .map(|at| {
                format!(
                    "{} {}",
                    capital(&t.state.to_string()),
                    crate::render::ago(at, now)
                )
            })
            .unwrap_or_else(|| capital(&t.state.to_string()));
        let node = hosts
            .get(t.node_id.as_str())
            .map_or("", |n| n.hostname.as_str());
        let err = match (t.err.is_empty(), args.no_trunc) {
            (true, _) => String::new(),
            (false, true) => format!("\"{}\"", t.err),
            (false, false) => format!("\"{}\"", cut(&t.err, 30)),
        };
        let id = if args.no_trunc {
            t.id.clone()
        } else {
            short(&t.id)
        };
        let image = match args.no_trunc {
            true => t.image.clone(),
            false => t.image.split('@').next().unwrap_or_default().to_string(),
        };
        vec![
            id,
            task_name(t),
            image,
            node.to_string(),
            capital(&t.desired.to_string()),
            state,
            err,
        ]
    });
    let text = match args.format {
        ListFormat::Json => rows
            .map(|r| {
                let row = serde_json::json!({
                    "ID": r[0], "Name": r[1], "Image": r[2], "Node": r[3],
                    "DesiredState": r[4], "CurrentState": r[5], "Error": r[6],
                });
                format!("{row}\n")
            })
            .collect(),
        ListFormat::Table => {
            let titles = [
                "ID",
                "NAME",
                "IMAGE",
                "NODE",
                "DESIRED STATE",
                "CURRENT STATE",
                "ERROR",
            ];
            crate::render::titled(&titles, rows, 3)
        }
    };
    print(&text)
}

fn short(id: &str) -> String {
    id[..id.len().min(12)].to_string()
}

fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn capital(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_are_checked() {
        assert!(check_name("shop").is_ok());
        assert!(check_name("my_stack.v2-x").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("-x").is_err());
        assert!(check_name("a b").is_err());
    }

    #[test]
    fn words_are_cut_and_capitalised() {
        assert_eq!(capital("running"), "Running");
        assert_eq!(
            cut("no suitable node (scheduling constraints)", 11),
            "no suitable…"
        );
        assert_eq!(cut("short", 11), "short");
    }
}
