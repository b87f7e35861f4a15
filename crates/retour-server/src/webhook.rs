//! Webhook deliveries: the events queued by `Conn::enqueue_webhook_event` (in the transaction of
//! the change they report) are posted to each hook that wants them, as `{"id", "type", "at",
//! "data"}` signed with `Retour-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
//! at least once: a try that does not get a 2xx within [`ATTEMPT_TIMEOUT`] is retried with the
//! same body (the same event id) after growing waits with jitter (the first within 60 s), for 24 h
//! after the event (`retour_domain::webhook::next_attempt`), then given up and marked `failed`.
//! Every try is logged. The sender ([`run_sender`]) runs while the server serves, at most
//! [`CONCURRENCY`] posts at a time, by the state's clock; tests call [`deliver_due`].

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use retour_domain::webhook::{next_attempt, DeliveryAttempt};
use sha2::Sha256;

use crate::db::{AttemptOutcome, ClaimedDelivery, DbError};
use crate::AppState;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Retour-Signature";
/// How long one try may take (connection, answer) before it counts as failed.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most posts in flight at a time.
pub const CONCURRENCY: usize = 16;
/// How often the sender looks for due deliveries when nothing is due sooner (events queued by
/// another process, such as `retour-server staff reply`, are seen within this).
const POLL: Duration = Duration::from_secs(1);

/// The HTTP client of the deliveries: a timeout per try, no redirects followed (a 3xx is a
/// failed try).
pub(crate) fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "retour-server/",
            env!("CARGO_PKG_VERSION"),
            " webhooks"
        ))
        .build()
}

/// The `Retour-Signature` value of `body` sent at the Unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Tries every delivery due now, [`CONCURRENCY`] at a time, until none is due (a pass that is
/// running is waited for first); returns how many tries were made.
pub async fn deliver_due(state: &AppState) -> Result<usize, DbError> {
    let _pass = state.webhook_pass().lock().await;
    let mut tried = 0;
    loop {
        let now = state.now();
        let db = state.db().clone();
        let claimed = state
            .blocking(move || db.write(|c| c.claim_due_deliveries(now, CONCURRENCY)))
            .await
            .map_err(|e| DbError::Corrupt(format!("delivery pass: {e}")))??;
        if claimed.is_empty() {
            return Ok(tried);
        }
        let mut posts = tokio::task::JoinSet::new();
        for delivery in claimed {
            let state = state.clone();
            posts.spawn(async move {
                let attempt = post(&state, &delivery).await;
                (delivery, attempt)
            });
        }
        while let Some(joined) = posts.join_next().await {
            let Ok((delivery, (attempt, delivered))) = joined else {
                continue;
            };
            tried += 1;
            let outcome = if delivered {
                AttemptOutcome::Delivered
            } else {
                let jitter = rand::random::<f64>() * 2.0 - 1.0;
                match next_attempt(delivery.event_at, delivery.attempts, state.now(), jitter) {
                    Some(at) => AttemptOutcome::RetryAt(at),
                    None => {
                        tracing::warn!(url = %delivery.url, "webhook delivery given up after 24 h");
                        AttemptOutcome::GivenUp
                    }
                }
            };
            let db = state.db().clone();
            state
                .blocking(move || db.write(|c| c.record_attempt(delivery.id, &attempt, outcome)))
                .await
                .map_err(|e| DbError::Corrupt(format!("delivery pass: {e}")))??;
        }
    }
}

/// One try: the try as logged, and whether it was delivered (a 2xx answer).
async fn post(state: &AppState, delivery: &ClaimedDelivery) -> (DeliveryAttempt, bool) {
    let at = state.now();
    let started = Instant::now();
    let sent = state
        .webhook_client()
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            SIGNATURE_HEADER,
            signature(&delivery.secret, at.timestamp(), &delivery.body),
        )
        .body(delivery.body.clone())
        .send()
        .await;
    let (status_code, error) = match sent {
        Ok(response) => (Some(response.status().as_u16()), None),
        Err(error) => (None, Some(describe(&error))),
    };
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let delivered = status_code.is_some_and(|s| (200..300).contains(&s));
    if !delivered {
        tracing::debug!(url = %delivery.url, ?status_code, ?error, "webhook try failed");
    }
    (
        DeliveryAttempt {
            at,
            status_code,
            error,
            duration_ms,
        },
        delivered,
    )
}

/// A failed try in French, for the delivery log.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("délai de {} s dépassé", ATTEMPT_TIMEOUT.as_secs())
    } else if error.is_connect() {
        "connexion impossible".to_owned()
    } else if error.is_builder() {
        "adresse inutilisable".to_owned()
    } else {
        "échec de l'envoi".to_owned()
    }
}

/// The sender: tries what is due, then sleeps until the next delivery is due or a second passes;
/// runs while the server serves.
pub async fn run_sender(state: AppState) {
    loop {
        if let Err(error) = deliver_due(&state).await {
            tracing::warn!(%error, "the webhook sender failed a pass");
        }
        let next = state
            .read(|c| Ok(c.next_delivery_due()?))
            .await
            .ok()
            .flatten();
        let wait = next.map_or(POLL, |at| {
            (at - state.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(POLL)
        });
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_time_dot_body() {
        // Computed apart (Python's hmac module) for this secret, time and body.
        assert_eq!(
            signature("whsec_0123456789abcdef", 1_700_000_000, r#"{"id":"e1"}"#),
            "t=1700000000,v1=1d0aa489f3bec83604c4c19ad75263ddc9ca64959e07123cbb586b3bce5c3045"
        );
    }
}
