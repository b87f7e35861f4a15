//! The session and the server's refusals as the app sees them: an expired access token is
//! refreshed once and the call goes through, also when several calls find it expired at once; a
//! closed service refuses a send with its French message and the cart stays as it was, and is
//! still known closed offline (from the cached schedule and the server clock's offset); a wrong
//! password is refused in French.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use chrono::Datelike;
use retour_app::LoginArgs;
use retour_domain::hours::{Interval, Schedule, PARIS};
use retour_tests::{eligible_lines, Device, TestServer, EMAIL};

/// A server whose clock runs `skew` ahead of the real one, which the test can move.
async fn server_with_skew(skew: &Arc<AtomicI64>, schedule: Option<Schedule>) -> Result<TestServer> {
    let clock_skew = skew.clone();
    let clock: retour_server::Clock = Arc::new(move || {
        chrono::Utc::now() + chrono::Duration::seconds(clock_skew.load(Ordering::SeqCst))
    });
    TestServer::start_configured(
        move |config| {
            if let Some(schedule) = schedule {
                config.schedule = schedule;
            }
        },
        Some(clock),
        |_| Ok(()),
    )
    .await
}

/// How many refresh tokens the server has seen used (each refresh uses one), read from its
/// database file.
fn used_refresh_tokens(server: &TestServer) -> Result<i64> {
    let db = rusqlite::Connection::open_with_flags(
        server.dir().join("retour.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .context("the server's database")?;
    Ok(db.query_row(
        "SELECT count(*) FROM refresh_tokens WHERE used_at IS NOT NULL",
        [],
        |row| row.get(0),
    )?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_with_an_expired_token_share_one_refresh() -> Result<()> {
    let skew = Arc::new(AtomicI64::new(0));
    let server = server_with_skew(&skew, None).await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let before = device
        .tokens
        .load(&server.url, EMAIL)
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| anyhow!("no tokens"))?;
    assert_eq!(used_refresh_tokens(&server)?, 0);
    // Two hours later on the server: the access token has expired, the refresh token has not.
    // Eight calls leave at once with the expired token and all get a 401. The refresh token is
    // single use (reusing it revokes the session), so they must share one refresh.
    skew.store(2 * 3600, Ordering::SeqCst);
    let start = Arc::new(tokio::sync::Barrier::new(8));
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..8 {
        let app = device.app.clone();
        let start = start.clone();
        calls.spawn(async move {
            start.wait().await;
            let result = if i % 2 == 0 {
                app.dossiers(&Default::default()).await.map(|_| ())
            } else {
                app.delivery_notes(7).await.map(|_| ())
            };
            result.map_err(|e| anyhow!("call {i}: {} {}", e.code, e.message))
        });
    }
    while let Some(done) = calls.join_next().await {
        done??;
    }
    assert_eq!(used_refresh_tokens(&server)?, 1, "exactly one refresh");
    let after = device
        .tokens
        .load(&server.url, EMAIL)
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| anyhow!("no tokens"))?;
    assert_ne!(before.access_token, after.access_token, "refreshed");
    assert_ne!(before.refresh_token, after.refresh_token, "rotated");
    // The session is still good: a full sync works and nobody was signed out.
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    assert!(device.app.session().signed_in);
    assert_eq!(used_refresh_tokens(&server)?, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_closed_service_is_known_offline_from_the_cached_schedule_and_server_clock(
) -> Result<()> {
    // The server's clock runs 36 hours ahead, so its day of the week is never this machine's.
    // Its schedule is open all day every day except the server's today: closed now for the
    // server, but open at this machine's own time. Only the server clock's offset tells them
    // apart offline.
    let skew_seconds = 36 * 3600;
    let skew = Arc::new(AtomicI64::new(skew_seconds));
    let server_now = chrono::Utc::now() + chrono::Duration::seconds(skew_seconds);
    let server_day = server_now.with_timezone(&PARIS).weekday();
    let mut days = [Some(Interval::ALL_DAY); 7];
    days[server_day.num_days_from_monday() as usize] = None;
    let schedule = Schedule::weekly(days);
    assert!(
        schedule.is_open(chrono::Utc::now()),
        "open at this machine's time"
    );
    let mut server = server_with_skew(&skew, Some(schedule)).await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let online = device.app.service().await.map_err(|e| anyhow!("{e}"))?;
    assert!(!online.from_cache);
    assert!(!online.info.open, "closed for the server");
    let reopens = online
        .info
        .next_change
        .ok_or_else(|| anyhow!("no next change"))?;

    server.stop().await?;
    let offline = device.app.service().await.map_err(|e| anyhow!("{e}"))?;
    assert!(offline.from_cache, "computed from the cache");
    assert!(!offline.info.open, "still closed offline");
    assert_eq!(offline.info.next_change, Some(reopens));
    let drift = (offline.info.now - server_now).num_seconds().abs();
    assert!(
        drift < 60,
        "the server's time, not this machine's: {drift} s off"
    );
    let day_label = retour_domain::hours::day_label_fr(server_day);
    let row = offline
        .rows
        .iter()
        .find(|r| r.label == day_label)
        .ok_or_else(|| anyhow!("no row for {day_label}"))?;
    assert_eq!(row.hours, "Fermé");
    Ok(())
}

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
    device.add_one(&line).await?;
    let before = device.cart_lines()?;
    let refused = device.app.send().await.unwrap_err();
    assert_eq!(refused.code, "service_closed", "{}", refused.message);
    assert!(!refused.message.is_empty());
    assert_eq!(device.cart_lines()?, before);
    assert_eq!(device.app.sync_state().pending_sends, 0);
    Ok(())
}

/// "Se souvenir de moi" keeps the e-mail for the next login screen, across a restart and a
/// logout; a sign-in without it forgets the e-mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remember_me_keeps_the_email_for_the_login_screen() -> Result<()> {
    let server = TestServer::start().await?;
    let mut device = Device::new(&server.url)?;
    assert_eq!(device.app.session().remembered_email, None);
    device.login().await?;
    device.app.logout().await.map_err(|e| anyhow!("{e}"))?;
    device.restart(&server.url)?;
    assert_eq!(
        device.app.session().remembered_email.as_deref(),
        Some(EMAIL)
    );
    device
        .app
        .login(&LoginArgs {
            email: EMAIL.into(),
            password: retour_tests::PASSWORD.into(),
            remember: false,
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    assert_eq!(device.app.session().remembered_email, None);
    Ok(())
}
