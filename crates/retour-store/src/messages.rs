//! The message outbox (v1.1): messages written on a return file, each with the `message_id` made
//! on the device, committed before the façade call returns; sent with that id until the server
//! answers definitively (`sent`, or `refused` with its code and French message), so that a message
//! leaves exactly once whatever the retries and crashes.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

use crate::{outbox, parse_instant, record_photo, NewPhoto, Result, Store, StoreError};

/// Where a message of the outbox stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageState {
    /// Not yet recorded by the server: sent again, with the same id, by the next sync.
    Pending,
    /// Recorded by the server.
    Sent,
    /// Refused for good by the server, with its code and French message.
    Refused {
        /// The problem's code.
        code: String,
        /// The problem's French message.
        message: String,
    },
}

/// A message of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// The `message_id` made on the device, sent with every attempt.
    pub message_id: Uuid,
    /// The return file's number.
    pub dossier: String,
    /// The text (already checked by the domain's rule).
    pub text: String,
    /// The ids of the photos it carries (files of the device's photo folder).
    pub photos: Vec<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// How many times it was sent.
    pub attempts: u32,
    /// Where it stands.
    pub state: MessageState,
}

pub(crate) type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
);

pub(crate) const MESSAGE_COLUMNS: &str =
    "message_id, dossier, text, photos, created_at, attempts, state, error_code, error_message";

pub(crate) fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        row.get("message_id")?,
        row.get("dossier")?,
        row.get("text")?,
        row.get("photos")?,
        row.get("created_at")?,
        row.get("attempts")?,
        row.get("state")?,
        row.get("error_code")?,
        row.get("error_message")?,
    ))
}

pub(crate) fn read_message(row: Row) -> Result<OutboxMessage> {
    let (id, dossier, text, photos, created, attempts, state, code, message) = row;
    let state = match state.as_str() {
        "pending" => MessageState::Pending,
        "sent" => MessageState::Sent,
        "refused" => MessageState::Refused {
            code: code.unwrap_or_default(),
            message: message.unwrap_or_default(),
        },
        other => return Err(StoreError::Corrupt(format!("état de message {other:?}"))),
    };
    Ok(OutboxMessage {
        message_id: Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        dossier,
        text,
        photos: serde_json::from_str(&photos)
            .map_err(|_| StoreError::Corrupt(format!("photos de message {photos:?}")))?,
        created_at: parse_instant(&created)?,
        attempts: attempts.max(0) as u32,
        state,
    })
}

impl Store {
    /// Writes a message with a fresh `message_id` to the outbox, and the photos it carries (their
    /// files already written) to be uploaded, in one transaction committed before it returns
    /// (before it is ever sent).
    pub fn create_message(
        &mut self,
        dossier: &str,
        text: &str,
        photos: &[NewPhoto],
        now: DateTime<Utc>,
    ) -> Result<OutboxMessage> {
        self.changed();
        let id = Uuid::new_v4();
        let ids: Vec<String> = photos.iter().map(|p| p.hash.clone()).collect();
        let tx = self.conn.transaction()?;
        for photo in photos {
            record_photo(&tx, photo)?;
        }
        tx.execute(
            "INSERT INTO message_outbox (message_id, dossier, text, photos, created_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
            params![
                id.to_string(),
                dossier,
                text,
                serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                now.to_rfc3339()
            ],
        )?;
        tx.commit()?;
        Ok(OutboxMessage {
            message_id: id,
            dossier: dossier.to_owned(),
            text: text.to_owned(),
            photos: ids,
            created_at: now,
            attempts: 0,
            state: MessageState::Pending,
        })
    }

    /// The messages waiting to be sent, oldest first.
    pub fn pending_messages(&self) -> Result<Vec<OutboxMessage>> {
        self.messages_where("state = 'pending'", &[])
    }

    /// How many messages wait to be sent.
    pub fn pending_message_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM message_outbox WHERE state = 'pending'")?
            .query_row([], |row| row.get(0))?;
        Ok(n as u64)
    }

    /// Every message written on this device about a file, oldest first.
    pub fn dossier_messages(&self, dossier: &str) -> Result<Vec<OutboxMessage>> {
        self.messages_where("dossier = ?1", &[&dossier])
    }

    /// One message by id.
    pub fn outbox_message(&self, id: &Uuid) -> Result<Option<OutboxMessage>> {
        let found = self
            .conn
            .prepare_cached(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM message_outbox WHERE message_id = ?1"
            ))?
            .query_row([id.to_string()], row)
            .optional()?;
        found.map(read_message).transpose()
    }

    fn messages_where(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<OutboxMessage>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM message_outbox WHERE {filter} ORDER BY created_at, rowid"
        ))?;
        let rows = stmt.query_map(args, row)?;
        rows.map(|r| read_message(r?)).collect()
    }

    /// Counts one more attempt to send a message (before the request leaves).
    pub fn count_message_attempt(&mut self, id: &Uuid) -> Result<()> {
        self.changed();
        outbox::MESSAGES.count_attempt(&self.conn, &id.to_string())
    }

    /// Records that the server recorded a message.
    pub fn finish_message_sent(&mut self, id: &Uuid, now: DateTime<Utc>) -> Result<()> {
        self.changed();
        self.conn.execute(
            "UPDATE message_outbox SET state = 'sent', finished_at = ?2
             WHERE message_id = ?1 AND state = 'pending'",
            params![id.to_string(), now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Records the server's definitive refusal of a message, with its code and French message.
    pub fn finish_message_refused(
        &mut self,
        id: &Uuid,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        outbox::MESSAGES.finish_refused(&self.conn, &id.to_string(), code, message, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_wait_across_reopen_and_end_sent_or_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let now = Utc::now();
        let (first, second) = {
            let mut store = Store::open(&path).unwrap();
            let first = store
                .create_message("00012345", "Bonjour", &[], now)
                .unwrap();
            let second = store
                .create_message("00012345", "Encore", &[], now)
                .unwrap();
            store.create_message("00099999", "Autre", &[], now).unwrap();
            (first, second)
        };
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.pending_message_count().unwrap(), 3);
        let kept = store.dossier_messages("00012345").unwrap();
        assert_eq!(kept, vec![first.clone(), second.clone()]);
        store.count_message_attempt(&first.message_id).unwrap();
        store.finish_message_sent(&first.message_id, now).unwrap();
        store
            .finish_message_refused(&second.message_id, "not_found", "Introuvable", now)
            .unwrap();
        // A late answer never turns a finished message back.
        store
            .finish_message_refused(&first.message_id, "x", "y", now)
            .unwrap();
        let first = store.outbox_message(&first.message_id).unwrap().unwrap();
        assert_eq!((first.attempts, first.state), (1, MessageState::Sent));
        assert_eq!(
            store
                .outbox_message(&second.message_id)
                .unwrap()
                .unwrap()
                .state,
            MessageState::Refused {
                code: "not_found".into(),
                message: "Introuvable".into()
            }
        );
        let pending = store.pending_messages().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].dossier, "00099999");
    }

    #[test]
    fn a_message_with_photos_keeps_them_and_queues_them_for_upload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let now = Utc::now();
        let photo = NewPhoto {
            hash: "ab".repeat(32),
            bytes: 1234,
            at: now,
        };
        let written = Store::open(&path)
            .unwrap()
            .create_message(
                "00012345",
                "Voici la pièce",
                std::slice::from_ref(&photo),
                now,
            )
            .unwrap();
        let store = Store::open(&path).unwrap();
        let kept = store.outbox_message(&written.message_id).unwrap().unwrap();
        assert_eq!(kept.photos, vec![photo.hash.clone()]);
        assert_eq!(store.photos_to_upload().unwrap(), vec![photo.hash]);
    }
}
