//! The engine's v1.1 outboxes beyond messages: warranty claims, sent with their idempotency key
//! (their photos uploaded first) until the server answers definitively, and the driver's
//! confirmations (staff accounts), sent with the time of the scan until the server answers; and
//! the pending pickup's token and manifest, asked for when the garage opens "Préparer
//! l'enlèvement".

use std::future::Future;

use chrono::Utc;
use retour_domain::api::{Dossier, PendingPickup, PickupConfirmation, Problem, StaffPickupBody};
use retour_store::{Handover, OutboxClaim};

use super::{lock, store_error, SyncEngine};
use crate::client::{ApiClient, ApiError};
use crate::retry::{is_final_refusal, verdict, Verdict};

/// How sending a warranty claim or a driver's confirmation ended (for now).
#[derive(Debug, Clone)]
pub enum Outcome<T> {
    /// The server recorded it (or replayed its first answer).
    Done(Box<T>),
    /// Refused definitively, with the problem.
    Refused(Problem),
    /// No definitive answer yet: it will be sent again, the same, by the next sync.
    Pending(ApiError),
}

impl SyncEngine {
    /// Sends `request` until it gets a definitive answer or the backoff gives up, counting each
    /// attempt first with `count`.
    async fn send_until_answered<T, F, Fut>(
        &self,
        count: impl Fn(&mut retour_store::Store) -> retour_store::Result<()>,
        request: F,
    ) -> Result<Result<T, ApiError>, ApiError>
    where
        F: Fn(ApiClient, String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let backoff = self.backoff();
        let mut attempt = 0;
        let result = loop {
            self.store_to_write()
                .and_then(|mut store| count(&mut store).map_err(store_error))?;
            let result = self.session.call(&request).await;
            let in_progress = matches!(&result, Err(e) if e.code() == Some("request_in_progress"));
            let retry = match &result {
                Err(ApiError::Status { retry_after, .. }) if in_progress => Some(*retry_after),
                Err(e) => match verdict(e) {
                    Verdict::Retry(after) => Some(after),
                    Verdict::GiveUp => None,
                },
                Ok(_) => None,
            };
            match retry {
                Some(after) if attempt + 1 < backoff.attempts => {
                    tokio::time::sleep(backoff.delay(attempt, after, rand::random::<f64>())).await;
                    attempt += 1;
                }
                _ => break result,
            }
        };
        self.note_result(&result);
        Ok(result)
    }

    /// Sends every pending warranty claim with its own key; returns each outcome.
    pub async fn send_pending_warranty_claims(&self) -> Vec<(String, Outcome<Dossier>)> {
        let pending = lock(&self.store)
            .pending_warranty_claims()
            .unwrap_or_default();
        let mut outcomes = Vec::new();
        for claim in pending {
            let key = claim.idempotency_key.clone();
            outcomes.push((key, self.send_warranty_claim(&claim).await));
        }
        outcomes
    }

    /// Sends one warranty claim with its idempotency key (its photos and PDFs uploaded first) and records
    /// a definitive answer: the file made, or the refusal. The server answers a replayed key
    /// with the same file, so however many attempts reach it, one file is made.
    pub async fn send_warranty_claim(&self, claim: &OutboxClaim) -> Outcome<Dossier> {
        if let Err(e) = self.upload_photos().await {
            return Outcome::Pending(e);
        }
        if let Err(e) = self.upload_documents().await {
            return Outcome::Pending(e);
        }
        let key = claim.idempotency_key.clone();
        let result = self
            .send_until_answered(
                |store| store.count_warranty_attempt(&key),
                |client, token| {
                    let body = claim.body.clone();
                    let key = key.clone();
                    async move { client.send_warranty_claim(&token, &key, &body).await }
                },
            )
            .await;
        let now = Utc::now();
        let outcome = match result {
            Err(e) => Outcome::Pending(e),
            Ok(Ok(dossier)) => match self.store_to_write().and_then(|mut s| {
                s.finish_warranty_accepted(&key, &dossier, now)
                    .map_err(store_error)
            }) {
                Ok(()) => Outcome::Done(Box::new(dossier)),
                Err(e) => Outcome::Pending(e),
            },
            Ok(Err(e)) if is_final_refusal(&e) && e.code() != Some("request_in_progress") => {
                let ApiError::Status { problem, .. } = e else {
                    return Outcome::Pending(e);
                };
                match self.store_to_write().and_then(|mut s| {
                    s.finish_warranty_refused(&key, &problem.code, &problem.detail, now)
                        .map_err(store_error)
                }) {
                    Ok(()) => Outcome::Refused(*problem),
                    Err(e) => Outcome::Pending(e),
                }
            }
            Ok(Err(e)) => Outcome::Pending(e),
        };
        self.refresh_counts();
        outcome
    }

    /// Sends every driver's confirmation waiting on the device; returns each outcome.
    pub async fn send_pending_handovers(&self) -> Vec<(String, Outcome<PickupConfirmation>)> {
        let pending = lock(&self.store).pending_handovers().unwrap_or_default();
        let mut outcomes = Vec::new();
        for handover in pending {
            let id = handover.token_id.clone();
            outcomes.push((id, self.send_handover(&handover).await));
        }
        outcomes
    }

    /// Sends one driver's confirmation with the time of its scan and records a definitive
    /// answer. The server takes a token once and answers a replay of the same body with its
    /// first answer, so a confirmation sent again after a crash is applied once.
    pub async fn send_handover(&self, handover: &Handover) -> Outcome<PickupConfirmation> {
        let id = handover.token_id.clone();
        let body = StaffPickupBody {
            token: handover.token.clone(),
            driver_name: handover.driver_name.clone(),
            parcels: handover.parcels,
            scanned_at: Some(handover.scanned_at),
        };
        let result = self
            .send_until_answered(
                |store| store.count_handover_attempt(&id),
                |client, token| {
                    let body = body.clone();
                    async move { client.confirm_pickup(&token, &body).await }
                },
            )
            .await;
        let now = Utc::now();
        let outcome = match result {
            Err(e) => Outcome::Pending(e),
            Ok(Ok(answer)) => match self.store_to_write().and_then(|mut s| {
                s.finish_handover_confirmed(&id, &answer, now)
                    .map_err(store_error)
            }) {
                Ok(()) => Outcome::Done(Box::new(answer)),
                Err(e) => Outcome::Pending(e),
            },
            Ok(Err(e)) if is_final_refusal(&e) => {
                let ApiError::Status { problem, .. } = e else {
                    return Outcome::Pending(e);
                };
                match self.store_to_write().and_then(|mut s| {
                    s.finish_handover_refused(&id, &problem.code, &problem.detail, now)
                        .map_err(store_error)
                }) {
                    Ok(()) => Outcome::Refused(*problem),
                    Err(e) => Outcome::Pending(e),
                }
            }
            Ok(Err(e)) => Outcome::Pending(e),
        };
        self.refresh_counts();
        outcome
    }

    /// The garage's pending pickup: a new token over the files waiting for the driver.
    pub async fn pending_pickup(&self) -> Result<PendingPickup, ApiError> {
        self.call(|client, token| async move { client.pending_pickup(&token).await })
            .await
    }

    /// The pending pickup's manifest PDF.
    pub async fn pickup_manifest(&self) -> Result<Vec<u8>, ApiError> {
        self.call(|client, token| async move { client.pickup_manifest(&token).await })
            .await
    }
}
