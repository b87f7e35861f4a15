//! The attempt counters of the throttles that every instance shares ([`crate::throttle`]): one
//! row per kind of counter, subject (a client address, or the hex SHA-256 of an e-mail) and minute
//! (Unix seconds / 60), counted by an upsert so that concurrent attempts, on any instance, all
//! count; rows of past minutes are deleted by [`Conn::purge_expired`](super::Conn::purge_expired).

use super::{Conn, DbResult};

impl Conn<'_> {
    /// Counts one attempt of `subject` in `minute` for the counter `kind`; the attempts of that
    /// minute so far, this one included.
    pub fn count_attempt(&self, kind: &str, subject: &str, minute: i64) -> DbResult<u32> {
        self.value(
            "INSERT INTO throttle_counts (kind, subject, minute, attempts) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (kind, subject, minute)
                DO UPDATE SET attempts = throttle_counts.attempts + 1
             RETURNING attempts",
            &[&kind, &subject, &minute],
        )
    }

    /// Deletes the counts of minutes before `minute`; how many rows went.
    pub(super) fn purge_attempts(&self, minute: i64) -> DbResult<u64> {
        self.execute("DELETE FROM throttle_counts WHERE minute < ?1", &[&minute])
    }
}
