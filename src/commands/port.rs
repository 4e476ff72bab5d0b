//! `rcompose port`: the host address a container port of a service is published on.

use super::{Failure, connect, one_container, target};
use crate::cli::{Global, PortArgs};
use crate::engine::Engine;

pub async fn run(global: &Global, args: &PortArgs) -> Result<(), Failure> {
    let services = [args.service.clone()];
    let target = target(global, &services)?;
    let engine = connect().await?;
    let all = engine.list_containers(Some(target.name()), true).await?;
    let c = one_container(&all, &target, &args.service, args.index, false, false)?;
    let (port, proto) = match args.private_port.split_once('/') {
        Some((p, proto)) => (p, proto.to_string()),
        None => (args.private_port.as_str(), args.protocol.clone()),
    };
    let port: u16 = port.parse().map_err(|_| {
        Failure::Other(format!(
            "invalid port {:?}: expected a number",
            args.private_port
        ))
    })?;
    let found = c
        .ports
        .iter()
        .find(|p| p.private == port && p.protocol == proto && p.public != 0)
        .ok_or_else(|| {
            Failure::Other(format!(
                "service `{}`: port {port}/{proto} of {} is not published",
                args.service, c.name
            ))
        })?;
    let host = if found.host_ip.contains(':') {
        format!("[{}]", found.host_ip)
    } else {
        found.host_ip.clone()
    };
    super::print(&format!("{host}:{}\n", found.public))
}
