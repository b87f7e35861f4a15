//! Notifications through the façade (issue 13, item 4), against the real server on loopback:
//! the sync pulls them after its other work, keeps them and their unread count on the device,
//! announces the ones new and unread (what the shell turns into OS notifications), marks them
//! read here at once and on the server at the next sync; the e-mail preferences and the
//! pré-accord address, checked in French before they leave.

use anyhow::{anyhow, ensure, Result};
use retour_app::api::{DossierStatus, EmailPreferences, NotificationKind, StaffEvent};
use retour_app::{ErrorCode, PreferencesArgs};
use retour_server::demo::DEMO_UNREAD;
use retour_tests::{eligible_lines, Device, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_pulls_announces_and_marks_notifications_read() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    // Subscribed before the login, whose sync brings the first ones.
    let mut feed = device.app.subscribe_notifications();
    device.login().await?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    let demo = device.app.notifications().map_err(|e| anyhow!("{e}"))?;
    ensure!(demo.unread == DEMO_UNREAD as u64, "{demo:?}");
    ensure!(demo.items.len() > DEMO_UNREAD, "{}", demo.items.len());
    ensure!(
        demo.items.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );
    ensure!(device.app.sync_state().unread_notifications == DEMO_UNREAD as u64);
    // The first sync announces the unread ones it brought, oldest first.
    let mut announced = Vec::new();
    while let Some(n) = feed.try_next() {
        announced.push(n.seq);
    }
    let mut unread: Vec<u64> = demo
        .items
        .iter()
        .filter(|n| !n.read)
        .map(|n| n.seq)
        .collect();
    unread.reverse();
    ensure!(announced == unread, "{announced:?} vs {unread:?}");

    // A file sent from the app moves on and gets a reply; the next sync brings both.
    let line = eligible_lines(&device.app)?.remove(0);
    device.add_one(&line).await?;
    let request = device.app.send().await.map_err(|e| anyhow!("{e}"))?;
    let number = request.dossiers[0].number.clone();
    let state = server.state().clone();
    let n = number.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let event = StaffEvent {
            status: DossierStatus::Received,
            outcome: None,
            credited_ht: None,
            credit_note_number: None,
            lines: None,
        };
        retour_server::staff_advance(state.db(), &n, &event, state.now())
            .map_err(|e| anyhow!("{e:?}"))?;
        retour_server::staff_reply(state.db(), &n, "Pièces bien reçues, merci.", state.now())
            .map_err(|e| anyhow!("{e:?}"))?;
        Ok(())
    })
    .await??;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    let view = device.app.notifications().map_err(|e| anyhow!("{e}"))?;
    ensure!(view.unread == DEMO_UNREAD as u64 + 2, "{}", view.unread);
    let kinds: Vec<(NotificationKind, Option<&str>)> = view.items[..2]
        .iter()
        .map(|n| (n.kind, n.dossier.as_deref()))
        .collect();
    ensure!(
        kinds
            == [
                (NotificationKind::Message, Some(number.as_str())),
                (NotificationKind::Status, Some(number.as_str()))
            ],
        "{kinds:?}"
    );
    ensure!(
        view.items[0].body == "Service retours : « Pièces bien reçues, merci. »",
        "{}",
        view.items[0].body
    );
    let fresh: Vec<String> = std::iter::from_fn(|| feed.try_next())
        .map(|n| n.title)
        .collect();
    ensure!(
        fresh
            == [
                format!("Dossier {number} : Prise en charge sur site"),
                format!("Dossier {number} : réponse du service retours")
            ],
        "{fresh:?}"
    );
    // Nothing new: nothing announced again.
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    ensure!(feed.try_next().is_none());

    // Read up to the status one, inclusive: here at once, on the server at the next sync, which
    // another device of the account then sees.
    let status_seq = view.items[1].seq;
    let after = device
        .app
        .mark_notifications_read(status_seq)
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(after.unread == 1, "{}", after.unread);
    ensure!(after.items[0].seq > status_seq && !after.items[0].read);
    ensure!(after.items[1..].iter().all(|n| n.read));
    ensure!(device.app.sync_state().unread_notifications == 1);
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    ensure!(
        device
            .app
            .notifications()
            .map_err(|e| anyhow!("{e}"))?
            .unread
            == 1
    );
    let other = Device::new(&server.url)?;
    other.login().await?;
    other.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    let theirs = other.app.notifications().map_err(|e| anyhow!("{e}"))?;
    ensure!(theirs.unread == 1, "{}", theirs.unread);
    ensure!(theirs.items[0].seq == view.items[0].seq && !theirs.items[0].read);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_are_checked_in_french_then_saved_on_the_server() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let first = device.app.preferences().await.map_err(|e| anyhow!("{e}"))?;
    ensure!(first.emails == EmailPreferences::default() && first.preaccord_email.is_none());
    let off = EmailPreferences {
        credits: false,
        ..EmailPreferences::default()
    };
    let refused = device
        .app
        .save_preferences(&PreferencesArgs {
            emails: off,
            preaccord_email: Some("atelier@garage".into()),
        })
        .await
        .unwrap_err();
    ensure!(refused.code == ErrorCode::InvalidEmail, "{refused}");
    ensure!(
        refused.message.starts_with("Adresse e-mail incorrecte"),
        "{refused}"
    );
    ensure!(device.app.preferences().await.map_err(|e| anyhow!("{e}"))? == first);
    let saved = device
        .app
        .save_preferences(&PreferencesArgs {
            emails: off,
            preaccord_email: Some(" compta@garage-martin.fr ".into()),
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(saved.preaccord_email.as_deref() == Some("compta@garage-martin.fr"));
    ensure!(!saved.emails.credits && saved.emails.status);
    // Another device of the account reads the same; blank goes back to the login e-mail.
    let other = Device::new(&server.url)?;
    other.login().await?;
    ensure!(other.app.preferences().await.map_err(|e| anyhow!("{e}"))? == saved);
    let back = other
        .app
        .save_preferences(&PreferencesArgs {
            emails: off,
            preaccord_email: Some("  ".into()),
        })
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(back.preaccord_email.is_none());
    Ok(())
}
