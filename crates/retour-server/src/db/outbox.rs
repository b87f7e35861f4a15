//! The mail outbox: messages written in the transaction that decides them, claimed by the sender
//! (a claim is a lease: a sender that dies leaves the message due again later), deleted once
//! sent, retried with growing waits, given up after [`MAX_ATTEMPTS`].

use chrono::{DateTime, Duration, Utc};

use super::values::{instant, parse_instant};
use super::{Conn, DbResult, Dialect, FromRow, Row};

/// How many times a message is tried before it is given up (and logged).
pub const MAX_ATTEMPTS: u32 = 10;
/// How long a claimed message is left to its sender before another may try it.
const LEASE: Duration = Duration::minutes(5);

/// The wait before the next try after `attempts` failed ones: 10 s, 20 s, 40 s, … up to 1 h.
pub fn retry_wait(attempts: u32) -> Duration {
    (Duration::seconds(10) * 2i32.pow(attempts.min(12))).min(Duration::hours(1))
}

/// A message taken from the outbox to be sent.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    /// Its row.
    pub id: i64,
    /// The message, as JSON (`crate::mail::OutgoingMail`).
    pub message: String,
    /// Tries so far, this one included.
    pub attempts: u32,
}

impl FromRow for ClaimedMail {
    fn from_row(row: &Row<'_>) -> DbResult<ClaimedMail> {
        Ok(ClaimedMail {
            id: row.get("id")?,
            message: row.get("message")?,
            attempts: row.get("attempts")?,
        })
    }
}

impl Conn<'_> {
    /// Queues a message (JSON) to be sent as soon as possible.
    pub fn enqueue_mail(&self, message: &str, now: DateTime<Utc>) -> DbResult<()> {
        self.execute(
            "INSERT INTO mail_outbox (message, next_attempt_at, created_at) VALUES (?1, ?2, ?2)",
            &[&message, &instant(now)],
        )?;
        Ok(())
    }

    /// Claims up to `limit` messages due at `now`.
    ///
    /// PostgreSQL: several instances may claim at once; each skips the rows another is claiming
    /// (`FOR UPDATE SKIP LOCKED`), so that no message is claimed twice. SQLite's single writer
    /// already runs one claim at a time.
    pub fn claim_due_mail(&self, now: DateTime<Utc>, limit: usize) -> DbResult<Vec<ClaimedMail>> {
        let claim = match self.dialect() {
            Dialect::Sqlite => {
                "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?2
                  WHERE id IN (SELECT id FROM mail_outbox
                                WHERE given_up_at IS NULL AND next_attempt_at <= ?1
                                ORDER BY next_attempt_at, id LIMIT ?3)
                 RETURNING id, message, attempts"
            }
            Dialect::Postgres => {
                "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?2
                  WHERE id IN (SELECT id FROM mail_outbox
                                WHERE given_up_at IS NULL AND next_attempt_at <= ?1
                                ORDER BY next_attempt_at, id LIMIT ?3
                                FOR UPDATE SKIP LOCKED)
                 RETURNING id, message, attempts"
            }
        };
        self.query(
            claim,
            &[
                &instant(now),
                &instant(now + LEASE),
                &i64::try_from(limit).unwrap_or(i64::MAX),
            ],
        )
    }

    /// A message was sent: it leaves the outbox.
    pub fn mail_sent(&self, id: i64) -> DbResult<()> {
        self.execute("DELETE FROM mail_outbox WHERE id = ?1", &[&id])?;
        Ok(())
    }

    /// A try failed: the message waits [`retry_wait`], or is given up after [`MAX_ATTEMPTS`].
    pub fn mail_failed(&self, mail: &ClaimedMail, error: &str, now: DateTime<Utc>) -> DbResult<()> {
        let given_up = (mail.attempts >= MAX_ATTEMPTS).then(|| instant(now));
        self.execute(
            "UPDATE mail_outbox SET next_attempt_at = ?2, last_error = ?3, given_up_at = ?4
              WHERE id = ?1",
            &[
                &mail.id,
                &instant(now + retry_wait(mail.attempts)),
                &error,
                &given_up,
            ],
        )?;
        Ok(())
    }

    /// When the next message is due, if any is waiting.
    pub fn next_mail_due(&self) -> DbResult<Option<DateTime<Utc>>> {
        let next: Option<String> = self.value(
            "SELECT MIN(next_attempt_at) FROM mail_outbox WHERE given_up_at IS NULL",
            &[],
        )?;
        next.as_deref().map(parse_instant).transpose()
    }
}
