//! The app's demo mode: the embedded reference backend starts in-process with demo data in the
//! data folder, always open, and the app signs in with the demo account.

use anyhow::{anyhow, Result};
use retour_app::demo::{start_demo_backend, DEMO_EMAIL, DEMO_PASSWORD};
use retour_app::LoginArgs;
use retour_sync::TokenStore;
use retour_tests::{fast_tempdir, open_app};

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
