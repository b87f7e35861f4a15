//! `cargo xtask schemathesis`: fuzzes the served API against its own OpenAPI document.
//!
//! Installs schemathesis (PyPI, pinned) in a venv under `target/schemathesis-venv`, seeds a demo
//! database under `target/schemathesis/`, serves the release `retour-server`, signs in as customer
//! A and runs `schemathesis run` on `/api/v1/openapi.json` with every check. Logout and refresh
//! are left out (they would end the fuzzer's own session). Extra arguments go to schemathesis,
//! e.g. `cargo xtask schemathesis --max-examples 200`.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::server::{login, start_built_server, wait_ready, Profile};

const SCHEMATHESIS: &str = "schemathesis==4.32.5";

pub fn run(args: &[String]) -> Result<()> {
    let root = crate::root();
    let venv = root.join("target/schemathesis-venv");
    let st = venv.join("bin/schemathesis");
    if !st.exists() {
        crate::run("python3", &["-m", "venv", &venv.display().to_string()])?;
        crate::run(
            &venv.join("bin/pip").display().to_string(),
            &["install", "-q", SCHEMATHESIS],
        )?;
    }
    let dir = root.join("target/schemathesis");
    let (_server, port) = start_built_server(Profile::Release, &dir, &[], 100_000)?;
    wait_ready(port)?;
    let token = login(port)?;
    let base = format!("http://127.0.0.1:{port}");
    let mut command = Command::new(&st);
    command
        .current_dir(&dir)
        .arg("run")
        .arg(format!("{base}/api/v1/openapi.json"))
        .args(["--url", &base])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all"])
        .args(["--exclude-path", "/api/v1/auth/logout"])
        .args(["--exclude-path", "/api/v1/auth/refresh"])
        .args(["--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", "40", "--workers", "1", "--seed", "2026"])
        .args([
            "--report",
            "junit",
            "--report-dir",
            &dir.join("report").display().to_string(),
        ])
        .args(args);
    eprintln!("$ schemathesis run {base}/api/v1/openapi.json …");
    let status = command.status().context("running schemathesis")?;
    if !status.success() {
        bail!(
            "schemathesis found problems ({status}); server log: {}",
            dir.join("server.log").display()
        );
    }
    Ok(())
}
