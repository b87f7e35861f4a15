//! The cart benchmark behind `cargo xtask bench-cart` (run it in release): a cart edit on a
//! 500-line cart (target p99 ≤ 2 ms) and a sync of 500 pending ops with the real server on
//! loopback (target ≤ 200 ms). Prints the figures and fails when a target is missed.

#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use retour_app::{App, CartEdit, Config, LoginArgs};
use retour_tests::{eligible_lines, fast_tempdir, TestServer, EMAIL, PASSWORD};

const LINES: usize = 500;
const EDITS: usize = 2_000;
const SYNC_ROUNDS: usize = 7;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
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

    // Cart edits on the 500-line cart, through the façade (commit + the cart view returned).
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
    times.sort();
    let wall_p99 = percentile(&times, 0.99);
    println!(
        "cart edit on a {LINES}-line cart ({EDITS} edits), wall clock: p50 {}  p99 {}  max {}",
        ms(percentile(&times, 0.5)),
        ms(wall_p99),
        ms(*times.last().context("no edit")?)
    );
    // The wall clock counts the wait for a CPU too: say how busy the machine was.
    println!(
        "load average during the run: {} on {} CPUs",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or("?"),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let p99 = wall_p99;

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
    let mut failed = Vec::new();
    if p99 > Duration::from_millis(2) {
        failed.push(format!("cart edit p99 {} > 2 ms", ms(p99)));
    }
    if sync_median > Duration::from_millis(200) {
        failed.push(format!("sync median {} > 200 ms", ms(sync_median)));
    }
    if !failed.is_empty() {
        bail!("targets missed: {}", failed.join("; "));
    }
    println!("targets met: cart edit p99 ≤ 2 ms, sync of {LINES} ops ≤ 200 ms");
    Ok(())
}
