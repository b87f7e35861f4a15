//! `retour warranty …` (a warranty claim from a BL line: the form, the photos and the fitting
//! invoice as a photo or a PDF, the sending) and
//! `retour pickup …` (the garage's pending pickup with its QR code and manifest; the driver's
//! reading of a QR code and confirmation, offline first), through the façade, with their French
//! text.

use std::path::Path;

use chrono_tz::Europe::Paris;
use retour_app::{App, HandoverArgs, HandoverView, WarrantyDraft, WarrantyFormView};

use crate::args::{PickupCommand, WarrantyCommand};
use crate::failure::Failure;
use crate::print::Output;

fn read(file: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(file)
        .map_err(|e| Failure::refused("invalid_image", format!("{} : {e}", file.display())))
}

fn form_text(view: &WarrantyFormView) -> String {
    let mut out = format!(
        "Demande de garantie — BL {} ligne {}\n",
        view.draft.delivery_note, view.draft.line_no
    );
    if let Some(line) = &view.line {
        out.push_str(&format!(
            "{} {} — livrée le {}, garantie jusqu'au {}\n",
            line.reference,
            line.designation,
            line.delivered_on.format("%d/%m/%Y"),
            line.warranty_ends_on.format("%d/%m/%Y")
        ));
    }
    for pdf in &view.pdfs {
        out.push_str(&format!(
            "Facture de montage (PDF) : {} Ko\n",
            pdf.bytes.div_ceil(1024)
        ));
    }
    for issue in &view.issues {
        out.push_str(&format!("✗ {} : {}\n", issue.field, issue.message));
    }
    for warning in &view.warnings {
        out.push_str(&format!("! {} : {}\n", warning.field, warning.message));
    }
    out.push_str(if view.can_send {
        "Prête à envoyer : retour warranty send BL LIGNE"
    } else {
        "À compléter avant l'envoi."
    });
    out
}

/// Runs a `retour warranty` command.
pub async fn warranty(app: &App, command: &WarrantyCommand) -> Result<Output, Failure> {
    let view = match command {
        WarrantyCommand::Show { bl, line } => app.warranty_form(bl, *line).await?,
        WarrantyCommand::Set(args) => {
            let mut draft = app.warranty_form(&args.bl, args.line).await?.draft;
            let set = |field: &mut String, value: &Option<String>| {
                if let Some(value) = value {
                    field.clone_from(value);
                }
            };
            set(&mut draft.vin, &args.vin);
            set(&mut draft.registration, &args.registration);
            set(&mut draft.vehicle, &args.vehicle);
            set(&mut draft.fitted_on, &args.fitted_on);
            set(&mut draft.fitted_km, &args.fitted_km);
            set(&mut draft.failed_on, &args.failed_on);
            set(&mut draft.failed_km, &args.failed_km);
            set(&mut draft.symptom, &args.symptom);
            if let Some(qty) = args.qty {
                draft.qty = qty;
            }
            app.save_warranty_draft(&WarrantyDraft { ..draft })?
        }
        WarrantyCommand::Photo {
            bl,
            line,
            file,
            invoice,
        } => app.add_warranty_photo(bl, *line, *invoice, &read(file)?)?,
        WarrantyCommand::Send { bl, line } => {
            let dossier = app.send_warranty_claim(bl, *line).await?;
            let text = format!(
                "Demande de garantie envoyée : dossier n° {} ({}).",
                dossier.number, dossier.status_label
            );
            return Output::new(&dossier, text);
        }
    };
    let text = form_text(&view);
    Output::new(&view, text)
}

fn handover_text(view: &HandoverView) -> String {
    let at = view
        .scanned_at
        .with_timezone(&Paris)
        .format("%d/%m/%Y %H:%M");
    let files: Vec<&str> = view.files.iter().map(|f| f.number.as_str()).collect();
    match view.state.as_str() {
        "confirmed" => format!(
            "Prise en charge confirmée ({at}) par {} — {} colis — dossiers {}.",
            view.driver_name,
            view.parcels,
            view.moved.join(", ")
        ),
        "refused" => format!(
            "Prise en charge refusée : {}",
            view.message.as_deref().unwrap_or("")
        ),
        _ => format!(
            "Pas de réseau : la prise en charge de {} ({at}) est enregistrée sur l'appareil et \
             sera confirmée à la prochaine synchronisation.",
            files.join(", ")
        ),
    }
}

/// Runs a `retour pickup` command.
pub async fn pickup(app: &App, command: &PickupCommand) -> Result<Output, Failure> {
    match command {
        PickupCommand::Show { svg, manifest } => {
            let view = app.pending_pickup().await?;
            if let Some(svg) = svg {
                std::fs::write(svg, &view.qr.svg)
                    .map_err(|e| Failure::refused("local_storage", e.to_string()))?;
            }
            if let Some(to) = manifest {
                let path = app.pickup_manifest_pdf().await?;
                std::fs::copy(&path, to)
                    .map_err(|e| Failure::refused("local_storage", e.to_string()))?;
            }
            let files: Vec<String> = view
                .files
                .iter()
                .map(|f| format!("  {} — {} pièce(s)", f.number, f.pieces))
                .collect();
            let text = format!(
                "Enlèvement : {} dossier(s), {} pièce(s)\n{}\nQR code valable jusqu'au {}",
                view.files.len(),
                view.pieces,
                files.join("\n"),
                view.expires_at
                    .with_timezone(&Paris)
                    .format("%d/%m/%Y %H:%M")
            );
            Output::new(&view, text)
        }
        PickupCommand::Confirm {
            code,
            image,
            driver,
            parcels,
        } => {
            let text = match (code, image) {
                (Some(code), _) => code.clone(),
                (None, Some(image)) => retour_app::scan_file(image)?
                    .into_iter()
                    .map(|r| r.text)
                    .find(|t| t.starts_with(retour_domain::pickup::QR_PREFIX))
                    .ok_or_else(|| {
                        Failure::refused(
                            "invalid_token",
                            "Aucun QR code d'enlèvement lisible sur cette image.",
                        )
                    })?,
                (None, None) => {
                    return Err(Failure::refused(
                        "invalid_token",
                        "Donnez le texte du QR code ou --image PHOTO.",
                    ))
                }
            };
            let scan = app.driver_scan(&text)?;
            let view = app
                .confirm_handover(&HandoverArgs {
                    token: scan.token,
                    driver_name: driver.clone(),
                    parcels: *parcels,
                    scanned_at: scan.scanned_at,
                })
                .await?;
            let text = handover_text(&view);
            Output::new(&view, text)
        }
    }
}
