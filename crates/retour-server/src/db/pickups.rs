//! The driver's pickups (schema v7): the files waiting for the driver, each token used once (its
//! body's hash and its answer kept), the files moved to `received` by the driver with their
//! timeline event, and the server's own secrets (the pickup key made at the first start).

use chrono::{DateTime, Utc};
use retour_domain::pickup::MAX_FILES;
use retour_domain::status::DossierStatus;
use retour_domain::timeline::{Actor, EventKind};

use super::dossiers::StoredDossier;
use super::values::instant;
use super::{Conn, DbResult};

/// A customer by its code: id, code and name.
pub type CustomerByCode = (i64, String, String);

impl Conn<'_> {
    /// A customer's files waiting for the driver (status `sent`), oldest first, at most
    /// [`MAX_FILES`].
    pub fn files_to_pick_up(&self, customer_id: i64) -> DbResult<Vec<StoredDossier>> {
        let limit = i64::try_from(MAX_FILES).unwrap_or(100);
        self.dossiers_where(
            "d.customer_id = ?1 AND d.status = 'sent' ORDER BY d.created_at, d.number LIMIT ?2",
            &[&customer_id, &limit],
        )
    }

    /// A customer by its code.
    pub fn customer_by_code(&self, code: &str) -> DbResult<Option<CustomerByCode>> {
        self.query_first(
            "SELECT id, code, name FROM customers WHERE code = ?1",
            &[&code],
        )
    }

    /// A customer's code and name.
    pub fn customer_by_id(&self, id: i64) -> DbResult<Option<CustomerByCode>> {
        self.query_first("SELECT id, code, name FROM customers WHERE id = ?1", &[&id])
    }

    /// The pickup recorded for a token id: the hash of the body that used it and the answer.
    pub fn pickup(&self, token_id: &str) -> DbResult<Option<(String, String)>> {
        self.query_first(
            "SELECT body_hash, response FROM pickups WHERE token_id = ?1",
            &[&token_id],
        )
    }

    /// Records a pickup: its token used, the files it moved.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_pickup(
        &self,
        token_id: &str,
        customer_id: i64,
        body_hash: &str,
        driver_name: &str,
        parcels: u32,
        at: DateTime<Utc>,
        response: &str,
        dossiers: &[String],
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO pickups (token_id, customer_id, body_hash, driver_name, parcels, at, response)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                &token_id,
                &customer_id,
                &body_hash,
                &driver_name,
                &parcels,
                &instant(at),
                &response,
            ],
        )?;
        for number in dossiers {
            self.execute(
                "INSERT INTO pickup_dossiers (token_id, dossier) VALUES (?1, ?2)",
                &[&token_id, number],
            )?;
        }
        Ok(())
    }

    /// Moves a file to `received`, taken by the driver: its status, its history, and one timeline
    /// event of kind `pickup` by the driver with `text`.
    pub fn receive_by_driver(&self, number: &str, at: DateTime<Utc>, text: &str) -> DbResult<()> {
        let status = DossierStatus::Received;
        self.execute(
            "UPDATE dossiers SET status = ?2 WHERE number = ?1",
            &[&number, &status.code()],
        )?;
        self.insert_history_row(number, status, at)?;
        self.insert_event(
            number,
            at,
            EventKind::Pickup,
            Actor::Driver,
            text,
            Some(status),
        )?;
        Ok(())
    }

    /// Appends a status change to a file's history only (its timeline event is the caller's).
    pub fn insert_history_row(
        &self,
        number: &str,
        status: DossierStatus,
        at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO dossier_history (dossier, seq, status, at)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_history WHERE dossier = ?1), ?2, ?3)",
            &[&number, &status.code(), &instant(at)],
        )?;
        Ok(())
    }

    /// A secret of the server by name, made by `make` and kept the first time it is asked for
    /// (when two instances start at once, both read the one that was kept first).
    pub fn server_secret(&self, name: &str, make: impl FnOnce() -> String) -> DbResult<String> {
        let read = "SELECT value FROM server_secrets WHERE name = ?1";
        if let Some(value) = self.value_opt(read, &[&name])? {
            return Ok(value);
        }
        self.execute(
            "INSERT INTO server_secrets (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
            &[&name, &make()],
        )?;
        self.value(read, &[&name])
    }
}
