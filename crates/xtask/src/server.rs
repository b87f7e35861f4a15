//! The built `retour-server` binary as a child process on a free loopback port, seeded with the
//! demo data: the one way the benches and schemathesis start it (tests, the app's demo backend
//! and anything in-process use `retour_server::running` instead; xtask stays free of the
//! workspace's crates so that it builds in seconds).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The demo customer the benches sign in as: `retour_server::demo::GARAGE_A` (a test checks they
/// agree; xtask does not link the server).
pub(crate) const DEMO_EMAIL: &str = "atelier@garage-demo.fr";
/// Its password.
pub(crate) const DEMO_PASSWORD: &str = "Retour-Demo-2026";
/// The demo's returns staff: `retour_server::demo::STAFF_ACCOUNT`.
pub(crate) const STAFF_EMAIL: &str = "retours@distributeur.fr";
/// Its password.
pub(crate) const STAFF_PASSWORD: &str = "Retour-Staff-2026";

/// Which build of the server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    Debug,
    Release,
}

impl Profile {
    /// Its folder under `target/`.
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// Builds `retour-server` in `profile`, seeds the demo data into a fresh `dir` (`seed_args` add
/// to it) and serves it on a free loopback port, always open, allowing `logins_per_minute` logins
/// per IP and per account. Returns the server, killed when dropped, and its port (call
/// [`wait_ready`] before the first request).
pub(crate) fn start_built_server(
    profile: Profile,
    dir: &Path,
    seed_args: &[&str],
    logins_per_minute: u32,
) -> Result<(KillOnDrop, u16)> {
    let bin = build_server(profile)?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let port = free_port()?;
    let env = server_env(
        &dir.join("server.db").display().to_string(),
        dir,
        port,
        logins_per_minute,
    );
    let took = seed_server(&bin, &env, seed_args)?;
    eprintln!("seeded in {:.1}s", took.as_secs_f64());
    let server = spawn_server(&bin, &env, &dir.join("server.log"))?;
    Ok((server, port))
}

/// Builds `retour-server` in `profile` and returns the binary's path.
pub(crate) fn build_server(profile: Profile) -> Result<PathBuf> {
    // The debug server is the one `cargo test --workspace --all-targets` has just built: the same
    // targets, so the same features (dev-dependencies included), and nothing is built again.
    let build: &[&str] = match profile {
        Profile::Debug => &["build", "--workspace", "--all-targets"],
        Profile::Release => &["build", "--release", "-p", "retour-server"],
    };
    crate::run("cargo", build)?;
    Ok(crate::root()
        .join("target")
        .join(profile.dir())
        .join("retour-server"))
}

/// A free loopback port (free when asked: the server binds it a moment later).
pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The variables of a server over `db` (a SQLite file or a `postgres://` URL) that spools its
/// mail under `dir` and listens on `port`, always open, allowing `logins_per_minute` logins per
/// IP and per account.
pub(crate) fn server_env(
    db: &str,
    dir: &Path,
    port: u16,
    logins_per_minute: u32,
) -> Vec<(&'static str, String)> {
    vec![
        ("RETOUR_DB", db.to_owned()),
        ("RETOUR_MAIL_SPOOL", dir.join("mail").display().to_string()),
        ("RETOUR_SCHEDULE", "always".to_owned()),
        ("RETOUR_LISTEN", format!("127.0.0.1:{port}")),
        (
            "RETOUR_LOGIN_PER_IP_PER_MINUTE",
            logins_per_minute.to_string(),
        ),
        (
            "RETOUR_LOGIN_PER_ACCOUNT_PER_MINUTE",
            logins_per_minute.to_string(),
        ),
        ("RUST_LOG", "warn".to_owned()),
    ]
}

/// Runs `retour-server seed-demo` (with `seed_args`) on the database of `env`; returns how long
/// it took.
pub(crate) fn seed_server(
    bin: &Path,
    env: &[(&'static str, String)],
    seed_args: &[&str],
) -> Result<Duration> {
    let started = Instant::now();
    let status = Command::new(bin)
        .arg("seed-demo")
        .args(seed_args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .status()
        .context("seeding")?;
    if !status.success() {
        bail!("seed-demo failed: {status}");
    }
    Ok(started.elapsed())
}

/// Starts `retour-server serve` with `env`, its log in `log`.
pub(crate) fn spawn_server(
    bin: &Path,
    env: &[(&'static str, String)],
    log: &Path,
) -> Result<KillOnDrop> {
    let log = std::fs::File::create(log)?;
    let server = Command::new(bin)
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("starting the server")?;
    Ok(KillOnDrop(server))
}

pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends one HTTP/1.1 request and returns the status and body.
pub(crate) fn http(port: u16, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

pub(crate) fn wait_ready(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok((200, _)) = http(port, "GET", "/healthz", "") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the server did not answer /healthz within 60 s (see its server.log)")
}

pub(crate) fn login(port: u16) -> Result<String> {
    login_as(port, DEMO_EMAIL, DEMO_PASSWORD)
}

/// Signs in as `email` and returns the access token.
pub(crate) fn login_as(port: u16, email: &str, password: &str) -> Result<String> {
    let (status, body) = http(
        port,
        "POST",
        "/api/v1/auth/login",
        &format!(r#"{{"email":"{email}","password":"{password}","device_name":"bench"}}"#),
    )?;
    if status != 200 {
        bail!("login failed: {status} {body}");
    }
    let start = body
        .find("\"access_token\":\"")
        .context("no access token")?
        + 16;
    let end = body[start..].find('"').context("bad token")?;
    Ok(body[start..start + end].to_owned())
}

/// Sends one authenticated `GET` and returns the status and the whole answer.
pub(crate) fn http_auth(port: u16, path: &str, token: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok((status, answer))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_login_is_the_servers() {
        let account = retour_server::demo::GARAGE_A;
        assert_eq!(
            (super::DEMO_EMAIL, super::DEMO_PASSWORD),
            (account.email, account.password)
        );
        let staff = retour_server::demo::STAFF_ACCOUNT;
        assert_eq!(
            (super::STAFF_EMAIL, super::STAFF_PASSWORD),
            (staff.email, staff.password)
        );
    }
}
