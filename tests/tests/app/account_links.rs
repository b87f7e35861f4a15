//! "Mot de passe oublié ?" and "Déverrouiller le compte ?" through the app's façade, against the
//! real server on loopback, with the links read from the real e-mails in its spool.

use anyhow::{anyhow, Context, Result};
use retour_app::LoginArgs;
use retour_tests::{Device, TestServer, EMAIL, PASSWORD};

/// The link of the newest e-mail (`…reset?token=…` or `…unlock?token=…`) and its token.
fn last_link(server: &TestServer, action: &str) -> Result<(String, String)> {
    let mail = server.last_mail()?;
    let link = mail
        .link(action)
        .with_context(|| format!("no {action} link in {:?}: {}", mail.subject, mail.text))?
        .to_owned();
    let token = link
        .split_once("token=")
        .map(|(_, t)| t.to_owned())
        .unwrap_or_default();
    Ok((link, token))
}

fn mail_count(server: &TestServer) -> usize {
    server.mail_files().map_or(0, |files| files.len())
}

async fn login(device: &Device, password: &str) -> Result<(), retour_app::AppError> {
    device
        .app
        .login(&LoginArgs {
            email: EMAIL.into(),
            password: password.into(),
            remember: false,
        })
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_with_the_emailed_link() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    let before = mail_count(&server);

    device
        .app
        .request_password_reset(&format!("  {EMAIL} "))
        .await
        .map_err(|e| anyhow!("{e}"))?;
    assert_eq!(mail_count(&server), before + 1, "one e-mail is sent");
    let (link, token) = last_link(&server, "reset")?;
    assert!(!token.is_empty());

    // A weak password is refused in French, and the link still works afterwards.
    let weak = device
        .app
        .reset_password(&token, "court")
        .await
        .unwrap_err();
    assert_eq!(weak.code, "weak_password");
    assert!(
        weak.message.contains("Mot de passe trop faible"),
        "{}",
        weak.message
    );

    // The whole link pasted in the code field works as well as the code.
    let new_password = "Nouveau-Passe-2027";
    device
        .app
        .reset_password(&link, new_password)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let reused = device
        .app
        .reset_password(&token, "Encore-Un-Autre-2028")
        .await
        .unwrap_err();
    assert_eq!(reused.code, "invalid_token", "a link works once");

    let old = login(&device, PASSWORD).await.unwrap_err();
    assert_eq!(old.code, "invalid_credentials", "{old:?}");
    login(&device, new_password)
        .await
        .map_err(|e| anyhow!("login with the new password: {e}"))?;
    assert!(device.app.session().signed_in);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_account_is_unlocked_with_the_emailed_link() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;

    // Five wrong passwords lock the account; then even the right one is refused.
    let mut last = None;
    for _ in 0..5 {
        last = login(&device, "mauvais-mot-de-passe").await.err();
    }
    assert_eq!(last.map(|e| e.code).as_deref(), Some("account_locked"));
    let locked = login(&device, PASSWORD).await.unwrap_err();
    assert_eq!(locked.code, "account_locked");
    assert!(locked.message.contains("verrouillé"), "{}", locked.message);

    device
        .app
        .request_unlock(EMAIL)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let (_, token) = last_link(&server, "unlock")?;
    device
        .app
        .unlock_account(&token)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    login(&device, PASSWORD)
        .await
        .map_err(|e| anyhow!("login after unlocking: {e}"))?;
    assert!(device.app.session().signed_in);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_and_empty_fields_get_french_messages() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;

    let wrong = device
        .app
        .reset_password("pas-un-vrai-code", "Nouveau-Passe-2027")
        .await
        .unwrap_err();
    assert_eq!(wrong.code, "invalid_token");
    assert_eq!(
        wrong.message,
        "Ce code n'est plus valable (expiré ou déjà utilisé) : demandez un nouveau lien."
    );
    let wrong = device
        .app
        .unlock_account("retour://unlock?token=faux")
        .await
        .unwrap_err();
    assert_eq!(wrong.code, "invalid_token");
    assert!(wrong.message.contains("demandez un nouveau lien"));

    assert_eq!(
        device
            .app
            .request_password_reset(" ")
            .await
            .unwrap_err()
            .code,
        "email_required"
    );
    assert_eq!(
        device.app.unlock_account("").await.unwrap_err().code,
        "token_required"
    );
    // No account enumeration: an unknown address is answered like a known one, and no e-mail
    // goes out.
    let before = mail_count(&server);
    device
        .app
        .request_unlock("personne@inconnu.fr")
        .await
        .map_err(|e| anyhow!("{e}"))?;
    assert_eq!(mail_count(&server), before);

    // Unreachable server: the usual French message.
    let offline = Device::new("http://127.0.0.1:9")?;
    let error = offline.app.request_password_reset(EMAIL).await.unwrap_err();
    assert_eq!(error.code, "unreachable");
    Ok(())
}
