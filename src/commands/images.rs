//! `rcompose images`: the images the project's containers run, as a table, JSON or IDs.

use futures_util::future::try_join_all;

use super::{Context, print, templated};
use crate::cli::{Format, ImagesArgs};
use crate::compose::select;
use crate::engine::Inventory;
use crate::error::Error;

pub async fn run(ctx: &Context, args: &ImagesArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let engine = ctx.engine().await?;
    let all = engine.list_containers(Some(target.name()), true).await?;
    let mut containers = select(&all, &args.services);
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    let infos = try_join_all(containers.iter().map(|c| engine.image_info(&c.image_id))).await?;
    let rows: Vec<(&crate::engine::ContainerInfo, crate::engine::ImageInfo)> = containers
        .iter()
        .copied()
        .zip(infos)
        .filter_map(|(c, i)| Some((c, i?)))
        .collect();
    let text = if args.quiet {
        let mut ids: Vec<String> = rows
            .iter()
            .map(|(_, i)| i.id.trim_start_matches("sha256:").to_string())
            .collect();
        ids.dedup();
        ids.into_iter().map(|i| i + "\n").collect()
    } else {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(c, i)| {
                let (repo, tag) = repo_tag(&c.image);
                serde_json::json!({
                    "ID": i.id,
                    "ContainerName": c.name,
                    "Repository": repo,
                    "Tag": tag,
                    "Platform": i.platform,
                    "Size": i.size,
                    "LastTagTime": i.last_tagged,
                })
            })
            .collect();
        match templated(&args.format, &list, HEADERS) {
            Some(text) => text?,
            None if args.format == Format::Json => {
                serde_json::to_string(&list).expect("json") + "\n"
            }
            None => {
                let titles = [
                    "CONTAINER",
                    "REPOSITORY",
                    "TAG",
                    "PLATFORM",
                    "IMAGE ID",
                    "SIZE",
                    "CREATED",
                ];
                let now = crate::clock::now_secs();
                let table = rows.iter().map(|(c, i)| {
                    let (repo, tag) = repo_tag(&c.image);
                    // the reference's CREATED is the last tag (pull, build, tag) time
                    let when = if i.last_tagged.is_empty() {
                        &i.created
                    } else {
                        &i.last_tagged
                    };
                    let created = crate::clock::rfc3339_seconds(when).unwrap_or(0);
                    let id =
                        i.id.trim_start_matches("sha256:")
                            .chars()
                            .take(12)
                            .collect();
                    let size = crate::render::size(i.size.max(0) as u64, false);
                    let ago = crate::render::ago(created, now);
                    vec![c.name.clone(), repo, tag, i.platform.clone(), id, size, ago]
                });
                crate::render::titled(&titles, table, 20)
            }
        }
    };
    print(&text)
}

/// The columns of a `table` template (the reference takes no template here; these are its
/// table's titles).
const HEADERS: &[(&str, &str)] = &[
    ("ContainerName", "CONTAINER"),
    ("Repository", "REPOSITORY"),
    ("Tag", "TAG"),
    ("Platform", "PLATFORM"),
    ("ID", "IMAGE ID"),
    ("Size", "SIZE"),
    ("LastTagTime", "CREATED"),
];

/// The repository and tag of an image reference (`latest` when it names none).
fn repo_tag(image: &str) -> (String, String) {
    let (path, name) = image.rsplit_once('/').unwrap_or(("", image));
    let (name, tag) = name.rsplit_once(':').unwrap_or((name, "latest"));
    let repo = match path {
        "" => name.to_string(),
        p => format!("{p}/{name}"),
    };
    (repo, tag.to_string())
}
