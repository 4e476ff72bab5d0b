//! Golden tests: each folder of `tests/golden/` is a small project plus `cmd` (how to run
//! rcompose there) and `expected` (exit code, stdout, stderr). The fixture's absolute folder is
//! written `@DIR@`. `RCOMPOSE_BLESS=1 cargo test --test golden` rewrites the expectations.
//!
//! `cmd` holds `key: value` lines: `args:` (required, split like a shell), `env:` (one
//! `NAME=value` per line, repeatable), `cwd:` (a sub-folder to run in), `stdin:` (a file whose
//! content is piped in).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Case {
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: PathBuf,
    stdin: Option<PathBuf>,
}

fn parse_cmd(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("cmd"))
        .unwrap_or_else(|e| panic!("{}: no cmd file: {e}", dir.display()));
    let mut case = Case {
        args: Vec::new(),
        env: Vec::new(),
        cwd: dir.to_path_buf(),
        stdin: None,
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{}: bad cmd line {line:?}", dir.display()));
        let value = value.trim();
        match key {
            "args" => case.args = shell_words::split(value).expect("args split"),
            "env" => {
                let (k, v) = value.split_once('=').expect("env: NAME=value");
                case.env.push((k.into(), v.into()));
            }
            "cwd" => case.cwd = dir.join(value),
            "stdin" => case.stdin = Some(dir.join(value)),
            other => panic!("{}: unknown cmd key {other}", dir.display()),
        }
    }
    case
}

fn run(dir: &Path) -> String {
    let case = parse_cmd(dir);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcompose"));
    cmd.args(&case.args)
        .current_dir(&case.cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/root")
        .envs(case.env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &case.stdin {
        Some(f) => cmd.stdin(std::fs::File::open(f).expect("stdin file")),
        None => cmd.stdin(Stdio::null()),
    };
    let out = cmd.output().expect("rcompose runs");
    let dir_text = dir.display().to_string();
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir_text, "@DIR@");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or("signal".into(), |c| c.to_string()),
        clean(&out.stdout),
        clean(&out.stderr)
    )
}

#[test]
fn golden() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("RCOMPOSE_BLESS").is_some();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/golden exists")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.join("cmd").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 40, "only {} golden cases", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let got = run(dir);
        let expected_file = dir.join("expected");
        if bless {
            std::fs::write(&expected_file, &got).expect("expected written");
            continue;
        }
        let want = std::fs::read_to_string(&expected_file).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "== {}\n-- expected\n{want}-- got\n{got}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases differ (RCOMPOSE_BLESS=1 rewrites them):\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
