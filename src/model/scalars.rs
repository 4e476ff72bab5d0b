//! Scalar types of the model with Compose's own text forms: durations, byte sizes, file modes,
//! extra hosts and ulimits.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration in nanoseconds, printed like Go's `time.Duration` (`1m30s`, `500ms`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub i64);

impl Duration {
    /// Parses Compose durations: Go units (`ns us µs ms s m h`) plus `d` and `w`, decimals allowed,
    /// several parts (`1h30m`); a bare `0` is zero.
    pub fn parse(s: &str) -> Option<Duration> {
        let s = s.trim();
        if s == "0" {
            return Some(Duration(0));
        }
        let (neg, mut rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if rest.is_empty() {
            return None;
        }
        let mut total: f64 = 0.0;
        while !rest.is_empty() {
            let num_end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            if num_end == 0 {
                return None;
            }
            let num: f64 = rest[..num_end].parse().ok()?;
            rest = &rest[num_end..];
            let unit_end = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let unit = &rest[..unit_end];
            rest = &rest[unit_end..];
            let mult: f64 = match unit {
                "ns" => 1.0,
                "us" | "µs" | "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                "d" => 86400e9,
                "w" => 7.0 * 86400e9,
                _ => return None,
            };
            total += num * mult;
        }
        let ns = total.round() as i64;
        Some(Duration(if neg { -ns } else { ns }))
    }

    /// Go's `time.Duration.String()`.
    pub fn go_string(&self) -> String {
        let d = self.0;
        if d == 0 {
            return "0s".into();
        }
        let neg = d < 0;
        let u = d.unsigned_abs();
        let mut out = String::new();
        if u < 1_000_000_000 {
            // sub-second: one unit with a fraction
            let (unit, div) = if u < 1_000 {
                ("ns", 1)
            } else if u < 1_000_000 {
                ("µs", 1_000)
            } else {
                ("ms", 1_000_000)
            };
            out.push_str(&frac(u, div));
            out.push_str(unit);
        } else {
            let h = u / 3_600_000_000_000;
            let rem = u % 3_600_000_000_000;
            let m = rem / 60_000_000_000;
            let s = rem % 60_000_000_000;
            if h > 0 {
                out.push_str(&format!("{h}h{m}m"));
            } else if m > 0 {
                out.push_str(&format!("{m}m"));
            }
            out.push_str(&frac(s, 1_000_000_000));
            out.push('s');
        }
        if neg { format!("-{out}") } else { out }
    }
}

/// `v / div` with the fraction's trailing zeros dropped (`1500, 1000` → `1.5`).
fn frac(v: u64, div: u64) -> String {
    let whole = v / div;
    let rest = v % div;
    if rest == 0 {
        return whole.to_string();
    }
    let width = (div as f64).log10() as usize;
    let f = format!("{rest:0width$}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.go_string())
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let text = match &v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(serde::de::Error::custom("expected a duration")),
        };
        Duration::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid duration `{text}`")))
    }
}

/// A size in bytes, printed as a decimal string; parses Compose's `512m` as binary units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct UnitBytes(pub i64);

impl UnitBytes {
    /// Parses `1024`, `-1`, `512m`, `1.5g`, `2kb`, `1GiB` (binary units, like Docker's RAMInBytes).
    pub fn parse(s: &str) -> Option<UnitBytes> {
        let t = s.trim();
        if let Ok(n) = t.parse::<i64>() {
            return Some(UnitBytes(n));
        }
        let num_end = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        if num_end == 0 {
            return None;
        }
        let num: f64 = t[..num_end].parse().ok()?;
        let unit = t[num_end..].trim().to_ascii_lowercase();
        let unit = unit
            .strip_suffix("ib")
            .or_else(|| unit.strip_suffix('b'))
            .unwrap_or(&unit);
        let mult: f64 = match unit {
            "" => 1.0,
            "k" => 1024.0,
            "m" => 1024f64.powi(2),
            "g" => 1024f64.powi(3),
            "t" => 1024f64.powi(4),
            "p" => 1024f64.powi(5),
            _ => return None,
        };
        Some(UnitBytes((num * mult) as i64))
    }
}

impl Serialize for UnitBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for UnitBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match &v {
            serde_json::Value::Number(n) => Ok(UnitBytes(
                n.as_i64()
                    .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64),
            )),
            serde_json::Value::String(s) => UnitBytes::parse(s)
                .ok_or_else(|| serde::de::Error::custom(format!("invalid size `{s}`"))),
            _ => Err(serde::de::Error::custom("expected a size")),
        }
    }
}

/// A file mode, printed in octal with a leading 0 (`"0440"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileMode(pub i64);

impl Serialize for FileMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0{:o}", self.0))
    }
}

impl<'de> Deserialize<'de> for FileMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match &v {
            serde_json::Value::Number(n) => Ok(FileMode(n.as_i64().unwrap_or(0))),
            serde_json::Value::String(s) => i64::from_str_radix(s.trim_start_matches("0o"), 8)
                .map(FileMode)
                .map_err(|_| serde::de::Error::custom(format!("invalid file mode `{s}`"))),
            _ => Err(serde::de::Error::custom("expected a file mode")),
        }
    }
}

/// Extra hosts: host name → addresses, printed as a sorted `host=ip` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostsList(pub BTreeMap<String, Vec<String>>);

impl HostsList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn as_list(&self, sep: &str) -> Vec<String> {
        let mut l: Vec<String> = self
            .0
            .iter()
            .flat_map(|(h, ips)| ips.iter().map(move |ip| format!("{h}{sep}{ip}")))
            .collect();
        l.sort();
        l
    }
}

impl Serialize for HostsList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_list("=").serialize(s)
    }
}

impl<'de> Deserialize<'de> for HostsList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Vec<String>>::deserialize(d)?;
        Ok(HostsList(map))
    }
}

/// A ulimit: one number for both limits, or soft and hard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UlimitValue {
    Single(i64),
    Pair { soft: i64, hard: i64 },
}

impl Serialize for UlimitValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            UlimitValue::Single(n) if *n != 0 => s.serialize_i64(*n),
            UlimitValue::Single(_) => s.serialize_map(Some(0))?.end(),
            UlimitValue::Pair { soft, hard } => {
                let mut m = s.serialize_map(None)?;
                if *soft != 0 {
                    m.serialize_entry("soft", soft)?;
                }
                if *hard != 0 {
                    m.serialize_entry("hard", hard)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for UlimitValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match &v {
            serde_json::Value::Number(n) => Ok(UlimitValue::Single(n.as_i64().unwrap_or(0))),
            serde_json::Value::Object(m) => {
                let get = |k: &str| m.get(k).and_then(|v| v.as_i64()).unwrap_or(0);
                Ok(UlimitValue::Pair {
                    soft: get("soft"),
                    hard: get("hard"),
                })
            }
            _ => Err(serde::de::Error::custom(
                "expected a number or {soft, hard}",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        let cases = [
            ("1m30s", "1m30s"),
            ("10s", "10s"),
            ("500ms", "500ms"),
            ("1h", "1h0m0s"),
            ("1.5s", "1.5s"),
            ("90s", "1m30s"),
            ("2d", "48h0m0s"),
            ("0", "0s"),
            ("1us", "1µs"),
        ];
        for (input, want) in cases {
            assert_eq!(Duration::parse(input).unwrap().go_string(), want, "{input}");
        }
        assert!(Duration::parse("10").is_none());
        assert!(Duration::parse("abc").is_none());
    }

    #[test]
    fn sizes_are_binary() {
        assert_eq!(UnitBytes::parse("512m"), Some(UnitBytes(536_870_912)));
        assert_eq!(UnitBytes::parse("1g"), Some(UnitBytes(1_073_741_824)));
        assert_eq!(UnitBytes::parse("2kb"), Some(UnitBytes(2048)));
        assert_eq!(UnitBytes::parse("-1"), Some(UnitBytes(-1)));
        assert_eq!(UnitBytes::parse("lots"), None);
    }
}

// Editor-schema forms of the scalars: what their parsers accept.
mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    use super::{Duration, FileMode, HostsList, UlimitValue, UnitBytes};

    impl JsonSchema for Duration {
        fn schema_name() -> Cow<'static, str> {
            "duration".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": ["string", "number"],
                "description": "A duration: `1m30s`, `500ms`, `2h`, `1d` (Go units plus d and w)",
                "pattern": "^[-+]?(\\d+(\\.\\d*)?(ns|us|µs|μs|ms|s|m|h|d|w))+$|^0$|\\$"
            })
        }
    }

    impl JsonSchema for UnitBytes {
        fn schema_name() -> Cow<'static, str> {
            "bytes".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": ["string", "integer"],
                "description": "A size in bytes, or with a binary unit: `512m`, `1g`, `64k`"
            })
        }
    }

    impl JsonSchema for FileMode {
        fn schema_name() -> Cow<'static, str> {
            "file_mode".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": ["string", "integer"],
                "description": "A file mode, e.g. 0440 (octal when written as a string)"
            })
        }
    }

    impl JsonSchema for UlimitValue {
        fn schema_name() -> Cow<'static, str> {
            "ulimit".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "oneOf": [
                    {"type": "integer", "description": "one value for both limits"},
                    {
                        "type": "object",
                        "properties": {
                            "soft": {"type": "integer"},
                            "hard": {"type": "integer"}
                        },
                        "required": ["soft", "hard"]
                    }
                ]
            })
        }
    }

    impl JsonSchema for HostsList {
        fn schema_name() -> Cow<'static, str> {
            "extra_hosts".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "`host=ip` / `host:ip` items, or `host: ip` (several addresses as a list)",
                "oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {
                        "type": "object",
                        "additionalProperties": {
                            "oneOf": [
                                {"type": "string"},
                                {"type": "array", "items": {"type": "string"}}
                            ]
                        }
                    }
                ]
            })
        }
    }
}
