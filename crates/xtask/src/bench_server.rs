//! `cargo xtask bench-server`: loads the release `retour-server` on loopback with `wrk`, over
//! SQLite and over PostgreSQL with one or several instances, and prints one table.
//!
//! Each database is seeded once, by the server's `seed-demo` with its bulk options: the demo data
//! plus 10,000 BLs and 100,000 return files (the seeding time is reported). SQLite: a fresh file
//! under `target/bench-server/sqlite/`, one instance. PostgreSQL: the database `retour_bench`
//! (role `retour`, see [`crate::postgres`]) is dropped and created again, seeded through one
//! instance, measured with that one, then with N instances serving the same `RETOUR_DB` (the
//! others only `serve`: `seed-demo` would add the bulk again). Each set-up measures `GET /api/v1/dossiers`, `GET /api/v1/delivery-notes/{n}`
//! and `POST /api/v1/return-requests` (each submit a new idempotency key and a real file): first
//! at full speed, then paced at about 1,000 requests a second in total for the latency goal.
//! With N instances, one `wrk` per instance runs at the same time, the connections split between
//! them; the table sums their requests and req/s and shows the worst instance's p50, p99 and max.
//! The ratios of req/s, PostgreSQL×1 to SQLite×1 and PostgreSQL×N to PostgreSQL×1, follow the
//! table. Installs Debian's `wrk` if it is missing.
//!
//! Options: `--duration SECS` (default 10), `--connections N` (default 32, in total),
//! `--db sqlite|postgres|both` (default both), `--instances N` (PostgreSQL's second set-up,
//! default 2; 1 measures one instance only).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::server::{
    build_server, free_port, http_auth, login, seed_server, server_env, spawn_server, wait_ready,
    KillOnDrop, Profile,
};

/// The benchmark's BLs are numbered from here (see `retour_server::demo::seed_bulk`).
const FIRST_BULK_BL: u64 = 300_000_000;
const BULK_NOTES: u64 = 10_000;
const BULK_DOSSIERS: u64 = 100_000;
/// The PostgreSQL database measured, on [`crate::postgres::SERVER_URL`]: dropped and made again
/// at each run.
const BENCH_DATABASE: &str = "retour_bench";
/// Connections of a paced run, in total, each waiting [`PACE_MS`] between requests: about
/// 1,000 requests a second.
const PACED_CONNECTIONS: u64 = 20;
const PACE_MS: u64 = 20;

/// One measured run (summed over the instances when there are several).
struct Measure {
    setup: String,
    name: &'static str,
    /// The instances' runs combined ([`Run::beside`]).
    run: Run,
}

/// What the options ask for.
struct Options {
    duration: u64,
    connections: u64,
    sqlite: bool,
    postgres: bool,
    instances: u64,
}

const OPTIONS: &str =
    "options: --duration SECS, --connections N, --db sqlite|postgres|both, --instances N";

fn options(args: &[String]) -> Result<Options> {
    let mut o = Options {
        duration: 10,
        connections: 32,
        sqlite: true,
        postgres: true,
        instances: 2,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |what: &str| rest.next().with_context(|| format!("{arg} {what}"));
        match arg.as_str() {
            "--duration" => {
                o.duration = value("SECS")?.parse().context("--duration SECS")?;
            }
            "--connections" => {
                o.connections = value("N")?.parse().context("--connections N")?;
            }
            "--instances" => o.instances = value("N")?.parse().context("--instances N")?,
            "--db" => {
                (o.sqlite, o.postgres) = match value("sqlite|postgres|both")?.as_str() {
                    "sqlite" => (true, false),
                    "postgres" => (false, true),
                    "both" => (true, true),
                    other => bail!("--db {other:?}: expected sqlite, postgres or both"),
                }
            }
            other => bail!("unknown option {other:?} ({OPTIONS})"),
        }
    }
    if o.duration == 0 {
        bail!("--duration must be at least 1 second");
    }
    if o.instances == 0 {
        bail!("--instances must be at least 1");
    }
    let most = if o.postgres { o.instances } else { 1 };
    if o.connections < most || PACED_CONNECTIONS < most {
        bail!(
            "{most} instances need at least one connection each (--connections {}, {PACED_CONNECTIONS} paced)",
            o.connections
        );
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<()> {
    let o = options(args)?;
    ensure_wrk()?;
    let dir = crate::root().join("target/bench-server");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let bin = build_server(Profile::Release)?;
    let mut bench = Bench {
        bin,
        dir,
        o,
        runs: 0,
        measures: Vec::new(),
        seeded: Vec::new(),
    };
    let mut result = Ok(());
    if bench.o.sqlite {
        result = bench.sqlite();
    }
    if bench.o.postgres && result.is_ok() {
        result = bench.postgres();
    }
    // What was measured before a failure is shown too.
    bench.print();
    result
}

/// The state of one `bench-server` run.
struct Bench {
    bin: PathBuf,
    dir: PathBuf,
    o: Options,
    /// `wrk` runs so far: each submit run numbers its idempotency keys and picks its lines from
    /// its own range, so that no run replays another's keys or drains the same lines.
    runs: u64,
    measures: Vec<Measure>,
    /// Each database and how long its seeding took.
    seeded: Vec<(&'static str, Duration)>,
}

/// `seed-demo`'s bulk options.
fn bulk_args() -> [String; 4] {
    [
        "--bulk-notes".to_owned(),
        BULK_NOTES.to_string(),
        "--bulk-dossiers".to_owned(),
        BULK_DOSSIERS.to_string(),
    ]
}

impl Bench {
    fn sqlite(&mut self) -> Result<()> {
        let dir = self.dir.join("sqlite");
        std::fs::create_dir_all(&dir)?;
        let db = dir.join("server.db").display().to_string();
        let port = free_port()?;
        let env = server_env(&db, &dir, port, 1000);
        let bulk = bulk_args();
        let args: Vec<&str> = bulk.iter().map(String::as_str).collect();
        eprintln!("seeding SQLite ({BULK_NOTES} BLs, {BULK_DOSSIERS} files)");
        let took = seed_server(&self.bin, &env, &args)?;
        eprintln!("SQLite seeded in {:.1}s", took.as_secs_f64());
        self.seeded.push(("sqlite", took));
        let server = spawn_server(&self.bin, &env, &dir.join("server.log"))?;
        self.measure_setup("sqlite×1", &[port])?;
        drop(server);
        Ok(())
    }

    fn postgres(&mut self) -> Result<()> {
        crate::postgres::ensure_running()?;
        eprintln!("recreating the PostgreSQL database {BENCH_DATABASE}");
        let url = crate::postgres::fresh_database(BENCH_DATABASE)?;
        let mut servers: Vec<KillOnDrop> = Vec::new();
        let mut ports = Vec::new();
        let bulk = bulk_args();
        let args: Vec<&str> = bulk.iter().map(String::as_str).collect();
        for instance in 1..=self.o.instances {
            let dir = self.dir.join(format!("postgres-{instance}"));
            std::fs::create_dir_all(&dir)?;
            let port = free_port()?;
            let env = server_env(&url, &dir, port, 1000);
            if instance == 1 {
                // Seeded once, through the first instance's configuration; the others serve the
                // data as it is (`seed-demo` would add the bulk BLs again and fail on their
                // numbers).
                eprintln!("seeding PostgreSQL ({BULK_NOTES} BLs, {BULK_DOSSIERS} files)");
                let took = seed_server(&self.bin, &env, &args)?;
                eprintln!("PostgreSQL seeded in {:.1}s", took.as_secs_f64());
                self.seeded.push(("postgres", took));
            }
            servers.push(spawn_server(&self.bin, &env, &dir.join("server.log"))?);
            ports.push(port);
            if instance == 1 {
                self.measure_setup("postgres×1", &ports)?;
            }
        }
        if self.o.instances > 1 {
            self.measure_setup(&format!("postgres×{}", self.o.instances), &ports)?;
        }
        drop(servers);
        Ok(())
    }

    /// Measures every scenario against the instances listening on `ports`.
    fn measure_setup(&mut self, setup: &str, ports: &[u16]) -> Result<()> {
        let mut token = String::new();
        let note = format!("/api/v1/delivery-notes/{}", FIRST_BULK_BL + 123);
        for (i, &port) in ports.iter().enumerate() {
            wait_ready(port)?;
            if i == 0 {
                token = login(port)?;
            }
            // The one session serves at every instance: they share the database.
            let (status, _) = http_auth(port, &note, &token)?;
            if status != 200 {
                bail!("{setup}: GET {note} answered {status} on the instance at port {port}");
            }
        }
        let dossiers = "/api/v1/dossiers";
        let scenarios = [
            ("GET /dossiers (max)", dossiers, false, false),
            ("GET /delivery-notes/{n} (max)", &note, false, false),
            ("POST /return-requests (max)", "/", true, false),
            ("GET /dossiers (paced ~1000/s)", dossiers, false, true),
            (
                "GET /delivery-notes/{n} (paced ~1000/s)",
                &note,
                false,
                true,
            ),
            ("POST /return-requests (paced ~1000/s)", "/", true, true),
        ];
        for (name, path, submit, paced) in scenarios {
            let total = if paced {
                PACED_CONNECTIONS
            } else {
                self.o.connections
            };
            eprintln!("$ wrk {setup} {name}");
            let mut children = Vec::new();
            for (i, &port) in ports.iter().enumerate() {
                let script = self.script(submit, paced)?;
                let connections = share(total, ports.len() as u64, i as u64);
                children.push(spawn_wrk(
                    port,
                    &token,
                    path,
                    &script,
                    connections,
                    self.o.duration,
                )?);
            }
            let mut measure = Measure {
                setup: setup.to_owned(),
                name,
                run: Run::default(),
            };
            // Every child is waited for, even after a failure.
            let results: Vec<Result<Run>> = children.into_iter().map(wait_wrk).collect();
            for result in results {
                let run = result.with_context(|| format!("{setup} {name}"))?;
                measure.run = measure.run.beside(&run);
            }
            if measure.run.non_2xx + measure.run.socket_errors > 0 {
                eprintln!(
                    "  {} non-2xx answers, {} socket errors (see target/bench-server/*/server.log)",
                    measure.run.non_2xx, measure.run.socket_errors
                );
            }
            self.measures.push(measure);
        }
        Ok(())
    }

    /// Writes the script of one `wrk` run and returns its path.
    fn script(&mut self, submit: bool, paced: bool) -> Result<String> {
        self.runs += 1;
        let mut text = if submit {
            SUBMIT_LUA
                .replace("__FIRST__", &FIRST_BULK_BL.to_string())
                .replace("__NOTES__", &BULK_NOTES.to_string())
                .replace("__RUN__", &self.runs.to_string())
        } else {
            String::new()
        };
        if paced {
            text.push_str(&format!("\ndelay = function() return {PACE_MS} end\n"));
        }
        text.push_str(REPORT_LUA);
        let path = self.dir.join(format!("run-{}.lua", self.runs));
        std::fs::write(&path, text)?;
        Ok(path.display().to_string())
    }

    fn print(&self) {
        println!();
        println!(
            "with N instances: one wrk per instance at the same time, connections split between \
             them; requests, req/s and errors summed, p50/p99/max the worst instance's"
        );
        println!(
            "{:<11} {:<40} {:>9} {:>10} {:>9} {:>9} {:>9} {:>8}",
            "setup", "scenario", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"
        );
        for m in &self.measures {
            println!(
                "{:<11} {:<40} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>8}",
                m.setup,
                m.name,
                m.run.requests,
                m.run.rate,
                m.run.p50_ms,
                m.run.p99_ms,
                m.run.max_ms,
                m.run.non_2xx + m.run.socket_errors
            );
        }
        println!("\ngoals: reads >= 5000 req/s, submits >= 500/s, p99 < 20 ms at ~1000 req/s");
        let seeded: Vec<String> = self
            .seeded
            .iter()
            .map(|(db, took)| format!("{db} {:.1} s", took.as_secs_f64()))
            .collect();
        println!(
            "seeding (demo + {BULK_NOTES} BLs + {BULK_DOSSIERS} files, once per database): {}",
            seeded.join(", ")
        );
        let many = format!("postgres×{}", self.o.instances);
        let mut pairs = vec![("postgres×1", "sqlite×1")];
        if self.o.instances > 1 {
            pairs.push((many.as_str(), "postgres×1"));
        }
        let rate = |setup: &str, name: &str| {
            self.measures
                .iter()
                .find(|m| m.setup == setup && m.name == name)
                .map(|m| m.run.rate)
        };
        let pairs: Vec<_> = pairs
            .into_iter()
            .filter(|(a, b)| {
                self.measures.iter().any(|m| m.setup == *a)
                    && self.measures.iter().any(|m| m.setup == *b)
            })
            .collect();
        if pairs.is_empty() {
            return;
        }
        println!("\nratios of req/s");
        print!("{:<52}", "scenario");
        for (a, b) in &pairs {
            print!(" {:>22}", format!("{a} / {b}"));
        }
        println!();
        let mut names: Vec<&str> = Vec::new();
        for m in &self.measures {
            if !names.contains(&m.name) {
                names.push(m.name);
            }
        }
        for name in names {
            print!("{name:<52}");
            for (a, b) in &pairs {
                match (rate(a, name), rate(b, name)) {
                    (Some(x), Some(y)) if y > 0.0 => print!(" {:>22.2}", x / y),
                    _ => print!(" {:>22}", "-"),
                }
            }
            println!();
        }
    }
}

/// The connections of instance `i` of `n` when `total` are split between them.
fn share(total: u64, n: u64, i: u64) -> u64 {
    total / n + u64::from(i < total % n)
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

/// Each `wrk` run (`__RUN__`) has its own idempotency keys and starts its threads' walks over
/// the bulk BLs' lines at its own place.
const SUBMIT_LUA: &str = r#"
local threads = {}
local counter = 0
setup = function(thread)
  thread:set("id", __RUN__ * 16 + #threads + 1)
  table.insert(threads, thread)
end
request = function()
  counter = counter + 1
  local n = (id or 1) * 104729 + counter * 7919
  local bl = __FIRST__ + (n % __NOTES__)
  local line = 1 + (math.floor(n / __NOTES__) % 8)
  local body = string.format('{"lines":[{"delivery_note":"%d","line_no":%d,"qty":1,"reason":"new_part"}]}', bl, line)
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = string.format("bench-%d-%d-%d", id or 1, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/api/v1/return-requests", headers, body)
end
"#;

/// What one `wrk` reported.
#[derive(Default)]
struct Run {
    requests: u64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    non_2xx: u64,
    socket_errors: u64,
}

impl Run {
    /// Two runs at the same time against two instances: requests, rates and errors summed, the
    /// worse latencies.
    fn beside(&self, other: &Run) -> Run {
        Run {
            requests: self.requests + other.requests,
            rate: self.rate + other.rate,
            p50_ms: self.p50_ms.max(other.p50_ms),
            p99_ms: self.p99_ms.max(other.p99_ms),
            max_ms: self.max_ms.max(other.max_ms),
            non_2xx: self.non_2xx + other.non_2xx,
            socket_errors: self.socket_errors + other.socket_errors,
        }
    }
}

fn spawn_wrk(
    port: u16,
    token: &str,
    path: &str,
    script: &str,
    connections: u64,
    duration: u64,
) -> Result<Child> {
    Command::new("wrk")
        .args([
            &format!("-t{}", connections.min(2)),
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
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running wrk")
}

fn wait_wrk(child: Child) -> Result<Run> {
    let output = child.wait_with_output().context("waiting for wrk")?;
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
    if f.len() != 8 {
        bail!("unexpected wrk result {line:?}");
    }
    Ok(Run {
        requests: f[1].parse()?,
        rate: f[2].parse()?,
        p50_ms: f[3].parse()?,
        p99_ms: f[4].parse()?,
        max_ms: f[5].parse()?,
        non_2xx: f[6].parse()?,
        socket_errors: f[7].parse()?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn connections_are_split_whole() {
        let split: Vec<u64> = (0..3).map(|i| super::share(32, 3, i)).collect();
        assert_eq!(split, [11, 11, 10]);
        assert_eq!(super::share(20, 2, 1), 10);
    }
}
