//! Warranty claims and the driver's handover (issue 15) through the façade against the real
//! server: a claim checked field by field in French as it is typed, its draft kept across a
//! restart, sent once through a proxy that loses answers and duplicates requests; the garage's
//! pickup QR code drawn as SVG and read back by our own scanner, the driver's confirmation from a
//! staff account moving every file to "Prise en charge sur site" with the driver's name; and a
//! confirmation made offline that survives kill -9 and is applied once; a claim whose fitting
//! invoice is a PDF, made offline, whose PDF reaches the server (without its metadata) before the
//! claim naming it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use retour_app::{App, DossiersArgs, ErrorCode, HandoverArgs, WarrantyDraft, WarrantyFormView};
use retour_store::Store;
use retour_tests::proxy::{FaultProxy, FaultRates};
use retour_tests::{
    eligible_lines, fast_tempdir, files_under, jpeg_with_gps, qr_path_png, Device, TestServer,
};

/// The request the faults are aimed at.
const CLAIM: &str = "POST /api/v1/warranty-claims";

fn app_err(e: retour_app::AppError) -> anyhow::Error {
    anyhow!("{}: {}", e.code, e.message)
}

/// The message of the first issue on `field`.
fn issue<'a>(view: &'a WarrantyFormView, field: &str) -> Option<&'a str> {
    view.issues
        .iter()
        .find(|i| i.field == field)
        .map(|i| i.message.as_str())
}

/// A line to claim on, its form opened, and a complete draft of it (without a photo).
async fn claim_draft(app: &App) -> Result<WarrantyDraft> {
    let (bl, line_no, _, _) = eligible_lines(app)?.into_iter().next().context("a line")?;
    let form = app.warranty_form(&bl, line_no).await.map_err(app_err)?;
    let line = form.line.context("the BL line")?;
    Ok(WarrantyDraft {
        qty: 1,
        vin: "vf3 lcyhzp js123456".into(),
        registration: "ab 123 cd".into(),
        vehicle: "Peugeot 308 1.6 HDi".into(),
        fitted_on: line.delivered_on.to_string(),
        fitted_km: "120 500".into(),
        failed_on: line.delivered_on.to_string(),
        failed_km: "121000".into(),
        symptom: "Bruit de roulement à froid, puis blocage.".into(),
        ..form.draft
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warranty_claim_is_checked_as_typed_and_its_draft_survives_a_restart() -> Result<()> {
    let server = TestServer::start().await?;
    let mut device = Device::new(&server.url)?;
    device.login().await?;
    let good = claim_draft(&device.app).await?;

    // Each field says what is wrong with it, in French.
    let typed = WarrantyDraft {
        vin: "VF3LCYHZPJS12345O".into(),
        registration: "AB-123".into(),
        fitted_km: "130000".into(),
        failed_on: String::new(),
        symptom: "bruit".into(),
        ..good.clone()
    };
    let view = device.app.save_warranty_draft(&typed).map_err(app_err)?;
    ensure!(!view.can_send);
    ensure!(
        issue(&view, "vin").is_some_and(|m| m.contains("I, O et Q")),
        "{:?}",
        view.issues
    );
    ensure!(issue(&view, "registration").is_some_and(|m| m.contains("AB-123-CD")));
    ensure!(issue(&view, "failed_on").is_some_and(|m| m.contains("date de la panne")));
    ensure!(issue(&view, "failed_km").is_some_and(|m| m.contains("inférieur")));
    ensure!(issue(&view, "symptom").is_some_and(|m| m.contains("10 caractères")));
    ensure!(issue(&view, "photos").is_some_and(|m| m.contains("photo")));
    let codes: Vec<ErrorCode> = view.issues.iter().map(|i| i.code.clone()).collect();
    ensure!(codes.contains(&ErrorCode::InvalidVin) && codes.contains(&ErrorCode::KmOrder));

    // Corrected, with a photo of the part: ready to send.
    device.app.save_warranty_draft(&good).map_err(app_err)?;
    let view = device
        .app
        .add_warranty_photo(
            &good.delivery_note,
            good.line_no,
            false,
            &jpeg_with_gps(800, 600, 10),
        )
        .map_err(app_err)?;
    ensure!(view.can_send, "{:?}", view.issues);
    // A PDF is not a photo of the part (the invoice may be one: below).
    let pdf = device
        .app
        .add_warranty_photo(&good.delivery_note, good.line_no, false, b"%PDF-1.7\n...")
        .unwrap_err();
    ensure!(pdf.code == ErrorCode::InvalidImage && pdf.message.contains("PDF"));

    // The app restarts: the draft is there as it was left.
    device.restart(&server.url)?;
    let again = device
        .app
        .warranty_form(&good.delivery_note, good.line_no)
        .await
        .map_err(app_err)?;
    ensure!(again.saved_at.is_some() && again.can_send);
    ensure!(again.draft.vin == good.vin && again.draft.photos.len() == 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scanned_part_offers_garantie_on_its_lines_and_a_scanned_label_fills_the_vin(
) -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let (bl, line_no, _, _) = eligible_lines(&device.app)?
        .into_iter()
        .next()
        .context("a line")?;
    let form = device
        .app
        .warranty_form(&bl, line_no)
        .await
        .map_err(app_err)?;
    let line = form.line.clone().context("the BL line")?;

    // The part's reference, scanned off its box: its BLs, and "Garantie" on this line.
    let found = device.app.lookup(&line.reference).await.map_err(app_err)?;
    ensure!(found.open_delivery_note.is_none());
    let offered = found
        .under_warranty
        .iter()
        .find(|m| m.number == bl && m.line_no == line_no)
        .with_context(|| format!("{bl}/{line_no} in {:?}", found.under_warranty))?;
    ensure!(offered.warranty_ends_on == line.warranty_ends_on);
    // Every line offered is one the lookup matched.
    for m in &found.under_warranty {
        ensure!(found
            .matches
            .iter()
            .any(|f| f.number == m.number && f.line_nos.contains(&m.line_no)));
    }
    // A BL number scanned opens the BL: no warranty offer there.
    let note = device.app.lookup(&bl).await.map_err(app_err)?;
    ensure!(note.open_delivery_note.as_deref() == Some(bl.as_str()));
    ensure!(note.under_warranty.is_empty());

    // The VIN label on the door pillar, Code 39 with its import marker: the field's VIN, checked
    // like a typed one.
    let vin = device
        .app
        .vin_from_scan("*I1HGCM82633A004352*")
        .map_err(app_err)?;
    ensure!(vin == "1HGCM82633A004352", "{vin}");
    let view = device
        .app
        .save_warranty_draft(&WarrantyDraft {
            vin: vin.clone(),
            ..form.draft.clone()
        })
        .map_err(app_err)?;
    ensure!(issue(&view, "vin").is_none(), "{:?}", view.issues);
    ensure!(view.warnings.iter().all(|w| w.field != "vin"));
    // The part's EAN scanned instead: not a VIN, in French; the draft keeps its VIN.
    let refused = device.app.vin_from_scan("3165143501122").unwrap_err();
    ensure!(refused.code == ErrorCode::NotAVin);
    ensure!(refused.message == "Ce code n'est pas un VIN : 3165143501122");
    let kept = device
        .app
        .warranty_form(&bl, line_no)
        .await
        .map_err(app_err)?;
    ensure!(kept.draft.vin == vin);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warranty_claim_is_sent_once_despite_lost_answers_and_shows_as_garantie() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 20_261_202).await?;
    proxy.aim_at(CLAIM);
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let app = &device.app;
    let draft = claim_draft(app).await?;
    app.save_warranty_draft(&draft).map_err(app_err)?;
    app.add_warranty_photo(
        &draft.delivery_note,
        draft.line_no,
        false,
        &jpeg_with_gps(640, 480, 90),
    )
    .map_err(app_err)?;

    // Every answer to the claim is lost, and every request reaches the server twice.
    proxy.set_rates(FaultRates {
        drop_response: 1.0,
        duplicate: 1.0,
        ..FaultRates::default()
    });
    let first = app
        .send_warranty_claim(&draft.delivery_note, draft.line_no)
        .await
        .unwrap_err();
    ensure!(
        first.is_unreachable() || first.code == ErrorCode::SendPending,
        "{first:?}"
    );
    // The claim waits on the device with its key; the draft is gone.
    ensure!(app.warranty_outbox().map_err(app_err)?.len() == 1);
    proxy.set_rates(FaultRates::default());
    let state = app.sync_now().await.map_err(app_err)?;
    ensure!(state.pending_claims == 0, "{state:?}");
    ensure!(app.warranty_outbox().map_err(app_err)?.is_empty());

    let list = app
        .dossiers(&DossiersArgs {
            kind: Some("warranty".into()),
            ..Default::default()
        })
        .await
        .map_err(app_err)?;
    let claims: Vec<_> = list
        .list
        .items
        .iter()
        .filter(|d| d.delivery_note == draft.delivery_note)
        .collect();
    ensure!(claims.len() == 1, "one file, not {}", claims.len());
    let file = app.dossier(&claims[0].number).await.map_err(app_err)?;
    let warranty = file.dossier.warranty.as_ref().context("the claim")?;
    ensure!(warranty.vin == "VF3LCYHZPJS123456");
    ensure!(warranty.registration.as_deref() == Some("AB-123-CD"));
    ensure!(file.dossier.kind == retour_app::api::DossierKind::Warranty);
    // Only warranty files under that kind.
    ensure!(list
        .list
        .items
        .iter()
        .all(|d| d.kind == retour_app::api::DossierKind::Warranty));
    if proxy.requests_to(CLAIM) < 2 {
        bail!("the claim was sent once only: the faults did not run");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_with_a_pdf_invoice_made_offline_is_sent_once_with_its_pdf() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 20_261_203).await?;
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let app = &device.app;
    let draft = claim_draft(app).await?;
    proxy.set_down(true);
    app.save_warranty_draft(&draft).map_err(app_err)?;
    app.add_warranty_photo(
        &draft.delivery_note,
        draft.line_no,
        false,
        &jpeg_with_gps(640, 480, 30),
    )
    .map_err(app_err)?;
    let pdf = retour_tests::invoice_pdf();
    let view = app
        .add_warranty_photo(&draft.delivery_note, draft.line_no, true, &pdf)
        .map_err(app_err)?;
    ensure!(view.can_send, "{:?}", view.issues);
    ensure!(
        view.draft.documents.len() == 1 && view.pdfs.len() == 1,
        "{view:?}"
    );
    let id = view.pdfs[0].id.clone();
    ensure!(view.pdfs[0].bytes == pdf.len() as u64);
    ensure!(view.draft.documents[0] == id);

    // Offline: the claim waits on the device.
    let first = app
        .send_warranty_claim(&draft.delivery_note, draft.line_no)
        .await
        .unwrap_err();
    ensure!(
        first.is_unreachable() || first.code == ErrorCode::SendPending,
        "{first:?}"
    );
    ensure!(app.warranty_outbox().map_err(app_err)?.len() == 1);

    // Back online: the PDF, then the claim naming it, once.
    proxy.set_down(false);
    let state = app.sync_now().await.map_err(app_err)?;
    ensure!(state.pending_claims == 0, "{state:?}");
    ensure!(proxy.requests_to(&format!("PUT /api/v1/documents/{id}")) >= 1);
    ensure!(
        proxy.requests_to(CLAIM) == 1,
        "{}",
        proxy.requests_to(CLAIM)
    );
    let stored = {
        let id = id.clone();
        server
            .state()
            .db()
            .read(move |c| c.document_data(None, &id))?
            .context("the server has the PDF")?
    };
    ensure!(!stored.windows(7).any(|w| w == b"/Author"), "metadata left");
    let list = app
        .dossiers(&DossiersArgs {
            kind: Some("warranty".into()),
            ..Default::default()
        })
        .await
        .map_err(app_err)?;
    let file = list
        .list
        .items
        .iter()
        .find(|d| d.delivery_note == draft.delivery_note)
        .context("the warranty file")?;
    let file = app.dossier(&file.number).await.map_err(app_err)?;
    let warranty = file.dossier.warranty.as_ref().context("the claim")?;
    ensure!(warranty.documents == [id]);
    Ok(())
}

/// Signs a device in as the distributor's staff (the driver's "Mode chauffeur").
async fn driver_login(app: &App) -> Result<()> {
    app.login(&retour_app::LoginArgs {
        email: retour_server::demo::STAFF.into(),
        password: retour_server::demo::STAFF_ACCOUNT.password.into(),
        remember: true,
    })
    .await
    .map_err(app_err)?;
    Ok(())
}

/// The garage's QR code read back from its drawing: the SVG path rasterised, then through the
/// app's scanner.
fn read_back(view: &retour_app::PendingPickupView) -> Result<String> {
    let png = qr_path_png(view.qr.side, &view.qr.path, 6)?;
    let reads = retour_app::scan_bytes(&png).map_err(app_err)?;
    reads
        .into_iter()
        .map(|r| r.text)
        .find(|t| t.starts_with("RETOUR-PICKUP:"))
        .context("no pickup QR code read back")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pickup_qr_reads_back_and_the_driver_takes_every_file_with_his_name() -> Result<()> {
    let server = TestServer::start().await?;
    let garage = Device::new(&server.url)?;
    garage.login().await?;
    let pending = garage.app.pending_pickup().await.map_err(app_err)?;
    ensure!(!pending.files.is_empty());
    ensure!(pending.qr.svg.starts_with("<svg") && pending.qr.svg.contains(&pending.qr.path));
    let text = read_back(&pending)?;
    ensure!(text == pending.qr.text, "the QR code reads back as drawn");
    let manifest = garage.app.pickup_manifest_pdf().await.map_err(app_err)?;
    ensure!(std::fs::read(&manifest)?.starts_with(b"%PDF"));

    let driver = Device::new(&server.url)?;
    driver_login(&driver.app).await?;
    let scan = driver.app.driver_scan(&text).map_err(app_err)?;
    let numbers: Vec<&str> = scan.files.iter().map(|f| f.number.as_str()).collect();
    let expected: Vec<&str> = pending.files.iter().map(|f| f.number.as_str()).collect();
    ensure!(numbers == expected);
    // Name and parcels are checked before anything is kept.
    let refused = driver
        .app
        .confirm_handover(&HandoverArgs {
            token: scan.token.clone(),
            driver_name: "  ".into(),
            parcels: 2,
            scanned_at: scan.scanned_at,
        })
        .await
        .unwrap_err();
    ensure!(refused.code == ErrorCode::InvalidDriverName);
    ensure!(driver.app.handovers().map_err(app_err)?.is_empty());
    let done = driver
        .app
        .confirm_handover(&HandoverArgs {
            token: scan.token.clone(),
            driver_name: "Paul  Martin".into(),
            parcels: 2,
            scanned_at: scan.scanned_at,
        })
        .await
        .map_err(app_err)?;
    ensure!(done.state == "confirmed", "{done:?}");
    ensure!(done.moved.len() == expected.len());
    // Not a pickup code: said in words.
    let other = driver.app.driver_scan("00250001106").unwrap_err();
    ensure!(other.code == ErrorCode::InvalidToken && other.message.contains("QR code"));

    for number in expected {
        let file = garage.app.dossier(number).await.map_err(app_err)?;
        ensure!(file.dossier.status_label == "Prise en charge sur site");
        let event = file
            .dossier
            .timeline
            .iter()
            .flatten()
            .find(|e| e.kind == retour_app::api::EventKind::Pickup)
            .context("the pickup event")?;
        ensure!(event.text.contains("Paul Martin") && event.text.contains("2 colis"));
    }
    Ok(())
}

fn retour(data: &str, server: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_retour-under-test"));
    command
        .args(["--server", server, "--data-dir", data])
        .args(args)
        .env_remove("RETOUR_SERVER")
        .env_remove("RETOUR_DATA_DIR")
        .env_remove("RETOUR_PASSWORD");
    command
}

/// The driver confirms with `retour pickup confirm --image` while the server is away; the CLI is
/// killed (-9) while its send hangs, after the confirmation was committed with its scan time.
/// When the server is back, `retour sync` applies it once, at the time of the scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_driver_confirmation_survives_kill9_and_is_applied_once() -> Result<()> {
    if std::env::var("RETOUR_TEST_KEYRING").ok().as_deref() != Some("1") {
        println!("CLI pickup test not run: set RETOUR_TEST_KEYRING=1 (cargo xtask test does)");
        return Ok(());
    }
    let mut server = TestServer::start().await?;
    let garage = Device::new(&server.url)?;
    garage.login().await?;
    let pending = garage.app.pending_pickup().await.map_err(app_err)?;
    let dir = fast_tempdir()?;
    let picture = dir.path().join("qr.png");
    std::fs::write(&picture, qr_path_png(pending.qr.side, &pending.qr.path, 6)?)?;
    let data = dir.path().join("driver");
    let data = data.to_str().context("data dir")?.to_owned();
    let url = server.url.clone();
    let login = retour(&data, &url, &["login", retour_server::demo::STAFF])
        .env(
            "RETOUR_PASSWORD",
            retour_server::demo::STAFF_ACCOUNT.password,
        )
        .output()?;
    ensure!(
        login.status.success(),
        "login: {}",
        String::from_utf8_lossy(&login.stderr)
    );

    // The server is away; something takes connections on its port and never answers.
    server.stop().await?;
    let hang = std::net::TcpListener::bind(server.addr)?;
    let before = chrono::Utc::now();
    let picture = picture.to_str().context("picture")?;
    let mut confirming = retour(
        &data,
        &url,
        &[
            "pickup",
            "confirm",
            "--image",
            picture,
            "--driver",
            "Paul Martin",
            "--parcels",
            "3",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()?;
    let store_path = files_under(Path::new(&data))
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "sqlite"))
        .context("the driver's store")?;
    let started = Instant::now();
    while Store::open(&store_path)?.pending_handovers()?.is_empty() {
        ensure!(
            confirming.try_wait()?.is_none(),
            "the CLI ended before its confirmation was kept"
        );
        ensure!(started.elapsed() < Duration::from_secs(30), "never kept");
        std::thread::sleep(Duration::from_millis(20));
    }
    ensure!(
        confirming.try_wait()?.is_none(),
        "the CLI was still sending"
    );
    confirming.kill()?; // SIGKILL on Unix.
    confirming.wait()?;
    drop(hang);
    let store = Store::open(&store_path)?;
    ensure!(store.integrity_check()? == "ok");
    let waiting = store.pending_handovers()?;
    ensure!(waiting.len() == 1, "the confirmation waits");
    let scanned_at = waiting[0].scanned_at;
    ensure!(scanned_at >= before - chrono::Duration::seconds(1));
    drop(store);

    server.restart().await?;
    for _ in 0..2 {
        let synced = retour(&data, &url, &["sync"]).output()?;
        ensure!(
            synced.status.success(),
            "sync: {}",
            String::from_utf8_lossy(&synced.stderr)
        );
    }
    let store = Store::open(&store_path)?;
    ensure!(store.pending_handovers()?.is_empty());
    for file in &pending.files {
        let view = garage.app.dossier(&file.number).await.map_err(app_err)?;
        let events: Vec<_> = view
            .dossier
            .timeline
            .iter()
            .flatten()
            .filter(|e| e.kind == retour_app::api::EventKind::Pickup)
            .collect();
        ensure!(events.len() == 1, "applied once, not {}", events.len());
        ensure!(events[0].text.contains("Paul Martin — 3 colis"));
        let delta = (events[0].at - scanned_at).num_milliseconds().abs();
        ensure!(delta < 1000, "recorded at the scan, not {}", events[0].at);
    }
    Ok(())
}

/// A photo of the part, the PDF invoice and a typed field, all at once (a phone re-encoding a big
/// photo while the user picks the invoice and types): the draft keeps all three.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_added_at_once_and_a_typed_field_all_stay_in_the_draft() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;
    let draft = claim_draft(app).await?;
    let (bl, line) = (draft.delivery_note.clone(), draft.line_no);
    let photo = jpeg_with_gps(2400, 1800, 30);
    let pdf = retour_tests::invoice_pdf();
    let typed = WarrantyDraft {
        symptom: "Claquement au démarrage.".to_owned(),
        ..draft.clone()
    };
    std::thread::scope(|scope| {
        let photo = scope.spawn(|| app.add_warranty_photo(&bl, line, false, &photo));
        let invoice = scope.spawn(|| app.add_warranty_photo(&bl, line, true, &pdf));
        let save = scope.spawn(|| app.save_warranty_draft(&typed));
        for added in [photo, invoice, save] {
            added.join().expect("no panic").map_err(app_err)?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    let kept = app.warranty_form(&bl, line).await.map_err(app_err)?.draft;
    ensure!(kept.photos.len() == 1, "the photo stays: {kept:?}");
    ensure!(kept.documents.len() == 1, "the invoice stays: {kept:?}");
    ensure!(
        kept.symptom == typed.symptom,
        "the typed field stays: {kept:?}"
    );
    Ok(())
}
