//! The session and the server's refusals as the app sees them: an expired access token is
//! refreshed once and the call goes through; a closed service refuses a send with its French
//! message and the cart stays as it was; a wrong password is refused in French.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, Result};
use retour_app::{CartEdit, LoginArgs};
use retour_domain::hours::Schedule;
use retour_tests::{eligible_lines, Device, TestServer, EMAIL};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_once() -> Result<()> {
    let skew = Arc::new(AtomicI64::new(0));
    let clock_skew = skew.clone();
    let clock: retour_server::Clock = Arc::new(move || {
        chrono::Utc::now() + chrono::Duration::seconds(clock_skew.load(Ordering::SeqCst))
    });
    let server = TestServer::start_configured(|_| {}, Some(clock), |_| Ok(())).await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let before = device
        .tokens
        .load(&server.url, EMAIL)
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| anyhow!("no tokens"))?;
    // Two hours later on the server: the access token has expired, the refresh token has not.
    skew.store(2 * 3600, Ordering::SeqCst);
    device
        .app
        .dossiers(&Default::default())
        .await
        .map_err(|e| anyhow!("after expiry: {e}"))?;
    let after = device
        .tokens
        .load(&server.url, EMAIL)
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| anyhow!("no tokens"))?;
    assert_ne!(before.access_token, after.access_token, "refreshed");
    assert_ne!(before.refresh_token, after.refresh_token, "rotated");
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    assert!(device.app.session().signed_in);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_service_refuses_in_french_and_keeps_the_cart() -> Result<()> {
    let server = TestServer::start_configured(
        |config| config.schedule = Schedule::weekly([None; 7]),
        None,
        |_| Ok(()),
    )
    .await?;
    let device = Device::new(&server.url)?;
    let wrong = device
        .app
        .login(&LoginArgs {
            email: EMAIL.into(),
            password: "wrong".into(),
            remember: false,
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.code, "invalid_credentials", "{}", wrong.message);
    assert!(!wrong.message.is_empty());
    device.login().await?;
    let service = device.app.service().await.map_err(|e| anyhow!("{e}"))?;
    assert!(!service.info.open);
    assert!(service.rows.iter().all(|r| r.hours == "Fermé"));
    let line = eligible_lines(&device.app)?.remove(0);
    device
        .app
        .cart_add(&CartEdit {
            delivery_note: line.0.clone(),
            line_no: line.1,
            qty: Some(1),
            reason: Some(line.3.clone()),
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let before = device.cart_lines()?;
    let refused = device.app.send().await.unwrap_err();
    assert_eq!(refused.code, "service_closed", "{}", refused.message);
    assert!(!refused.message.is_empty());
    assert_eq!(device.cart_lines()?, before);
    assert_eq!(device.app.sync_state().pending_sends, 0);
    Ok(())
}
