//! `retour`: the command-line client for counter PCs, scripts and support, built on the
//! `retour-app` façade (the same core as the app).
//!
//! Every command takes `--json` and then prints the API's shapes; otherwise French text.
//! Exit codes: 0 ok, 1 refused (message on stderr), 2 server unreachable. `cart …` works with the
//! server down: edits are committed on the device and synced later.
//!
//! The library holds the whole client so that the test package can build it as its own binary;
//! `src/main.rs` only calls [`main`]. [`args`] is the command line, [`commands`] what each command
//! does through the façade, [`money`] the money commands with their French text, [`text`] the
//! other commands' French text, [`print`] the one place that prints JSON or text, [`failure`] the
//! exit codes; `warranty_pickup` holds `warranty …` and `pickup …`.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod failure;
mod money;
mod print;
mod text;
mod warranty_pickup;

use std::process::ExitCode;

use clap::Parser;

/// Parses the command line, runs the command, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("retour : {e}");
            return ExitCode::from(1);
        }
    };
    print::finish(runtime.block_on(commands::run(cli)), json)
}
