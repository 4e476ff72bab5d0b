//! `rcompose top`: the processes of the services' running containers, in one table with the
//! service and replica number first (as Compose v2.40 prints it).

use super::Context;
use crate::cli::ServicesArgs;
use crate::compose::select;
use crate::engine::{Interactive, Inventory};
use crate::error::Error;

pub async fn run(ctx: &Context, args: &ServicesArgs) -> Result<(), Error> {
    let target = ctx.target(&args.services)?;
    let engine = ctx.engine().await?;
    let all = engine.list_containers(Some(target.name()), false).await?;
    let mut containers: Vec<_> = select(&all, &args.services)
        .into_iter()
        .filter(|c| c.is_running() && !c.is_oneoff())
        .collect();
    containers.sort_by(|a, b| (a.service(), a.number()).cmp(&(b.service(), b.number())));
    let tops =
        futures_util::future::join_all(containers.iter().map(|c| engine.top(&c.name, ""))).await;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (c, top) in containers.iter().zip(tops) {
        let top = top
            .map_err(|e| Error::engine(format!("service `{}`: top {}", c.service(), c.name), e))?;
        if rows.is_empty() {
            let mut head = vec!["SERVICE".to_string(), "#".to_string()];
            head.extend(top.titles);
            rows.push(head);
        }
        for p in top.rows {
            let mut row = vec![c.service().to_string(), c.number().to_string()];
            row.extend(p);
            rows.push(row);
        }
    }
    super::print(&crate::render::table_padded(&rows, 4, 2))
}
