//! The `retour` command-line client, built inside the test package so that the CLI tests can
//! run it as a child process (`CARGO_BIN_EXE_retour-under-test`).

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    retour_cli::main()
}
