//! The model's enum-like values (`pull_policy`, `restart`, `depends_on.*.condition`, volume
//! `type`, `deploy.mode`) as enums: the keywords Compose knows, a parameter where the keyword
//! takes one (`every_12h`, `on-failure:3`), and `Other` keeping any other text as written. Each
//! reads and prints as its text, so `config` and the config hash see the file's own words.

/// Defines a keyword enum: `Unset` (the key is absent) first, the keywords, an optional
/// keyword with a parameter (`Variant(text after the prefix)`), and `Other(text)`.
macro_rules! keywords {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
        $( $(#[$pmeta:meta])* $pvariant:ident = $prefix:literal )?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            /// Not given.
            #[default]
            Unset,
            $( $(#[$vmeta])* $variant, )*
            $( $(#[$pmeta])* $pvariant(String), )?
            /// A value rcompose does not know, as written.
            Other(String),
        }

        impl $name {
            /// The text as written in a compose file (empty when unset).
            pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
                match self {
                    $name::Unset => "".into(),
                    $( $name::$variant => $text.into(), )*
                    $( $name::$pvariant(p) => format!("{}{p}", $prefix).into(), )?
                    $name::Other(s) => s.as_str().into(),
                }
            }

            pub fn is_unset(&self) -> bool {
                *self == $name::Unset
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                match s {
                    "" => $name::Unset,
                    $( $text => $name::$variant, )*
                    $( s if s.starts_with($prefix) => $name::$pvariant(s[$prefix.len()..].to_string()), )?
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, text: &&str) -> bool {
                self.as_str() == *text
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<$name, D::Error> {
                Ok($name::from(<String as serde::Deserialize>::deserialize(d)?.as_str()))
            }
        }
    };
}
pub(crate) use keywords;

keywords! {
    /// `pull_policy`: when `up` pulls a service's image.
    PullPolicy {
        Always = "always",
        Never = "never",
        Missing = "missing",
        Build = "build",
        Daily = "daily",
        Weekly = "weekly",
    }
    /// `every_<duration>`: the duration as written.
    Every = "every_"
}

keywords! {
    /// `restart`: the container's restart policy.
    Restart {
        No = "no",
        Always = "always",
        OnFailure = "on-failure",
        UnlessStopped = "unless-stopped",
    }
    /// `on-failure:<max retries>`: the count as written.
    OnFailureMax = "on-failure:"
}

keywords! {
    /// `depends_on.*.condition`: what a dependent waits for before it starts.
    Condition {
        ServiceStarted = "service_started",
        ServiceHealthy = "service_healthy",
        ServiceCompletedSuccessfully = "service_completed_successfully",
    }
}

keywords! {
    /// A service volume's `type`.
    VolumeKind {
        Bind = "bind",
        Volume = "volume",
        Tmpfs = "tmpfs",
        Npipe = "npipe",
        Cluster = "cluster",
        Image = "image",
    }
}

keywords! {
    /// `deploy.mode`.
    DeployMode {
        Replicated = "replicated",
        Global = "global",
        ReplicatedJob = "replicated-job",
        GlobalJob = "global-job",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_reads_and_prints_as_written() {
        for text in ["", "always", "every_12h", "every_", "if_present", "Always"] {
            assert_eq!(PullPolicy::from(text).to_string(), text);
        }
        assert_eq!(
            PullPolicy::from("every_1h30m"),
            PullPolicy::Every("1h30m".into())
        );
        assert_eq!(
            Restart::from("on-failure:3"),
            Restart::OnFailureMax("3".into())
        );
        assert_eq!(Restart::from("allways"), Restart::Other("allways".into()));
        assert_eq!(
            Condition::from("service_healthy"),
            Condition::ServiceHealthy
        );
        let v: VolumeKind = serde_json::from_str("\"tmpfs\"").unwrap();
        assert_eq!(v, VolumeKind::Tmpfs);
        assert_eq!(
            serde_json::to_string(&DeployMode::GlobalJob).unwrap(),
            "\"global-job\""
        );
        assert!(Restart::default().is_unset());
    }
}
