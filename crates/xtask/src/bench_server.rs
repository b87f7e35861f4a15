//! `cargo xtask bench-server`: loads the release `retour-server` on loopback with `wrk`.
//!
//! Seeds the demo data plus 2,000 BLs and 10,000 return files into a fresh database under
//! `target/bench-server/`, serves it, then measures `GET /api/v1/dossiers`,
//! `GET /api/v1/delivery-notes/{n}` and `POST /api/v1/return-requests` (each submit a new
//! idempotency key and a real file): first at full speed, then paced at about 1,000 requests a
//! second for the latency goal. Installs Debian's `wrk` if it is missing.
//! Options: `--duration SECS` (default 10), `--connections N` (default 32).

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::server::{http_auth, login, start_built_server, wait_ready, Profile};

/// The benchmark's BLs are numbered from here (see `retour_server::demo::seed_bulk`).
const FIRST_BULK_BL: u64 = 300_000_000;
const BULK_NOTES: u64 = 2_000;
const BULK_DOSSIERS: u64 = 10_000;

/// One measured run.
struct Measure {
    name: String,
    requests: u64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    non_2xx: u64,
    socket_errors: u64,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut duration = 10u64;
    let mut connections = 32u64;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--duration" => duration = rest.next().context("--duration SECS")?.parse()?,
            "--connections" => connections = rest.next().context("--connections N")?.parse()?,
            other => bail!("unknown option {other:?} (options: --duration SECS, --connections N)"),
        }
    }
    ensure_wrk()?;
    let root = crate::root();
    let dir = root.join("target/bench-server");
    let bulk_notes = BULK_NOTES.to_string();
    let bulk_dossiers = BULK_DOSSIERS.to_string();
    let (mut server, port) = start_built_server(
        Profile::Release,
        &dir,
        &[
            "--bulk-notes",
            &bulk_notes,
            "--bulk-dossiers",
            &bulk_dossiers,
        ],
        1000,
    )?;
    let result = measure_all(&dir, port, duration, connections);
    let _ = server.0.kill();
    let _ = server.0.wait();
    let measures = result?;
    println!();
    println!(
        "{:<48} {:>9} {:>10} {:>9} {:>9} {:>9} {:>8}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
    );
    for m in &measures {
        println!(
            "{:<48} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>8}",
            m.name,
            m.requests,
            m.rate,
            m.p50_ms,
            m.p99_ms,
            m.max_ms,
            m.non_2xx + m.socket_errors
        );
    }
    println!("\ngoals: reads >= 5000 req/s, submits >= 500/s, p99 < 20 ms at ~1000 req/s");
    Ok(())
}

fn ensure_wrk() -> Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("wrk is missing: installing Debian's package");
    let _ = Command::new("apt-get").args(["update", "-qq"]).status();
    crate::run("apt-get", &["install", "-y", "-qq", "wrk"])
}

const REPORT_LUA: &str = r#"
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %.2f %.3f %.3f %.3f %d %d\n", summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, summary.errors.status, socket))
end
"#;

const SUBMIT_LUA: &str = r#"
local threads = {}
local counter = 0
setup = function(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
request = function()
  counter = counter + 1
  local n = (id or 1) * 104729 + counter * 7919
  local bl = FIRST + (n % NOTES)
  local line = 1 + (math.floor(n / NOTES) % 8)
  local body = string.format('{"lines":[{"delivery_note":"%d","line_no":%d,"qty":1,"reason":"new_part"}]}', bl, line)
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = string.format("bench-%d-%d-%d", id or 1, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/api/v1/return-requests", headers, body)
end
"#;

fn write_script(dir: &Path, name: &str, body: &str, pace_ms: Option<u64>) -> Result<String> {
    let mut text = String::from(body);
    if let Some(ms) = pace_ms {
        text.push_str(&format!("\ndelay = function() return {ms} end\n"));
    }
    text.push_str(REPORT_LUA);
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path.display().to_string())
}

fn wrk(
    name: &str,
    port: u16,
    token: &str,
    path: &str,
    script: &str,
    connections: u64,
    duration: u64,
) -> Result<Measure> {
    eprintln!("$ wrk {name}");
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{duration}s"),
            "--timeout",
            "5s",
        ])
        .args([
            "-H",
            &format!("Authorization: Bearer {token}"),
            "-s",
            script,
        ])
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .context("running wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .with_context(|| {
            format!(
                "no result from wrk: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let f: Vec<&str> = line.split_whitespace().collect();
    Ok(Measure {
        name: name.to_owned(),
        requests: f[1].parse()?,
        rate: f[2].parse()?,
        p50_ms: f[3].parse()?,
        p99_ms: f[4].parse()?,
        max_ms: f[5].parse()?,
        non_2xx: f[6].parse()?,
        socket_errors: f[7].parse()?,
    })
}

fn measure_all(dir: &Path, port: u16, duration: u64, connections: u64) -> Result<Vec<Measure>> {
    wait_ready(port)?;
    let token = login(port)?;
    let note = format!("/api/v1/delivery-notes/{}", FIRST_BULK_BL + 123);
    let (status, _) = http_auth(port, &note, &token)?;
    if status != 200 {
        bail!("GET {note} answered {status}");
    }
    let plain = write_script(dir, "plain.lua", "", None)?;
    let submit_body = SUBMIT_LUA
        .replace("FIRST", &FIRST_BULK_BL.to_string())
        .replace("NOTES", &BULK_NOTES.to_string());
    let submit = write_script(dir, "submit.lua", &submit_body, None)?;
    // About 1,000 requests a second: 20 connections each waiting 20 ms between requests.
    let plain_paced = write_script(dir, "plain-paced.lua", "", Some(20))?;
    let submit_paced = write_script(dir, "submit-paced.lua", &submit_body, Some(20))?;
    let dossiers = "/api/v1/dossiers";
    Ok(vec![
        wrk(
            "GET /dossiers (max)",
            port,
            &token,
            dossiers,
            &plain,
            connections,
            duration,
        )?,
        wrk(
            "GET /delivery-notes/{n} (max)",
            port,
            &token,
            &note,
            &plain,
            connections,
            duration,
        )?,
        wrk(
            "POST /return-requests (max)",
            port,
            &token,
            "/",
            &submit,
            connections,
            duration,
        )?,
        wrk(
            "GET /dossiers (paced ~1000/s)",
            port,
            &token,
            dossiers,
            &plain_paced,
            20,
            duration,
        )?,
        wrk(
            "GET /delivery-notes/{n} (paced ~1000/s)",
            port,
            &token,
            &note,
            &plain_paced,
            20,
            duration,
        )?,
        wrk(
            "POST /return-requests (paced ~1000/s)",
            port,
            &token,
            "/",
            &submit_paced,
            20,
            duration,
        )?,
    ])
}
