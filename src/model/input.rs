//! Schema-only types: the short syntaxes a compose file may use where the model holds the long
//! form (`ports: ["80:80"]`, `environment: [A=1]`, `build: ./dir`...). They exist to generate the
//! editor schema (`schemas/rcompose.schema.json`); the loader turns each into the model's form.
// These types are only described, never built.
#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde_json::Value as Json;

use super::Dependency;
use super::{
    Build, DeviceMapping, DeviceRequest, EnvFile, Extends, FileObject, FileReference, ModelConfig,
    Network, Port, Service, ServiceNetwork, ServiceVolume, Volume,
};

/// A compose file as written: the project's sections, `include`, `version` and `x-*` keys.
#[derive(JsonSchema)]
#[schemars(title = "Compose file (rcompose)", deny_unknown_fields)]
pub struct ComposeFile {
    /// Obsolete; accepted and ignored.
    version: Option<String>,
    /// The project name.
    name: Option<String>,
    /// Other compose files whose resources this project imports.
    include: Option<Vec<IncludeInput>>,
    services: Option<BTreeMap<String, Service>>,
    networks: Option<BTreeMap<String, Option<Network>>>,
    volumes: Option<BTreeMap<String, Option<Volume>>>,
    secrets: Option<BTreeMap<String, FileObject>>,
    configs: Option<BTreeMap<String, FileObject>>,
    models: Option<BTreeMap<String, ModelConfig>>,
    #[serde(flatten)]
    extensions: BTreeMap<String, Json>,
}

/// `include:` entries: a path, or a path list with its own project folder and env files.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum IncludeInput {
    Path(String),
    Long {
        path: StringOrList,
        project_directory: Option<String>,
        env_file: Option<StringOrList>,
    },
}

/// One string or a list of them.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum StringOrList {
    One(String),
    Many(Vec<String>),
}

/// A scalar written where a string is kept (`expose: [80]`, label values).
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    String(String),
    Number(f64),
    Bool(bool),
}

/// A string, or a number written where a string is kept (`published: 8080`).
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum StringOrNumber {
    String(String),
    Number(f64),
}

/// One scalar or a list of them (provider options).
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ScalarOrList {
    One(Scalar),
    Many(Vec<Scalar>),
}

/// `models: [name]` or `{name: {endpoint_var: ...}}`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ModelsInput {
    Names(Vec<String>),
    Long(BTreeMap<String, Option<super::ServiceModel>>),
}

/// `KEY=value` items or a `KEY: value` mapping (values may be absent).
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ListOrDict {
    List(Vec<String>),
    Dict(BTreeMap<String, Option<Scalar>>),
}

/// `command` / `entrypoint` / `healthcheck.test`: a shell string, an argument list, or null.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum Command {
    Shell(String),
    Args(Vec<String>),
}

/// `build: ./dir` or the long form.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum BuildInput {
    Context(String),
    Long(Box<Build>),
}

/// `extends: service` or `{service, file}`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ExtendsInput {
    Service(String),
    Long(Extends),
}

/// `depends_on: [a, b]` or `{a: {condition: ...}}`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum DependsOnInput {
    Names(Vec<String>),
    Long(BTreeMap<String, Dependency>),
}

/// `networks: [a, b]` or `{a: {aliases: ...}}`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum NetworksInput {
    Names(Vec<String>),
    Long(BTreeMap<String, Option<ServiceNetwork>>),
}

/// `ports: ["127.0.0.1:8080:80/tcp", 80]` or the long form.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum PortInput {
    Number(u32),
    Short(String),
    Long(Port),
}

/// `volumes: ["data:/var/lib/data:ro"]` or the long form.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum VolumeInput {
    Short(String),
    Long(Box<ServiceVolume>),
}

/// `secrets: [name]` / `configs: [name]` or the long form.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum FileRefInput {
    Name(String),
    Long(FileReference),
}

/// `devices: ["/dev/x:/dev/y:rwm"]` or the long form.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum DeviceInput {
    Short(String),
    Long(DeviceMapping),
}

/// `env_file: .env`, a list of paths, or long entries with `required` / `format`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum EnvFileInput {
    One(String),
    Many(Vec<EnvFileItem>),
}

#[derive(JsonSchema)]
#[serde(untagged)]
pub enum EnvFileItem {
    Path(String),
    Long(EnvFile),
}

/// `gpus: all` or device requests.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum GpusInput {
    All(AllKeyword),
    Requests(Vec<DeviceRequest>),
}

#[derive(JsonSchema)]
pub enum AllKeyword {
    #[serde(rename = "all")]
    All,
}

/// A device count: a number or `all`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum CountInput {
    Number(i64),
    All(AllKeyword),
}

/// `external: true`, or the obsolete `external: {name: ...}`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum ExternalInput {
    Flag(bool),
    Named { name: Option<String> },
}

/// `ssh: [default, id=path]` or `{id: path}`.
pub type SshInput = ListOrDict;

/// `deploy.resources.reservations.devices`: device requests that must name their capabilities
/// (`gpus:` entries need not).
pub struct ReservedDevices;

impl JsonSchema for ReservedDevices {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "reserved_devices".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let request = generator.subschema_for::<DeviceRequest>();
        schemars::json_schema!({
            "type": "array",
            "items": {"allOf": [request, {"required": ["capabilities"]}]}
        })
    }
}

/// Resource options (`driver_opts`): strings or numbers.
pub type Options = BTreeMap<String, Scalar>;

/// The editor schema of a compose file, generated from the model types: the short syntaxes
/// above where the file may use them, `x-*` keys allowed and any other key refused on every
/// mapping, and strings allowed wherever a number or boolean is (they may be `${VARIABLES}`).
pub fn editor_schema() -> Json {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<ComposeFile>().to_value();
    if let Json::Object(top) = &mut schema {
        top.insert("$id".into(), "rcompose.schema.json".into());
    }
    adjust(&mut schema);
    schema
}

fn adjust(v: &mut Json) {
    match v {
        Json::Object(m) => {
            if m.contains_key("properties") {
                m.insert("additionalProperties".into(), Json::Bool(false));
                m.insert("patternProperties".into(), serde_json::json!({"^x-": {}}));
            }
            if let Some(t) = m.get_mut("type") {
                let mut types: Vec<Json> = match &*t {
                    Json::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                let scalar = types
                    .iter()
                    .any(|t| matches!(t.as_str(), Some("integer" | "number" | "boolean")));
                if scalar && !types.iter().any(|t| t == "string") {
                    types.push("string".into());
                    *t = Json::Array(types);
                }
            }
            m.values_mut().for_each(adjust);
        }
        Json::Array(a) => a.iter_mut().for_each(adjust),
        _ => {}
    }
}
