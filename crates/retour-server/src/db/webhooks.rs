//! Webhooks (schema v7): the hooks the staff registered, the events to deliver — each written
//! once with its body, in the transaction of the change it reports, and one delivery per hook
//! that wants its type —, the deliveries claimed by the sender (a claim is a lease: a sender that
//! dies leaves the delivery due again later) and the log of every try.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use retour_domain::api::CustomerRef;
use retour_domain::webhook::{
    CheckedWebhook, Delivery, DeliveryAttempt, DeliveryState, EventType, Webhook,
};

use super::values::{instant, parse_instant};
use super::{Conn, DbError, DbResult, Dialect, FromRow, Row, Single};

/// How long a claimed delivery is left to its sender before another pass may try it again.
pub const DELIVERY_LEASE: Duration = Duration::minutes(2);

impl FromRow for Webhook {
    fn from_row(row: &Row<'_>) -> DbResult<Webhook> {
        let events: String = row.get("events")?;
        let codes: Vec<String> = serde_json::from_str(&events)
            .map_err(|_| DbError::Corrupt(format!("webhook events {events:?}")))?;
        Ok(Webhook {
            id: row.get("id")?,
            url: row.get("url")?,
            events: codes
                .iter()
                .map(|c| {
                    EventType::parse(c).ok_or_else(|| DbError::Corrupt(format!("event type {c:?}")))
                })
                .collect::<DbResult<_>>()?,
            created_at: parse_instant(&row.get::<String>("created_at")?)?,
        })
    }
}

/// A delivery taken from the queue to be tried now.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// Its row.
    pub id: i64,
    /// Where to post.
    pub url: String,
    /// The hook's secret.
    pub secret: String,
    /// The body, the same bytes at every try.
    pub body: String,
    /// When the event happened (retries stop 24 h after it).
    pub event_at: DateTime<Utc>,
    /// Tries so far, this one included.
    pub attempts: u32,
}

impl FromRow for ClaimedDelivery {
    fn from_row(row: &Row<'_>) -> DbResult<ClaimedDelivery> {
        Ok(ClaimedDelivery {
            id: row.get("id")?,
            url: row.get("url")?,
            secret: row.get("secret")?,
            body: row.get("body")?,
            event_at: parse_instant(&row.get::<String>("at")?)?,
            attempts: row.get("attempts")?,
        })
    }
}

/// What became of a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Failed; tried again at this instant.
    RetryAt(DateTime<Utc>),
    /// Failed, and 24 h have passed: given up.
    GivenUp,
}

struct DeliveryRow {
    id: i64,
    delivery: Delivery,
}

impl FromRow for DeliveryRow {
    fn from_row(row: &Row<'_>) -> DbResult<DeliveryRow> {
        let kind: String = row.get("type")?;
        let state: String = row.get("state")?;
        let next: Option<String> = row.get("next_attempt_at")?;
        let state = DeliveryState::parse(&state)
            .ok_or_else(|| DbError::Corrupt(format!("delivery state {state:?}")))?;
        Ok(DeliveryRow {
            id: row.get("id")?,
            delivery: Delivery {
                event_id: row.get("event")?,
                event_type: EventType::parse(&kind)
                    .ok_or_else(|| DbError::Corrupt(format!("event type {kind:?}")))?,
                at: parse_instant(&row.get::<String>("at")?)?,
                state,
                next_attempt_at: match state {
                    DeliveryState::Pending => next.as_deref().map(parse_instant).transpose()?,
                    _ => None,
                },
                attempts: Vec::new(),
            },
        })
    }
}

struct AttemptRow {
    delivery: i64,
    attempt: DeliveryAttempt,
}

impl FromRow for AttemptRow {
    fn from_row(row: &Row<'_>) -> DbResult<AttemptRow> {
        Ok(AttemptRow {
            delivery: row.get("delivery")?,
            attempt: DeliveryAttempt {
                at: parse_instant(&row.get::<String>("at")?)?,
                status_code: row.get("status_code")?,
                error: row.get("error")?,
                duration_ms: row.get::<i64>("duration_ms")?.unsigned_abs(),
            },
        })
    }
}

impl Conn<'_> {
    /// Registers a hook under `id`.
    pub fn insert_webhook(
        &self,
        id: &str,
        hook: &CheckedWebhook,
        now: DateTime<Utc>,
    ) -> DbResult<Webhook> {
        let events: Vec<&str> = hook.events.iter().map(|e| e.code()).collect();
        let events =
            serde_json::to_string(&events).map_err(|e| DbError::Corrupt(format!("events: {e}")))?;
        self.execute(
            "INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[&id, &hook.url, &events, &hook.secret, &instant(now)],
        )?;
        self.webhook(id)?
            .ok_or_else(|| DbError::Corrupt("webhook just written".to_owned()))
    }

    /// Every hook, oldest first.
    pub fn webhooks(&self) -> DbResult<Vec<Webhook>> {
        self.query(
            "SELECT id, url, events, created_at FROM webhooks ORDER BY created_at, id",
            &[],
        )
    }

    /// One hook.
    pub fn webhook(&self, id: &str) -> DbResult<Option<Webhook>> {
        self.query_first(
            "SELECT id, url, events, created_at FROM webhooks WHERE id = ?1",
            &[&id],
        )
    }

    /// Deletes a hook with its queue and log; whether it existed.
    pub fn delete_webhook(&self, id: &str) -> DbResult<bool> {
        self.execute(
            "DELETE FROM webhook_attempts WHERE delivery IN
               (SELECT id FROM webhook_deliveries WHERE webhook = ?1)",
            &[&id],
        )?;
        self.execute("DELETE FROM webhook_deliveries WHERE webhook = ?1", &[&id])?;
        Ok(self.execute("DELETE FROM webhooks WHERE id = ?1", &[&id])? > 0)
    }

    /// Queues an event for every hook that wants its type, in the caller's transaction: the
    /// event is delivered (at least once) if and only if the change it reports commits. Posted
    /// as `{"id", "type", "at", "data"}`, `id` a new UUID, `at` = `now`. Returns the event's id,
    /// or `None` when no hook wants this type (nothing is written).
    ///
    /// This is the one way to emit a webhook event: call it where the change is written.
    pub fn enqueue_webhook_event(
        &self,
        kind: EventType,
        data: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> DbResult<Option<String>> {
        let hooks: Vec<String> = self
            .webhooks()?
            .into_iter()
            .filter(|h| h.events.contains(&kind))
            .map(|h| h.id)
            .collect();
        if hooks.is_empty() {
            return Ok(None);
        }
        let id = uuid::Uuid::new_v4().to_string();
        let at = instant(now);
        let body = serde_json::to_string(&serde_json::json!({
            "id": id,
            "type": kind.code(),
            "at": at,
            "data": data,
        }))
        .map_err(|e| DbError::Corrupt(format!("event body: {e}")))?;
        self.execute(
            "INSERT INTO webhook_events (id, type, at, body) VALUES (?1, ?2, ?3, ?4)",
            &[&id, &kind.code(), &at, &body],
        )?;
        for hook in hooks {
            self.execute(
                "INSERT INTO webhook_deliveries (webhook, event, state, next_attempt_at)
                 VALUES (?1, ?2, 'pending', ?3)",
                &[&hook, &id, &at],
            )?;
        }
        Ok(Some(id))
    }

    /// The garage an event is about, as events name it (`{"code", "name"}`).
    pub fn webhook_customer(&self, customer_id: i64) -> DbResult<Option<CustomerRef>> {
        let row: Option<(String, String)> = self.query_first(
            "SELECT code, name FROM customers WHERE id = ?1",
            &[&customer_id],
        )?;
        Ok(row.map(|(code, name)| CustomerRef { code, name }))
    }

    /// Claims up to `limit` deliveries due at `now`, counting the try and leasing them for
    /// [`DELIVERY_LEASE`].
    ///
    /// PostgreSQL: several instances may claim at once; each skips the rows another is claiming
    /// (`FOR UPDATE SKIP LOCKED`), so that no delivery is claimed twice. SQLite's single writer
    /// already runs one claim at a time.
    pub fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> DbResult<Vec<ClaimedDelivery>> {
        let claim = match self.dialect() {
            Dialect::Sqlite => {
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?2
                  WHERE id IN (SELECT id FROM webhook_deliveries
                                WHERE state = 'pending' AND next_attempt_at <= ?1
                                ORDER BY next_attempt_at, id LIMIT ?3)
                 RETURNING id"
            }
            Dialect::Postgres => {
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?2
                  WHERE id IN (SELECT id FROM webhook_deliveries
                                WHERE state = 'pending' AND next_attempt_at <= ?1
                                ORDER BY next_attempt_at, id LIMIT ?3
                                FOR UPDATE SKIP LOCKED)
                 RETURNING id"
            }
        };
        let ids: Vec<Single<i64>> = self.query(
            claim,
            &[
                &instant(now),
                &instant(now + DELIVERY_LEASE),
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
        )?;
        let mut claimed = Vec::with_capacity(ids.len());
        for Single(id) in ids {
            claimed.extend(self.query_first::<ClaimedDelivery>(
                "SELECT d.id, h.url, h.secret, e.body, e.at, d.attempts
                   FROM webhook_deliveries d
                   JOIN webhooks h ON h.id = d.webhook
                   JOIN webhook_events e ON e.id = d.event
                  WHERE d.id = ?1",
                &[&id],
            )?);
        }
        Ok(claimed)
    }

    /// Logs a try and moves the delivery on; nothing when its hook was deleted meanwhile.
    pub fn record_attempt(
        &self,
        delivery: i64,
        attempt: &DeliveryAttempt,
        outcome: AttemptOutcome,
    ) -> DbResult<()> {
        let (state, next) = match outcome {
            AttemptOutcome::Delivered => ("delivered", None),
            AttemptOutcome::RetryAt(at) => ("pending", Some(instant(at))),
            AttemptOutcome::GivenUp => ("failed", None),
        };
        let updated = self.execute(
            "UPDATE webhook_deliveries SET state = ?2, next_attempt_at = ?3 WHERE id = ?1",
            &[&delivery, &state, &next],
        )?;
        if updated == 0 {
            return Ok(());
        }
        self.execute(
            "INSERT INTO webhook_attempts (delivery, at, status_code, error, duration_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                &delivery,
                &instant(attempt.at),
                &attempt.status_code,
                &attempt.error,
                &i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX),
            ],
        )?;
        Ok(())
    }

    /// When the next delivery is due, if any is waiting.
    pub fn next_delivery_due(&self) -> DbResult<Option<DateTime<Utc>>> {
        let next: Option<String> = self.value(
            "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'",
            &[],
        )?;
        next.as_deref().map(parse_instant).transpose()
    }

    /// A hook's latest `limit` deliveries, newest first, each with its tries oldest first.
    pub fn deliveries(&self, hook: &str, limit: u32) -> DbResult<Vec<Delivery>> {
        let rows: Vec<DeliveryRow> = self.query(
            "SELECT d.id, d.event, d.state, d.next_attempt_at, e.type, e.at
               FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event
              WHERE d.webhook = ?1 ORDER BY d.id DESC LIMIT ?2",
            &[&hook, &limit],
        )?;
        let Some(oldest) = rows.last().map(|r| r.id) else {
            return Ok(Vec::new());
        };
        let mut attempts: HashMap<i64, Vec<DeliveryAttempt>> = HashMap::new();
        for row in self.query::<AttemptRow>(
            "SELECT a.delivery, a.at, a.status_code, a.error, a.duration_ms
               FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery
              WHERE d.webhook = ?1 AND a.delivery >= ?2 ORDER BY a.id",
            &[&hook, &oldest],
        )? {
            attempts.entry(row.delivery).or_default().push(row.attempt);
        }
        Ok(rows
            .into_iter()
            .map(|mut r| {
                r.delivery.attempts = attempts.remove(&r.id).unwrap_or_default();
                r.delivery
            })
            .collect())
    }
}
