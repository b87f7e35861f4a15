//! Exactly once: 200 return requests sent through a fault proxy that drops requests, drops
//! responses after the server handled them, delays and duplicates. Every request is created once:
//! one set of files per idempotency key, none lost, none doubled.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use retour_store::SubmissionState;
use retour_tests::proxy::{FaultProxy, FaultRates};
use retour_tests::{eligible_lines, server_dossier_total, Device, TestServer};

const SENDS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_sends_through_faults_create_one_set_of_files_each() -> Result<()> {
    let server = TestServer::start_with(|state| {
        retour_server::demo::seed_bulk(state.db(), retour_server::paris_today_now(), 30, 0)?;
        Ok(())
    })
    .await?;
    let seed: u64 = std::env::var("RETOUR_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_129);
    println!("fault seed {seed} (set RETOUR_FAULT_SEED to replay)");
    let proxy = FaultProxy::start(server.addr, seed).await?;
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let lines: Vec<_> = eligible_lines(&device.app)?
        .into_iter()
        .filter(|l| l.0.starts_with('3'))
        .collect();
    assert!(lines.len() >= SENDS, "bulk lines: {}", lines.len());
    let before = server_dossier_total(&server.url).await?;

    proxy.set_rates(FaultRates {
        drop_request: 0.1,
        drop_response: 0.1,
        delay: 0.1,
        duplicate: 0.1,
        max_delay: Duration::from_millis(20),
    });
    let mut ids = HashSet::new();
    for (i, line) in lines.iter().take(SENDS).enumerate() {
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

    assert_eq!(ids.len(), SENDS);
    assert_eq!(
        server_dossier_total(&server.url).await?,
        before + SENDS as u64
    );
    let store = device.app.store().map_err(|e| anyhow!("{e}"))?;
    let submissions = retour_sync::engine::lock(&store).submissions()?;
    assert_eq!(
        submissions.len(),
        SENDS,
        "one submission per send, no stray key"
    );
    let keys: HashSet<_> = submissions.iter().map(|s| &s.idempotency_key).collect();
    assert_eq!(keys.len(), SENDS);
    for s in &submissions {
        match &s.state {
            SubmissionState::Accepted(answer) => assert!(ids.contains(&answer.id)),
            other => bail!("submission {} not accepted: {other:?}", s.idempotency_key),
        }
    }
    Ok(())
}
