//! "Envoyer la demande": the cart becomes a return request in the outbox with a fresh
//! idempotency key (its lines name their photos), then is sent, the photos uploaded first; offline it waits there and is re-sent with the same key. Once
//! accepted, its pré-accord is downloaded, to reopen offline.

use chrono::Utc;
use retour_domain::api::{ReturnRequestBody, ReturnRequestLine};
use retour_sync::engine::lock;
use retour_sync::{ApiError, SendOutcome};

use crate::cart_view::current_cart_view;
use crate::{App, AppError, AppResult, ErrorCode, ReturnRequest};

impl App {
    /// "Envoyer la demande": writes the request with a fresh idempotency key to the outbox,
    /// then sends it. A refusal (403 service closed, 409 quantity, 422 reason…) comes back with
    /// the server's French message and the cart unchanged. Without network the request stays
    /// in the outbox (code `send_pending`) and is re-sent with the same key by the next sync.
    /// A request already waiting is re-sent first, and its answer returned.
    pub async fn send(&self) -> AppResult<ReturnRequest> {
        let account = self.account()?;
        let pending = lock(&account.store).pending_submissions()?;
        let submission = match pending.into_iter().next() {
            Some(waiting) => waiting,
            None => {
                let view = current_cart_view(&account, &lock(&account.store))?;
                if view.lines.is_empty() {
                    return Err(AppError::new(
                        ErrorCode::EmptyRequest,
                        "Votre panier est vide.",
                    ));
                }
                if view.lines.iter().any(|l| l.line.reason.is_none()) {
                    return Err(AppError::new(
                        ErrorCode::ReasonRequired,
                        "Choisissez un motif pour chaque ligne avant d'envoyer la demande.",
                    ));
                }
                if let Some(line) = view.lines.iter().find(|l| l.photo_missing) {
                    return Err(AppError::new(
                        ErrorCode::PhotoRequired,
                        format!(
                            "Le motif « {} » demande au moins une photo de la pièce : ajoutez-en \
                             une à la ligne {} ({}) avant d'envoyer la demande.",
                            line.reason_label.as_deref().unwrap_or_default(),
                            line.line.reference,
                            line.line.delivery_note
                        ),
                    ));
                }
                let body = ReturnRequestBody {
                    lines: view
                        .lines
                        .iter()
                        .map(|l| ReturnRequestLine {
                            delivery_note: l.line.delivery_note.clone(),
                            line_no: l.line.line_no,
                            qty: l.line.qty,
                            reason: l.line.reason.clone(),
                            photos: l.line.photos.clone(),
                        })
                        .collect(),
                };
                let submission = lock(&account.store).create_submission(&body, Utc::now())?;
                self.log(&format!(
                    "demande écrite dans la file d'envoi (clé {})",
                    submission.idempotency_key
                ));
                account.engine.refresh_counts();
                submission
            }
        };
        let outcome = account.engine.send_submission(&submission).await;
        match outcome {
            SendOutcome::Accepted(request) => {
                self.log(&format!(
                    "demande {} acceptée (clé {})",
                    request.number, submission.idempotency_key
                ));
                // Tell the other devices the sent lines left the cart; best effort.
                let _ = account.engine.sync_cart_now().await;
                // Keep the pré-accord on the device, so that it reopens offline; best effort.
                let _ = self.preaccord_pdf(&request.id).await;
                Ok(*request)
            }
            SendOutcome::Refused(problem) => {
                self.log(&format!(
                    "demande refusée : {} (clé {})",
                    problem.code, submission.idempotency_key
                ));
                // The refusal is on screen now: it needs no later notice.
                lock(&account.store)
                    .acknowledge_refusals(std::slice::from_ref(&submission.idempotency_key))?;
                Err(ApiError::Status {
                    status: problem.status,
                    problem: Box::new(problem),
                    retry_after: None,
                    from_problem_document: true,
                }
                .into())
            }
            SendOutcome::Pending(e) => {
                self.log(&format!(
                    "demande en attente de réseau (clé {})",
                    submission.idempotency_key
                ));
                // A 429 or a proxy's page after the retries is no refusal: the request waits.
                let waiting =
                    retour_sync::retry::verdict(&e) != retour_sync::retry::Verdict::GiveUp;
                match AppError::from(e) {
                    e if waiting || e.code == ErrorCode::Unreachable => Err(AppError::new(
                        ErrorCode::SendPending,
                        "Pas de réseau : votre demande est enregistrée sur l'appareil et sera \
                         envoyée automatiquement dès que possible.",
                    )),
                    other => Err(other),
                }
            }
        }
    }
}
