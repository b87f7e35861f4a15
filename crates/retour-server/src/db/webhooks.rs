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
use rusqlite::{params, Row};

use super::values::{instant, parse_instant};
use super::{query_all, query_first, Conn, DbError, DbResult, FromRow};

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
            created_at: parse_instant(&row.get::<_, String>("created_at")?)?,
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
            event_at: parse_instant(&row.get::<_, String>("at")?)?,
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
                at: parse_instant(&row.get::<_, String>("at")?)?,
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
                at: parse_instant(&row.get::<_, String>("at")?)?,
                status_code: row.get("status_code")?,
                error: row.get("error")?,
                duration_ms: row.get::<_, i64>("duration_ms")?.unsigned_abs(),
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
        self.c.execute(
            "INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, hook.url, events, hook.secret, instant(now)],
        )?;
        self.webhook(id)?
            .ok_or_else(|| DbError::Corrupt("webhook just written".to_owned()))
    }

    /// Every hook, oldest first.
    pub fn webhooks(&self) -> DbResult<Vec<Webhook>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT id, url, events, created_at FROM webhooks ORDER BY created_at, id",
        )?;
        query_all(&mut stmt, [])
    }

    /// One hook.
    pub fn webhook(&self, id: &str) -> DbResult<Option<Webhook>> {
        let mut stmt = self
            .c
            .prepare_cached("SELECT id, url, events, created_at FROM webhooks WHERE id = ?1")?;
        query_first(&mut stmt, [id])
    }

    /// Deletes a hook with its queue and log; whether it existed.
    pub fn delete_webhook(&self, id: &str) -> DbResult<bool> {
        self.c.execute(
            "DELETE FROM webhook_attempts WHERE delivery IN
               (SELECT id FROM webhook_deliveries WHERE webhook = ?1)",
            [id],
        )?;
        self.c
            .execute("DELETE FROM webhook_deliveries WHERE webhook = ?1", [id])?;
        Ok(self.c.execute("DELETE FROM webhooks WHERE id = ?1", [id])? > 0)
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
        self.c.execute(
            "INSERT INTO webhook_events (id, type, at, body) VALUES (?1, ?2, ?3, ?4)",
            params![id, kind.code(), at, body],
        )?;
        let mut insert = self.c.prepare_cached(
            "INSERT INTO webhook_deliveries (webhook, event, state, next_attempt_at)
             VALUES (?1, ?2, 'pending', ?3)",
        )?;
        for hook in hooks {
            insert.execute(params![hook, id, at])?;
        }
        Ok(Some(id))
    }

    /// The garage an event is about, as events name it (`{"code", "name"}`).
    pub fn webhook_customer(&self, customer_id: i64) -> DbResult<Option<CustomerRef>> {
        let mut stmt = self
            .c
            .prepare_cached("SELECT code, name FROM customers WHERE id = ?1")?;
        let mut rows = stmt.query([customer_id])?;
        Ok(match rows.next()? {
            Some(row) => Some(CustomerRef {
                code: row.get("code")?,
                name: row.get("name")?,
            }),
            None => None,
        })
    }

    /// Claims up to `limit` deliveries due at `now`, counting the try and leasing them for
    /// [`DELIVERY_LEASE`].
    pub fn claim_due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> DbResult<Vec<ClaimedDelivery>> {
        let ids: Vec<i64> = self
            .c
            .prepare_cached(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?2
                  WHERE id IN (SELECT id FROM webhook_deliveries
                                WHERE state = 'pending' AND next_attempt_at <= ?1
                                ORDER BY next_attempt_at, id LIMIT ?3)
                 RETURNING id",
            )?
            .query_map(
                params![instant(now), instant(now + DELIVERY_LEASE), limit as i64],
                |r| r.get("id"),
            )?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.c.prepare_cached(
            "SELECT d.id, h.url, h.secret, e.body, e.at, d.attempts
               FROM webhook_deliveries d
               JOIN webhooks h ON h.id = d.webhook
               JOIN webhook_events e ON e.id = d.event
              WHERE d.id = ?1",
        )?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            claimed.extend(query_first::<ClaimedDelivery>(&mut stmt, [id])?);
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
        let updated = self.c.execute(
            "UPDATE webhook_deliveries SET state = ?2, next_attempt_at = ?3 WHERE id = ?1",
            params![delivery, state, next],
        )?;
        if updated == 0 {
            return Ok(());
        }
        self.c.execute(
            "INSERT INTO webhook_attempts (delivery, at, status_code, error, duration_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                delivery,
                instant(attempt.at),
                attempt.status_code,
                attempt.error,
                i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX)
            ],
        )?;
        Ok(())
    }

    /// When the next delivery is due, if any is waiting.
    pub fn next_delivery_due(&self) -> DbResult<Option<DateTime<Utc>>> {
        let next: Option<String> = self.c.query_row(
            "SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        next.as_deref().map(parse_instant).transpose()
    }

    /// A hook's latest `limit` deliveries, newest first, each with its tries oldest first.
    pub fn deliveries(&self, hook: &str, limit: u32) -> DbResult<Vec<Delivery>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT d.id, d.event, d.state, d.next_attempt_at, e.type, e.at
               FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event
              WHERE d.webhook = ?1 ORDER BY d.id DESC LIMIT ?2",
        )?;
        let rows: Vec<DeliveryRow> = query_all(&mut stmt, params![hook, limit])?;
        let Some(oldest) = rows.last().map(|r| r.id) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.c.prepare_cached(
            "SELECT a.delivery, a.at, a.status_code, a.error, a.duration_ms
               FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery
              WHERE d.webhook = ?1 AND a.delivery >= ?2 ORDER BY a.id",
        )?;
        let mut attempts: HashMap<i64, Vec<DeliveryAttempt>> = HashMap::new();
        for row in query_all::<AttemptRow>(&mut stmt, params![hook, oldest])? {
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
