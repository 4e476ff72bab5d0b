//! The `rcompose` binary: runs the command line and maps the outcome to an exit code.

fn main() {
    std::process::exit(rcompose::commands::run());
}
