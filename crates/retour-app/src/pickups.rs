//! The driver's handover (v1.1, "Enlèvement"). For the garage: "Préparer l'enlèvement", the
//! files waiting for the driver with one QR code drawn here from the server's signed token, and
//! the printable manifest PDF kept in the account's folder. For a staff account ("Mode
//! chauffeur"): the garage's QR code read (camera, still picture or file) and shown offline from
//! the token's plain payload, then the driver's name and parcels checked by the domain and the
//! confirmation written to the store with the time of the scan before it is sent — offline it
//! waits, survives a crash and is applied once on reconnection (the server takes a token once).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use retour_domain::api::Role;
use retour_domain::pickup::{self, PickupToken, QR_PREFIX};
use retour_store::{Handover, HandoverState};
use retour_sync::engine::{lock, Outcome};
use serde::{Deserialize, Serialize};

use crate::files::{create_private_dir, write_atomically};
use crate::qr::{qr_code, QrView};
use crate::{App, AppError, AppResult, ErrorCode};

/// A file a pickup covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickupFileView {
    /// The tracking number.
    pub number: String,
    /// Its pieces.
    pub pieces: u32,
}

/// "Préparer l'enlèvement": what the driver will take and the QR code to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingPickupView {
    /// The files waiting, oldest first.
    pub files: Vec<PickupFileView>,
    /// Pieces over them.
    pub pieces: u32,
    /// The QR code (the server's `qr` text).
    pub qr: QrView,
    /// When the code stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// The driver's reading of a garage's QR code (no network needed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriverScanView {
    /// The token as read, to confirm with.
    pub token: String,
    /// The garage's customer code.
    pub customer: String,
    /// The files and their pieces.
    pub files: Vec<PickupFileView>,
    /// Pieces over them.
    pub pieces: u32,
    /// When the code stops being valid.
    pub expires_at: DateTime<Utc>,
    /// When it was read here.
    pub scanned_at: DateTime<Utc>,
}

/// What the driver confirms.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HandoverArgs {
    /// The token of the scan.
    pub token: String,
    /// The driver's name.
    pub driver_name: String,
    /// Parcels handed over.
    pub parcels: u32,
    /// When the QR code was read.
    pub scanned_at: DateTime<Utc>,
}

/// A driver's confirmation as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoverView {
    /// The token's id.
    pub pickup_id: String,
    /// `confirmed`, `pending` (waiting for the network) or `refused`.
    pub state: String,
    /// The driver's name.
    pub driver_name: String,
    /// Parcels.
    pub parcels: u32,
    /// When the QR code was read.
    pub scanned_at: DateTime<Utc>,
    /// The files of the token.
    pub files: Vec<PickupFileView>,
    /// The files the server moved to "Prise en charge sur site" (once confirmed).
    pub moved: Vec<String>,
    /// The server's French refusal.
    pub message: Option<String>,
}

fn files_of(token: &PickupToken) -> Vec<PickupFileView> {
    token
        .files
        .iter()
        .map(|f| PickupFileView {
            number: f.number.clone(),
            pieces: f.pieces,
        })
        .collect()
}

/// Reads a token's plain payload (the signature is the server's to check).
fn read_token(text: &str) -> AppResult<(String, PickupToken)> {
    let text = text.trim();
    let token = text.strip_prefix(QR_PREFIX).unwrap_or(text);
    let parsed = token
        .rsplit_once('.')
        .ok_or(pickup::PickupError::Malformed)
        .and_then(|(payload, _)| PickupToken::parse_payload(payload))
        .map_err(|e| AppError::new(e.code(), e.message()))?;
    Ok((token.to_owned(), parsed))
}

fn handover_view(handover: Handover) -> HandoverView {
    let files = read_token(&handover.token)
        .map(|(_, t)| files_of(&t))
        .unwrap_or_default();
    let (state, moved, message) = match handover.state {
        HandoverState::Pending => ("pending", Vec::new(), None),
        HandoverState::Confirmed(answer) => ("confirmed", answer.dossiers, None),
        HandoverState::Refused { message, .. } => ("refused", Vec::new(), Some(message)),
    };
    HandoverView {
        pickup_id: handover.token_id,
        state: state.to_owned(),
        driver_name: handover.driver_name,
        parcels: handover.parcels,
        scanned_at: handover.scanned_at,
        files,
        moved,
        message,
    }
}

impl App {
    /// "Préparer l'enlèvement": a new signed token over the files waiting for the driver
    /// (`nothing_to_pickup` when none), drawn as a QR code here.
    pub async fn pending_pickup(&self) -> AppResult<PendingPickupView> {
        let account = self.account()?;
        let pending = account.engine.pending_pickup().await?;
        let (_, token) = read_token(&pending.token)?;
        Ok(PendingPickupView {
            files: files_of(&token),
            pieces: pending.pieces,
            qr: qr_code(&pending.qr)?,
            expires_at: pending.expires_at,
        })
    }

    /// The pickup manifest PDF (the files, their pieces, the same QR code), downloaded into the
    /// account's folder; its path, for the system viewer.
    pub async fn pickup_manifest_pdf(&self) -> AppResult<PathBuf> {
        let account = self.account()?;
        let bytes = account.engine.pickup_manifest().await?;
        let dir = self.account_files_dir(&account.email);
        let path = dir.join("bon-enlevement.pdf");
        create_private_dir(&dir).map_err(AppError::local)?;
        write_atomically(&path, &bytes).map_err(AppError::local)?;
        lock(&account.store).save_file("bon-enlevement", &path, "application/pdf", Utc::now())?;
        Ok(path)
    }

    /// "Mode chauffeur": what a garage's QR code says (files and pieces), read offline, with
    /// the time of the scan. A code that is not a pickup code answers `invalid_token` in French.
    pub fn driver_scan(&self, text: &str) -> AppResult<DriverScanView> {
        let (token, parsed) = read_token(text)?;
        Ok(DriverScanView {
            token,
            customer: parsed.customer.clone(),
            pieces: parsed.pieces(),
            files: files_of(&parsed),
            expires_at: parsed.expires_at,
            scanned_at: Utc::now(),
        })
    }

    /// The driver confirms the handover (staff accounts): name and parcels checked by the
    /// domain, the confirmation written to the store with the time of the scan (committed before
    /// it leaves), then sent. Offline it answers `pending` and leaves with the next sync; the
    /// same token confirmed twice is one handover.
    pub async fn confirm_handover(&self, args: &HandoverArgs) -> AppResult<HandoverView> {
        let account = self.account()?;
        if account
            .session
            .user()
            .is_some_and(|u| u.role != Role::Staff)
        {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "Le mode chauffeur est réservé aux comptes du distributeur.",
            ));
        }
        let name = pickup::driver_name(&args.driver_name)
            .map_err(|e| AppError::new(e.code(), e.to_string()))?;
        let parcels =
            pickup::parcels(args.parcels).map_err(|e| AppError::new(e.code(), e.to_string()))?;
        let (token, parsed) = read_token(&args.token)?;
        let handover = lock(&account.store).queue_handover(
            &parsed.id,
            &token,
            &name,
            parcels,
            args.scanned_at.min(Utc::now()),
        )?;
        self.log(&format!(
            "enlèvement enregistré sur l'appareil (jeton {})",
            handover.token_id
        ));
        account.engine.refresh_counts();
        if matches!(handover.state, HandoverState::Pending) {
            match account.engine.send_handover(&handover).await {
                Outcome::Done(_) | Outcome::Refused(_) => {}
                Outcome::Pending(error) => {
                    self.inner.edited.notify_one();
                    let error = AppError::from(error);
                    if !error.is_unreachable() {
                        return Err(error);
                    }
                }
            }
        }
        let kept = lock(&account.store)
            .handover(&parsed.id)?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "Enlèvement introuvable."))?;
        Ok(handover_view(kept))
    }

    /// The driver's confirmations made on this device, newest first.
    pub fn handovers(&self) -> AppResult<Vec<HandoverView>> {
        let account = self.account()?;
        let all = lock(&account.store).handovers()?;
        Ok(all.into_iter().map(handover_view).collect())
    }
}
