//! Kill -9: a child process editing the cart is killed at random moments, 200 times (more with
//! `RETOUR_KILL_ROUNDS`); after each, the store passes `integrity_check`, every op the child
//! reported committed is there, and the materialised cart equals the merge of the op log.
//!
//! Kills aimed inside the writes: once the editor has committed its first op it does nothing but
//! write, and it is killed a random instant later, 200 times (`RETOUR_KILLS`: the soak's 1,000).
//! The file is inspected as the kill left it, before `Store::open` could repair anything: it
//! passes `integrity_check`, holds every op the editor reported committed, and its materialised
//! lines equal a replay of its op log.
//!
//! Kills at start-up: `retour cart set` killed at random moments of its start and edit
//! (`RETOUR_STARTUP_KILLS`, 60 by default) never signs the user out nor hides the cart.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use rand::{Rng, SeedableRng};
use retour_store::Store;

#[test]
fn killed_editor_never_loses_a_committed_op() -> Result<()> {
    let rounds: usize = std::env::var("RETOUR_KILL_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("RETOUR_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(9);
    println!("kill seed {seed}, {rounds} rounds");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cart.sqlite");
    let started = Instant::now();
    let mut committed: HashSet<String> = HashSet::new();
    for round in 0..rounds {
        let mut child = Command::new(env!("CARGO_BIN_EXE_retour-cart-editor"))
            .arg(&path)
            .arg((seed * 1_000 + round as u64).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the editor")?;
        std::thread::sleep(Duration::from_micros(rng.random_range(0..60_000)));
        child.kill()?; // SIGKILL on Unix.
        child.wait()?;
        let mut out = String::new();
        child
            .stdout
            .take()
            .context("stdout")?
            .read_to_string(&mut out)?;
        // A line cut by the kill is not a complete id: only whole lines were committed.
        committed.extend(
            out.lines()
                .filter(|l| uuid::Uuid::parse_str(l).is_ok())
                .map(str::to_owned),
        );
        let store = Store::open(&path).with_context(|| format!("round {round}: reopen"))?;
        ensure!(
            store.integrity_check()? == "ok",
            "round {round}: integrity_check"
        );
        let present: HashSet<String> = store
            .ops()?
            .into_iter()
            .map(|(op, _)| op.op_id.to_string())
            .collect();
        let missing: Vec<_> = committed.difference(&present).collect();
        ensure!(
            missing.is_empty(),
            "round {round}: committed ops lost: {missing:?}"
        );
        ensure!(
            store.stored_cart_lines()? == store.cart_lines(),
            "round {round}: the materialised cart differs from the op log"
        );
    }
    println!(
        "{rounds} kills, {} committed ops all present, {:?}",
        committed.len(),
        started.elapsed()
    );
    ensure!(!committed.is_empty(), "the editor never committed anything");
    Ok(())
}

/// A count from the environment variable `name` (the soak sets the real count), else `default`.
fn kill_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn kills_inside_cart_writes_tear_nothing() -> Result<()> {
    let rounds = kill_count("RETOUR_KILLS", 200);
    let seed: u64 = std::env::var("RETOUR_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11);
    println!("kill seed {seed}, {rounds} kills inside writes");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = retour_tests::fast_tempdir()?;
    let path = dir.path().join("cart.sqlite");
    let started = Instant::now();
    let mut committed: HashSet<String> = HashSet::new();
    for round in 0..rounds {
        let mut child = Command::new(env!("CARGO_BIN_EXE_retour-cart-editor"))
            .arg(&path)
            .arg((seed * 1_000_000 + round as u64).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the editor")?;
        let stdout = child.stdout.take().context("stdout")?;
        let (first_commit, writing) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.is_empty() {
                    let _ = first_commit.send(());
                }
                lines.push(line);
            }
            lines
        });
        writing
            .recv_timeout(Duration::from_secs(30))
            .with_context(|| format!("round {round}: the editor committed nothing"))?;
        // From its first commit on, the editor only writes: a kill now lands inside a write.
        std::thread::sleep(Duration::from_micros(rng.random_range(0..3_000)));
        child.kill()?; // SIGKILL on Unix.
        child.wait()?;
        let lines = reader.join().map_err(|_| anyhow::anyhow!("reader"))?;
        // A line cut by the kill is not a complete id: only whole lines were committed.
        committed.extend(
            lines
                .into_iter()
                .filter(|l| uuid::Uuid::parse_str(l).is_ok()),
        );

        let found = Store::inspect_file(&path).with_context(|| format!("round {round}"))?;
        ensure!(
            found.integrity == "ok",
            "round {round}: integrity_check: {}",
            found.integrity
        );
        let missing: Vec<_> = committed.difference(&found.op_ids).collect();
        ensure!(
            missing.is_empty(),
            "round {round}: committed ops lost: {missing:?}"
        );
        ensure!(
            found.stored_lines == found.replayed_lines,
            "round {round}: the materialised lines differ from a replay of the op log"
        );
    }
    println!(
        "{rounds} kills inside writes, {} committed ops all present, {:?}",
        committed.len(),
        started.elapsed()
    );
    Ok(())
}

/// Kills `retour cart set` at random moments of its start-up and edit, `RETOUR_STARTUP_KILLS` times
/// (60 by default; `cargo xtask soak` asks for 1,000): after each kill the app still knows its
/// account (never signed out) and shows the cart, and the account file was never rewritten
/// (it is only written when it changes, atomically).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kills_at_start_up_never_sign_out_nor_hide_the_cart() -> Result<()> {
    let kills = kill_count("RETOUR_STARTUP_KILLS", 60) as u64;
    let seed: u64 = std::env::var("RETOUR_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let server = retour_tests::TestServer::start().await?;
    // The device signs in and puts a line in its cart, then quits: only the killed CLI and the
    // check below ever open its folder.
    let device = retour_tests::Device::new(&server.url)?;
    device.login().await?;
    let lines = retour_tests::eligible_lines(&device.app)?;
    let line = lines.first().context("an eligible line")?.clone();
    device.add_one(&line).await?;
    let current = device
        .app
        .store_path(retour_tests::EMAIL)
        .with_file_name("current");
    let tokens = device.tokens.clone();
    let dir = retour_tests::fast_tempdir()?;
    // The store and its WAL are idle and consistent; the shared-memory index is rebuilt.
    for file in retour_tests::files_under(device.dir())
        .into_iter()
        .filter(|f| !f.to_string_lossy().ends_with("-shm"))
    {
        let to = dir.path().join(file.strip_prefix(device.dir())?);
        std::fs::create_dir_all(to.parent().context("parent")?)?;
        std::fs::copy(&file, &to)?;
    }
    let current = dir.path().join(current.strip_prefix(device.dir())?);
    drop(device);
    let written = std::fs::metadata(&current)?.modified()?;
    let data = dir.path().to_str().context("utf-8 path")?.to_owned();
    let editor = |qty: u32| {
        Command::new(env!("CARGO_BIN_EXE_retour-under-test"))
            .args(["--server", &server.url, "--data-dir", &data, "cart", "set"])
            .args([&line.0, &line.1.to_string(), "--qty", &qty.to_string()])
            .env_remove("RETOUR_SERVER")
            .env_remove("RETOUR_DATA_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the CLI")
    };
    // How long a whole edit takes, start-up included: the kills are drawn over all of it.
    let timed = Instant::now();
    ensure!(
        editor(1)?.wait()?.success(),
        "an edit without a kill failed"
    );
    let life = timed.elapsed();
    println!("one `retour cart set`: {life:?}; kills drawn over 0 … {life:?}");
    let started = Instant::now();
    for round in 0..kills {
        let qty = 1 + (round % u64::from(line.2.max(1))) as u32;
        let mut child = editor(qty)?;
        std::thread::sleep(Duration::from_micros(
            rng.random_range(0..life.as_micros().max(1) as u64),
        ));
        child.kill()?;
        child.wait()?;
        let name = std::fs::read_to_string(&current)
            .with_context(|| format!("kill {round}: the account file"))?;
        ensure!(
            name == retour_tests::EMAIL,
            "kill {round}: account file holds {name:?}"
        );
        let app = retour_tests::open_app(&server.url, dir.path(), &tokens)?;
        ensure!(
            app.session().email.as_deref() == Some(retour_tests::EMAIL),
            "kill {round}: signed out"
        );
        let cart = app
            .cart()
            .map_err(|e| anyhow::anyhow!("kill {round}: {e}"))?;
        ensure!(cart.count >= 1, "kill {round}: the cart is hidden");
    }
    ensure!(
        std::fs::metadata(&current)?.modified()? == written,
        "the account file was rewritten though the account did not change"
    );
    println!(
        "{kills} start-up kills, never signed out, {:?}",
        started.elapsed()
    );
    Ok(())
}
