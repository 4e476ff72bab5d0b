//! The `rcompose` binary: runs the command line and exits with its code.

fn main() {
    std::process::exit(rcompose::run_cli());
}
