//! Trust at the edges (issue 11), as a device sees it through the fault proxy:
//! - switching accounts while the previous account's sync is slowed (password and SSO link):
//!   not one cart op, BL or return request crosses accounts, and nothing of the first is lost;
//! - an SSO link for another account than the one open changes nothing until the user says yes,
//!   and a no leaves everything as it was (login CSRF);
//! - a committed request answered by a proxy's HTML page or a 408 is never taken for refused
//!   (so never re-sent as a duplicate), a 429 waits its `Retry-After`, and a 429 after every
//!   retry leaves the request waiting, not refused;
//! - a refresh whose answer is not the server's `invalid_token` / `token_reused` keeps the session;
//! - after logout nothing of the account is reachable through the app, even after a restart;
//! - the data folder and its files are private to the user.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::{anyhow, ensure, Result};
use retour_app::{App, LoginArgs, SsoLoginView};
use retour_domain::api::{self, Problem};
use retour_store::{Store, SubmissionState};
use retour_sync::{ApiClient, Timeouts};
use retour_tests::proxy::{FaultProxy, FaultRates};
use retour_tests::{eligible_lines, Device, TestServer, EMAIL, PASSWORD};

const EMAIL_B: &str = retour_server::demo::CUSTOMER_B;

/// A fresh API session for `email`, straight to the server.
async fn observer(url: &str, email: &str) -> Result<(ApiClient, String)> {
    let client = ApiClient::new(url, Timeouts::default())?;
    let session = client
        .login(&api::LoginRequest {
            email: email.into(),
            password: PASSWORD.into(),
            device_name: Some("test-observer".into()),
        })
        .await?;
    Ok((client, session.access_token))
}

/// The BL numbers the server shows `email`.
async fn server_bls(url: &str, email: &str) -> Result<HashSet<String>> {
    let (client, token) = observer(url, email).await?;
    let list = client.delivery_notes(&token, 31).await?;
    Ok(list.items.into_iter().map(|i| i.number).collect())
}

/// How many return files `email` has on the server.
async fn server_dossiers(url: &str, email: &str) -> Result<u64> {
    let (client, token) = observer(url, email).await?;
    let list = client
        .dossiers(&token, &retour_sync::DossierQuery::default())
        .await?;
    Ok(list.counts.open + list.counts.closed)
}

/// A portal SSO token for `email`, signed with the test server's secret.
fn sso_token(email: &str) -> Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "sub": email,
        "iat": now,
        "exp": now + 120,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    Ok(jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(retour_server::config::TEST_SSO_SECRET.as_bytes()),
    )?)
}

/// The BL numbers a store holds.
fn store_bls(store: &Store) -> Result<HashSet<String>> {
    Ok(store
        .delivery_notes_since(chrono::NaiveDate::MIN)?
        .into_iter()
        .map(|s| s.number)
        .collect())
}

/// An SSO link (anyone's page can open one) for another account than the one open asks first:
/// until the user says yes the app stays on its account, its cart and its session, nothing of the
/// link's account is kept; a no leaves everything as it was and the link's session is revoked;
/// a yes switches. With no account open, or for the open one, the link signs in at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sso_link_for_another_account_asks_first() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let line = eligible_lines(&device.app)?[0].clone();
    device.add_one(&line).await?;
    let current_file = device.app.store_path(EMAIL).with_file_name("current");
    let stays_on_a = |what: &str| -> Result<()> {
        let session = device.app.session();
        ensure!(
            session.signed_in && session.email.as_deref() == Some(EMAIL),
            "{what}: the session changed: {session:?}"
        );
        let cart = device.app.cart().map_err(|e| anyhow!("{e}"))?;
        ensure!(cart.count == 1, "{what}: the cart changed");
        ensure!(
            std::fs::read_to_string(&current_file)? == EMAIL,
            "{what}: the current account file changed"
        );
        ensure!(
            device.tokens.load(&server.url, EMAIL_B)?.is_none(),
            "{what}: B's session kept in the keychain"
        );
        Ok(())
    };

    // The link for B: nothing changes, the answer says who it is for and who is here.
    let answer = device
        .app
        .login_sso(&sso_token(EMAIL_B)?, true)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let SsoLoginView::Confirm { target, current } = answer else {
        anyhow::bail!("B's link signed in without asking: {answer:?}");
    };
    assert_eq!(target.email, EMAIL_B);
    assert!(target.customer.is_some_and(|c| !c.name.is_empty()));
    assert_eq!(current.email.as_deref(), Some(EMAIL));
    assert!(current.signed_in);
    stays_on_a("asked")?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    stays_on_a("asked, then a sync")?;
    let (client, token) = observer(&server.url, EMAIL_B).await?;
    ensure!(
        client.cart(&token).await?.lines.is_empty(),
        "A's cart reached B's account"
    );

    // No: everything as it was; nothing waits any more.
    device
        .app
        .cancel_sso_login()
        .await
        .map_err(|e| anyhow!("{e}"))?;
    stays_on_a("declined")?;
    let late = device.app.confirm_sso_login().await.expect_err("declined");
    assert_eq!(late.code, "no_pending_login");
    stays_on_a("a yes after the no")?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;

    // A link for the open account signs in at once.
    let same = device
        .app
        .login_sso(&sso_token(EMAIL)?, true)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(matches!(same, SsoLoginView::SignedIn { .. }), "{same:?}");
    stays_on_a("a link for the open account")?;

    // Yes: B's account becomes the current one, A's cart stays in A's store.
    let answer = device
        .app
        .login_sso(&sso_token(EMAIL_B)?, true)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(matches!(answer, SsoLoginView::Confirm { .. }), "{answer:?}");
    let view = device
        .app
        .confirm_sso_login()
        .await
        .map_err(|e| anyhow!("{e}"))?;
    assert_eq!(view.email.as_deref(), Some(EMAIL_B));
    assert_eq!(device.app.cart().map_err(|e| anyhow!("{e}"))?.count, 0);
    assert_eq!(std::fs::read_to_string(&current_file)?, EMAIL_B);
    ensure!(
        Store::open(&device.app.store_path(EMAIL))?.ops()?.len() == 1,
        "A's cart op left A's store"
    );

    // On a device with no account open, the link signs in at once.
    let fresh = Device::new(&server.url)?;
    let answer = fresh
        .app
        .login_sso(&sso_token(EMAIL_B)?, false)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let SsoLoginView::SignedIn { session } = answer else {
        anyhow::bail!("a device with no account asked: {answer:?}");
    };
    assert_eq!(session.email.as_deref(), Some(EMAIL_B));
    Ok(())
}

fn login_b() -> LoginArgs {
    LoginArgs {
        email: EMAIL_B.into(),
        password: PASSWORD.into(),
        remember: true,
    }
}

async fn switch_during_a_slow_sync(by_sso: bool) -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 2).await?;
    let a_bls = server_bls(&server.url, EMAIL).await?;
    let b_bls = server_bls(&server.url, EMAIL_B).await?;
    ensure!(a_bls.is_disjoint(&b_bls), "the two garages share no BL");
    let b_files_before = server_dossiers(&server.url, EMAIL_B).await?;
    let a_files_before = server_dossiers(&server.url, EMAIL).await?;

    let mut device = Device::new(&proxy.url)?;
    device.login().await?;
    let a_store_path = device.app.store_path(EMAIL);
    let lines = eligible_lines(&device.app)?;
    ensure!(lines.len() >= 2, "two eligible lines");
    // A request waiting for the network, then a cart op not yet pushed.
    device.add_one(&lines[0]).await?;
    proxy.set_down(true);
    let waiting = device.app.send().await.expect_err("offline");
    assert_eq!(waiting.code, "send_pending");
    device.add_one(&lines[1]).await?;
    proxy.set_down(false);

    // A's sync crawls; B signs in on the same device in the middle of it.
    proxy.set_rates(FaultRates {
        delay: 1.0,
        max_delay: Duration::from_millis(250),
        ..FaultRates::default()
    });
    let mut state = device.app.subscribe();
    let app = device.app.clone();
    let a_sync = tokio::spawn(async move { app.sync_now().await });
    state.wait_for(|s| s.syncing).await?;
    let view = if by_sso {
        // Another account is open: the link waits for the user's yes, who gives it.
        let answer = device
            .app
            .login_sso(&sso_token(EMAIL_B)?, true)
            .await
            .map_err(|e| anyhow!("B's link: {e}"))?;
        ensure!(matches!(answer, SsoLoginView::Confirm { .. }), "{answer:?}");
        device.app.confirm_sso_login().await
    } else {
        device.app.login(&login_b()).await
    }
    .map_err(|e| anyhow!("B's login: {e}"))?;
    assert_eq!(view.email.as_deref(), Some(EMAIL_B));
    let _ = a_sync.await?;
    proxy.set_rates(FaultRates::default());
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;

    // B's side: only B's BLs, no op nor request of A's.
    {
        let store = device.app.store().map_err(|e| anyhow!("{e}"))?;
        let store = retour_sync::engine::lock(&store);
        let bls = store_bls(&store)?;
        ensure!(bls.is_subset(&b_bls), "A's BLs in B's store");
        ensure!(store.ops()?.is_empty(), "cart ops in B's store");
        ensure!(store.submissions()?.is_empty(), "A's request in B's store");
    }
    assert_eq!(
        server_dossiers(&server.url, EMAIL_B).await?,
        b_files_before,
        "A's request reached B's account"
    );
    let (client, token) = observer(&server.url, EMAIL_B).await?;
    assert!(
        client.cart(&token).await?.lines.is_empty(),
        "B's server cart"
    );

    // A's side: only A's BLs, no op refused, the request still to send or accepted.
    {
        let store = Store::open(&a_store_path)?;
        ensure!(store_bls(&store)?.is_subset(&a_bls), "B's BLs in A's store");
        ensure!(store.rejected_ops()?.is_empty(), "A's ops refused");
        for submission in store.submissions()? {
            ensure!(
                !matches!(submission.state, SubmissionState::Refused { .. }),
                "A's request marked refused"
            );
        }
    }

    // A signs in again: its request is sent once, its cart op is on the server.
    device.restart(&proxy.url)?;
    device.login().await?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    assert_eq!(
        server_dossiers(&server.url, EMAIL).await?,
        a_files_before + 1
    );
    let (client, token) = observer(&server.url, EMAIL).await?;
    let cart = client.cart(&token).await?;
    ensure!(
        cart.lines
            .iter()
            .any(|l| l.delivery_note == lines[1].0 && l.line_no == lines[1].1),
        "A's cart op lost: {cart:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_password_login_during_a_sync_never_mixes_accounts() -> Result<()> {
    switch_during_a_slow_sync(false).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_sso_link_during_a_sync_never_mixes_accounts() -> Result<()> {
    switch_during_a_slow_sync(true).await
}

fn problem_json(status: u16, code: &str) -> String {
    serde_json::to_string(&Problem::new(status, code, "x")).unwrap_or_default()
}

const SEND: &str = "POST /api/v1/return-requests";
const JSON: &str = "Content-Type: application/problem+json";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_committed_request_answered_by_a_proxy_error_is_never_refused_nor_duplicated(
) -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 3).await?;
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let lines = eligible_lines(&device.app)?;
    let before = server_dossiers(&server.url, EMAIL).await?;
    let mut expected = before;

    // The server commits, the client gets a proxy's HTML 403, then a 408 problem: sent again
    // with the same key, the server's replay is taken.
    let html = "Content-Type: text/html";
    let answers: [(u16, &str, &str); 2] = [
        (403, html, "<html><body>Forbidden by proxy</body></html>"),
        (408, JSON, &problem_json(408, "request_timeout")),
    ];
    for (i, (status, header, body)) in answers.iter().enumerate() {
        device.add_one(&lines[i]).await?;
        proxy.answer_after_server(SEND, 1, *status, &[header], body);
        let request = device
            .app
            .send()
            .await
            .map_err(|e| anyhow!("{status}: {e}"))?;
        expected += 1;
        assert_eq!(
            server_dossiers(&server.url, EMAIL).await?,
            expected,
            "{status}"
        );
        assert!(!request.id.is_empty());
    }

    // A 429 waits its Retry-After.
    device.add_one(&lines[2]).await?;
    proxy.answer(
        SEND,
        1,
        429,
        &[JSON, "Retry-After: 1"],
        &problem_json(429, "too_many_requests"),
    );
    let started = Instant::now();
    device.app.send().await.map_err(|e| anyhow!("429: {e}"))?;
    ensure!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored"
    );
    expected += 1;

    // A 429 after every retry: the request waits, it is not refused, and goes later, once.
    device.add_one(&lines[3]).await?;
    proxy.answer(
        SEND,
        100,
        429,
        &[JSON],
        &problem_json(429, "too_many_requests"),
    );
    let waiting = device.app.send().await.expect_err("429 after the retries");
    assert_eq!(waiting.code, "send_pending", "{waiting}");
    {
        let store = device.app.store().map_err(|e| anyhow!("{e}"))?;
        let store = retour_sync::engine::lock(&store);
        assert_eq!(store.pending_submission_count()?, 1);
    }
    proxy.clear_answers();
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    expected += 1;
    assert_eq!(server_dossiers(&server.url, EMAIL).await?, expected);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_the_servers_invalid_token_ends_the_session_on_refresh() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 5).await?;
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let expired = problem_json(401, "unauthorized");
    let refresh = "POST /api/v1/auth/refresh";
    let cart = "GET /api/v1/cart";
    let failures: [(u16, &str, String); 3] = [
        (
            400,
            "Content-Type: text/html",
            "<html>Bad gateway page</html>".into(),
        ),
        (503, JSON, problem_json(503, "service_unavailable")),
        (429, JSON, problem_json(429, "too_many_requests")),
    ];
    for (status, header, body) in &failures {
        proxy.answer(cart, 1, 401, &[JSON], &expired);
        proxy.answer(refresh, 1, *status, &[header], body);
        let _ = device.app.sync_now().await;
        assert!(
            device.app.session().signed_in,
            "signed out by a refresh answered {status}"
        );
    }
    proxy.answer(cart, 1, 401, &[JSON], &expired);
    proxy.answer(
        refresh,
        1,
        401,
        &[JSON],
        &problem_json(401, "invalid_token"),
    );
    let _ = device.app.sync_now().await;
    assert!(!device.app.session().signed_in, "invalid_token signs out");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_logout_nothing_of_the_account_is_reachable_until_it_signs_in() -> Result<()> {
    let server = TestServer::start().await?;
    let mut device = Device::new(&server.url)?;
    device.login().await?;
    let lines = eligible_lines(&device.app)?;
    device.add_one(&lines[0]).await?;
    device.app.logout().await.map_err(|e| anyhow!("{e}"))?;
    let hidden = |app: &App| -> Result<()> {
        assert_eq!(app.cart().map(|_| ()).unwrap_err().code, "not_signed_in");
        assert!(app.store().is_err());
        assert_eq!(app.session().email, None);
        Ok(())
    };
    hidden(&device.app)?;
    device.restart(&server.url)?;
    hidden(&device.app)?;
    device.login().await?;
    assert_eq!(device.cart_lines()?.len(), 1, "the cart is back");
    Ok(())
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_folder_and_its_files_are_private() -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let mode = |p: &std::path::Path| -> Result<u32> {
        Ok(std::fs::metadata(p)?.permissions().mode() & 0o777)
    };
    assert_eq!(mode(device.dir())?, 0o700);
    let store = device.app.store_path(EMAIL);
    assert_eq!(mode(store.parent().unwrap_or(device.dir()))?, 0o700);
    for file in retour_tests::files_under(device.dir()) {
        assert_eq!(mode(&file)?, 0o600, "{}", file.display());
    }
    ensure!(
        !store.to_string_lossy().contains("garage"),
        "store named by a hash, not the e-mail"
    );
    Ok(())
}
