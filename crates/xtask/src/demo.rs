//! `cargo xtask demo`: builds and runs the app against the embedded reference backend (demo data,
//! open all week), or against the server named by `--server URL` / `RETOUR_SERVER`.
//!
//! Without a display (a CI box, an SSH session) it runs the window under `xvfb-run`.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::server::{DEMO_EMAIL, DEMO_PASSWORD};

const USAGE: &str = "usage: cargo xtask demo [--release] [--server URL] [--data-dir DIR]

Runs the Retour app. Without --server (and without RETOUR_SERVER) it starts the embedded demo
backend on 127.0.0.1 with the demo accounts shown on the login screen:";

pub fn run(args: &[String]) -> Result<()> {
    let mut release = false;
    let mut server = std::env::var("RETOUR_SERVER").ok();
    let mut data_dir = std::env::var("RETOUR_DATA_DIR").ok();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--release" => release = true,
            "--server" => server = Some(rest.next().context("--server needs a URL")?.clone()),
            "--data-dir" => {
                data_dir = Some(rest.next().context("--data-dir needs a directory")?.clone())
            }
            "-h" | "--help" => {
                println!("{USAGE}\n  {DEMO_EMAIL} / {DEMO_PASSWORD}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    crate::setup::run()?;
    let mut build = vec!["build", "-p", "retour-tauri", "--bin", "retour-tauri"];
    if release {
        build.push("--release");
    }
    crate::run("cargo", &build)?;
    let binary = crate::root()
        .join("target")
        .join(if release { "release" } else { "debug" })
        .join("retour-tauri");
    let headless = cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none();
    let mut command = if headless {
        eprintln!("no display: running the window under xvfb-run");
        let mut c = Command::new("xvfb-run");
        c.arg("-a").arg(&binary);
        c
    } else {
        Command::new(&binary)
    };
    if let Some(server) = &server {
        eprintln!("talking to {server}");
        command.env("RETOUR_SERVER", server);
    } else {
        eprintln!("embedded demo backend — {DEMO_EMAIL} / {DEMO_PASSWORD}");
    }
    if let Some(dir) = &data_dir {
        command.env("RETOUR_DATA_DIR", dir);
    }
    let status = command
        .current_dir(crate::root())
        .status()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    if !status.success() {
        bail!("the app exited with {status}");
    }
    Ok(())
}
