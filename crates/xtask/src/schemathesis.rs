//! `cargo xtask schemathesis`: fuzzes the served API against its own OpenAPI document.
//!
//! Installs schemathesis (PyPI, pinned) in a venv under `target/schemathesis-venv`, seeds a demo
//! database under `target/schemathesis/`, serves the release `retour-server`, signs in as customer
//! A and runs `schemathesis run` on `/api/v1/openapi.json` with every check. Logout and refresh
//! are left out (they would end the fuzzer's own session). Extra arguments go to schemathesis,
//! e.g. `cargo xtask schemathesis --max-examples 200`.

use std::net::TcpListener;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::bench_server::{login, wait_ready, KillOnDrop};

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
    crate::run("cargo", &["build", "--release", "-p", "retour-server"])?;
    let bin = root.join("target/release/retour-server");
    let dir = root.join("target/schemathesis");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let env = [
        ("RETOUR_DB", dir.join("fuzz.db").display().to_string()),
        ("RETOUR_MAIL_SPOOL", dir.join("mail").display().to_string()),
        ("RETOUR_SCHEDULE", "always".to_owned()),
        ("RETOUR_LISTEN", format!("127.0.0.1:{port}")),
        ("RETOUR_LOGIN_PER_IP_PER_MINUTE", "100000".to_owned()),
        ("RETOUR_LOGIN_PER_ACCOUNT_PER_MINUTE", "100000".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let status = Command::new(&bin)
        .arg("seed-demo")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .status()
        .context("seeding")?;
    if !status.success() {
        bail!("seed-demo failed: {status}");
    }
    let log = std::fs::File::create(dir.join("server.log"))?;
    let server = Command::new(&bin)
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting the server")?;
    let _server = KillOnDrop(server);
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
