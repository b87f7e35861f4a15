//! A server restored from a backup, against the real server on loopback: its cart log is behind
//! the devices' cursors, so they push again what it lost and read its log again from the start
//! (the log's epoch changed); no op is lost and every device shows the server's cart.

use anyhow::{anyhow, Result};
use retour_tests::{eligible_lines, fast_tempdir, server_cart, tuples, Device, TestServer};

async fn sync(device: &Device) -> Result<()> {
    let state = device
        .app
        .sync_now()
        .await
        .map_err(|e| anyhow!("sync: {}: {}", e.code, e.message))?;
    assert_eq!(state.pending_ops, 0, "every op acknowledged");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_give_a_restored_server_back_the_ops_it_lost() -> Result<()> {
    let server = TestServer::start().await?;
    let a = Device::new(&server.url)?;
    let b = Device::new(&server.url)?;
    a.login().await?;
    b.login().await?;
    let lines = eligible_lines(&a.app)?;
    assert!(lines.len() >= 4, "the demo has eligible lines");
    a.add_one(&lines[0]).await?;
    sync(&a).await?;
    sync(&b).await?;
    let backup_dir = fast_tempdir()?;
    let backup = backup_dir.path().join("backup.sqlite");
    server.backup(&backup)?;

    // After the backup, one line on each device, accepted and pulled by the other.
    a.add_one(&lines[1]).await?;
    sync(&a).await?;
    b.add_one(&lines[2]).await?;
    sync(&b).await?;
    sync(&a).await?;
    let before = a.cart_lines()?;
    assert_eq!(before.len(), 3);
    assert_eq!(b.cart_lines()?, before);

    let server = server.restore(&backup).await?;
    assert_eq!(
        server_cart(&server.url).await?.lines.len(),
        1,
        "the restored server lost the two lines added after the backup"
    );
    // B edits first: on the restored log its op takes a sequence A's cursor has already passed.
    b.add_one(&lines[3]).await?;
    sync(&b).await?;
    sync(&a).await?;
    sync(&b).await?;

    let remote = tuples(&server_cart(&server.url).await?);
    assert_eq!(remote.len(), 4, "no op lost: {remote:?}");
    assert_eq!(a.cart_lines()?, remote);
    assert_eq!(b.cart_lines()?, remote);
    Ok(())
}
