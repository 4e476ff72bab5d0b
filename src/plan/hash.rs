//! Compose's configuration hashes: sha256 of an object's JSON as Compose marshals it. The service
//! hash (`com.docker.compose.config-hash` on containers, `config --hash`) leaves out what does not
//! change the container; networks and volumes carry theirs so a diverged one is noticed.

use sha2::{Digest, Sha256};

use crate::model::{Network, Service, Volume};
use crate::render::{JsonStyle, json};

fn sha256_of(v: &serde_json::Value) -> String {
    let text = json(
        v,
        JsonStyle {
            indent: false,
            escape_dollar: false,
        },
    );
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The service's config hash: its JSON without `build`, `pull_policy`, `scale`,
/// `deploy.replicas`, `depends_on` and `profiles`.
pub fn service(svc: &Service) -> String {
    let mut s = svc.clone();
    s.build = None;
    s.pull_policy.clear();
    s.scale = None;
    if let Some(d) = s.deploy.as_mut() {
        d.replicas = None;
    }
    s.depends_on.clear();
    s.profiles.clear();
    sha256_of(&serde_json::to_value(&s).expect("the model always serializes"))
}

/// A network's hash, as the `com.docker.compose.config-hash` label of the network.
pub fn network(n: &Network) -> String {
    sha256_of(&serde_json::to_value(n).expect("the model always serializes"))
}

/// A volume's hash (the driver defaults to `local`, as in Compose).
pub fn volume(v: &Volume) -> String {
    let mut v = v.clone();
    if v.driver.is_empty() {
        v.driver = "local".into();
    }
    sha256_of(&serde_json::to_value(&v).expect("the model always serializes"))
}
