//! Runs `../shared/tools/config_compare.py` against the built binary: `rcompose config --format
//! json` must equal the reference's answer on every `awesome` case and on most of the corpus.

use std::path::PathBuf;
use std::process::Command;

fn shared() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("tools/config_compare.py").is_file() {
        Some(dir)
    } else {
        eprintln!("\n!!! ../shared/ is missing: the conformance corpus was NOT checked !!!\n");
        None
    }
}

fn compare(extra: &[&str]) -> (bool, String) {
    let shared = shared().expect("checked by the caller");
    let out = Command::new("python3")
        .arg(shared.join("tools/config_compare.py"))
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
    // The floor only goes up; the target is 0.92.
    let (ok, text) = compare(&["--min-pass", "0.92"]);
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
