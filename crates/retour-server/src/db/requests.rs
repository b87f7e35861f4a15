//! Return requests: the request that a customer's submission records (with its files and its
//! number, from the per-year counters), and the stored answer of each idempotency key so that a
//! retried submission gets the same answer.

use chrono::{DateTime, Utc};
use retour_domain::api::RequestRef;
use retour_domain::request_number::{request_year, RequestNumber};
use retour_domain::Money;

use super::dossiers::StoredDossier;
use super::values::{instant, parse_instant, parse_money};
use super::{Conn, DbError, DbResult, FromRow, Row};

/// A stored return request.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    /// Its id, number and pré-accord address.
    pub reference: RequestRef,
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
            reference: RequestRef {
                id: row.get("id")?,
                number: row.get("number")?,
                preaccord_email: row.get("preaccord_email")?,
            },
            created_at: parse_instant(&row.get::<String>("created_at")?)?,
            estimated_total: parse_money(&row.get::<String>("estimated_total")?)?,
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
        let record: Option<IdempotencyRecord> = self.query_first(
            "SELECT body_hash, response FROM idempotency_keys WHERE account_id = ?1 AND key = ?2",
            &[&account_id, &key],
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
        self.execute(
            "INSERT INTO idempotency_keys (account_id, key, body_hash, request_id, response, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[&account_id, &key, &body_hash, &request_id, &response, &instant(now)],
        )?;
        Ok(())
    }

    /// The next number of a request recorded at `created_at`: one more in the counter of its
    /// Paris year (the first of a year is 1). Taken in the caller's transaction, so that a
    /// request that is rolled back gives its number back.
    pub fn next_request_number(&self, created_at: DateTime<Utc>) -> DbResult<String> {
        let year = request_year(created_at);
        // The counter's own `value` is named with its table: PostgreSQL finds a bare `value`
        // ambiguous there (the row's or `excluded`'s).
        let sequence: i64 = self.value(
            "INSERT INTO request_counters (year, value) VALUES (?1, 1)
             ON CONFLICT (year) DO UPDATE SET value = request_counters.value + 1 RETURNING value",
            &[&year],
        )?;
        Ok(RequestNumber {
            year,
            sequence: sequence.unsigned_abs(),
        }
        .to_string())
    }

    /// Records a return request (its number taken with [`Conn::next_request_number`]).
    pub fn insert_return_request(
        &self,
        request: &RequestRef,
        customer_id: i64,
        account_id: i64,
        created_at: DateTime<Utc>,
        total: Money,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO return_requests (id, number, preaccord_email, customer_id, account_id,
                 created_at, estimated_total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                &request.id,
                &request.number,
                &request.preaccord_email,
                &customer_id,
                &account_id,
                &instant(created_at),
                &total.to_string(),
            ],
        )?;
        Ok(())
    }

    /// Numbers the requests recorded before numbers existed, in creation order, with the login
    /// e-mail of their account as the pré-accord's address (where it was sent), and adds both to
    /// the answers kept for their idempotency keys (once, when the schema gets the columns).
    pub(super) fn fill_request_numbers(&self) -> DbResult<()> {
        let unnumbered: Vec<Unnumbered> = self.query(
            "SELECT r.id, r.created_at, a.email FROM return_requests r
               JOIN accounts a ON a.id = r.account_id
              WHERE r.number IS NULL ORDER BY r.created_at, r.id",
            &[],
        )?;
        for request in unnumbered {
            let reference = RequestRef {
                number: self.next_request_number(request.created_at)?,
                id: request.id,
                preaccord_email: request.email,
            };
            self.execute(
                "UPDATE return_requests SET number = ?2, preaccord_email = ?3 WHERE id = ?1",
                &[&reference.id, &reference.number, &reference.preaccord_email],
            )?;
            let answers: Vec<KeptAnswer> = self.query(
                "SELECT account_id, key, response FROM idempotency_keys WHERE request_id = ?1",
                &[&reference.id],
            )?;
            for answer in answers {
                let response = numbered_answer(&answer.response, &reference)?;
                self.execute(
                    "UPDATE idempotency_keys SET response = ?3 WHERE account_id = ?1 AND key = ?2",
                    &[&answer.account_id, &answer.key, &response],
                )?;
            }
        }
        Ok(())
    }

    /// A customer's return request with its files; `None` when missing or another customer's.
    pub fn return_request(&self, customer_id: i64, id: &str) -> DbResult<Option<StoredRequest>> {
        let head: Option<StoredRequest> = self.query_first(
            "SELECT id, number, preaccord_email, created_at, estimated_total FROM return_requests
              WHERE id = ?1 AND customer_id = ?2",
            &[&id, &customer_id],
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

/// A request made before numbers existed: the columns `id`, `created_at` and `email` (its
/// account's).
struct Unnumbered {
    id: String,
    created_at: DateTime<Utc>,
    email: String,
}

impl FromRow for Unnumbered {
    fn from_row(row: &Row<'_>) -> DbResult<Unnumbered> {
        Ok(Unnumbered {
            id: row.get("id")?,
            created_at: parse_instant(&row.get::<String>("created_at")?)?,
            email: row.get("email")?,
        })
    }
}

/// An answer kept for an idempotency key: the columns `account_id`, `key` and `response`.
struct KeptAnswer {
    account_id: i64,
    key: String,
    response: String,
}

impl FromRow for KeptAnswer {
    fn from_row(row: &Row<'_>) -> DbResult<KeptAnswer> {
        Ok(KeptAnswer {
            account_id: row.get("account_id")?,
            key: row.get("key")?,
            response: row.get("response")?,
        })
    }
}

/// A kept `ReturnRequest` answer with the request's number and pré-accord address, and its files
/// with the request they belong to, as a request made now is answered.
fn numbered_answer(response: &str, reference: &RequestRef) -> DbResult<String> {
    let corrupt = |e: serde_json::Error| DbError::Corrupt(format!("kept answer: {e}"));
    let mut answer: serde_json::Value = serde_json::from_str(response).map_err(corrupt)?;
    let reference_json = serde_json::to_value(reference).map_err(corrupt)?;
    if let Some(fields) = answer.as_object_mut() {
        fields.insert("number".into(), reference.number.clone().into());
        fields.insert(
            "preaccord_email".into(),
            reference.preaccord_email.clone().into(),
        );
        for dossier in fields
            .get_mut("dossiers")
            .and_then(serde_json::Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_object_mut)
        {
            dossier.insert("request".into(), reference_json.clone());
        }
    }
    serde_json::to_string(&answer).map_err(corrupt)
}
