//! `rcompose port`: the host address a container port of a service is published on.

use super::Context;
use crate::cli::PortArgs;
use crate::error::Error;

pub async fn run(ctx: &Context, args: &PortArgs) -> Result<(), Error> {
    let (_, c) = ctx.container(&args.service, args.index, false).await?;
    let c = &c;
    let (port, proto) = match args.private_port.split_once('/') {
        Some((p, proto)) => (p, proto.to_string()),
        None => (args.private_port.as_str(), args.protocol.clone()),
    };
    let port: u16 = port
        .parse()
        .map_err(|_| Error::invalid("port", &args.private_port, "expected a number"))?;
    let found = c
        .ports
        .iter()
        .find(|p| p.private == port && p.protocol == proto && p.public != 0)
        .ok_or_else(|| Error::Service {
            service: args.service.clone(),
            message: format!("port {port}/{proto} of {} is not published", c.name),
        })?;
    let host = if found.host_ip.contains(':') {
        format!("[{}]", found.host_ip)
    } else {
        found.host_ip.clone()
    };
    super::print(&format!("{host}:{}\n", found.public))
}
