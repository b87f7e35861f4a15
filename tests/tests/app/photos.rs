//! Photos on cart lines (issue 13, item 3), through the façade against the real server: a phone
//! photo carrying its GPS position is stripped on the device (the stored file read back) and again
//! by the server (the served bytes read back), goes with the request and shows on its file; a
//! reason that requires a photo blocks sending in French; a photo added offline survives kill -9
//! of the process that added it, and is uploaded exactly once.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, ensure, Context, Result};
use rand::{Rng, SeedableRng};
use retour_app::{App, CartEdit, ErrorCode};
use retour_domain::api;
use retour_store::Store;
use retour_sync::{ApiClient, Timeouts};
use retour_tests::proxy::FaultProxy;
use retour_tests::{
    eligible_lines, jpeg_has_metadata, jpeg_markers, jpeg_with_gps, open_app, Device, TestServer,
    EMAIL, PASSWORD,
};

/// Puts one unit of an eligible line in the cart with the reason `defective`; its (BL, line).
async fn defective_line(app: &App) -> Result<(String, u32)> {
    let (bl, line_no, _, _) = eligible_lines(app)?
        .into_iter()
        .next()
        .context("an eligible line")?;
    app.cart_add(&CartEdit {
        delivery_note: bl.clone(),
        line_no,
        qty: Some(1),
        reason: Some("defective".into()),
    })
    .await
    .map_err(|e| anyhow!("cart: {e}"))?;
    Ok((bl, line_no))
}

/// The photo ids of a cart line.
fn line_photos(app: &App, bl: &str, line_no: u32) -> Result<Vec<String>> {
    let cart = app.cart().map_err(|e| anyhow!("{e}"))?;
    let line = cart
        .lines
        .iter()
        .find(|l| l.line.delivery_note == bl && l.line.line_no == line_no)
        .context("the line")?;
    Ok(line.line.photos.clone())
}

/// A photo as the server serves it to the demo customer.
async fn served_photo(url: &str, id: &str) -> Result<Vec<u8>> {
    let client = ApiClient::new(url, Timeouts::default())?;
    let session = client
        .login(&api::LoginRequest {
            email: EMAIL.into(),
            password: PASSWORD.into(),
            device_name: Some("test-observer".into()),
        })
        .await?;
    Ok(client.photo(&session.access_token, id).await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_with_gps_leaves_neither_the_device_nor_the_server_with_it() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;
    let (bl, line_no) = defective_line(app).await?;

    let original = jpeg_with_gps(3000, 2000, 40);
    ensure!(jpeg_has_metadata(&original), "the test photo carries GPS");
    let view = app
        .add_line_photo(&bl, line_no, &original)
        .map_err(|e| anyhow!("{e}"))?;
    let line = view
        .lines
        .iter()
        .find(|l| l.line.delivery_note == bl && l.line.line_no == line_no)
        .context("the line")?;
    ensure!(line.line.photos.len() == 1, "{:?}", line.line.photos);
    ensure!(
        line.photo_rule == retour_domain::photo::PhotoRule::Optional,
        "defective asks for a photo"
    );
    let id = line.line.photos[0].clone();

    // The device's copy: named by its hash, no metadata, at most 2048 px.
    let path =
        retour_sync::engine::lock(&*app.store().map_err(|e| anyhow!("{e}"))?).photo_path(&id);
    let kept = std::fs::read(&path).with_context(|| format!("{}", path.display()))?;
    ensure!(retour_app::photo_id(&kept) == id, "content-addressed");
    ensure!(
        !jpeg_has_metadata(&kept),
        "the device kept metadata: {:02x?}",
        jpeg_markers(&kept)
    );
    let decoded = image::load_from_memory(&kept)?;
    ensure!((decoded.width(), decoded.height()) == (2048, 1365));

    // The same photo twice is one; another one is a second; removing it leaves the first.
    app.add_line_photo(&bl, line_no, &original)
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(line_photos(app, &bl, line_no)? == std::slice::from_ref(&id));
    let other = jpeg_with_gps(640, 480, 200);
    app.add_line_photo(&bl, line_no, &other)
        .map_err(|e| anyhow!("{e}"))?;
    let both = line_photos(app, &bl, line_no)?;
    ensure!(both.len() == 2 && both[0] == id, "{both:?}");
    app.remove_line_photo(&bl, line_no, &both[1])
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(line_photos(app, &bl, line_no)? == std::slice::from_ref(&id));
    // Not a picture: refused in French, nothing added.
    let error = app
        .add_line_photo(&bl, line_no, b"not a picture")
        .expect_err("refused");
    ensure!(error.code == ErrorCode::InvalidImage, "{error:?}");
    ensure!(
        error.message.starts_with("Image illisible"),
        "{}",
        error.message
    );
    // The thumbnail is small.
    let thumb = app.photo_thumbnail(&id).await.map_err(|e| anyhow!("{e}"))?;
    let thumb = image::load_from_memory(&thumb)?;
    ensure!(thumb.width().max(thumb.height()) <= 256);

    // Sent: uploaded first, named by the request, shown on its file.
    let request = app.send().await.map_err(|e| anyhow!("send: {e}"))?;
    let dossier = &request.dossiers[0];
    ensure!(
        dossier.lines[0].photos == [id.clone()],
        "{:?}",
        dossier.lines
    );
    let file = app
        .dossier(&dossier.number)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(file.dossier.lines[0].photos == std::slice::from_ref(&id));
    let served = served_photo(&server.url, &id).await?;
    ensure!(
        !jpeg_has_metadata(&served),
        "the server kept metadata: {:02x?}",
        jpeg_markers(&served)
    );
    ensure!(image::load_from_memory(&served)?.width() == 2048);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reason_that_requires_a_photo_blocks_sending_until_one_is_added() -> Result<()> {
    let server = TestServer::start_configured(
        |c| c.photos_required = vec!["defective".into()],
        None,
        |_| Ok(()),
    )
    .await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;
    let (bl, line_no) = defective_line(app).await?;
    let cart = app.cart().map_err(|e| anyhow!("{e}"))?;
    ensure!(!cart.can_send, "a line without its required photo");
    ensure!(cart.lines.iter().any(|l| l.photo_missing));
    let error = app.send().await.expect_err("blocked");
    ensure!(error.code == ErrorCode::PhotoRequired, "{error:?}");
    ensure!(
        error
            .message
            .starts_with("Le motif « Pièce défectueuse » demande au moins une photo"),
        "{}",
        error.message
    );
    ensure!(
        retour_tests::server_dossier_total(&server.url).await? == 0
            || app.cart().map_err(|e| anyhow!("{e}"))?.count == 1,
        "nothing sent"
    );
    app.add_line_photo(&bl, line_no, &jpeg_with_gps(400, 300, 9))
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(app.cart().map_err(|e| anyhow!("{e}"))?.can_send);
    let request = app.send().await.map_err(|e| anyhow!("send: {e}"))?;
    ensure!(request.dossiers[0].lines[0].photos.len() == 1);
    Ok(())
}

/// `retour cart photo` killed at random moments of its start and edit (`RETOUR_PHOTO_KILLS`, 20
/// by default), the network down, each run adding a photo of its own: after each kill the store
/// is whole and every photo a cart line names is recorded and on disk, whole, under its hash.
/// Back online, every photo recorded goes up exactly once, whatever the syncs, and the line's
/// leave with the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_added_offline_survives_kill_9_and_is_uploaded_exactly_once() -> Result<()> {
    const PUT: &str = "PUT /api/v1/photos/";
    let kills: u32 = std::env::var("RETOUR_PHOTO_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 13).await?;
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let (bl, line_no) = defective_line(&device.app).await?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    let store_path = device.app.store_path(EMAIL);
    let tokens = device.tokens.clone();
    // The device's folder lives as long as `device` (it is never used again: only the killed CLI
    // and the checks below open the folder).
    let data = device.dir().to_path_buf();

    proxy.set_down(true);
    let editor = |n: u32| -> Result<std::process::Child> {
        let photo = data.join(format!("phone-{n}.jpg"));
        std::fs::write(&photo, jpeg_with_gps(1600, 1200, n as u8))?;
        Command::new(env!("CARGO_BIN_EXE_retour-under-test"))
            .args(["--server", &proxy.url, "--data-dir"])
            .arg(&data)
            .args(["cart", "photo", &bl, &line_no.to_string()])
            .arg(&photo)
            .env_remove("RETOUR_SERVER")
            .env_remove("RETOUR_DATA_DIR")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the CLI")
    };
    // How long a whole run takes, start-up included: the kills are drawn over all of it.
    let timed = Instant::now();
    ensure!(editor(0)?.wait()?.success(), "the CLI failed offline");
    let life = timed.elapsed();
    println!("one `retour cart photo`: {life:?}");
    for round in 1..=kills {
        let mut child = editor(round)?;
        std::thread::sleep(Duration::from_micros(
            rng.random_range(0..life.as_micros().max(1) as u64),
        ));
        child.kill()?; // SIGKILL on Unix.
        child.wait()?;
        let full = {
            let store =
                Store::open(&store_path).with_context(|| format!("kill {round}: reopen"))?;
            ensure!(store.integrity_check()? == "ok", "kill {round}: integrity");
            ensure!(
                store.stored_cart_lines()? == store.cart_lines(),
                "kill {round}: the materialised cart differs from the op log"
            );
            let mut full = false;
            for line in store.cart_lines() {
                for id in &line.photos {
                    let bytes = std::fs::read(store.photo_path(id))
                        .with_context(|| format!("kill {round}: the file of {id}"))?;
                    ensure!(
                        retour_app::photo_id(&bytes) == *id,
                        "kill {round}: a torn photo file"
                    );
                    ensure!(store.photo(id)?.is_some(), "kill {round}: {id} unrecorded");
                }
                full |= line.photos.len() >= 4;
            }
            full
        };
        // A line takes 5 photos: make room for the next rounds (still offline).
        if full {
            let app = open_app(&proxy.url, &data, &tokens)?;
            for id in line_photos(&app, &bl, line_no)? {
                app.remove_line_photo(&bl, line_no, &id)
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }
    }
    // One more run to its end, still offline: its photo is on the line.
    ensure!(
        editor(kills + 1)?.wait()?.success(),
        "the CLI failed offline"
    );
    let last = retour_app::photo_id(
        &retour_app::strip_photo(&std::fs::read(
            data.join(format!("phone-{}.jpg", kills + 1)),
        )?)
        .map_err(|e| anyhow!("{e}"))?,
    );
    let app = open_app(&proxy.url, &data, &tokens)?;
    let on_line = line_photos(&app, &bl, line_no)?;
    ensure!(on_line.contains(&last), "{on_line:?}");
    let recorded =
        retour_sync::engine::lock(&*app.store().map_err(|e| anyhow!("{e}"))?).photos_to_upload()?;
    ensure!(recorded.contains(&last));
    ensure!(proxy.requests_to(PUT) == 0, "nothing went up while offline");

    proxy.set_down(false);
    app.sync_now().await.map_err(|e| anyhow!("sync: {e}"))?;
    app.sync_now().await.map_err(|e| anyhow!("sync: {e}"))?;
    for id in &recorded {
        let puts = proxy.requests_to(&format!("{PUT}{id} "));
        ensure!(puts == 1, "{id} uploaded {puts} times");
    }
    ensure!(proxy.requests_to(PUT) == recorded.len());
    ensure!(
        retour_sync::engine::lock(&*app.store().map_err(|e| anyhow!("{e}"))?)
            .photos_to_upload()?
            .is_empty()
    );
    let request = app.send().await.map_err(|e| anyhow!("send: {e}"))?;
    ensure!(request.dossiers[0].lines[0].photos == on_line);
    ensure!(
        proxy.requests_to(PUT) == recorded.len(),
        "sending did not upload again"
    );
    let served = served_photo(&server.url, &last).await?;
    ensure!(!jpeg_has_metadata(&served));
    Ok(())
}
