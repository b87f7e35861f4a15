//! What the device's outboxes share (submissions, messages, warranty claims, driver
//! confirmations): each row is written before it is first sent, counts its attempts, and ends
//! once, `pending` → accepted or `refused` with the server's code and French message; a late
//! answer never turns a finished row back.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use crate::Result;

/// One outbox table and the column of its key.
pub(crate) struct Outbox {
    table: &'static str,
    key: &'static str,
}

/// The return requests (`submissions`, by idempotency key).
pub(crate) const SUBMISSIONS: Outbox = Outbox {
    table: "submissions",
    key: "idempotency_key",
};
/// The messages written on files.
pub(crate) const MESSAGES: Outbox = Outbox {
    table: "message_outbox",
    key: "message_id",
};
/// The warranty claims.
pub(crate) const WARRANTY_CLAIMS: Outbox = Outbox {
    table: "warranty_outbox",
    key: "idempotency_key",
};
/// The driver's confirmations.
pub(crate) const HANDOVERS: Outbox = Outbox {
    table: "driver_pickups",
    key: "token_id",
};

impl Outbox {
    /// Counts one more attempt to send the row `key` (before the request leaves).
    pub(crate) fn count_attempt(&self, conn: &Connection, key: &str) -> Result<()> {
        conn.execute(
            &format!(
                "UPDATE {} SET attempts = attempts + 1 WHERE {} = ?1",
                self.table, self.key
            ),
            [key],
        )?;
        Ok(())
    }

    /// Records the server's definitive refusal of a row still pending.
    pub(crate) fn finish_refused(
        &self,
        conn: &Connection,
        key: &str,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        conn.execute(
            &format!(
                "UPDATE {} SET state = 'refused', error_code = ?2, error_message = ?3,
                     finished_at = ?4 WHERE {} = ?1 AND state = 'pending'",
                self.table, self.key
            ),
            params![key, code, message, now.to_rfc3339()],
        )?;
        Ok(())
    }
}
