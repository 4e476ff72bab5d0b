//! Watch mode (`rcompose watch`, `up --watch`): `develop.watch` rules ([`rules`]), a batch of host
//! changes planned per service ([`batch`]), files moved in and out of containers ([`sync`]), and
//! the running loop ([`session`]).

pub mod batch;
pub mod rules;
pub mod session;
pub mod sync;
