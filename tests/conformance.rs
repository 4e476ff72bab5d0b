//! Runs `scripts/config_compare.py` (the shared corpus's comparison script, with YAML added)
//! against the built binary: `rcompose config --format json` must equal the reference's answer
//! on every `awesome` case and on most of the corpus, its YAML byte for byte on nearly all of it,
//! and the config hashes the reference's.

use std::path::PathBuf;
use std::process::Command;

mod corpus;

/// The corpus and the repository's copy of its comparison script (with `--yaml` added).
fn shared() -> Option<PathBuf> {
    corpus::shared("the config conformance corpus")
}

fn compare(extra: &[&str]) -> (bool, String) {
    let shared = shared().expect("checked by the caller");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/config_compare.py");
    let out = Command::new("python3")
        .arg(script)
        .arg("--corpus")
        .arg(shared.join("conformance"))
        .args(["--bin", env!("CARGO_BIN_EXE_rcompose")])
        .args(extra)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success(), text)
}

#[test]
fn awesome_compose_samples_all_match() {
    if shared().is_none() {
        return;
    }
    let (ok, text) = compare(&["--set", "awesome", "--min-pass", "1.0"]);
    assert!(ok, "{text}");
}

#[test]
fn whole_corpus_matches_above_the_floor() {
    if shared().is_none() {
        return;
    }
    // The floor only goes up (412 of 415 cases). The three left are the reference's failing
    // where the file is valid: its JSON marshaler on build `ssh` entries with a path, and its
    // cycle check on a service name with a dot (`reset__TestResetCycle__5`).
    let (ok, text) = compare(&["--min-pass", "0.99"]);
    eprintln!("{}", text.lines().last().unwrap_or_default());
    assert!(ok, "{text}");
}

#[test]
fn config_yaml_is_the_references_byte_for_byte() {
    if shared().is_none() {
        return;
    }
    // The floor only goes up (414 of 415); the target is 0.98. The one case left is
    // the reference's cycle check refusing a valid file (`reset__TestResetCycle__5`).
    let (ok, text) = compare(&["--yaml", "--min-pass", "0.995"]);
    eprintln!("{}", text.lines().last().unwrap_or_default());
    assert!(ok, "{text}");
}

/// The reference binary, installed by `.ci/run` (`../shared/tools/install-reference.sh`).
fn reference() -> Option<String> {
    let found = std::env::var("COMPOSE_REF")
        .ok()
        .or_else(|| Some("/usr/local/bin/compose-ref".into()))
        .filter(|p| std::path::Path::new(p).is_file());
    if found.is_none() {
        eprintln!("\n!!! the reference binary is missing: config hashes were NOT compared !!!\n");
    }
    found
}

#[test]
fn config_hashes_match_the_reference() {
    if shared().is_none() {
        return;
    }
    let Some(reference) = reference() else {
        return;
    };
    // The floor only goes up; the target is 0.90. The cases left are the reference's
    // own `config --hash` bug with env_file (its containers' labels agree with rcompose).
    let (ok, text) = compare(&[
        "--hash",
        "--ref",
        &reference,
        "--jobs",
        "2",
        "--min-pass",
        "0.95",
    ]);
    eprintln!("{}", text.lines().last().unwrap_or_default());
    assert!(ok, "{text}");
}
