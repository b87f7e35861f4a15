//! Token canary: after login, sync, send and a real token refresh (the server's clock moves past
//! the access token's lifetime, so the next call gets a 401 and the app refreshes), no token seen
//! — raw, base64 or hex — is anywhere in the data folder (the SQLite file, its WAL, the
//! downloaded files, the app's log) nor in what the server logged: everything logged in this
//! process at the most verbose level (`trace`, every crate: the server, axum, hyper, the app's
//! HTTP client), written to a file as the server binary writes its log.
//! The WebView's own data (WebKit's local storage, caches) is checked by the real-window test.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, ensure, Result};
use retour_tests::canary::{contains, forms};
use retour_tests::{eligible_lines, files_under, Device, TestServer, EMAIL};

/// Sends everything logged in this process, at `trace`, to a file: the server's log as its
/// binary writes it (same formatter, no colours), only more verbose.
fn capture_the_log(file: &std::path::Path) -> Result<()> {
    let writer = std::sync::Mutex::new(std::fs::File::create(file)?);
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .map_err(|e| anyhow!("another log subscriber is installed in this process: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_in_the_data_folder_nor_the_servers_log() -> Result<()> {
    let log_dir = retour_tests::fast_tempdir()?;
    let log = log_dir.path().join("server.log");
    capture_the_log(&log)?;
    // The server's clock, which the test moves on to expire the access token.
    let ahead_s = Arc::new(AtomicI64::new(0));
    let clock: retour_server::Clock = {
        let ahead_s = ahead_s.clone();
        Arc::new(move || {
            chrono::Utc::now() + chrono::Duration::seconds(ahead_s.load(Ordering::SeqCst))
        })
    };
    let server = TestServer::start_configured(|_| {}, Some(clock), |_| Ok(())).await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let mut seen = Vec::new();
    let mut remember = |device: &Device| -> Result<()> {
        let tokens = device
            .tokens
            .load(&server.url, EMAIL)
            .map_err(|e| anyhow!("{e}"))?
            .ok_or_else(|| anyhow!("no tokens kept"))?;
        seen.push(tokens.access_token);
        seen.push(tokens.refresh_token);
        Ok(())
    };
    remember(&device)?;
    let line = eligible_lines(&device.app)?.remove(0);
    device.add_one(&line).await?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    let request = device.app.send().await.map_err(|e| anyhow!("{e}"))?;
    device
        .app
        .preaccord_pdf(&request.id)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    remember(&device)?;
    // A real refresh: past the access token's lifetime, the next call is refused with a 401 and
    // the app trades its refresh token for new ones.
    ahead_s.store(
        (retour_server::auth::ACCESS_TTL + chrono::Duration::minutes(1)).num_seconds(),
        Ordering::SeqCst,
    );
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    remember(&device)?;
    let (before, after) = (
        &seen[seen.len() - 4..seen.len() - 2],
        &seen[seen.len() - 2..],
    );
    ensure!(
        before[0] != after[0] && before[1] != after[1],
        "the tokens were not refreshed"
    );

    // A refused SSO link, which the server logs: the capture is known to hold the server's lines.
    let refused = device
        .app
        .login_sso("not-a-portal-token", false)
        .await
        .expect_err("a bad SSO token");
    assert_eq!(refused.code, "invalid_token");

    // While the app is open the WAL is there; check it too.
    let mut files = files_under(device.dir());
    let logged = std::fs::read_to_string(&log)?;
    ensure!(
        logged.contains("SSO token refused") && logged.contains("hyper"),
        "the server's log was not captured ({} bytes)",
        logged.len()
    );
    files.push(log.clone());
    assert!(
        files.iter().any(|f| f.to_string_lossy().ends_with("-wal")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().ends_with("retour.log")),
        "{files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file)?;
        for token in &seen {
            for form in forms(token) {
                assert!(!contains(&bytes, &form), "a token is in {}", file.display());
            }
        }
    }
    Ok(())
}
