//! The cart benchmark behind `cargo xtask bench-cart` (run it in release): a cart edit on a
//! 500-line cart (target p99 ≤ 2 ms) and a sync of 500 pending ops with the real server on
//! loopback (target ≤ 200 ms). Prints the figures and fails when a target is missed.
//!
//! Edits are measured twice, side by side: with the store on a RAM disk (`/dev/shm`: what the
//! edit itself costs) and on the real disk (the system's temporary folder: what a user waits,
//! fsyncs included), each next to the floor of that disk, a bare SQLite commit of one row in WAL
//! mode with `synchronous=FULL`. Last, the backend alone: `POST /cart/ops` of one op for a
//! customer with 10 and with 5,000 ops of history.

#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use retour_app::{App, CartEdit, Config, LoginArgs};
use retour_domain::api::{CartOp, LoginRequest};
use retour_domain::cart::{DeviceId, Hlc};
use retour_sync::{ApiClient, Timeouts};
use retour_tests::{eligible_lines, fast_tempdir, TestServer, EMAIL, PASSWORD};

const LINES: usize = 500;
const EDITS: usize = 2_000;
const SYNC_ROUNDS: usize = 7;
const FLOOR_COMMITS: usize = 2_000;
const POSTS: usize = 300;
const LONG_HISTORY: usize = 5_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// p50, p99 and max of some timings.
fn summary(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "p50 {}  p99 {}  max {}",
        ms(percentile(times, 0.5)),
        ms(percentile(times, 0.99)),
        ms(times[times.len() - 1])
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_owned()
}

/// The floor under any committed edit on the disk holding `dir`: commits of one op-sized row
/// appended to a bare SQLite file in WAL mode with `synchronous=FULL`, as the store opens its
/// file (every edit appends one op to the log).
fn bare_commit_floor(dir: &std::path::Path) -> Result<Vec<Duration>> {
    let conn = rusqlite::Connection::open(dir.join("floor.sqlite"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
    let row = "x".repeat(300);
    let mut times = Vec::with_capacity(FLOOR_COMMITS);
    for _ in 0..FLOOR_COMMITS {
        let started = Instant::now();
        conn.execute("INSERT INTO t (v) VALUES (?1)", [&row])?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// `App::cart` on the kept 500-line view: what handing the whole view back costs by itself.
fn measure_view_copies(app: &App) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(EDITS);
    for _ in 0..EDITS {
        let started = Instant::now();
        let cart = app.cart().map_err(|e| anyhow!("{e}"))?;
        times.push(started.elapsed());
        if cart.count as usize != LINES {
            bail!("the cart has {} lines", cart.count);
        }
    }
    Ok(times)
}

/// Edits on a 500-line cart through the façade (commit + the cart view returned).
fn measure_edits(app: &App, lines: &[(String, u32, u32, String)]) -> Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(EDITS);
    for i in 0..EDITS {
        let line = &lines[(i * 7919) % LINES];
        let started = Instant::now();
        let cart = app
            .cart_set(&CartEdit {
                delivery_note: line.0.clone(),
                line_no: line.1,
                qty: Some(1 + (i % 2) as u32),
                reason: None,
            })
            .map_err(|e| anyhow!("{e}"))?;
        times.push(started.elapsed());
        if cart.count as usize != LINES {
            bail!("the cart has {} lines", cart.count);
        }
    }
    Ok(times)
}

/// `POST /cart/ops` of one op, for a customer with 10 then 5,000 ops of history, on a fresh
/// server: the backend's cost per push must not grow with the log.
async fn measure_posts() -> Result<()> {
    let server = TestServer::start().await?;
    let client = ApiClient::new(&server.url, Timeouts::default())?;
    let token = client
        .login(&LoginRequest {
            email: EMAIL.into(),
            password: PASSWORD.into(),
            device_name: Some("bench-posts".into()),
        })
        .await?
        .access_token;
    let mut targets = Vec::new();
    for item in client.delivery_notes(&token, 31).await?.items {
        let note = client.delivery_note(&token, &item.number).await?;
        for line in note.lines.iter().filter(|l| l.eligible_qty >= 2) {
            targets.push((note.number.clone(), line.line_no));
        }
    }
    // The same ten lines in both runs: the cart (and so the answer) has the same size, only the
    // history differs.
    if targets.len() < 10 {
        bail!("only {} demo lines with 2 eligible units", targets.len());
    }
    targets.truncate(10);
    let device = DeviceId::new("bench-posts")?;
    let mut clock: Option<Hlc> = None;
    let mut n = 0u64;
    let base_ms = 1_764_000_000_000u64;
    let mut next_op = |clock: &mut Option<Hlc>| {
        n += 1;
        let at = Hlc::next(clock.as_ref(), base_ms + n, &device);
        *clock = Some(at.clone());
        let (bl, line_no) = &targets[(n as usize) % targets.len()];
        CartOp::put(
            uuid::Uuid::new_v4(),
            at,
            bl.clone(),
            *line_no,
            Some(1 + (n % 2) as u32),
            None,
        )
    };
    let mut history = 0usize;
    let mut grow_to = |target: usize, history: &mut usize, clock: &mut Option<Hlc>| {
        let mut batches = Vec::new();
        while *history < target {
            let size = (target - *history).min(500);
            batches.push((0..size).map(|_| next_op(clock)).collect::<Vec<_>>());
            *history += size;
        }
        batches
    };
    let mut rows = Vec::new();
    for target in [10, LONG_HISTORY] {
        for batch in grow_to(target, &mut history, &mut clock) {
            client.push_ops(&token, &batch).await?;
        }
        let singles = grow_to(target + POSTS, &mut history, &mut clock);
        let ops: Vec<CartOp> = singles.into_iter().flatten().collect();
        let mut times = Vec::with_capacity(POSTS);
        for op in ops {
            let started = Instant::now();
            let answer = client.push_ops(&token, std::slice::from_ref(&op)).await?;
            times.push(started.elapsed());
            if !answer.rejected.is_empty() {
                bail!("op rejected: {:?}", answer.rejected);
            }
        }
        rows.push((target, summary(&mut times)));
    }
    for (history, figures) in rows {
        println!("POST /cart/ops of 1 op, {history:>5} ops of history ({POSTS} posts): {figures}");
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let server = TestServer::start_with(|state| {
        // 64 BLs of 8 lines: 512 lines with 20 units each.
        retour_server::demo::seed_bulk(state.db(), retour_server::paris_today_now(), 64, 0)?;
        Ok(())
    })
    .await?;
    // The real configuration: keychain token store, "remember me" off (tokens in memory).
    let dir = fast_tempdir()?;
    let mut config = Config::new(&server.url, dir.path());
    config.device_name = "bench".into();
    let app = App::open(config).map_err(|e| anyhow!("{e}"))?;
    app.login(&LoginArgs {
        email: EMAIL.into(),
        password: PASSWORD.into(),
        remember: false,
    })
    .await
    .map_err(|e| anyhow!("login: {e}"))?;
    let lines: Vec<_> = eligible_lines(&app)?
        .into_iter()
        .filter(|l| l.0.starts_with('3'))
        .take(LINES)
        .collect();
    if lines.len() < LINES {
        bail!("only {} bulk lines", lines.len());
    }
    for line in &lines {
        app.cart_add(&CartEdit {
            delivery_note: line.0.clone(),
            line_no: line.1,
            qty: Some(1),
            reason: Some(line.3.clone()),
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    }
    let first = Instant::now();
    app.save().await.map_err(|e| anyhow!("{e}"))?;
    println!("initial sync of {LINES} adds: {}", ms(first.elapsed()));

    // Cart edits on the 500-line cart, through the façade, with the store on a RAM disk.
    let mut times = measure_edits(&app, &lines)?;
    let load_ram = load_average();
    let mut floor_ram = bare_commit_floor(dir.path())?;
    let mut copies = measure_view_copies(&app)?;
    let p99 = {
        times.sort();
        percentile(&times, 0.99)
    };
    // The same on the real disk: a second device of the same account, whose first sync brings
    // the 500-line cart.
    let disk_dir = tempfile::tempdir().context("a folder on the disk")?;
    let mut disk_config = Config::new(&server.url, disk_dir.path());
    disk_config.device_name = "bench-disk".into();
    let disk_app = App::open(disk_config).map_err(|e| anyhow!("{e}"))?;
    disk_app
        .login(&LoginArgs {
            email: EMAIL.into(),
            password: PASSWORD.into(),
            remember: false,
        })
        .await
        .map_err(|e| anyhow!("login: {e}"))?;
    let mut disk_times = measure_edits(&disk_app, &lines)?;
    let load_disk = load_average();
    let mut floor_disk = bare_commit_floor(disk_dir.path())?;
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("cart edit on a {LINES}-line cart ({EDITS} edits), wall clock, side by side with a bare SQLite commit (WAL, synchronous=FULL, {FLOOR_COMMITS} commits) in the same folder:");
    println!(
        "  RAM disk {}: edit {}  | bare commit {}  (load average {load_ram} on {cpus} CPUs)",
        dir.path().display(),
        summary(&mut times),
        summary(&mut floor_ram)
    );
    println!(
        "  real disk {}: edit {}  | bare commit {}  (load average {load_disk} on {cpus} CPUs)",
        disk_dir.path().display(),
        summary(&mut disk_times),
        summary(&mut floor_disk)
    );
    println!(
        "  of which handing back the {LINES}-line view (App::cart, nothing to rebuild): {}",
        summary(&mut copies)
    );
    drop(disk_app);

    app.save().await.map_err(|e| anyhow!("{e}"))?;

    // Sync of 500 pending ops (push + pull back), each round after 500 fresh edits.
    let mut syncs = Vec::new();
    for round in 0..SYNC_ROUNDS {
        for (i, line) in lines.iter().enumerate() {
            app.cart_set(&CartEdit {
                delivery_note: line.0.clone(),
                line_no: line.1,
                qty: Some(1 + ((i + round) % 2) as u32),
                reason: None,
            })
            .map_err(|e| anyhow!("{e}"))?;
        }
        let pending = app.sync_state().pending_ops;
        if pending != LINES as u64 {
            bail!("{pending} pending ops, expected {LINES}");
        }
        let started = Instant::now();
        let saved = app.save().await.map_err(|e| anyhow!("{e}"))?;
        syncs.push(started.elapsed());
        if !saved.synced || app.sync_state().pending_ops != 0 {
            bail!("sync round {round} failed: {}", saved.message);
        }
    }
    syncs.sort();
    let sync_median = percentile(&syncs, 0.5);
    println!(
        "sync of {LINES} pending ops on loopback ({SYNC_ROUNDS} rounds): median {}  max {}",
        ms(sync_median),
        ms(*syncs.last().context("no sync")?)
    );
    measure_posts().await?;

    let mut failed = Vec::new();
    if p99 > Duration::from_millis(2) {
        failed.push(format!("cart edit p99 {} > 2 ms (RAM disk)", ms(p99)));
    }
    if sync_median > Duration::from_millis(200) {
        failed.push(format!("sync median {} > 200 ms", ms(sync_median)));
    }
    if !failed.is_empty() {
        bail!("targets missed: {}", failed.join("; "));
    }
    println!(
        "targets met: cart edit p99 ≤ 2 ms on the RAM disk, sync of {LINES} ops ≤ 200 ms \
         (on the real disk an edit cannot beat the bare commit printed beside it)"
    );
    Ok(())
}
