//! The editor schema (`schemas/rcompose.schema.json`) is generated from the model types: it must
//! be up to date, accept every compose file the reference accepts, and refuse what rcompose refuses.
//! `RCOMPOSE_BLESS=1 cargo test --test schema` rewrites it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcompose::load::schema::Schema;
use rcompose::load::yaml;
use rcompose::model::input::editor_schema;

mod corpus;

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/rcompose.schema.json")
}

fn generated_text() -> String {
    serde_json::to_string_pretty(&editor_schema()).expect("a schema serializes") + "\n"
}

fn errors_for(schema: &Schema, text: &str, name: &str) -> Vec<String> {
    let docs = match yaml::parse(text, &Arc::from(name)) {
        Ok(d) => d,
        Err(e) => return vec![format!("yaml: {e}")],
    };
    docs.iter()
        .filter(|d| !d.is_null())
        .flat_map(|d| match schema.validate(d) {
            Ok(()) => vec![],
            Err(es) => es.into_iter().map(|e| e.to_string()).collect(),
        })
        .collect()
}

#[test]
fn committed_schema_is_up_to_date() {
    let want = generated_text();
    if std::env::var_os("RCOMPOSE_BLESS").is_some() {
        std::fs::write(committed(), &want).expect("schema written");
    }
    let have = std::fs::read_to_string(committed()).unwrap_or_default();
    assert!(
        have == want,
        "schemas/rcompose.schema.json is stale: run `RCOMPOSE_BLESS=1 cargo test --test schema`"
    );
}

#[test]
fn schema_refuses_what_rcompose_refuses() {
    let schema = Schema::new(editor_schema());
    let e = errors_for(&schema, "services:\n  web:\n    imgae: x\n", "c.yaml");
    assert_eq!(
        e,
        ["c.yaml:3:5: services.web: unknown key `imgae`\n  hint: did you mean `image`?"]
    );
    let e = errors_for(
        &schema,
        "services:\n  web:\n    ports: [{target: [1]}]\n",
        "c.yaml",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("c.yaml:3:22: services.web.ports[0].target: must be"),
        "{e:?}"
    );
    let e = errors_for(
        &schema,
        "networks:\n  n:\n    external: {nme: x}\n",
        "c.yaml",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    // short and long syntaxes, x- keys and interpolated scalars are all fine
    let ok = "x-common: &c {a: 1}\nservices:\n  web:\n    build: .\n    ports: ['8080:80', 81, {target: 82, published: '${P}'}]\n    environment: [A=1]\n    labels: {a: b}\n    depends_on: [db]\n    command: echo hi\n    healthcheck: {test: curl x, interval: 1m30s, retries: '${R}'}\n    x-note: free\n  db:\n    image: x\n    volumes: ['data:/d', {type: tmpfs, target: /t, tmpfs: {size: 64m}}]\n    ulimits: {nofile: {soft: 1, hard: 2}, nproc: 3}\n    mem_limit: 512m\nvolumes:\n  data:\n";
    assert_eq!(errors_for(&schema, ok, "ok.yaml"), Vec::<String>::new());
}

/// Every compose file of a corpus case the reference accepts.
fn accepted_corpus_files() -> Option<Vec<PathBuf>> {
    let corpus = corpus::shared("the schema on the corpus")?.join("conformance");
    let text = std::fs::read_to_string(corpus.join("cases.json")).expect("cases.json readable");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("cases.json parses");
    let mut files = Vec::new();
    for c in cases.as_array()? {
        if c["rc"] != 0 {
            continue;
        }
        let dir = corpus
            .join(c["set"].as_str()?)
            .join(c["name"].as_str()?)
            .join(c["cwd"].as_str()?);
        let named: Vec<PathBuf> = c["files"]
            .as_array()?
            .iter()
            .filter_map(|f| f.as_str())
            .map(|f| dir.join(f))
            .collect();
        if named.is_empty() {
            files.extend(rcompose::load::discover(&dir).unwrap_or_default());
        } else {
            files.extend(named);
        }
    }
    Some(files)
}

#[test]
fn schema_accepts_every_file_the_reference_accepts() {
    let Some(files) = accepted_corpus_files() else {
        return;
    };
    assert!(files.len() > 250, "only {} files found", files.len());
    let schema = Schema::new(editor_schema());
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("corpus file readable");
        let e = errors_for(&schema, &text, &f.display().to_string());
        if !e.is_empty() {
            failures.push(e.join("\n"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files refused:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn schema_refuses_what_the_reference_schema_refuses() {
    let Some(shared) = corpus::shared("the schema on the corpus") else {
        return;
    };
    let corpus = shared.join("conformance");
    let text = std::fs::read_to_string(corpus.join("cases.json")).expect("cases.json readable");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("cases.json parses");
    let schema = Schema::new(editor_schema());
    let mut checked = 0;
    let mut accepted = Vec::new();
    for c in cases.as_array().expect("a list of cases") {
        let case = corpus
            .join(c["set"].as_str().unwrap())
            .join(c["name"].as_str().unwrap());
        let stderr = std::fs::read_to_string(case.join("expected.stderr")).unwrap_or_default();
        // the reference's schema stage says `validating <file>: ...`
        let Some(rest) = stderr.lines().find_map(|l| l.strip_prefix("validating ")) else {
            continue;
        };
        let Some((file, _)) = rest.split_once(": ") else {
            continue;
        };
        let file = file.replace("@CORPUS@", &corpus.display().to_string());
        let text = std::fs::read_to_string(&file).expect("corpus file readable");
        checked += 1;
        if errors_for(&schema, &text, &file).is_empty() {
            accepted.push(format!("{file}: {}", stderr.trim()));
        }
    }
    assert!(checked >= 20, "only {checked} cases checked");
    assert!(accepted.is_empty(), "accepted:\n{}", accepted.join("\n"));
}
