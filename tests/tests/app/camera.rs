//! The façade's camera: a picture of a BL's barcode filmed in place of a camera (what
//! `RETOUR_CAMERA_IMAGE` does in the app) gives previews and the BL read; without a camera,
//! a French error with a stable code, never a panic.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use retour_app::{App, Config, ScanRead};
use retour_domain::ScannedCode;
use retour_tests::{code128_png, fast_tempdir};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn a_filmed_picture_of_a_bl_gives_previews_and_the_bl() -> Result<()> {
    let dir = fast_tempdir()?;
    let picture = dir.path().join("bl.png");
    std::fs::write(&picture, code128_png("00250001106")?)?;
    let mut config = Config::new("http://127.0.0.1:9", dir.path().join("data"));
    config.camera_image = Some(picture);
    let app = App::open(config).map_err(|e| anyhow!("{e}"))?;

    let cameras = app.cameras().map_err(|e| anyhow!("{e}"))?;
    assert_eq!(cameras.len(), 1);
    assert_eq!(cameras[0].id, "image");
    assert!(cameras[0].name.contains("bl.png"), "{}", cameras[0].name);

    let (frames_tx, frames) = mpsc::channel::<Vec<u8>>();
    let (reads_tx, reads) = mpsc::channel::<ScanRead>();
    app.camera_start(
        None,
        move |jpeg| {
            let _ = frames_tx.send(jpeg);
        },
        move |read| {
            let _ = reads_tx.send(read);
        },
        |_| {},
    )
    .map_err(|e| anyhow!("{e}"))?;
    assert!(app.camera_running());

    let preview = frames.recv_timeout(WAIT).context("a preview")?;
    assert!(preview.starts_with(&[0xff, 0xd8]), "a JPEG");
    let read = reads.recv_timeout(WAIT).context("the BL read")?;
    match &read.classification {
        Some(ScannedCode::DeliveryNote(number)) => assert_eq!(number.as_str(), "250001106"),
        other => panic!("not a BL: {other:?} ({read:?})"),
    }

    // One camera at a time: starting again replaces the running one.
    app.camera_start(Some("image"), |_| {}, |_| {}, |_| {})
        .map_err(|e| anyhow!("{e}"))?;
    // The first camera's thread is over: its callback is dropped, its channel disconnects.
    loop {
        match frames.recv_timeout(WAIT) {
            Ok(_) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the first camera still films"),
        }
    }
    app.camera_stop().map_err(|e| anyhow!("{e}"))?;
    assert!(!app.camera_running());
    // Stopping twice is harmless.
    app.camera_stop().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}

#[test]
fn without_a_camera_the_answer_is_a_french_error() -> Result<()> {
    let dir = fast_tempdir()?;
    let app =
        App::open(Config::new("http://127.0.0.1:9", dir.path())).map_err(|e| anyhow!("{e}"))?;
    let error = app
        .camera_start(Some("0"), |_| {}, |_| {}, |_| {})
        .expect_err("no camera on this machine");
    assert!(
        [
            "no_camera",
            "camera_unavailable",
            "camera_permission_denied"
        ]
        .contains(&error.code.as_str()),
        "{error:?}"
    );
    assert!(
        error.message.to_lowercase().contains("caméra"),
        "{}",
        error.message
    );
    assert!(!app.camera_running());
    let unknown = app
        .camera_start(Some("la caméra du fond"), |_| {}, |_| {}, |_| {})
        .unwrap_err();
    assert_eq!(unknown.code, "no_camera");

    let mut config = Config::new("http://127.0.0.1:9", dir.path());
    config.camera_image = Some(dir.path().join("absente.png"));
    let app = App::open(config).map_err(|e| anyhow!("{e}"))?;
    let error = app.camera_start(None, |_| {}, |_| {}, |_| {}).unwrap_err();
    assert_eq!(error.code, "camera_image_unreadable");
    assert!(error.message.contains("caméra"), "{}", error.message);
    Ok(())
}

#[test]
fn image_bytes_are_scanned_without_a_file() -> Result<()> {
    let reads = retour_app::scan_bytes(&code128_png("00250001106")?).map_err(|e| anyhow!("{e}"))?;
    assert!(
        reads.iter().any(|r| matches!(&r.classification,
            Some(ScannedCode::DeliveryNote(n)) if n.as_str() == "250001106")),
        "{reads:?}"
    );
    let error = retour_app::scan_bytes(b"pas une image").unwrap_err();
    assert_eq!(error.code, "scan_failed");
    assert!(
        error.message.contains("image illisible"),
        "{}",
        error.message
    );
    Ok(())
}

/// The WebView camera's frames (luma from the page) go through the native camera's live rules:
/// the BL is reported once, not again while it stays in view (cooldown); `camera_stop` ends the
/// session, so the next frame reports it again; a frame of the wrong size is a French error.
#[test]
fn webview_frames_give_the_bl_once_per_cooldown() -> Result<()> {
    let dir = fast_tempdir()?;
    let app = App::open(Config::new("http://127.0.0.1:9", dir.path().join("data")))
        .map_err(|e| anyhow!("{e}"))?;
    let picture = image::load_from_memory(&code128_png("00250001106")?)?.to_luma8();
    let (width, height) = picture.dimensions();
    let frame = || app.camera_scan_frame(width, height, picture.as_raw().clone());

    let mut reads = Vec::new();
    for _ in 0..4 {
        reads.extend(frame().map_err(|e| anyhow!("{e}"))?);
    }
    assert_eq!(reads.len(), 1, "once while in view: {reads:?}");
    match &reads[0].classification {
        Some(ScannedCode::DeliveryNote(number)) => assert_eq!(number.as_str(), "250001106"),
        other => panic!("not a BL: {other:?}"),
    }

    app.camera_stop().map_err(|e| anyhow!("{e}"))?;
    let mut again = Vec::new();
    for _ in 0..2 {
        again.extend(frame().map_err(|e| anyhow!("{e}"))?);
    }
    assert_eq!(again.len(), 1, "a new session reads it again: {again:?}");

    let error = app
        .camera_scan_frame(width, height, vec![0; 10])
        .err()
        .context("a frame of the wrong size")?;
    assert_eq!(error.code, retour_app::ErrorCode::ScanFailed, "{error}");
    Ok(())
}

/// A camera that goes away while filming (here the filmed picture's file is removed, as a camera
/// is unplugged) says so once, with `camera_lost` and a French way forward, and stops: no more
/// previews, nothing running.
#[test]
fn a_camera_lost_while_filming_says_so_and_stops() -> Result<()> {
    let dir = fast_tempdir()?;
    let picture = dir.path().join("bl.png");
    std::fs::write(&picture, code128_png("00250001106")?)?;
    let mut config = Config::new("http://127.0.0.1:9", dir.path().join("data"));
    config.camera_image = Some(picture.clone());
    let app = App::open(config).map_err(|e| anyhow!("{e}"))?;

    let (frames_tx, frames) = mpsc::channel::<Vec<u8>>();
    let (lost_tx, lost) = mpsc::channel::<retour_app::AppError>();
    app.camera_start(
        None,
        move |jpeg| {
            let _ = frames_tx.send(jpeg);
        },
        |_| {},
        move |error| {
            let _ = lost_tx.send(error);
        },
    )
    .map_err(|e| anyhow!("{e}"))?;
    frames.recv_timeout(WAIT).context("a preview")?;
    assert!(lost.try_recv().is_err(), "nothing is lost while it films");

    std::fs::remove_file(&picture)?;
    let error = lost.recv_timeout(WAIT).context("the camera-lost event")?;
    assert_eq!(error.code, retour_app::ErrorCode::CameraLost);
    assert!(error.message.contains("débranchée"), "{}", error.message);
    assert!(error.message.contains("numéro du BL"), "{}", error.message);
    // The camera's thread is over: its preview callback is dropped, no frame comes any more.
    loop {
        match frames.recv_timeout(WAIT) {
            Ok(_) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => panic!("the lost camera still films"),
        }
    }
    // The thread drops its callbacks just before it clears its running flag: wait for the flag.
    let deadline = std::time::Instant::now() + WAIT;
    while app.camera_running() {
        assert!(
            std::time::Instant::now() < deadline,
            "the lost camera's thread is over"
        );
        std::thread::yield_now();
    }
    assert!(lost.try_recv().is_err(), "said once");
    app.camera_stop().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
