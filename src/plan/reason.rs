//! Why a step is in a plan, typed: the executor and the progress display switch on it, and its
//! text is what `up --dry-run` prints after `#`.

use std::fmt;

use crate::model::Condition;

/// Why a container is recreated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Divergence {
    /// `--force-recreate`, or `--always-recreate-deps` for a dependency.
    Forced,
    /// Its config hash differs from the service's.
    ConfigChanged,
    /// Its image ID differs from the image's.
    ImageChanged,
    /// It runs without one of the service's networks.
    NetworkMissing,
    /// It is `dead` or being removed (an engine crash, a removal under way): it cannot start.
    Broken,
}

/// Why a step exists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Reason {
    /// Nothing worth saying (a plain start, a `down` step).
    #[default]
    None,
    /// The object (network, volume, image) is not on the engine.
    Missing,
    /// A new container of the service.
    Created,
    /// A step of replacing a container.
    Recreate(Divergence),
    /// A replica beyond the service's count.
    ScaledDown,
    /// A container of a service the project no longer has.
    Orphan,
    /// A stopped container started again.
    Stopped,
    /// A paused container resumed.
    Paused,
    /// Restarted because these dependencies were replaced (`restart: true`).
    Replaced(Vec<String>),
    /// A dependent's start waits for this condition of a dependency.
    DependsOn {
        /// The service that waits.
        dependent: String,
        /// The service it waits for.
        service: String,
        /// What it waits for.
        condition: Condition,
    },
    /// `--wait`.
    Wait,
    /// Secrets and configs copied into a container.
    SecretsAndConfigs,
    /// `run`'s one-off container.
    OneOff,
    /// `pull_policy: always` (or its interval) pulls an image the engine has.
    PullPolicyAlways,
    /// One build serving several services.
    SharedBuild(Vec<String>),
    /// An anonymous volume of a removed container.
    Anonymous,
    /// A version of a stack's secret or config that no service uses any more.
    OldVersion,
    /// A second network of the project's network name (runs that raced made it), or a
    /// container on it.
    Duplicate,
    /// A replacement that an interrupted recreate left under its temporary name.
    Interrupted,
    /// A volume whose configuration changed, recreated (`up -y`, or the user said yes), or a
    /// container that mounts it, removed first.
    VolumeChanged,
    /// A network whose configuration changed, recreated, or a container on it: stopped, taken
    /// off it, put on the new one and started again.
    NetworkChanged,
}

impl Reason {
    /// The step is part of replacing a container.
    pub fn is_recreate(&self) -> bool {
        matches!(self, Reason::Recreate(_))
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Divergence::Forced => "forced",
            Divergence::ConfigChanged => "config changed",
            Divergence::ImageChanged => "image changed",
            Divergence::NetworkMissing => "network missing",
            Divergence::Broken => "dead or being removed",
        })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::None => Ok(()),
            Reason::Missing => f.write_str("missing"),
            Reason::Created => f.write_str("created"),
            Reason::Recreate(d) => d.fmt(f),
            Reason::ScaledDown => f.write_str("scaled down"),
            Reason::Orphan => f.write_str("orphan"),
            Reason::Stopped => f.write_str("stopped"),
            Reason::Paused => f.write_str("paused"),
            Reason::Replaced(services) => {
                write!(f, "{} was replaced (restart: true)", services.join(", "))
            }
            Reason::DependsOn {
                dependent,
                service,
                condition,
            } => write!(f, "{dependent} depends on {service}: {condition}"),
            Reason::Wait => f.write_str("--wait"),
            Reason::SecretsAndConfigs => f.write_str("secrets and configs"),
            Reason::OneOff => f.write_str("one-off"),
            Reason::PullPolicyAlways => f.write_str("pull policy: always"),
            Reason::SharedBuild(services) => write!(f, "for {}", services.join(", ")),
            Reason::Anonymous => f.write_str("anonymous"),
            Reason::OldVersion => f.write_str("an old version"),
            Reason::Duplicate => f.write_str("a duplicate network"),
            Reason::Interrupted => f.write_str("left by an interrupted recreate"),
            Reason::VolumeChanged => f.write_str("volume configuration changed"),
            Reason::NetworkChanged => f.write_str("network configuration changed"),
        }
    }
}
