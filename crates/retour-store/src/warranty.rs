//! Warranty claims on the device (v1.1): one draft per BL line (the form as the user left it,
//! kept across restarts), the photos and PDFs a claim names, and the claim outbox — each claim written with
//! its idempotency key (and its draft removed) in one transaction before it is ever sent, then
//! `accepted` with the file the server made or `refused` with its code and French message.

use chrono::{DateTime, Utc};
use retour_domain::api::{Dossier, WarrantyClaimBody};
use rusqlite::{params, OptionalExtension};
use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

use crate::{outbox, parse_instant, NewPhoto, Result, Store, StoreError};

/// Where a claim of the outbox stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimState {
    /// No definitive answer yet: sent again, with the same key, by the next sync.
    Pending,
    /// The server made the file.
    Accepted(Box<Dossier>),
    /// Refused for good, with the server's code and French message.
    Refused {
        /// The problem's code.
        code: String,
        /// The problem's French message.
        message: String,
    },
}

/// A claim of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxClaim {
    /// The key every attempt carries.
    pub idempotency_key: String,
    /// The body, as first sent.
    pub body: WarrantyClaimBody,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// How many times it was sent.
    pub attempts: u32,
    /// Where it stands.
    pub state: ClaimState,
}

const COLUMNS: &str =
    "idempotency_key, body, created_at, attempts, state, response, error_code, error_message";

type Row = (
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        row.get("idempotency_key")?,
        row.get("body")?,
        row.get("created_at")?,
        row.get("attempts")?,
        row.get("state")?,
        row.get("response")?,
        row.get("error_code")?,
        row.get("error_message")?,
    ))
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn read(row: Row) -> Result<OutboxClaim> {
    let (key, body, created, attempts, state, response, code, message) = row;
    let state = match state.as_str() {
        "pending" => ClaimState::Pending,
        "accepted" => ClaimState::Accepted(Box::new(
            serde_json::from_str(response.as_deref().unwrap_or("")).map_err(corrupt)?,
        )),
        "refused" => ClaimState::Refused {
            code: code.unwrap_or_default(),
            message: message.unwrap_or_default(),
        },
        other => return Err(corrupt(format!("état de garantie {other:?}"))),
    };
    Ok(OutboxClaim {
        idempotency_key: key,
        body: serde_json::from_str(&body).map_err(corrupt)?,
        created_at: parse_instant(&created)?,
        attempts: attempts.max(0) as u32,
        state,
    })
}

impl Store {
    /// The draft of a claim on a BL line, with when it was last saved.
    pub fn warranty_draft<T: DeserializeOwned>(
        &self,
        delivery_note: &str,
        line_no: u32,
    ) -> Result<Option<(T, DateTime<Utc>)>> {
        let found: Option<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT draft, updated_at FROM warranty_drafts
                 WHERE delivery_note = ?1 AND line_no = ?2",
            )?
            .query_row(params![delivery_note, line_no], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        found
            .map(|(draft, at)| {
                Ok((
                    serde_json::from_str(&draft).map_err(corrupt)?,
                    parse_instant(&at)?,
                ))
            })
            .transpose()
    }

    /// Saves the draft of a claim on a BL line (replacing the previous one), committed before it
    /// returns.
    pub fn save_warranty_draft<T: Serialize>(
        &mut self,
        delivery_note: &str,
        line_no: u32,
        draft: &T,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        let json = serde_json::to_string(draft).map_err(corrupt)?;
        self.conn
            .prepare_cached(
                "INSERT INTO warranty_drafts (delivery_note, line_no, draft, updated_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (delivery_note, line_no) DO UPDATE SET draft = ?3, updated_at = ?4",
            )?
            .execute(params![delivery_note, line_no, json, now.to_rfc3339()])?;
        Ok(())
    }

    /// Records a photo taken on the device for a claim (its file already written), to be uploaded
    /// by the next sync.
    pub fn record_photo(&mut self, photo: &NewPhoto) -> Result<()> {
        self.changed();
        self.conn
            .prepare_cached(
                "INSERT INTO photos (hash, bytes, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash) DO NOTHING",
            )?
            .execute(params![
                photo.hash,
                i64::try_from(photo.bytes).unwrap_or(i64::MAX),
                photo.at.to_rfc3339()
            ])?;
        Ok(())
    }

    /// Records a PDF kept on the device for a claim (its file, [`Store::document_path`], already
    /// written), to be uploaded by the next sync before the claim.
    pub fn record_document(&mut self, document: &NewPhoto) -> Result<()> {
        self.changed();
        self.conn
            .prepare_cached(
                "INSERT INTO photos (hash, bytes, created_at, kind) VALUES (?1, ?2, ?3, 'pdf')
                 ON CONFLICT (hash) DO NOTHING",
            )?
            .execute(params![
                document.hash,
                i64::try_from(document.bytes).unwrap_or(i64::MAX),
                document.at.to_rfc3339()
            ])?;
        Ok(())
    }

    /// Queues a claim with a fresh idempotency key and removes its line's draft, in one committed
    /// transaction (before it is ever sent).
    pub fn queue_warranty_claim(
        &mut self,
        body: &WarrantyClaimBody,
        now: DateTime<Utc>,
    ) -> Result<OutboxClaim> {
        self.changed();
        let key = Uuid::new_v4().to_string();
        let json = serde_json::to_string(body).map_err(corrupt)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO warranty_outbox (idempotency_key, delivery_note, line_no, body, created_at,
                 state) VALUES (?1, ?2, ?3, ?4, ?5, 'pending')",
            params![key, body.delivery_note, body.line_no, json, now.to_rfc3339()],
        )?;
        tx.execute(
            "DELETE FROM warranty_drafts WHERE delivery_note = ?1 AND line_no = ?2",
            params![body.delivery_note, body.line_no],
        )?;
        tx.commit()?;
        Ok(OutboxClaim {
            idempotency_key: key,
            body: body.clone(),
            created_at: now,
            attempts: 0,
            state: ClaimState::Pending,
        })
    }

    /// The claims waiting for a definitive answer, oldest first.
    pub fn pending_warranty_claims(&self) -> Result<Vec<OutboxClaim>> {
        self.claims_where("state = 'pending'", &[])
    }

    /// How many claims wait for a definitive answer.
    pub fn pending_warranty_claim_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM warranty_outbox WHERE state = 'pending'")?
            .query_row([], |row| row.get(0))?;
        Ok(n as u64)
    }

    /// Every claim queued on this device, oldest first.
    pub fn warranty_claims(&self) -> Result<Vec<OutboxClaim>> {
        self.claims_where("1 = 1", &[])
    }

    /// One claim by its key.
    pub fn warranty_claim(&self, key: &str) -> Result<Option<OutboxClaim>> {
        let found = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM warranty_outbox WHERE idempotency_key = ?1"
            ))?
            .query_row([key], row)
            .optional()?;
        found.map(read).transpose()
    }

    fn claims_where(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<OutboxClaim>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM warranty_outbox WHERE {filter} ORDER BY created_at, rowid"
        ))?;
        let rows = stmt.query_map(args, row)?;
        rows.map(|r| read(r?)).collect()
    }

    /// Counts one more attempt to send a claim (before the request leaves).
    pub fn count_warranty_attempt(&mut self, key: &str) -> Result<()> {
        self.changed();
        outbox::WARRANTY_CLAIMS.count_attempt(&self.conn, key)
    }

    /// Records the file the server made for a claim.
    pub fn finish_warranty_accepted(
        &mut self,
        key: &str,
        dossier: &Dossier,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        let json = serde_json::to_string(dossier).map_err(corrupt)?;
        self.conn.execute(
            "UPDATE warranty_outbox SET state = 'accepted', response = ?2, finished_at = ?3
             WHERE idempotency_key = ?1 AND state = 'pending'",
            params![key, json, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Records the server's definitive refusal of a claim.
    pub fn finish_warranty_refused(
        &mut self,
        key: &str,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        outbox::WARRANTY_CLAIMS.finish_refused(&self.conn, key, code, message, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> WarrantyClaimBody {
        WarrantyClaimBody {
            delivery_note: "250001106".into(),
            line_no: 2,
            qty: 1,
            vin: "VF3LCYHZPJS123456".into(),
            registration: None,
            vehicle: None,
            fitted_on: "2026-01-10".parse().unwrap(),
            fitted_km: 1,
            failed_on: "2026-02-10".parse().unwrap(),
            failed_km: 2,
            symptom: "Bruit de roulement".into(),
            photos: vec!["a".repeat(64)],
            documents: None,
        }
    }

    #[test]
    fn a_draft_survives_reopen_and_leaves_with_its_claim() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let now = Utc::now();
        {
            let mut store = Store::open(&path).unwrap();
            store
                .save_warranty_draft("250001106", 2, &serde_json::json!({"vin": "VF3"}), now)
                .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let (draft, _): (serde_json::Value, _) =
            store.warranty_draft("250001106", 2).unwrap().unwrap();
        assert_eq!(draft["vin"], "VF3");
        let claim = store.queue_warranty_claim(&body(), now).unwrap();
        assert!(store
            .warranty_draft::<serde_json::Value>("250001106", 2)
            .unwrap()
            .is_none());
        assert_eq!(store.pending_warranty_claim_count().unwrap(), 1);
        store
            .count_warranty_attempt(&claim.idempotency_key)
            .unwrap();
        store
            .finish_warranty_refused(&claim.idempotency_key, "service_closed", "Fermé", now)
            .unwrap();
        let kept = store
            .warranty_claim(&claim.idempotency_key)
            .unwrap()
            .unwrap();
        assert_eq!(kept.attempts, 1);
        assert_eq!(kept.body, body());
        assert!(matches!(kept.state, ClaimState::Refused { .. }));
        assert_eq!(store.pending_warranty_claim_count().unwrap(), 0);
    }
}
