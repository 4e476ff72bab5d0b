//! The model's two serialized forms: Compose's JSON (`config --format json`, the config hash; the
//! default) and its YAML (`config`), which `in_yaml_form` switches on for one serialization.

use std::cell::Cell;

use serde::Serialize;

use super::{Extensions, ThrottleDevice, WeightDevice, is_zero};

thread_local! {
    /// Set while the model serializes as `config` writes YAML (see `in_yaml_form`).
    static YAML_FORM: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the model serializing as `docker compose config` writes YAML. Compose's types
/// go through two marshalers there: yaml tags (`omitempty` on structs and unset commands, the
/// `x-*` extensions inlined, blkio devices' keys in lower case) and json tags (none of that).
/// The config hash and `--format json` stay in the JSON form.
pub fn in_yaml_form<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            YAML_FORM.set(self.0);
        }
    }
    let _restore = Restore(YAML_FORM.replace(true));
    f()
}

pub(super) fn yaml_form() -> bool {
    YAML_FORM.get()
}
/// Extensions are printed in the YAML form only.
pub(super) fn json_form<T>(_: &T) -> bool {
    !yaml_form()
}
/// An unset value is printed as `null` in the JSON form and left out of the YAML one.
pub(super) fn none_in_yaml<T>(v: &Option<T>) -> bool {
    v.is_none() && yaml_form()
}
/// An empty struct is printed as `{}` in the JSON form and left out of the YAML one.
pub(super) fn zero_in_yaml<T: Default + PartialEq>(v: &T) -> bool {
    yaml_form() && is_zero(v)
}

/// A blkio device entry: `path` and its `weight` or `rate`, with their names in the form's case.
fn blkio_device<S: serde::Serializer, V: Serialize>(
    s: S,
    path: &str,
    (json_key, yaml_key, value): (&'static str, &'static str, &V),
    extensions: &Extensions,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let yaml = yaml_form();
    let mut m = s.serialize_map(None)?;
    m.serialize_entry(if yaml { "path" } else { "Path" }, path)?;
    m.serialize_entry(if yaml { yaml_key } else { json_key }, value)?;
    if yaml {
        for (k, v) in extensions {
            m.serialize_entry(k, v)?;
        }
    }
    m.end()
}

impl Serialize for WeightDevice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let weight = ("Weight", "weight", &self.weight);
        blkio_device(s, &self.path, weight, &self.extensions)
    }
}

impl Serialize for ThrottleDevice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        blkio_device(
            s,
            &self.path,
            ("Rate", "rate", &self.rate),
            &self.extensions,
        )
    }
}
