//! `cargo xtask schemathesis`: fuzzes the served API against its own OpenAPI document.
//!
//! Installs schemathesis (PyPI, pinned) in a venv under `target/schemathesis-venv`, seeds a demo
//! database under `target/schemathesis/`, serves `retour-server` (release; the debug build in
//! `cargo xtask test`, which CI runs), signs in as customer A and runs `schemathesis run` on
//! `/api/v1/openapi.json` with every check (`--checks all`). What is left out, and why, is in
//! [`EXCLUDED_PATHS`] and [`EXCLUDED_CHECKS`]. Extra arguments go to schemathesis, e.g.
//! `cargo xtask schemathesis --max-examples 200`.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::server::{login, start_built_server, wait_ready, Profile};

const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Paths schemathesis does not call, each with its reason.
const EXCLUDED_PATHS: &[(&str, &str)] = &[
    (
        "/api/v1/auth/logout",
        "it revokes the fuzzer's own session, and every later call would be a 401",
    ),
    (
        "/api/v1/auth/refresh",
        "a refresh token used once is spent (reuse detection revokes the whole session), so \
         a fuzzed refresh ends the fuzzer's session too",
    ),
];

/// Checks left out, each with its reason.
const EXCLUDED_CHECKS: &[(&str, &str)] = &[];

/// `cargo xtask schemathesis [ARGS]`: the release server.
pub fn run(args: &[String]) -> Result<()> {
    fuzz(Profile::Release, args)
}

/// The run `cargo xtask test` makes: the debug server the tests have just built, a budget of
/// examples that keeps CI short.
pub fn run_in_ci() -> Result<()> {
    fuzz(Profile::Debug, &[])
}

fn fuzz(profile: Profile, args: &[String]) -> Result<()> {
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
    let (_server, port) = start_built_server(profile, &dir, &[], 100_000)?;
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
        .args(
            EXCLUDED_PATHS
                .iter()
                .flat_map(|(path, _)| ["--exclude-path", path]),
        )
        .args(
            EXCLUDED_CHECKS
                .iter()
                .flat_map(|(check, _)| ["--exclude-checks", check]),
        )
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
