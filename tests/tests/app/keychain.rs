//! The session in a real OS keychain (Secret Service on Linux). `cargo xtask test` runs the tests
//! inside a D-Bus session with an unlocked gnome-keyring and sets `RETOUR_TEST_KEYRING=1`; then
//! this test must pass — a keychain that does not work is a failure, not a skip. Without the
//! variable (a plain `cargo test` on a developer's machine) it says it did not run.

use anyhow::{anyhow, ensure, Result};
use retour_app::{App, Config, LoginArgs};
use retour_sync::session::SavedTokens;
use retour_sync::TokenStore;
use retour_tests::{fast_tempdir, TestServer, EMAIL, PASSWORD, TEST_BACKOFF};

fn keyring_required() -> bool {
    std::env::var("RETOUR_TEST_KEYRING").is_ok_and(|v| v == "1")
}

fn keychain_app(url: &str, dir: &std::path::Path) -> Result<App> {
    let mut config = Config::new(url, dir);
    config.backoff = TEST_BACKOFF;
    App::open(config).map_err(|e| anyhow!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_lives_in_the_os_keychain_only() -> Result<()> {
    if !keyring_required() {
        println!("keychain test not run: set RETOUR_TEST_KEYRING=1 (cargo xtask test does)");
        return Ok(());
    }
    let keychain = TokenStore::keychain();
    keychain
        .check()
        .map_err(|e| anyhow!("RETOUR_TEST_KEYRING=1 but the keychain does not work: {e}"))?;

    // Round trip of one entry.
    let server = format!("http://keychain-test-{}", uuid::Uuid::new_v4());
    let tokens = SavedTokens {
        access_token: "access-canary".into(),
        access_expires_at: chrono::Utc::now(),
        refresh_token: "refresh-canary".into(),
    };
    keychain
        .save(&server, "a@b.fr", &tokens)
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(
        keychain
            .load(&server, "a@b.fr")
            .map_err(|e| anyhow!("{e}"))?
            == Some(tokens)
    );
    ensure!(keychain
        .load(&server, "other@b.fr")
        .map_err(|e| anyhow!("{e}"))?
        .is_none());
    keychain
        .delete(&server, "a@b.fr")
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(keychain
        .load(&server, "a@b.fr")
        .map_err(|e| anyhow!("{e}"))?
        .is_none());

    // "Se souvenir de moi": the session survives a restart of the app.
    let backend = TestServer::start().await?;
    let dir = fast_tempdir()?;
    let app = keychain_app(&backend.url, dir.path())?;
    let view = app
        .login(&LoginArgs {
            email: EMAIL.into(),
            password: PASSWORD.into(),
            remember: true,
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(view.remembered && view.warning.is_none(), "{view:?}");
    drop(app);
    let app = keychain_app(&backend.url, dir.path())?;
    ensure!(
        app.session().signed_in,
        "session restored from the keychain"
    );
    app.dossiers(&Default::default())
        .await
        .map_err(|e| anyhow!("{e}"))?;

    // Logout forgets it; without "remember me" nothing is kept.
    app.logout().await.map_err(|e| anyhow!("{e}"))?;
    ensure!(keychain
        .load(&backend.url, EMAIL)
        .map_err(|e| anyhow!("{e}"))?
        .is_none());
    app.login(&LoginArgs {
        email: EMAIL.into(),
        password: PASSWORD.into(),
        remember: false,
    })
    .await
    .map_err(|e| anyhow!("{e}"))?;
    ensure!(keychain
        .load(&backend.url, EMAIL)
        .map_err(|e| anyhow!("{e}"))?
        .is_none());
    drop(app);
    let app = keychain_app(&backend.url, dir.path())?;
    ensure!(
        !app.session().signed_in,
        "no session kept without remember me"
    );
    Ok(())
}
