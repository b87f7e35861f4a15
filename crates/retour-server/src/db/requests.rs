//! Return requests: the request that a customer's submission records (with its files), and the
//! stored answer of each idempotency key so that a retried submission gets the same answer.

use chrono::{DateTime, Utc};
use retour_domain::Money;
use rusqlite::{params, Row};

use super::dossiers::StoredDossier;
use super::values::{instant, parse_instant, parse_money};
use super::{query_first, Conn, DbResult, FromRow};

/// A stored return request.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    /// Its id.
    pub id: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Sum of the estimates.
    pub estimated_total: Money,
    /// Its files.
    pub dossiers: Vec<StoredDossier>,
}

impl FromRow for StoredRequest {
    /// The request without its files, which live in another table (see `Conn::return_request`).
    fn from_row(row: &Row<'_>) -> DbResult<StoredRequest> {
        Ok(StoredRequest {
            id: row.get("id")?,
            created_at: parse_instant(&row.get::<_, String>("created_at")?)?,
            estimated_total: parse_money(&row.get::<_, String>("estimated_total")?)?,
            dossiers: Vec::new(),
        })
    }
}

/// The answer given to an idempotency key: the columns `body_hash` and `response`.
struct IdempotencyRecord {
    body_hash: String,
    response: String,
}

impl FromRow for IdempotencyRecord {
    fn from_row(row: &Row<'_>) -> DbResult<IdempotencyRecord> {
        Ok(IdempotencyRecord {
            body_hash: row.get("body_hash")?,
            response: row.get("response")?,
        })
    }
}

impl Conn<'_> {
    /// The stored answer of an idempotency key: `(body_hash, response_json)`.
    pub fn idempotency_record(
        &self,
        account_id: i64,
        key: &str,
    ) -> DbResult<Option<(String, String)>> {
        let record: Option<IdempotencyRecord> = query_first(
            &mut *self.c.prepare_cached(
                "SELECT body_hash, response FROM idempotency_keys WHERE account_id = ?1 AND key = ?2",
            )?,
            params![account_id, key],
        )?;
        Ok(record.map(|r| (r.body_hash, r.response)))
    }

    /// Records the answer given to an idempotency key.
    pub fn insert_idempotency_record(
        &self,
        account_id: i64,
        key: &str,
        body_hash: &str,
        request_id: &str,
        response: &str,
        now: DateTime<Utc>,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO idempotency_keys (account_id, key, body_hash, request_id, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![account_id, key, body_hash, request_id, response, instant(now)],
        )?;
        Ok(())
    }

    /// Records a return request.
    pub fn insert_return_request(
        &self,
        id: &str,
        customer_id: i64,
        account_id: i64,
        created_at: DateTime<Utc>,
        total: Money,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO return_requests (id, customer_id, account_id, created_at, estimated_total)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                customer_id,
                account_id,
                instant(created_at),
                total.to_string()
            ],
        )?;
        Ok(())
    }

    /// A customer's return request with its files; `None` when missing or another customer's.
    pub fn return_request(&self, customer_id: i64, id: &str) -> DbResult<Option<StoredRequest>> {
        let head: Option<StoredRequest> = query_first(
            &mut self.c.prepare(
                "SELECT id, created_at, estimated_total FROM return_requests WHERE id = ?1 AND customer_id = ?2",
            )?,
            params![id, customer_id],
        )?;
        let Some(request) = head else {
            return Ok(None);
        };
        let dossiers = self.dossiers_where("d.request_id = ?1 ORDER BY d.number", &[&id])?;
        Ok(Some(StoredRequest {
            dossiers,
            ..request
        }))
    }
}
