//! `rcompose export`: a service container's filesystem as a tar archive, to a file (`-o`,
//! written as `docker export` writes it: mode 0600, replaced only once complete) or to stdout
//! when that is not a terminal.

use std::io::{IsTerminal, Write};

use futures_util::StreamExt;

use super::Context;
use crate::cli::ExportArgs;
use crate::engine::Interactive;
use crate::error::Error;

pub async fn run(ctx: &Context, args: &ExportArgs) -> Result<(), Error> {
    if args.output.is_none() && std::io::stdout().is_terminal() {
        return Err(Error::msg(
            "refusing to write a tar archive to a terminal: give a file with -o, or redirect stdout",
        ));
    }
    let (engine, c) = ctx.container(&args.service, args.index, false).await?;
    if ctx.global.dry_run {
        eprintln!("DRY-RUN MODE - export {}", c.name);
        return Ok(());
    }
    let doing = format!("export container {}", c.name);
    let mut stream = engine.export(&c.name);
    match &args.output {
        None => {
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| Error::engine(&doing, e))?;
                super::print_bytes(&chunk)?;
            }
        }
        Some(path) => {
            // written beside the target, then renamed: a failed export leaves no half archive
            let part = path.with_file_name(format!(
                ".{}.part",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ));
            let write =
                |e: std::io::Error| Error::io(format!("cannot write {}", path.display()), e);
            let mut file = open_private(&part).map_err(write)?;
            let copied: Result<(), Error> = async {
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk.map_err(|e| Error::engine(&doing, e))?;
                    file.write_all(&chunk).map_err(write)?;
                }
                file.sync_all().map_err(write)?;
                std::fs::rename(&part, path).map_err(write)
            }
            .await;
            if copied.is_err() {
                let _ = std::fs::remove_file(&part);
            }
            copied?;
        }
    }
    Ok(())
}

fn open_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}
