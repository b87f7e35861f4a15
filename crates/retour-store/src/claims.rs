//! Credit claims (v1.1, "Où est mon avoir ?"): "Réclamer" on a line writes a message to the
//! returns service through the message outbox; the claim records which line it was about, in the
//! same transaction, so that the screen says "Réclamé le …" and whether the message has left.

use chrono::{DateTime, Utc};
use rusqlite::params;
use uuid::Uuid;

use crate::messages::{read_message, MESSAGE_COLUMNS};
use crate::{parse_instant, OutboxMessage, Result, Store};

/// A claim made on this device about one decided line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditClaim {
    /// The return file.
    pub dossier: String,
    /// The line number within the file.
    pub line_no: u32,
    /// When it was made.
    pub claimed_at: DateTime<Utc>,
    /// The message that carries it, with where it stands.
    pub message: OutboxMessage,
}

impl Store {
    /// Writes a claim's message to the outbox (a fresh `message_id`, `pending`) and the claim on
    /// `dossier`'s line `line_no`, in one transaction committed before it returns.
    pub fn create_claim(
        &mut self,
        dossier: &str,
        line_no: u32,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<OutboxMessage> {
        self.changed();
        let id = Uuid::new_v4();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO message_outbox (message_id, dossier, text, created_at, state)
             VALUES (?1, ?2, ?3, ?4, 'pending')",
            params![id.to_string(), dossier, text, now.to_rfc3339()],
        )?;
        tx.execute(
            "INSERT INTO credit_claims (message_id, dossier, line_no, claimed_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![id.to_string(), dossier, line_no, now.to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(OutboxMessage {
            message_id: id,
            dossier: dossier.to_owned(),
            text: text.to_owned(),
            photos: Vec::new(),
            created_at: now,
            attempts: 0,
            state: crate::MessageState::Pending,
        })
    }

    /// The latest claim of every line claimed on this device, with its message, by file and line.
    pub fn credit_claims(&self) -> Result<Vec<CreditClaim>> {
        let columns = MESSAGE_COLUMNS
            .split(", ")
            .map(|c| format!("m.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT c.line_no AS line_no, c.claimed_at AS claimed_at, {columns}
             FROM credit_claims c JOIN message_outbox m ON m.message_id = c.message_id
             WHERE NOT EXISTS (SELECT 1 FROM credit_claims later
                 WHERE later.dossier = c.dossier AND later.line_no = c.line_no
                   AND (later.claimed_at, later.rowid) > (c.claimed_at, c.rowid))
             ORDER BY c.dossier, c.line_no"
        ))?;
        let rows = stmt.query_map([], |row| {
            let line_no: i64 = row.get("line_no")?;
            let claimed_at: String = row.get("claimed_at")?;
            Ok((line_no, claimed_at, crate::messages::row(row)?))
        })?;
        rows.map(|r| {
            let (line_no, claimed_at, message) = r?;
            let message = read_message(message)?;
            Ok(CreditClaim {
                dossier: message.dossier.clone(),
                line_no: u32::try_from(line_no).unwrap_or(0),
                claimed_at: parse_instant(&claimed_at)?,
                message,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageState;

    #[test]
    fn a_claim_is_its_message_and_the_latest_one_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(5);
        {
            let mut store = Store::open(&path).unwrap();
            store.create_claim("00012345", 1, "Avoir ?", now).unwrap();
            store
                .create_message("00012345", "Autre chose", &[], now)
                .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.pending_message_count().unwrap(), 2, "in the outbox");
        let claims = store.credit_claims().unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(
            (claims[0].dossier.as_str(), claims[0].line_no),
            ("00012345", 1)
        );
        assert_eq!(claims[0].message.text, "Avoir ?");
        assert_eq!(claims[0].message.state, MessageState::Pending);
        store
            .finish_message_sent(&claims[0].message.message_id, now)
            .unwrap();
        let again = store
            .create_claim("00012345", 1, "Toujours ?", later)
            .unwrap();
        let claims = store.credit_claims().unwrap();
        assert_eq!(claims.len(), 1, "one per line: the latest");
        assert_eq!(claims[0].message.message_id, again.message_id);
        assert_eq!(claims[0].claimed_at, later);
    }
}
