//! Warranty claims ("Garantie", v1.1) from a BL line: the form kept as a draft on the device
//! (one per line, across restarts), checked by the domain's `check_claim` at every change (a
//! French message on each field), its photos and fitting invoice stripped and kept like a cart
//! line's (content-addressed, uploaded by the sync before the claim), then sent through the
//! claim outbox with an idempotency key: offline it waits and leaves once with the next sync.
//!
//! The fitting invoice is a photo or a PDF: a PDF is kept as it is (`<hash>.pdf` beside the
//! photos; the backend parses it and drops its metadata) and uploaded to `PUT /documents` before
//! the claim. A PDF as a photo of the part is refused (`invalid_image`, in words).

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::api::{DeliveryNote, Dossier, WarrantyClaimBody};
use retour_domain::warranty::{
    check_claim, is_photo_id, looks_like_pdf, vin_from_scan, ClaimInput, ClaimLine, FieldIssue,
    DEFAULT_WARRANTY_MONTHS, MAX_DOCUMENTS, MAX_DOCUMENT_BYTES, MAX_PHOTOS,
};
use retour_store::{ClaimState, NewPhoto, Store};
use retour_sync::engine::{lock, Outcome};
use retour_sync::ApiError;
use serde::{Deserialize, Serialize};

use crate::accounts::Account;
use crate::catalog::bl_number;
use crate::files::{create_private_dir, write_atomically};
use crate::photos::{photo_id, strip_photo};
use crate::{App, AppError, AppResult, ErrorCode};

/// A claim's form as the user left it: every field as typed (dates `YYYY-MM-DD`, empty while
/// not given), the photos of the part and the fitting invoice's pictures by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WarrantyDraft {
    /// The BL number.
    pub delivery_note: String,
    /// The BL line.
    pub line_no: u32,
    /// Units claimed.
    pub qty: u32,
    /// The VIN as typed or scanned.
    pub vin: String,
    /// The registration plate as typed.
    pub registration: String,
    /// The vehicle.
    pub vehicle: String,
    /// The fitting day, `YYYY-MM-DD`.
    pub fitted_on: String,
    /// The mileage then, as typed.
    pub fitted_km: String,
    /// The failure day, `YYYY-MM-DD`.
    pub failed_on: String,
    /// The mileage then, as typed.
    pub failed_km: String,
    /// What went wrong.
    pub symptom: String,
    /// Photos of the part and its label.
    pub photos: Vec<String>,
    /// The fitting invoice: photos, or a PDF (see [`WarrantyFormView::pdfs`]).
    pub documents: Vec<String>,
}

/// A PDF among a claim's documents: shown as a tile ("Facture de montage (PDF)", its size), not
/// as a thumbnail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyPdfView {
    /// Its id, as in the draft's `documents`.
    pub id: String,
    /// The size of its file, in bytes.
    pub bytes: u64,
}

/// A refusal or a warning on one field of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyIssueView {
    /// The draft's field (`vin`, `fitted_on`…).
    pub field: String,
    /// The stable code.
    pub code: ErrorCode,
    /// The French message.
    pub message: String,
}

impl From<FieldIssue> for WarrantyIssueView {
    fn from(issue: FieldIssue) -> Self {
        WarrantyIssueView {
            field: issue.field.to_owned(),
            code: issue.code,
            message: issue.message,
        }
    }
}

/// The BL line a claim is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyLineView {
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// The BL's delivery day.
    pub delivered_on: NaiveDate,
    /// Units that can still be claimed.
    pub qty_left: u32,
    /// The last day of the warranty.
    pub warranty_ends_on: NaiveDate,
}

/// The claim's screen: the draft, its line, what the domain says of each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyFormView {
    /// The form as kept on the device.
    pub draft: WarrantyDraft,
    /// The BL line, when the device has the BL.
    pub line: Option<WarrantyLineView>,
    /// Refusals, in the order of the form's fields.
    pub issues: Vec<WarrantyIssueView>,
    /// Warnings that do not block sending.
    pub warnings: Vec<WarrantyIssueView>,
    /// Whether "Envoyer la demande de garantie" can be pressed.
    pub can_send: bool,
    /// When the draft was last saved (absent for a new one).
    pub saved_at: Option<DateTime<Utc>>,
    /// The documents that are PDFs (the others are photos).
    pub pdfs: Vec<WarrantyPdfView>,
}

fn km(field: &'static str, text: &str, missing: &str) -> Result<u32, FieldIssue> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    digits.parse::<u32>().map_err(|_| FieldIssue {
        field,
        code: ErrorCode::KmOrder,
        message: missing.to_owned(),
    })
}

fn date(field: &'static str, text: &str, missing: &str) -> Result<NaiveDate, FieldIssue> {
    text.trim().parse::<NaiveDate>().map_err(|_| FieldIssue {
        field,
        code: ErrorCode::DateOrder,
        message: missing.to_owned(),
    })
}

/// The line a claim is checked against, from the BL kept on the device.
fn claim_line(note: &DeliveryNote, line_no: u32) -> Option<(ClaimLine, WarrantyLineView)> {
    let line = note.lines.iter().find(|l| l.line_no == line_no)?;
    let claim = ClaimLine {
        delivered_on: note.delivered_on,
        delivered: line.delivered_qty,
        taken: line.returned_qty,
        warranty_months: DEFAULT_WARRANTY_MONTHS,
    };
    let view = WarrantyLineView {
        reference: line.reference.clone(),
        designation: line.designation.clone(),
        delivered_on: note.delivered_on,
        qty_left: claim.qty_left(),
        warranty_ends_on: claim.warranty_ends_on(),
    };
    Some((claim, view))
}

/// Checks a draft with the domain's rules: every refusal on its field (a missing date or
/// mileage included), and the body to send when there is none.
fn check(
    draft: &WarrantyDraft,
    line: Option<&ClaimLine>,
    now: DateTime<Utc>,
) -> (Vec<FieldIssue>, Vec<FieldIssue>, Option<WarrantyClaimBody>) {
    let mut missing = Vec::new();
    let fitted_on = date(
        "fitted_on",
        &draft.fitted_on,
        "Veuillez saisir la date de montage.",
    );
    let failed_on = date(
        "failed_on",
        &draft.failed_on,
        "Veuillez saisir la date de la panne.",
    );
    let fitted_km = km(
        "fitted_km",
        &draft.fitted_km,
        "Veuillez saisir le kilométrage au montage (en km, chiffres seulement).",
    );
    let failed_km = km(
        "failed_km",
        &draft.failed_km,
        "Veuillez saisir le kilométrage à la panne (en km, chiffres seulement).",
    );
    for result in [&fitted_on, &failed_on] {
        if let Err(issue) = result {
            missing.push(issue.clone());
        }
    }
    for result in [&fitted_km, &failed_km] {
        if let Err(issue) = result {
            missing.push(issue.clone());
        }
    }
    let registration = Some(draft.registration.as_str());
    let vehicle = Some(draft.vehicle.as_str());
    let input = ClaimInput {
        qty: draft.qty,
        vin: &draft.vin,
        registration,
        vehicle,
        // A missing date or mileage is checked as its partner's value (so that the order
        // checks say nothing of it), its own message kept.
        fitted_on: fitted_on
            .clone()
            .or(failed_on.clone())
            .unwrap_or(now.date_naive()),
        fitted_km: fitted_km.clone().unwrap_or(0),
        failed_on: failed_on
            .clone()
            .or(fitted_on.clone())
            .unwrap_or(now.date_naive()),
        failed_km: failed_km.clone().or(fitted_km.clone()).unwrap_or(0),
        symptom: &draft.symptom,
        photos: &draft.photos,
        documents: &draft.documents,
    };
    match check_claim(&input, line, now) {
        Ok(checked) if missing.is_empty() => {
            let body = WarrantyClaimBody {
                delivery_note: draft.delivery_note.clone(),
                line_no: draft.line_no,
                qty: draft.qty,
                vin: checked.vin.as_str().to_owned(),
                registration: checked.registration.map(|r| r.as_str().to_owned()),
                vehicle: checked.vehicle,
                fitted_on: input.fitted_on,
                fitted_km: input.fitted_km,
                failed_on: input.failed_on,
                failed_km: input.failed_km,
                symptom: checked.symptom,
                photos: draft.photos.clone(),
                documents: Some(draft.documents.clone()).filter(|d| !d.is_empty()),
            };
            (Vec::new(), checked.warnings, Some(body))
        }
        Ok(checked) => (missing, checked.warnings, None),
        Err(issues) => {
            // A missing value's own message replaces what its placeholder made the domain say.
            let taken: Vec<&str> = missing.iter().map(|m| m.field).collect();
            let mut all: Vec<FieldIssue> = issues
                .into_iter()
                .filter(|i| !taken.contains(&i.field))
                .collect();
            all.extend(missing);
            let order = [
                "qty",
                "vin",
                "registration",
                "vehicle",
                "fitted_on",
                "fitted_km",
                "failed_on",
                "failed_km",
                "symptom",
                "photos",
                "documents",
            ];
            all.sort_by_key(|i| order.iter().position(|f| *f == i.field));
            (all, Vec::new(), None)
        }
    }
}

fn form_view(
    account: &Account,
    draft: WarrantyDraft,
    saved_at: Option<DateTime<Utc>>,
) -> AppResult<WarrantyFormView> {
    let note = lock(&account.store).delivery_note_shared(&draft.delivery_note)?;
    let line = note.and_then(|n| claim_line(&n.0, draft.line_no));
    let now = Utc::now() + account.engine.clock_offset();
    let (issues, warnings, body) = check(&draft, line.as_ref().map(|(l, _)| l), now);
    let pdfs = {
        let store = lock(&account.store);
        let mut pdfs = Vec::new();
        for id in &draft.documents {
            if store.is_document(id)? {
                let bytes = store.photo(id)?.map_or(0, |p| p.bytes);
                pdfs.push(WarrantyPdfView {
                    id: id.clone(),
                    bytes,
                });
            }
        }
        pdfs
    };
    Ok(WarrantyFormView {
        pdfs,
        can_send: body.is_some(),
        line: line.map(|(_, v)| v),
        issues: issues.into_iter().map(Into::into).collect(),
        warnings: warnings.into_iter().map(Into::into).collect(),
        draft,
        saved_at,
    })
}

/// Puts a picture already kept on the device (`hash`, a photo or a PDF of `bytes` bytes) in a
/// claim's draft: the draft read, the picture added and the draft saved under one hold of the
/// store, so that two pictures added at once (a photo and the invoice) both stay.
fn put_in_draft(
    account: &Account,
    number: &str,
    line_no: u32,
    documents: bool,
    picture: NewPhoto,
    pdf: bool,
) -> AppResult<WarrantyFormView> {
    let now = Utc::now();
    let draft = {
        let mut store = lock(&account.store);
        let (mut draft, _) = stored_draft_in(&store, number, line_no)?;
        let (list, most) = if documents {
            (&mut draft.documents, MAX_DOCUMENTS)
        } else {
            (&mut draft.photos, MAX_PHOTOS)
        };
        if !list.contains(&picture.hash) {
            if list.len() >= most {
                return Err(AppError::new(
                    ErrorCode::TooManyPhotos,
                    format!("{most} images au plus : retirez-en une pour en ajouter une autre."),
                ));
            }
            list.push(picture.hash.clone());
        }
        if pdf {
            store.record_document(&picture)?;
        } else {
            store.record_photo(&picture)?;
        }
        store.save_warranty_draft(number, line_no, &draft, now)?;
        draft
    };
    account.engine.refresh_counts();
    form_view(account, draft, Some(now))
}

fn stored_draft(
    account: &Account,
    number: &str,
    line_no: u32,
) -> AppResult<(WarrantyDraft, Option<DateTime<Utc>>)> {
    stored_draft_in(&lock(&account.store), number, line_no)
}

/// [`stored_draft`] from a store already held.
fn stored_draft_in(
    store: &Store,
    number: &str,
    line_no: u32,
) -> AppResult<(WarrantyDraft, Option<DateTime<Utc>>)> {
    Ok(
        match store.warranty_draft::<WarrantyDraft>(number, line_no)? {
            Some((draft, at)) => (draft, Some(at)),
            None => (
                WarrantyDraft {
                    delivery_note: number.to_owned(),
                    line_no,
                    qty: 1,
                    ..WarrantyDraft::default()
                },
                None,
            ),
        },
    )
}

impl App {
    /// The claim's form for a BL line: the BL fetched (else the device's copy), the draft kept
    /// on the device or a new one, and what the domain says of each field.
    pub async fn warranty_form(
        &self,
        delivery_note: &str,
        line_no: u32,
    ) -> AppResult<WarrantyFormView> {
        let number = bl_number(delivery_note)?;
        // The BL on the device, fresh when the network allows; its line must exist.
        let note = self.delivery_note(&number).await?;
        if !note.note.lines.iter().any(|l| l.line_no == line_no) {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("La ligne {line_no} du BL {number} est introuvable."),
            ));
        }
        let account = self.account()?;
        let (draft, saved_at) = stored_draft(&account, &number, line_no)?;
        form_view(&account, draft, saved_at)
    }

    /// The VIN in a code scanned for the form's VIN field (a photo of the label, the camera, a
    /// USB scanner): the domain's `vin_from_scan` (the Code 39 `I` marker and `*`, spaces,
    /// hyphens, lower case). Anything else is `not_a_vin` ("Ce code n'est pas un VIN : …") and
    /// the field stays as it was; the check digit is the form's to say, as for a typed VIN. No
    /// network, no account.
    pub fn vin_from_scan(&self, text: &str) -> AppResult<String> {
        vin_from_scan(text).map_err(|issue| AppError::new(issue.code, issue.message))
    }

    /// Saves the form's fields as typed (committed before it returns) and checks it: the screen
    /// shows the French message of each field as the user types. The draft's pictures stay the
    /// stored ones (added and removed by their own commands). Local only.
    pub fn save_warranty_draft(&self, draft: &WarrantyDraft) -> AppResult<WarrantyFormView> {
        let number = bl_number(&draft.delivery_note)?;
        let account = self.account()?;
        let mut draft = draft.clone();
        draft.delivery_note = number.clone();
        let now = Utc::now();
        {
            let mut store = lock(&account.store);
            // The pictures are `add_warranty_photo`'s and `remove_warranty_photo`'s: a save sent
            // with an older list (the user typed while a photo was being added) keeps them.
            if let Some((stored, _)) =
                store.warranty_draft::<WarrantyDraft>(&number, draft.line_no)?
            {
                draft.photos = stored.photos;
                draft.documents = stored.documents;
            }
            store.save_warranty_draft(&number, draft.line_no, &draft, now)?;
        }
        form_view(&account, draft, Some(now))
    }

    /// Adds a picture to a claim's draft: `documents` for the fitting invoice (a photo or a PDF),
    /// else a photo of the part. A photo is stripped and kept on the device like a cart line's;
    /// a PDF is kept as it is (at most 8 MiB); both are uploaded by the sync before the claim. A
    /// PDF as a photo of the part is refused (`invalid_image`, in words).
    pub fn add_warranty_photo(
        &self,
        delivery_note: &str,
        line_no: u32,
        documents: bool,
        bytes: &[u8],
    ) -> AppResult<WarrantyFormView> {
        let number = bl_number(delivery_note)?;
        let account = self.account()?;
        let pdf = looks_like_pdf(bytes);
        if pdf && !documents {
            return Err(AppError::new(
                ErrorCode::InvalidImage,
                "Un PDF ne peut pas servir de photo de la pièce : photographiez la pièce et son étiquette.",
            ));
        }
        if pdf && bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(AppError::new(
                ErrorCode::PayloadTooLarge,
                "Ce PDF dépasse 8 Mio : photographiez plutôt la facture de montage.",
            ));
        }
        // The work on the bytes is done before the store is held.
        let kept = if pdf {
            bytes.to_vec()
        } else {
            strip_photo(bytes)?
        };
        let hash = photo_id(&kept);
        let path = {
            let store = lock(&account.store);
            if pdf {
                store.document_path(&hash)
            } else {
                store.photo_path(&hash)
            }
        };
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(AppError::local)?;
        }
        write_atomically(&path, &kept).map_err(AppError::local)?;
        let picture = NewPhoto {
            hash,
            bytes: kept.len() as u64,
            at: Utc::now(),
        };
        put_in_draft(&account, &number, line_no, documents, picture, pdf)
    }

    /// A warranty file's fitting invoice (one of its `documents`), for the system viewer: the
    /// device's file when it has it (a PDF or a photo kept here), else the backend's copy (a PDF
    /// from `GET /documents`, else a photo from `GET /photos`), kept in the photo folder for next
    /// time. The id only ever names a file as 64 hex digits; any other is `not_found`.
    pub async fn warranty_document(&self, document_id: &str) -> AppResult<PathBuf> {
        let account = self.account()?;
        if !is_photo_id(document_id) {
            return Err(AppError::new(ErrorCode::NotFound, "Document introuvable."));
        }
        let (pdf, photo) = {
            let store = lock(&account.store);
            (
                store.document_path(document_id),
                store.photo_path(document_id),
            )
        };
        if pdf.is_file() {
            return Ok(pdf);
        }
        if photo.is_file() {
            return Ok(photo);
        }
        let id = document_id.to_owned();
        let fetched = account
            .engine
            .call(|client, token| {
                let id = id.clone();
                async move { client.document(&token, &id).await }
            })
            .await;
        let (path, bytes) = match fetched {
            Ok(bytes) => (pdf, bytes),
            Err(e) if e.status() == Some(404) => (photo, account.engine.photo(document_id).await?),
            Err(e) => return Err(e.into()),
        };
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(AppError::local)?;
        }
        write_atomically(&path, &bytes).map_err(AppError::local)?;
        Ok(path)
    }

    /// Takes a picture off a claim's draft (photos or invoice). Local only.
    pub fn remove_warranty_photo(
        &self,
        delivery_note: &str,
        line_no: u32,
        photo_id: &str,
    ) -> AppResult<WarrantyFormView> {
        let number = bl_number(delivery_note)?;
        let account = self.account()?;
        let now = Utc::now();
        let draft = {
            // Read and saved under one hold of the store, as a picture is added.
            let mut store = lock(&account.store);
            let (mut draft, _) = stored_draft_in(&store, &number, line_no)?;
            draft.photos.retain(|p| p != photo_id);
            draft.documents.retain(|p| p != photo_id);
            store.save_warranty_draft(&number, line_no, &draft, now)?;
            draft
        };
        form_view(&account, draft, Some(now))
    }

    /// Sends the claim of a BL line: checked first (the first refusal, in French, and nothing
    /// queued), then written to the claim outbox with a new idempotency key (its draft removed,
    /// in one transaction), then sent — its photos uploaded before. Answers the file of kind
    /// "Garantie" the server made; without network `send_pending` (the claim waits and leaves
    /// once with the next sync); the server's refusal as it is.
    pub async fn send_warranty_claim(
        &self,
        delivery_note: &str,
        line_no: u32,
    ) -> AppResult<Dossier> {
        let number = bl_number(delivery_note)?;
        let account = self.account()?;
        let (draft, saved_at) = stored_draft(&account, &number, line_no)?;
        if saved_at.is_none() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "Aucune demande de garantie en cours pour cette ligne.",
            ));
        }
        let note = lock(&account.store).delivery_note_shared(&number)?;
        let line = note.and_then(|n| claim_line(&n.0, line_no));
        let now = Utc::now() + account.engine.clock_offset();
        let (issues, _, body) = check(&draft, line.as_ref().map(|(l, _)| l), now);
        let Some(body) = body else {
            let first = issues.into_iter().next();
            return Err(first.map_or_else(
                || AppError::new(ErrorCode::InvalidBody, "Demande de garantie incomplète."),
                |i| AppError::new(i.code, i.message),
            ));
        };
        let claim = lock(&account.store).queue_warranty_claim(&body, Utc::now())?;
        self.log(&format!(
            "demande de garantie dans la file d'envoi (BL {number}, ligne {line_no}, clé {})",
            claim.idempotency_key
        ));
        account.engine.refresh_counts();
        match account.engine.send_warranty_claim(&claim).await {
            Outcome::Done(dossier) => Ok(*dossier),
            Outcome::Refused(problem) => Err(ApiError::Status {
                status: problem.status,
                problem: Box::new(problem),
                retry_after: None,
                from_problem_document: true,
            }
            .into()),
            Outcome::Pending(error) => {
                self.inner.edited.notify_one();
                let error = AppError::from(error);
                if !error.is_unreachable() {
                    return Err(error);
                }
                Err(AppError::new(
                    ErrorCode::SendPending,
                    "Pas de réseau : votre demande de garantie est enregistrée sur l'appareil et \
                     partira à la prochaine synchronisation.",
                ))
            }
        }
    }

    /// The claims sent from this device that wait for an answer or were refused, newest first
    /// (an accepted one is a file of kind "Garantie" in the tracking).
    pub fn warranty_outbox(&self) -> AppResult<Vec<WarrantyOutboxView>> {
        let account = self.account()?;
        let claims = lock(&account.store).warranty_claims()?;
        Ok(claims
            .into_iter()
            .rev()
            .filter_map(|c| {
                let (state, message) = match c.state {
                    ClaimState::Pending => ("pending", None),
                    ClaimState::Refused { message, .. } => ("refused", Some(message)),
                    ClaimState::Accepted(_) => return None,
                };
                Some(WarrantyOutboxView {
                    delivery_note: c.body.delivery_note,
                    line_no: c.body.line_no,
                    vin: c.body.vin,
                    created_at: c.created_at,
                    state: state.to_owned(),
                    message,
                })
            })
            .collect())
    }
}

/// A claim of the outbox, for the tracking screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyOutboxView {
    /// The BL.
    pub delivery_note: String,
    /// The line.
    pub line_no: u32,
    /// The VIN.
    pub vin: String,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// `pending` or `refused`.
    pub state: String,
    /// The server's French refusal.
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> WarrantyDraft {
        WarrantyDraft {
            delivery_note: "250001106".into(),
            line_no: 1,
            qty: 1,
            vin: "VF3LCYHZPJS123456".into(),
            registration: "ab123cd".into(),
            vehicle: "Peugeot 308".into(),
            fitted_on: "2026-01-10".into(),
            fitted_km: "120 000".into(),
            failed_on: "2026-03-01".into(),
            failed_km: "125000".into(),
            symptom: "Bruit de roulement à froid".into(),
            photos: vec!["a".repeat(64)],
            documents: vec![],
        }
    }

    #[test]
    fn a_complete_draft_gives_the_body_normalised() {
        let now = "2026-06-01T10:00:00Z".parse().unwrap();
        let (issues, _, body) = check(&draft(), None, now);
        assert!(issues.is_empty(), "{issues:?}");
        let body = body.unwrap();
        assert_eq!(body.registration.as_deref(), Some("AB-123-CD"));
        assert_eq!(body.fitted_km, 120_000);
    }

    #[test]
    fn missing_dates_and_mileages_say_so_on_their_field() {
        let now = "2026-06-01T10:00:00Z".parse().unwrap();
        let empty = WarrantyDraft {
            fitted_on: String::new(),
            failed_km: "abc".into(),
            ..draft()
        };
        let (issues, _, body) = check(&empty, None, now);
        assert!(body.is_none());
        let fields: Vec<&str> = issues.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["fitted_on", "failed_km"]);
        assert!(issues[0].message.contains("date de montage"));
    }
}
