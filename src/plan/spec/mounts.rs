//! Mounts of a container: volumes, binds and tmpfs as the engine takes them (short binds as
//! `Binds` strings, the rest through the mount API), and the secret and config files (bind
//! mounts, or tars copied in before the start).

use std::collections::BTreeMap;

use bollard::models::{
    Mount, MountBindOptions, MountBindOptionsPropagationEnum, MountTmpfsOptions, MountType,
    MountVolumeOptions,
};

use crate::model::{FileObject, FileReference, Project, Service, ServiceVolume, VolumeKind};

use super::{Context, nonempty, nonzero, some_map};

/// The service's secrets and configs: a file source is bind-mounted read-only (unless a mount
/// already has its target), content (inline or from the environment) is copied in as a tar; an
/// external one needs Swarm and is said so.
pub(super) fn files(
    ctx: &Context<'_>,
    service: &str,
    svc: &Service,
    mounts: &mut Vec<Mount>,
    warnings: &mut Vec<String>,
) -> Vec<(String, Vec<u8>)> {
    let p = ctx.project;
    let mut copies = Vec::new();
    for (refs, base, kind) in [
        (&svc.secrets, "/run/secrets/", "secret"),
        (&svc.configs, "/", "config"),
    ] {
        let defined = if kind == "secret" {
            &p.secrets
        } else {
            &p.configs
        };
        for r in refs {
            let Some(obj) = defined.get(&r.source) else {
                continue;
            };
            let target = file_target(r, base);
            if !obj.file.is_empty() {
                if mounts
                    .iter()
                    .any(|m: &Mount| m.target.as_deref() == Some(&target))
                {
                    continue;
                }
                mounts.push(Mount {
                    typ: Some(MountType::BIND),
                    source: Some(obj.file.clone()),
                    target: Some(target),
                    read_only: Some(true),
                    ..Default::default()
                });
            } else if let Some(content) = file_content(p, obj) {
                copies.push(file_archive(&target, &content, r));
            } else if obj.external {
                warnings.push(format!(
                    "services.{service}.{kind}s: external {kind} `{}` needs Swarm: not mounted",
                    r.source
                ));
            }
        }
    }

    copies
}

pub(super) enum Mounted {
    Bind(String),
    Mount(Box<Mount>),
}

pub(super) fn mount_for(
    p: &Project,
    v: &ServiceVolume,
    inherited: &BTreeMap<String, String>,
) -> Mounted {
    let access = if v.read_only { "ro" } else { "rw" };
    match &v.kind {
        VolumeKind::Bind => {
            let b = v.bind.clone().unwrap_or_default();
            let needs_api = b.create_host_path == Some(false)
                || !b.propagation.is_empty()
                || !b.recursive.is_empty();
            if !needs_api {
                let mut opts = vec![access.to_string()];
                if !b.selinux.is_empty() {
                    opts.push(b.selinux.clone());
                }
                return Mounted::Bind(format!("{}:{}:{}", v.source, v.target, opts.join(",")));
            }
            Mounted::Mount(Box::new(Mount {
                typ: Some(MountType::BIND),
                source: Some(v.source.clone()),
                target: Some(v.target.clone()),
                read_only: v.read_only.then_some(true),
                bind_options: Some(MountBindOptions {
                    propagation: propagation(&b.propagation),
                    non_recursive: (b.recursive == "disabled").then_some(true),
                    create_mountpoint: (b.create_host_path != Some(false)).then_some(true),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        VolumeKind::Volume => {
            let opts = v.volume.clone().unwrap_or_default();
            let source = if v.source.is_empty() {
                // an anonymous volume keeps its data across a recreate
                inherited.get(&v.target).cloned().unwrap_or_default()
            } else {
                p.volumes
                    .get(&v.source)
                    .map(|vol| vol.name.clone())
                    .unwrap_or_else(|| v.source.clone())
            };
            let simple = opts.labels.is_empty() && opts.subpath.is_empty() && !opts.nocopy;
            if simple && !source.is_empty() {
                return Mounted::Bind(format!("{source}:{}:{access}", v.target));
            }
            Mounted::Mount(Box::new(Mount {
                typ: Some(MountType::VOLUME),
                source: nonempty(&source),
                target: Some(v.target.clone()),
                read_only: v.read_only.then_some(true),
                volume_options: (!simple).then(|| MountVolumeOptions {
                    no_copy: opts.nocopy.then_some(true),
                    labels: some_map(opts.labels.clone().into_iter().collect()),
                    subpath: nonempty(&opts.subpath),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        VolumeKind::Tmpfs => {
            let t = v.tmpfs.clone().unwrap_or_default();
            Mounted::Mount(Box::new(Mount {
                typ: Some(MountType::TMPFS),
                target: Some(v.target.clone()),
                read_only: v.read_only.then_some(true),
                tmpfs_options: Some(MountTmpfsOptions {
                    size_bytes: nonzero(t.size.0),
                    mode: nonzero(t.mode as i64),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        other => Mounted::Mount(Box::new(Mount {
            typ: Some(match other {
                VolumeKind::Npipe => MountType::NPIPE,
                VolumeKind::Cluster => MountType::CLUSTER,
                VolumeKind::Image => MountType::IMAGE,
                _ => MountType::VOLUME,
            }),
            source: nonempty(&v.source),
            target: Some(v.target.clone()),
            read_only: v.read_only.then_some(true),
            ..Default::default()
        })),
    }
}

fn propagation(p: &str) -> Option<MountBindOptionsPropagationEnum> {
    Some(match p {
        "private" => MountBindOptionsPropagationEnum::PRIVATE,
        "rprivate" => MountBindOptionsPropagationEnum::RPRIVATE,
        "shared" => MountBindOptionsPropagationEnum::SHARED,
        "rshared" => MountBindOptionsPropagationEnum::RSHARED,
        "slave" => MountBindOptionsPropagationEnum::SLAVE,
        "rslave" => MountBindOptionsPropagationEnum::RSLAVE,
        _ => return None,
    })
}

/// Where a secret or config lands: `target`, absolute or under `base`, or `base` + its name.
fn file_target(r: &FileReference, base: &str) -> String {
    if r.target.is_empty() {
        format!("{base}{}", r.source)
    } else if r.target.starts_with('/') {
        r.target.clone()
    } else {
        format!("{base}{}", r.target)
    }
}

/// The content of a secret or config given as `environment:` or `content:`.
fn file_content(p: &Project, obj: &FileObject) -> Option<String> {
    if !obj.environment.is_empty() {
        return Some(
            p.environment
                .get(&obj.environment)
                .cloned()
                .unwrap_or_default(),
        );
    }
    (!obj.content.is_empty()).then(|| obj.content.clone())
}

/// A tar holding one file at `target`, to extract at `/` (the engine creates missing parent
/// folders; it refuses to extract into a folder that does not exist): ("/", archive).
fn file_archive(target: &str, content: &str, r: &FileReference) -> (String, Vec<u8>) {
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(r.mode.map_or(0o444, |m| m.0 as u32));
    header.set_uid(r.uid.parse().unwrap_or(0));
    header.set_gid(r.gid.parse().unwrap_or(0));
    header.set_mtime(0);
    let mut builder = tar::Builder::new(Vec::new());
    builder
        .append_data(
            &mut header,
            target.trim_start_matches('/'),
            content.as_bytes(),
        )
        .expect("writing a tar to memory cannot fail");
    let tar = builder
        .into_inner()
        .expect("writing a tar to memory cannot fail");
    ("/".into(), tar)
}
