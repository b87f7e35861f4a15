//! Refusals in the background (issue 11, item 8): a return request sent by a background sync
//! and refused by the real server, and the cart edit it rejected in the same sync, are listed
//! once with the code's French text, what to do and the BL line, until the user acknowledges
//! them — across a restart of the app, and gone for good once seen.

use std::time::Duration;

use anyhow::{anyhow, ensure, Result};
use retour_app::{CartEdit, ErrorCode, RefusalKind};
use retour_tests::{eligible_lines, Device, TestServer};

/// Makes the server refuse, in a background sync of `device`, a request and a cart edit on the
/// same line (another device returned its whole quantity first, while `device` was offline).
/// Returns the line (BL, line number).
pub(crate) async fn refuse_in_the_background(
    server: &mut TestServer,
    device: &Device,
) -> Result<(String, u32)> {
    let lines = eligible_lines(&device.app)?;
    let (bl, line_no, eligible, reason) = lines[0].clone();
    let whole = CartEdit {
        delivery_note: bl.clone(),
        line_no,
        qty: Some(eligible),
        reason: Some(reason),
    };
    let other = Device::new(&server.url)?;
    other.login().await?;
    other
        .app
        .cart_add(&whole)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    other.app.send().await.map_err(|e| anyhow!("{e}"))?;

    server.stop().await?;
    device
        .app
        .cart_add(&whole)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let waiting = device.app.send().await.unwrap_err();
    ensure!(waiting.code == ErrorCode::SendPending, "{waiting}");
    server.restart().await?;

    let mut state = device.app.subscribe();
    let task = device.app.spawn_background_sync();
    let synced = tokio::time::timeout(
        Duration::from_secs(60),
        state.wait_for(|s| !s.syncing && s.pending_sends == 0 && s.pending_ops == 0),
    )
    .await;
    task.abort();
    synced??;
    Ok((bl, line_no))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_refusal_is_listed_until_seen_even_after_a_restart() -> Result<()> {
    let mut server = TestServer::start().await?;
    let mut device = Device::new(&server.url)?;
    device.login().await?;
    let (bl, line_no) = refuse_in_the_background(&mut server, &device).await?;

    let unseen = device.app.unseen_refusals().map_err(|e| anyhow!("{e}"))?;
    let kinds: Vec<RefusalKind> = unseen.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [RefusalKind::Send, RefusalKind::CartEdit]);
    for refusal in &unseen {
        assert_eq!(refusal.code, ErrorCode::QuantityExceeded);
        assert_eq!(refusal.message, ErrorCode::QuantityExceeded.french());
        assert!(!refusal.advice.is_empty());
        assert_eq!(refusal.lines.len(), 1);
        assert_eq!(
            (
                refusal.lines[0].delivery_note.as_str(),
                refusal.lines[0].line_no
            ),
            (bl.as_str(), line_no)
        );
    }

    // Listed once: another sync adds nothing; a restart of the app keeps them.
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    assert_eq!(
        device.app.unseen_refusals().map_err(|e| anyhow!("{e}"))?,
        unseen
    );
    device.restart(&server.url)?;
    assert_eq!(
        device.app.unseen_refusals().map_err(|e| anyhow!("{e}"))?,
        unseen
    );

    // Seen: gone, also after a restart; acknowledging again changes nothing.
    let ids: Vec<String> = unseen.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        device
            .app
            .acknowledge_refusals(&ids)
            .map_err(|e| anyhow!("{e}"))?,
        2
    );
    assert!(device
        .app
        .unseen_refusals()
        .map_err(|e| anyhow!("{e}"))?
        .is_empty());
    device.restart(&server.url)?;
    assert!(device
        .app
        .unseen_refusals()
        .map_err(|e| anyhow!("{e}"))?
        .is_empty());
    assert_eq!(
        device
            .app
            .acknowledge_refusals(&ids)
            .map_err(|e| anyhow!("{e}"))?,
        0
    );
    Ok(())
}
