//! Builds `helpers/rmtree.c`, the few-kilobyte static deleter `rcompose watch` runs in
//! containers that have no `rm`, with the C compiler rustc links with. Without a compiler (or on
//! another target) the helper is empty and watch falls back to the container's own `rm -rf`.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=helpers/rmtree.c");
    println!("cargo:rerun-if-env-changed=CC");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("rmtree");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let supported = os == "linux" && (arch == "x86_64" || arch == "aarch64");
    let built = supported && {
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
        Command::new(cc)
            .args([
                "-static",
                "-nostdlib",
                "-nostartfiles",
                "-ffreestanding",
                "-fno-stack-protector",
                "-fno-asynchronous-unwind-tables",
                "-fno-pie",
                "-no-pie",
                "-Os",
                "-Wl,--build-id=none",
                "-s",
                "-o",
            ])
            .arg(&out)
            .arg("helpers/rmtree.c")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !built {
        if supported {
            println!(
                "cargo:warning=could not build helpers/rmtree.c: watch will delete with the container's `rm`"
            );
        }
        std::fs::write(&out, b"").expect("OUT_DIR is writable");
    }
}
