//! `rcompose images`: the images the project's containers run, as a table, JSON or IDs.

use futures_util::future::try_join_all;

use super::{Failure, connect, print, select, target};
use crate::cli::{Global, ImagesArgs, ListFormat};
use crate::engine::Engine;

pub async fn run(global: &Global, args: &ImagesArgs) -> Result<(), Failure> {
    let target = target(global, &args.services)?;
    let engine = connect().await?;
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
    let repo_tag = |c: &crate::engine::ContainerInfo| -> (String, String) {
        let image = &c.image;
        let slash = image.rfind('/').map_or(0, |i| i + 1);
        match image[slash..].rfind(':') {
            Some(i) => (
                image[..slash + i].to_string(),
                image[slash + i + 1..].to_string(),
            ),
            None => (image.clone(), "latest".to_string()),
        }
    };
    let text = if args.quiet {
        let mut ids: Vec<String> = rows
            .iter()
            .map(|(_, i)| i.id.trim_start_matches("sha256:").to_string())
            .collect();
        ids.dedup();
        ids.into_iter().map(|i| i + "\n").collect()
    } else {
        match args.format {
            ListFormat::Json => {
                let list: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(c, i)| {
                        let (repo, tag) = repo_tag(c);
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
                serde_json::to_string(&list).expect("json") + "\n"
            }
            ListFormat::Table => {
                let mut t = vec![
                    [
                        "CONTAINER",
                        "REPOSITORY",
                        "TAG",
                        "PLATFORM",
                        "IMAGE ID",
                        "SIZE",
                        "CREATED",
                    ]
                    .map(String::from)
                    .to_vec(),
                ];
                for (c, i) in &rows {
                    let (repo, tag) = repo_tag(c);
                    // the reference's CREATED is the last tag (pull, build, tag) time
                    let when = if i.last_tagged.is_empty() {
                        &i.created
                    } else {
                        &i.last_tagged
                    };
                    let created = crate::clock::rfc3339_seconds(when).unwrap_or(0);
                    t.push(vec![
                        c.name.clone(),
                        repo,
                        tag,
                        i.platform.clone(),
                        i.id.trim_start_matches("sha256:")
                            .chars()
                            .take(12)
                            .collect(),
                        crate::render::size(i.size.max(0) as u64, false),
                        super::ps::ago(created),
                    ]);
                }
                crate::render::table(&t, 20)
            }
        }
    };
    print(&text)
}

#[cfg(test)]
mod tests {
    fn human_size(n: i64) -> String {
        crate::render::size(n as u64, false)
    }

    #[test]
    fn sizes_read_like_the_docker_cli() {
        assert_eq!(human_size(1984230), "1.98MB");
        assert_eq!(human_size(138_000_000), "138MB");
        assert_eq!(human_size(512), "512B");
        assert_eq!(human_size(12_345), "12.3kB");
    }
}
