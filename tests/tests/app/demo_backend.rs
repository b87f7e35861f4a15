//! The app's demo mode: the embedded reference backend starts in-process with demo data in the
//! data folder, always open, and the app signs in with the demo account; a second run on a new
//! port finds the first run's session and cart.

use anyhow::{anyhow, ensure, Context, Result};
use retour_app::demo::{start_demo_backend, DEMO_EMAIL, DEMO_PASSWORD};
use retour_app::{App, CartEdit, LoginArgs, TokenStoreChoice};
use retour_sync::TokenStore;
use retour_tests::{eligible_lines, fast_tempdir, open_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_backend_serves_the_demo_account() -> Result<()> {
    let dir = fast_tempdir()?;
    let backend = start_demo_backend(dir.path())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    assert!(backend.url().starts_with("http://127.0.0.1:"));
    let app = open_app(
        backend.url(),
        dir.path(),
        &TokenStore::in_memory_for_tests(),
    )?;
    app.login(&LoginArgs {
        email: DEMO_EMAIL.into(),
        password: DEMO_PASSWORD.into(),
        remember: false,
    })
    .await
    .map_err(|e| anyhow!("{e}"))?;
    assert!(app.service().await.map_err(|e| anyhow!("{e}"))?.info.open);
    let notes = app.delivery_notes(7).await.map_err(|e| anyhow!("{e}"))?;
    assert!(!notes.items.is_empty());
    assert!(dir.path().join("demo-backend").is_dir());
    Ok(())
}

/// The demo backend starts on a new port at each run; the app's second run still finds the
/// first run's account, session and cart (its stores are named after the demo server, not
/// its address).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_demo_run_finds_the_first_runs_cart() -> Result<()> {
    let dir = fast_tempdir()?;
    let tokens = TokenStore::in_memory_for_tests();
    let open = |backend: &retour_app::demo::DemoBackend| {
        let mut config = backend.config(dir.path());
        config.tokens = TokenStoreChoice::InMemoryForTests(tokens.clone());
        App::open(config).map_err(|e| anyhow!("{e}"))
    };
    let first_url;
    {
        let backend = start_demo_backend(dir.path())
            .await
            .map_err(|e| anyhow!("{e}"))?;
        first_url = backend.url().to_owned();
        let app = open(&backend)?;
        app.login(&LoginArgs {
            email: DEMO_EMAIL.into(),
            password: DEMO_PASSWORD.into(),
            remember: true,
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
        let line = eligible_lines(&app)?
            .first()
            .context("an eligible line")?
            .clone();
        app.cart_add(&CartEdit {
            delivery_note: line.0,
            line_no: line.1,
            qty: Some(1),
            reason: Some(line.3),
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
        ensure!(app.cart().map_err(|e| anyhow!("{e}"))?.count == 1);
    }
    // The first run's backend is gone; the second holds its port until the end, so that the
    // next one cannot take it again.
    let _holder = std::net::TcpListener::bind(first_url.trim_start_matches("http://"));
    let backend = start_demo_backend(dir.path())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(backend.url() != first_url, "the same port twice");
    let app = open(&backend)?;
    let session = app.session();
    ensure!(
        session.email.as_deref() == Some(DEMO_EMAIL) && session.signed_in,
        "the second run is signed out: {session:?}"
    );
    ensure!(
        app.cart().map_err(|e| anyhow!("{e}"))?.count == 1,
        "the second run does not show the first run's cart"
    );
    app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
