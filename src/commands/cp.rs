//! `rcompose cp`: copies between a service's container and the local filesystem through the
//! engine's tar archives, with `docker cp`'s naming rules (into a folder keeps the name,
//! onto a new path renames), `-` for a tar stream, `-a` asking the engine to keep the tar's
//! owners, `-L` following a link.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use futures_util::StreamExt;

use super::{Context, Target, one_container};
use crate::cli::CpArgs;
use crate::engine::{ContainerInfo, Interactive, Inventory, PathStat};
use crate::error::Error;

/// `SERVICE:PATH` → (service, path); a local path (absolute, relative with `./`, or without a
/// colon before its first slash) → `None`.
pub fn split_service(arg: &str) -> Option<(&str, &str)> {
    if arg.starts_with('/') || arg.starts_with('.') {
        return None;
    }
    let (svc, path) = arg.split_once(':')?;
    (!svc.is_empty() && !svc.contains('/')).then_some((svc, path))
}

/// The last component of a container or local path (`/` for the root).
fn base_name(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("/")
        .to_string()
}

/// The folder of a container path (`/a/b` → `/a`, `b` → `.`).
fn parent_of(path: &str) -> String {
    let p = path.trim_end_matches('/');
    match p.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => p[..i].into(),
        None => ".".into(),
    }
}

pub async fn run(ctx: &Context, args: &CpArgs) -> Result<(), Error> {
    let from = split_service(&args.source);
    let to = split_service(&args.destination);
    let service = match (from, to) {
        (Some(_), Some(_)) => {
            return Err(Error::msg(
                "copying between services is not supported: copy to a local path, then on",
            ));
        }
        (None, None) => {
            return Err(Error::msg(
                "one of the paths must be SERVICE:PATH (`rcompose cp web:/etc/hosts .`)",
            ));
        }
        (Some((s, _)), None) | (None, Some((s, _))) => s.to_string(),
    };
    let target = ctx.target(std::slice::from_ref(&service))?;
    let engine = ctx.engine().await?;
    let all = engine.list_containers(Some(target.name()), true).await?;
    if ctx.global.dry_run {
        return Ok(());
    }
    match (from, to) {
        (Some((_, src)), None) => {
            let c = one_container(&all, &target, &service, args.index, false, args.all)?;
            copy_out(&engine, &service, c, src, &args.destination, args).await
        }
        (None, Some((_, dest))) => {
            let containers = targets(&all, &target, &service, args)?;
            let local = local_source(&args.source, args)?;
            for c in containers {
                copy_in(&engine, &service, c, &local, dest, args).await?;
            }
            Ok(())
        }
        _ => unreachable!("checked above"),
    }
}

/// The containers a copy into `service` goes to: `--index`, or all of them.
fn targets<'a>(
    all: &'a [ContainerInfo],
    target: &Target,
    service: &str,
    args: &CpArgs,
) -> Result<Vec<&'a ContainerInfo>, Error> {
    if args.index.is_some() {
        return Ok(vec![one_container(
            all, target, service, args.index, false, args.all,
        )?]);
    }
    // the error when there is none; otherwise all of them
    one_container(all, target, service, None, false, args.all)?;
    Ok(all
        .iter()
        .filter(|c| c.service() == service && (args.all || !c.is_oneoff()))
        .collect())
}

fn missing(service: &str, c: &ContainerInfo, path: &str) -> Error {
    Error::msg(format!(
        "service `{service}`: no such file or folder in container {}: {path}",
        c.name
    ))
}

async fn stat(
    engine: &crate::engine::Docker,
    c: &ContainerInfo,
    path: &str,
) -> Result<Option<PathStat>, Error> {
    Ok(engine.path_stat(&c.name, path).await?)
}

/// Container → local (or a tar on stdout for `-`).
async fn copy_out(
    engine: &crate::engine::Docker,
    service: &str,
    c: &ContainerInfo,
    src: &str,
    dest: &str,
    args: &CpArgs,
) -> Result<(), Error> {
    let st = stat(engine, c, src)
        .await?
        .ok_or_else(|| missing(service, c, src))?;
    // -L: the link's target, under the link's name
    let (real, name) = if args.follow_link && !st.link_target.is_empty() {
        let t = if st.link_target.starts_with('/') {
            st.link_target.clone()
        } else {
            format!("{}/{}", parent_of(src), st.link_target)
        };
        (t, base_name(src))
    } else {
        (src.to_string(), base_name(src))
    };
    let is_dir = match stat(engine, c, &real).await? {
        Some(s) => s.is_dir,
        None => return Err(missing(service, c, &real)),
    };
    let mut tar = Vec::new();
    let mut stream = engine.download(&c.name, &real);
    while let Some(chunk) = stream.next().await {
        let doing = || format!("service `{service}`: copy {src} from {}", c.name);
        tar.extend_from_slice(&chunk.map_err(|e| Error::engine(doing(), e))?);
    }
    if dest == "-" {
        return super::print_bytes(&tar);
    }
    let dest_path = PathBuf::from(dest);
    let (into, top) = if dest_path.is_dir() {
        (dest_path.clone(), name)
    } else if dest.ends_with('/') {
        return Err(Error::msg(format!("no such local folder: {dest}")));
    } else {
        if is_dir && dest_path.exists() {
            return Err(Error::msg(format!(
                "cannot copy the folder {src} onto the file {dest}"
            )));
        }
        let parent = dest_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        if !parent.is_dir() {
            return Err(Error::msg(format!(
                "no such local folder: {}",
                parent.display()
            )));
        }
        (parent, base_name(dest))
    };
    // as `docker cp`: what is copied out belongs to whoever copies it, `-a` or not
    extract(&tar, &into, &top).map_err(|e| Error::msg(format!("copy {src} to {dest}: {e}")))
}

/// Unpacks `tar` into `into`, its top-level name replaced by `top`; refuses paths leaving it.
fn extract(tar: &[u8], into: &Path, top: &str) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(tar);
    archive.set_preserve_permissions(true);
    archive.set_preserve_ownerships(false);
    archive.set_overwrite(true);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let mut parts = path
            .components()
            .filter(|c| !matches!(c, Component::CurDir));
        if parts.next().is_none() {
            continue;
        }
        let mut out = into.join(top);
        for part in parts {
            match part {
                Component::Normal(p) => out.push(p),
                _ => {
                    return Err(std::io::Error::other(format!(
                        "the archive holds an unsafe path: {}",
                        path.display()
                    )));
                }
            }
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)?;
        }
        entry.unpack(&out)?;
    }
    Ok(())
}

/// A local source: the tar on stdin (`-`), or a path (packed per destination).
enum Local {
    Tar(Vec<u8>),
    Path { is_dir: bool },
}

fn local_source(src: &str, args: &CpArgs) -> Result<Local, Error> {
    if src == "-" {
        let mut tar = Vec::new();
        std::io::stdin()
            .read_to_end(&mut tar)
            .map_err(|e| Error::io("cannot read the tar on stdin", e))?;
        return Ok(Local::Tar(tar));
    }
    let path = Path::new(src);
    let meta = if args.follow_link {
        std::fs::metadata(path)
    } else {
        std::fs::symlink_metadata(path)
    }
    .map_err(|_| Error::msg(format!("no such local file or folder: {src}")))?;
    Ok(Local::Path {
        is_dir: meta.is_dir(),
    })
}

fn pack(src: &Path, top: &str, follow: bool) -> std::io::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    let real = if follow {
        std::fs::canonicalize(src)?
    } else {
        src.to_path_buf()
    };
    if std::fs::symlink_metadata(&real)?.is_dir() {
        b.append_dir_all(top, &real)?;
    } else {
        b.append_path_with_name(&real, top)?;
    }
    b.into_inner()
}

/// Local → one container.
async fn copy_in(
    engine: &crate::engine::Docker,
    service: &str,
    c: &ContainerInfo,
    local: &Local,
    dest: &str,
    args: &CpArgs,
) -> Result<(), Error> {
    let st = stat(engine, c, dest).await?;
    let is_dir = match local {
        Local::Tar(_) => None,
        Local::Path { is_dir } => Some(*is_dir),
    };
    let (folder, top) = match (&st, is_dir) {
        // a tar stream is unpacked into a folder as it is
        (Some(s), None) if s.is_dir => (dest.to_string(), String::new()),
        (_, None) => {
            return Err(Error::msg(format!(
                "service `{service}`: {dest} is not a folder in container {}: a tar stream unpacks into a folder",
                c.name
            )));
        }
        (Some(s), Some(_)) if s.is_dir => (dest.to_string(), base_name(&args.source)),
        (Some(_), Some(true)) => {
            return Err(Error::msg(format!(
                "service `{service}`: cannot copy the folder {} onto the file {dest} in container {}",
                args.source, c.name
            )));
        }
        (Some(_), Some(false)) => (parent_of(dest), base_name(dest)),
        (None, Some(_)) => {
            let parent = parent_of(dest);
            if dest.ends_with('/') || !stat(engine, c, &parent).await?.is_some_and(|p| p.is_dir) {
                return Err(Error::msg(format!(
                    "service `{service}`: no such folder in container {}: {}",
                    c.name,
                    if dest.ends_with('/') { dest } else { &parent }
                )));
            }
            (parent, base_name(dest))
        }
    };
    let tar = match local {
        Local::Tar(tar) => tar.clone(),
        Local::Path { .. } => pack(Path::new(&args.source), &top, args.follow_link)
            .map_err(|e| Error::io(format!("cannot read {}", args.source), e))?,
    };
    engine
        .upload_archive(&c.name, &folder, tar, args.archive)
        .await
        .map_err(|e| {
            let doing = format!(
                "service `{service}`: copy {} to {}:{dest}",
                args.source, c.name
            );
            Error::engine(doing, e)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_paths_and_local_paths() {
        assert_eq!(split_service("web:/etc/hosts"), Some(("web", "/etc/hosts")));
        assert_eq!(split_service("web:rel"), Some(("web", "rel")));
        assert_eq!(split_service("./a:b"), None);
        assert_eq!(split_service("/tmp/a:b"), None);
        assert_eq!(split_service("dir/a:b"), None);
        assert_eq!(split_service("plain"), None);
        assert_eq!(base_name("/a/b/"), "b");
        assert_eq!(base_name("/"), "/");
        assert_eq!(parent_of("/a/b"), "/a");
        assert_eq!(parent_of("/a"), "/");
        assert_eq!(parent_of("b"), ".");
    }

    #[test]
    fn extraction_renames_the_top_and_refuses_escapes() {
        let dir = std::env::temp_dir().join(format!("rcompose-cp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "orig/f.txt", &b"hi"[..]).unwrap();
        let tar = b.into_inner().unwrap();
        extract(&tar, &dir, "renamed").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("renamed/f.txt")).unwrap(),
            "hi"
        );
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        h.as_old_mut().name[..11].copy_from_slice(b"top/../../x");
        h.set_cksum();
        b.append(&h, &b"x"[..]).unwrap();
        let tar = b.into_inner().unwrap();
        assert!(extract(&tar, &dir, "t").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
