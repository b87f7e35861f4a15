//! Exactly once: return requests sent through a fault proxy aimed at `POST /return-requests`
//! that drops requests, drops responses after the server handled them, delays and duplicates.
//! Every request is created once: one set of files per idempotency key, none lost, none doubled.
//!
//! Two senders: the app core in this process, 200 sends (`RETOUR_SENDS`: the soak's 1,000); and
//! the `retour` CLI as a child process killed at a random moment of each send, then run again
//! until the send is through, 20 sends (`RETOUR_KILLED_SENDS`; it signs in through the keychain,
//! so it runs with `RETOUR_TEST_KEYRING=1`, as `cargo xtask test` sets).

use std::collections::HashSet;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use anyhow::{anyhow, bail, ensure, Context, Result};
use rand::{Rng, SeedableRng};
use retour_store::{Store, SubmissionState};
use retour_tests::proxy::{FaultProxy, FaultRates};
use retour_tests::{
    eligible_lines, files_under, server_dossier_total, Device, TestServer, PASSWORD,
};

/// The request the faults are aimed at.
const SUBMIT: &str = "POST /api/v1/return-requests";

/// The faults: one request in ten each dropped, answered into the void, delayed, duplicated.
const FAULTS: FaultRates = FaultRates {
    drop_request: 0.1,
    drop_response: 0.1,
    delay: 0.1,
    duplicate: 0.1,
    max_delay: Duration::from_millis(20),
};

/// A count from the environment (the soak's real counts), else the CI's.
fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The fault seed: `RETOUR_FAULT_SEED` replays a run.
fn fault_seed() -> u64 {
    let seed = std::env::var("RETOUR_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_129);
    println!("fault seed {seed} (set RETOUR_FAULT_SEED to replay)");
    seed
}

/// A server whose customer A has at least `lines` open bulk lines (BLs of 8 lines).
async fn server_with_lines(lines: usize) -> Result<TestServer> {
    let notes = (lines.div_ceil(8) + 1).max(30);
    TestServer::start_with(move |state| {
        retour_server::demo::seed_bulk(state.db(), retour_server::paris_today_now(), notes, 0)?;
        Ok(())
    })
    .await
}

/// The bulk lines (BL numbers starting with 3) a device sees, at least `wanted` of them.
fn bulk_lines(device: &Device, wanted: usize) -> Result<Vec<(String, u32, u32, String)>> {
    let lines: Vec<_> = eligible_lines(&device.app)?
        .into_iter()
        .filter(|l| l.0.starts_with('3'))
        .collect();
    ensure!(lines.len() >= wanted, "bulk lines: {}", lines.len());
    Ok(lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_through_faults_create_one_set_of_files_each() -> Result<()> {
    let sends = count("RETOUR_SENDS", 200);
    let server = server_with_lines(sends).await?;
    let proxy = FaultProxy::start(server.addr, fault_seed()).await?;
    proxy.aim_at(SUBMIT);
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let lines = bulk_lines(&device, sends)?;
    let before = server_dossier_total(&server.url).await?;

    proxy.set_rates(FAULTS);
    let mut ids = HashSet::new();
    for (i, line) in lines.iter().take(sends).enumerate() {
        // The BL is cached: this is local, whatever the proxy does.
        device
            .add_one(line)
            .await
            .with_context(|| format!("send {i}"))?;
        let mut attempts = 0;
        let request = loop {
            attempts += 1;
            match device.app.send().await {
                Ok(request) => break request,
                // Out of reach, or a duplicated copy of the request still being processed
                // (409 request_in_progress): the submission stays in the outbox with its key,
                // and pressing "Envoyer" again re-sends that same key.
                Err(e)
                    if (e.is_unreachable() || e.code == "request_in_progress")
                        && attempts < 100 =>
                {
                    continue
                }
                Err(e) => bail!(
                    "send {i} refused after {attempts} attempts: {} {}",
                    e.code,
                    e.message
                ),
            }
        };
        assert_eq!(request.dossiers.len(), 1, "send {i}");
        assert!(
            ids.insert(request.id.clone()),
            "send {i}: request {} twice",
            request.id
        );
    }
    proxy.set_rates(FaultRates::default());
    let stats = proxy.stats();
    println!("{stats:?}");
    assert!(stats.dropped_responses > 0 && stats.duplicated > 0 && stats.dropped_requests > 0);

    assert_eq!(ids.len(), sends);
    assert_eq!(
        server_dossier_total(&server.url).await?,
        before + sends as u64
    );
    let store = device.app.store().map_err(|e| anyhow!("{e}"))?;
    let submissions = retour_sync::engine::lock(&store).submissions()?;
    assert_eq!(
        submissions.len(),
        sends,
        "one submission per send, no stray key"
    );
    let keys: HashSet<_> = submissions.iter().map(|s| &s.idempotency_key).collect();
    assert_eq!(keys.len(), sends);
    for s in &submissions {
        match &s.state {
            SubmissionState::Accepted(answer) => assert!(ids.contains(&answer.id)),
            other => bail!("submission {} not accepted: {other:?}", s.idempotency_key),
        }
    }
    Ok(())
}

fn retour(data_dir: &str, server: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_retour-under-test"));
    command
        .args(["--data-dir", data_dir, "--server", server, "--json"])
        .args(args)
        .env_remove("RETOUR_PASSWORD")
        .stdin(Stdio::null());
    command
}

fn finished(output: &Output) -> Result<(Option<i32>, String)> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok((output.status.code(), code))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_killed_mid_send_create_one_set_of_files_each() -> Result<()> {
    if std::env::var("RETOUR_TEST_KEYRING").ok().as_deref() != Some("1") {
        println!("killed senders not run: set RETOUR_TEST_KEYRING=1 (cargo xtask test does)");
        return Ok(());
    }
    let sends = count("RETOUR_KILLED_SENDS", 20);
    let seed = fault_seed();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let server = server_with_lines(sends).await?;
    let proxy = FaultProxy::start(server.addr, seed).await?;
    proxy.aim_at(SUBMIT);
    // The lines, as a device sees them (the CLI's own cache is in its folder).
    let observer = Device::new(&server.url)?;
    observer.login().await?;
    let lines = bulk_lines(&observer, sends)?;
    let before = server_dossier_total(&server.url).await?;

    let dir = retour_tests::fast_tempdir()?;
    let data = dir.path().to_str().context("data dir")?.to_owned();
    let url = proxy.url.clone();
    let login = retour(&data, &url, &["login", retour_tests::EMAIL])
        .env("RETOUR_PASSWORD", PASSWORD)
        .output()?;
    ensure!(
        login.status.success(),
        "login: {}",
        String::from_utf8_lossy(&login.stderr)
    );
    proxy.set_rates(FAULTS);
    let mut killed_while_sending = 0;
    // How long a whole `retour send` takes here (measured on the runs that are not killed): the
    // kills are drawn over all of it, and a little past it.
    let mut send_time = Duration::from_millis(200);
    for (i, (bl, line_no, _, reason)) in lines.iter().take(sends).enumerate() {
        let line_no = line_no.to_string();
        let add = retour(
            &data,
            &url,
            &[
                "cart", "add", bl, &line_no, "--qty", "1", "--reason", reason,
            ],
        )
        .output()?;
        ensure!(
            add.status.success(),
            "send {i}: cart add: {}",
            String::from_utf8_lossy(&add.stderr)
        );
        // Killed at a random moment of the send: while it starts, before the submission is
        // written, while it is on the wire, after the answer, or not at all.
        let mut sender = retour(&data, &url, &["send"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let kill_after = send_time.mul_f64(rng.random_range(0.0..1.2));
        tokio::time::sleep(kill_after).await;
        if sender.try_wait()?.is_none() {
            killed_while_sending += 1;
        }
        sender.kill()?;
        sender.wait()?;
        // Run again until the send is through: the waiting submission goes with its key, or the
        // killed run had finished it and the cart is empty.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let started = std::time::Instant::now();
            let output = retour(&data, &url, &["send"]).output()?;
            send_time = started.elapsed();
            let (exit, code) = finished(&output)?;
            match (exit, code.as_str()) {
                (Some(0), _) | (Some(1), "empty_request") => break,
                (Some(2), _) | (Some(1), "request_in_progress") if attempts < 100 => continue,
                _ => bail!(
                    "send {i}: refused after {attempts} attempts: {}",
                    String::from_utf8_lossy(&output.stderr)
                ),
            }
        }
    }
    proxy.set_rates(FaultRates::default());
    println!(
        "{sends} sends, {killed_while_sending} senders killed before they ended, {:?}",
        proxy.stats()
    );

    assert_eq!(
        server_dossier_total(&server.url).await?,
        before + sends as u64,
        "one set of files per send"
    );
    let stores: Vec<_> = files_under(dir.path())
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "sqlite"))
        .collect();
    ensure!(stores.len() == 1, "one account store: {stores:?}");
    let store = Store::open(&stores[0])?;
    let submissions = store.submissions()?;
    assert_eq!(submissions.len(), sends, "one submission per send");
    for s in &submissions {
        ensure!(
            matches!(s.state, SubmissionState::Accepted(_)),
            "submission {} not accepted: {:?}",
            s.idempotency_key,
            s.state
        );
    }
    Ok(())
}
