//! The build context served over a BuildKit session (`moby.filesync.v1.FileSync/DiffCopy`): the
//! engine names a folder (`context`, `dockerfile`) and what to narrow it to; rcompose sends every
//! entry's stat in walk order, an empty stat to end, then the content of each file the engine asks
//! for (those it does not hold already from an earlier build), until both sides say they are done.

use std::pin::Pin;
use std::sync::Arc;

use bollard_buildkit_proto::fsutil::types::packet::PacketType;
use bollard_buildkit_proto::fsutil::types::{Packet, Stat};
use bollard_buildkit_proto::moby::filesync::v1::file_sync_server::FileSync;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tonic::{Request, Response, Status, Streaming};

use crate::engine::context::{Ask, Content, Local, Served};

/// How much of a file goes in one packet (what BuildKit's own sender uses).
const CHUNK: usize = 32 * 1024;

/// The context folders of one build.
pub struct Files(pub Arc<Local>);

type Packets = Pin<Box<dyn Stream<Item = Result<Packet, Status>> + Send + 'static>>;

/// The values of a request header, decoded as BuildKit encodes them (`<key>-encoded: 1` means
/// each value is query-escaped).
fn values(request: &Request<Streaming<Packet>>, key: &str) -> Vec<String> {
    let md = request.metadata();
    let encoded = md
        .get(format!("{key}-encoded").as_str())
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v, "1" | "true" | "t" | "T" | "TRUE" | "True"));
    md.get_all(key)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| {
            if encoded {
                let v = v.replace('+', " ");
                percent_encoding::percent_decode_str(&v)
                    .decode_utf8_lossy()
                    .into_owned()
            } else {
                v.to_string()
            }
        })
        .collect()
}

#[tonic::async_trait]
impl FileSync for Files {
    type DiffCopyStream = Packets;
    type TarStreamStream = Packets;

    async fn diff_copy(
        &self,
        request: Request<Streaming<Packet>>,
    ) -> Result<Response<Packets>, Status> {
        let dir_name = values(&request, "dir-name")
            .into_iter()
            .next()
            .unwrap_or_default();
        let ask = Ask {
            follow: values(&request, "followpaths"),
            include: values(&request, "include-patterns"),
            exclude: values(&request, "exclude-patterns"),
        };
        let local = self.0.clone();
        let served = tokio::task::spawn_blocking(move || local.serve(&dir_name, &ask))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Status::not_found(e.to_string()),
                _ => Status::internal(format!("reading the build context: {e}")),
            })?;
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(send(served, request.into_inner(), tx));
        let out =
            futures_util::stream::unfold(
                rx,
                |mut rx| async move { rx.recv().await.map(|p| (p, rx)) },
            );
        Ok(Response::new(Box::pin(out)))
    }

    async fn tar_stream(&self, _: Request<Streaming<Packet>>) -> Result<Response<Packets>, Status> {
        Err(Status::unimplemented(
            "rcompose sends build contexts with DiffCopy",
        ))
    }
}

fn packet(kind: PacketType) -> Packet {
    Packet {
        r#type: kind as i32,
        ..Default::default()
    }
}

/// One side of a DiffCopy: the stats, then the files asked for, until the engine's FIN.
async fn send(
    served: Served,
    mut incoming: Streaming<Packet>,
    tx: mpsc::Sender<Result<Packet, Status>>,
) {
    for s in &served.stats {
        let stat = Stat {
            path: s.path.clone(),
            mode: s.mode,
            size: s.size,
            mod_time: s.mod_time,
            linkname: s.linkname.clone(),
            ..Default::default()
        };
        let p = Packet {
            stat: Some(stat),
            ..packet(PacketType::PacketStat)
        };
        if tx.send(Ok(p)).await.is_err() {
            return;
        }
    }
    if tx.send(Ok(packet(PacketType::PacketStat))).await.is_err() {
        return;
    }
    while let Some(Ok(p)) = incoming.next().await {
        match PacketType::try_from(p.r#type) {
            Ok(PacketType::PacketReq) => {
                if let Err(why) = send_file(&served, p.id, &tx).await {
                    let p = Packet {
                        data: why.into_bytes(),
                        ..packet(PacketType::PacketErr)
                    };
                    let _ = tx.send(Ok(p)).await;
                    return;
                }
            }
            Ok(PacketType::PacketFin) => {
                let _ = tx.send(Ok(packet(PacketType::PacketFin))).await;
                return;
            }
            Ok(PacketType::PacketErr) => return,
            _ => {}
        }
    }
}

/// The content of entry `id` in chunks, then an empty chunk to end it.
async fn send_file(
    served: &Served,
    id: u32,
    tx: &mpsc::Sender<Result<Packet, Status>>,
) -> Result<(), String> {
    let chunk = |data: Vec<u8>| Packet {
        id,
        data,
        ..packet(PacketType::PacketData)
    };
    let gone = || "the engine stopped reading the build context".to_string();
    match served.content(id) {
        None => return Err(format!("the engine asked for entry {id}, which is no file")),
        Some(Content::Memory(bytes)) => {
            for part in bytes.chunks(CHUNK) {
                tx.send(Ok(chunk(part.to_vec())))
                    .await
                    .map_err(|_| gone())?;
            }
        }
        Some(Content::Disk(path)) => {
            let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
            let mut file = tokio::fs::File::open(path).await.map_err(cannot)?;
            loop {
                let mut buf = vec![0u8; CHUNK];
                let n = file.read(&mut buf).await.map_err(cannot)?;
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                tx.send(Ok(chunk(buf))).await.map_err(|_| gone())?;
            }
        }
    }
    tx.send(Ok(chunk(Vec::new()))).await.map_err(|_| gone())
}
