//! `retour`: the command-line client; everything is in the library.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    retour_cli::main()
}
