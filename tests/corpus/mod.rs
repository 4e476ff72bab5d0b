//! Where the shared conformance corpus is (`../shared/conformance`), for the tests that need it:
//! in CI (`CI` set) its absence fails them; elsewhere they skip, and say so on the terminal itself
//! (the harness hides what a passing test prints).

use std::io::Write;
use std::path::PathBuf;

/// The folder holding `conformance/` and `tools/`, or `None` after the skip was said.
pub fn shared(what: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("conformance/cases.json").is_file() {
        return Some(dir);
    }
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    assert!(
        !ci,
        "{} is missing: in CI {what} must be checked",
        dir.display()
    );
    let _ = writeln!(
        std::io::stderr().lock(),
        "\n!!! {} is missing: {what} was NOT checked (skipped) !!!\n",
        dir.display()
    );
    None
}
