//! The driver's confirmations (v1.1, "Mode chauffeur" on a staff account): each one keyed by its
//! token's id, with the driver's name, the parcels and the time of the scan, committed before it
//! is ever sent (so one made offline survives a crash and leaves once on reconnection), then
//! `confirmed` with the server's answer or `refused` with its code and French message.

use chrono::{DateTime, Utc};
use retour_domain::api::PickupConfirmation;
use rusqlite::{params, OptionalExtension};

use crate::{outbox, parse_instant, Result, Store, StoreError};

/// Where a driver's confirmation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverState {
    /// Not yet answered: sent again by the next sync (the server takes a token once).
    Pending,
    /// The server recorded it.
    Confirmed(Box<PickupConfirmation>),
    /// Refused for good, with the server's code and French message.
    Refused {
        /// The problem's code.
        code: String,
        /// The problem's French message.
        message: String,
    },
}

/// A driver's confirmation kept on the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// The token's id (its identity: one confirmation per token).
    pub token_id: String,
    /// The token as scanned.
    pub token: String,
    /// The driver's name.
    pub driver_name: String,
    /// Parcels handed over.
    pub parcels: u32,
    /// When the QR code was scanned.
    pub scanned_at: DateTime<Utc>,
    /// How many times it was sent.
    pub attempts: u32,
    /// Where it stands.
    pub state: HandoverState,
}

const COLUMNS: &str = "token_id, token, driver_name, parcels, scanned_at, attempts, state, \
                       response, error_code, error_message";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Handover>> {
    let state: String = r.get("state")?;
    let response: Option<String> = r.get("response")?;
    let code: Option<String> = r.get("error_code")?;
    let message: Option<String> = r.get("error_message")?;
    let scanned: String = r.get("scanned_at")?;
    let attempts: i64 = r.get("attempts")?;
    let parcels: i64 = r.get("parcels")?;
    let token_id: String = r.get("token_id")?;
    let token: String = r.get("token")?;
    let driver_name: String = r.get("driver_name")?;
    Ok((|| {
        let state = match state.as_str() {
            "pending" => HandoverState::Pending,
            "confirmed" => HandoverState::Confirmed(Box::new(
                serde_json::from_str(response.as_deref().unwrap_or("")).map_err(corrupt)?,
            )),
            "refused" => HandoverState::Refused {
                code: code.unwrap_or_default(),
                message: message.unwrap_or_default(),
            },
            other => return Err(corrupt(format!("état d'enlèvement {other:?}"))),
        };
        Ok(Handover {
            token_id,
            token,
            driver_name,
            parcels: u32::try_from(parcels).map_err(corrupt)?,
            scanned_at: parse_instant(&scanned)?,
            attempts: attempts.max(0) as u32,
            state,
        })
    })())
}

impl Store {
    /// Writes a driver's confirmation, committed before it returns. The same token twice keeps
    /// the first (one handover per token); returns the one kept.
    pub fn queue_handover(
        &mut self,
        token_id: &str,
        token: &str,
        driver_name: &str,
        parcels: u32,
        scanned_at: DateTime<Utc>,
    ) -> Result<Handover> {
        self.changed();
        self.conn.execute(
            "INSERT INTO driver_pickups (token_id, token, driver_name, parcels, scanned_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending') ON CONFLICT (token_id) DO NOTHING",
            params![
                token_id,
                token,
                driver_name,
                parcels,
                scanned_at.to_rfc3339()
            ],
        )?;
        self.handover(token_id)?
            .ok_or_else(|| corrupt("enlèvement introuvable"))
    }

    /// One confirmation by its token's id.
    pub fn handover(&self, token_id: &str) -> Result<Option<Handover>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM driver_pickups WHERE token_id = ?1"
            ))?
            .query_row([token_id], read)
            .optional()?
            .transpose()
    }

    /// The confirmations waiting to be sent, oldest scan first.
    pub fn pending_handovers(&self) -> Result<Vec<Handover>> {
        self.handovers_where("state = 'pending'")
    }

    /// Every confirmation made on this device, newest scan first.
    pub fn handovers(&self) -> Result<Vec<Handover>> {
        let mut all = self.handovers_where("1 = 1")?;
        all.reverse();
        Ok(all)
    }

    fn handovers_where(&self, filter: &str) -> Result<Vec<Handover>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM driver_pickups WHERE {filter} ORDER BY scanned_at, rowid"
        ))?;
        let rows = stmt.query_map([], read)?;
        rows.map(|r| r?).collect()
    }

    /// How many confirmations wait to be sent.
    pub fn pending_handover_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM driver_pickups WHERE state = 'pending'")?
            .query_row([], |row| row.get(0))?;
        Ok(n as u64)
    }

    /// Counts one more attempt (before the request leaves).
    pub fn count_handover_attempt(&mut self, token_id: &str) -> Result<()> {
        self.changed();
        outbox::HANDOVERS.count_attempt(&self.conn, token_id)
    }

    /// Records the server's answer to a confirmation.
    pub fn finish_handover_confirmed(
        &mut self,
        token_id: &str,
        answer: &PickupConfirmation,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        let json = serde_json::to_string(answer).map_err(corrupt)?;
        self.conn.execute(
            "UPDATE driver_pickups SET state = 'confirmed', response = ?2, finished_at = ?3
             WHERE token_id = ?1 AND state = 'pending'",
            params![token_id, json, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Records the server's definitive refusal of a confirmation.
    pub fn finish_handover_refused(
        &mut self,
        token_id: &str,
        code: &str,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.changed();
        outbox::HANDOVERS.finish_refused(&self.conn, token_id, code, message, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_confirmation_per_token_kept_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sqlite");
        let scanned: DateTime<Utc> = "2026-12-02T10:00:00Z".parse().unwrap();
        {
            let mut store = Store::open(&path).unwrap();
            store
                .queue_handover("t1", "RETOUR-PICKUP:x", "Paul", 2, scanned)
                .unwrap();
            // The same token again keeps the first.
            let again = store
                .queue_handover("t1", "RETOUR-PICKUP:x", "Jean", 5, Utc::now())
                .unwrap();
            assert_eq!((again.driver_name.as_str(), again.parcels), ("Paul", 2));
        }
        let mut store = Store::open(&path).unwrap();
        let pending = store.pending_handovers().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].scanned_at, scanned);
        let answer = PickupConfirmation {
            pickup_id: "t1".into(),
            at: scanned,
            dossiers: vec!["10000001".into()],
            driver_name: "Paul".into(),
            parcels: 2,
        };
        store
            .finish_handover_confirmed("t1", &answer, Utc::now())
            .unwrap();
        // A late refusal never turns a confirmed one back.
        store
            .finish_handover_refused("t1", "invalid_token", "x", Utc::now())
            .unwrap();
        assert_eq!(store.pending_handover_count().unwrap(), 0);
        assert!(matches!(
            store.handover("t1").unwrap().unwrap().state,
            HandoverState::Confirmed(_)
        ));
    }
}
