//! The cart across devices and outages, against the real server on loopback: offline edits then
//! sync; two partitioned devices editing the same and different lines; a concurrent edit that
//! beats a remove that did not see it; a send refused with the cart unchanged.

use anyhow::{anyhow, Result};
use retour_app::{CartEdit, CartLineRef};
use retour_tests::proxy::FaultProxy;
use retour_tests::{eligible_lines, server_cart, tuples, Device, TestServer};

fn edit(line: &(String, u32, u32, String), qty: Option<u32>, reason: bool) -> CartEdit {
    CartEdit {
        delivery_note: line.0.clone(),
        line_no: line.1,
        qty,
        reason: reason.then(|| line.3.clone()),
    }
}

fn app_err(e: retour_app::AppError) -> anyhow::Error {
    anyhow!("{}: {}", e.code, e.message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_then_sync_give_the_server_the_local_cart() -> Result<()> {
    let mut server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let lines = eligible_lines(&device.app)?;
    assert!(lines.len() >= 4, "the demo has eligible lines");

    server.stop().await?;
    let app = &device.app;
    app.cart_add(&edit(&lines[0], Some(1), true))
        .await
        .map_err(app_err)?;
    app.cart_add(&edit(&lines[1], None, false))
        .await
        .map_err(app_err)?;
    app.cart_add(&edit(&lines[2], Some(1), true))
        .await
        .map_err(app_err)?;
    app.cart_set(&edit(&lines[1], None, true))
        .map_err(app_err)?;
    app.cart_remove(&CartLineRef {
        delivery_note: lines[2].0.clone(),
        line_no: lines[2].1,
    })
    .map_err(app_err)?;
    // Refused locally, offline too: above the eligible quantity, a reason the line lacks.
    let too_many = app.cart_set(&edit(&lines[0], Some(lines[0].2 + 1), false));
    assert_eq!(too_many.unwrap_err().code, "quantity_exceeded");
    let bad_reason = app.cart_set(&CartEdit {
        reason: Some("no_such_reason".into()),
        ..edit(&lines[0], None, false)
    });
    assert_eq!(bad_reason.unwrap_err().code, "reason_not_allowed");

    let saved = app.save().await.map_err(app_err)?;
    assert!(!saved.synced, "{}", saved.message);
    assert_eq!(app.sync_state().pending_ops, 5);
    let sync = app.sync_now().await;
    assert!(sync.unwrap_err().is_unreachable());
    let local_before = device.cart_lines()?;
    assert_eq!(local_before.len(), 2);

    server.restart().await?;
    let state = app.sync_now().await.map_err(app_err)?;
    assert_eq!(state.pending_ops, 0);
    assert_eq!(state.online, Some(true));
    let remote = server_cart(&server.url).await?;
    assert_eq!(tuples(&remote), device.cart_lines()?);
    assert_eq!(device.cart_lines()?, local_before);
    // The estimates the device computes are the server's.
    let local = app.cart_api().map_err(app_err)?;
    assert_eq!(local.estimated_total_ht, remote.estimated_total_ht);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_devices_converge_and_an_unseen_edit_beats_a_remove() -> Result<()> {
    let server = TestServer::start().await?;
    let link_a = FaultProxy::start(server.addr, 1).await?;
    let link_b = FaultProxy::start(server.addr, 2).await?;
    let a = Device::new(&link_a.url)?;
    let b = Device::new(&link_b.url)?;
    a.login().await?;
    b.login().await?;
    let lines = eligible_lines(&a.app)?;
    let (shared, only_a, only_b, contested) = (&lines[0], &lines[1], &lines[2], &lines[3]);

    // Both devices know the contested line.
    a.app
        .cart_add(&edit(contested, Some(1), true))
        .await
        .map_err(app_err)?;
    a.app.sync_now().await.map_err(app_err)?;
    b.app.sync_now().await.map_err(app_err)?;
    assert_eq!(a.cart_lines()?, b.cart_lines()?);

    link_a.set_down(true);
    link_b.set_down(true);
    // Same line on both devices, different lines on each, and on the contested line: A removes
    // it while B, who never saw that remove, edits it.
    a.app
        .cart_add(&edit(shared, Some(1), false))
        .await
        .map_err(app_err)?;
    b.app
        .cart_add(&edit(shared, None, true))
        .await
        .map_err(app_err)?;
    a.app
        .cart_add(&edit(only_a, Some(1), true))
        .await
        .map_err(app_err)?;
    b.app
        .cart_add(&edit(only_b, None, true))
        .await
        .map_err(app_err)?;
    a.app
        .cart_remove(&CartLineRef {
            delivery_note: contested.0.clone(),
            line_no: contested.1,
        })
        .map_err(app_err)?;
    b.app
        .cart_set(&edit(contested, Some(1), false))
        .map_err(app_err)?;
    assert!(a.app.sync_now().await.unwrap_err().is_unreachable());
    assert!(b.app.sync_now().await.unwrap_err().is_unreachable());

    link_a.set_down(false);
    link_b.set_down(false);
    a.app.sync_now().await.map_err(app_err)?;
    b.app.sync_now().await.map_err(app_err)?;
    a.app.sync_now().await.map_err(app_err)?;
    let remote = tuples(&server_cart(&server.url).await?);
    assert_eq!(a.cart_lines()?, remote);
    assert_eq!(b.cart_lines()?, remote);
    let keys: Vec<_> = remote.iter().map(|l| (l.0.clone(), l.1)).collect();
    for line in [shared, only_a, only_b, contested] {
        assert!(
            keys.contains(&(line.0.clone(), line.1)),
            "{line:?} lost: {remote:?}"
        );
    }
    let shared_line = remote
        .iter()
        .find(|l| l.0 == shared.0 && l.1 == shared.1)
        .unwrap();
    assert_eq!(
        shared_line.3.as_deref(),
        Some(shared.3.as_str()),
        "B's reason kept"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_then_track_and_a_refusal_leaves_the_cart_unchanged() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let lines = eligible_lines(&device.app)?;
    let app = &device.app;

    // A line without a reason cannot be sent.
    app.cart_add(&edit(&lines[0], Some(1), false))
        .await
        .map_err(app_err)?;
    assert_eq!(app.send().await.unwrap_err().code, "reason_required");
    app.cart_set(&edit(&lines[0], None, true))
        .map_err(app_err)?;
    let request = app.send().await.map_err(app_err)?;
    assert_eq!(request.dossiers.len(), 1);
    assert!(
        app.cart().map_err(app_err)?.lines.is_empty(),
        "sent lines leave the cart"
    );
    assert_eq!(
        tuples(&server_cart(&server.url).await?),
        device.cart_lines()?
    );
    let pdf = app.preaccord_pdf(&request.id).await.map_err(app_err)?;
    assert!(std::fs::read(&pdf)?.starts_with(b"%PDF"));
    let number = &request.dossiers[0].number;
    let dossier = app.dossier(number).await.map_err(app_err)?;
    assert!(dossier.dossier.history.is_some());
    let open = app
        .dossiers(&retour_app::DossiersArgs {
            state: Some("open".into()),
            ..Default::default()
        })
        .await
        .map_err(app_err)?;
    assert!(open.list.items.iter().any(|d| &d.number == number));

    // Another device sends the whole eligible quantity of a line first; this device's request
    // for it is refused with the server's French message, and its cart stays as it was.
    let other = Device::new(&server.url)?;
    other.login().await?;
    let target = &lines[1];
    app.cart_add(&edit(target, Some(target.2), true))
        .await
        .map_err(app_err)?;
    assert!(app.save().await.map_err(app_err)?.synced);
    let before = device.cart_lines()?;
    other.app.sync_now().await.map_err(app_err)?;
    other.app.send().await.map_err(app_err)?;
    // The first device has not synced since: its cached eligibility is stale.
    let refused = app.send().await.unwrap_err();
    assert_eq!(refused.code, "quantity_exceeded", "{}", refused.message);
    assert!(!refused.message.is_empty());
    assert_eq!(device.cart_lines()?, before);
    assert_eq!(app.sync_state().pending_sends, 0, "a refusal is definitive");
    assert!(
        app.unseen_refusals().map_err(app_err)?.is_empty(),
        "a refusal shown at once is not announced again"
    );
    Ok(())
}
