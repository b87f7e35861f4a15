//! Return files (dossiers): their tracking numbers, lines, status history, closure, and the
//! customer's tracking pages with the counts of open and closed files.

use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::api::{DossierKind, RequestRef};
use retour_domain::decision::{Disposition, LineDecision, RefusalReason};
use retour_domain::status::{Closure, DossierStatus};
use retour_domain::Money;

use super::values::{
    instant, outcome_code, parse_date, parse_instant, parse_money, parse_opt_money, parse_outcome,
    parse_status,
};
use super::{Conn, DbError, DbResult, FromRow, Param, Row};

/// A stored code read back with `parse`; absent stays absent, an unknown one is corrupt.
fn parse_code<T>(text: Option<String>, parse: fn(&str) -> Option<T>) -> DbResult<Option<T>> {
    text.map(|t| parse(&t).ok_or_else(|| DbError::Corrupt(format!("code {t:?}"))))
        .transpose()
}

/// A return file's line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDossierLine {
    /// The BL line number.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// Units returned.
    pub qty: u32,
    /// The reason code.
    pub reason: String,
    /// The estimate, absent when known only after inspection.
    pub estimated_credit: Option<Money>,
    /// Unit net price HT at delivery.
    pub unit_price: Money,
    /// Deposit per unit.
    pub deposit: Option<Money>,
    /// Units accepted at inspection.
    pub accepted_qty: Option<u32>,
    /// The decision, once the file is closed (schema v6).
    pub decision: Option<LineDecision>,
    /// The photo ids sent with the line (schema v7).
    pub photos: Vec<String>,
}

impl FromRow for StoredDossierLine {
    fn from_row(row: &Row<'_>) -> DbResult<StoredDossierLine> {
        Ok(StoredDossierLine {
            line_no: row.get("line_no")?,
            reference: row.get("reference")?,
            designation: row.get("designation")?,
            qty: row.get("qty")?,
            reason: row.get("reason")?,
            estimated_credit: parse_opt_money(row.get("estimated_credit")?)?,
            unit_price: parse_money(&row.get::<String>("unit_price")?)?,
            deposit: parse_opt_money(row.get("deposit")?)?,
            accepted_qty: row.get("accepted_qty")?,
            decision: match row.get::<Option<u32>>("refused_qty")? {
                Some(refused_qty) => Some(LineDecision {
                    line_no: row.get("line_no")?,
                    accepted_qty: row.get::<Option<u32>>("accepted_qty")?.unwrap_or(0),
                    refused_qty,
                    credited_ht: parse_opt_money(row.get("credited")?)?.unwrap_or(Money::ZERO),
                    refusal_reason: parse_code(row.get("refusal_reason")?, RefusalReason::parse)?,
                    disposition: parse_code(row.get("disposition")?, Disposition::parse)?,
                    comment: row.get("decision_comment")?,
                }),
                None => None,
            },
            photos: {
                let json: String = row.get("photos")?;
                serde_json::from_str(&json)
                    .map_err(|_| DbError::Corrupt(format!("photos {json:?}")))?
            },
        })
    }
}

/// A return file as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDossier {
    /// The 8-digit tracking number.
    pub number: String,
    /// A return or a warranty claim (schema v7).
    pub kind: DossierKind,
    /// The garage.
    pub customer_id: i64,
    /// The request that made it (none for imported files).
    pub request: Option<RequestRef>,
    /// The BL.
    pub delivery_note: String,
    /// The BL's delivery day.
    pub sale_date: NaiveDate,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub status: DossierStatus,
    /// Sum of its lines' estimates.
    pub estimated_credit: Money,
    /// Units in it.
    pub piece_count: u32,
    /// Once closed.
    pub closure: Option<Closure>,
    /// Its lines.
    pub lines: Vec<StoredDossierLine>,
}

/// The columns [`StoredDossier::from_row`] reads, over `dossiers d JOIN delivery_notes n` and the
/// request that made the file (`LEFT JOIN return_requests r`).
const DOSSIER_COLUMNS: &str = "d.number, d.kind, d.customer_id, d.request_id, r.number AS request_number,
        r.preaccord_email, d.delivery_note, n.delivered_on, d.created_at, d.status, d.estimated_credit,
        d.piece_count, d.outcome, d.validated_on, d.credited, d.credit_note_number";

impl FromRow for StoredDossier {
    /// The file without its lines, which live in another table (see `Conn::dossiers_where`).
    fn from_row(row: &Row<'_>) -> DbResult<StoredDossier> {
        let closure = match (
            row.get::<Option<String>>("outcome")?,
            row.get::<Option<String>>("validated_on")?,
            row.get::<Option<String>>("credited")?,
        ) {
            (Some(outcome), Some(validated), Some(credited)) => Some(Closure {
                outcome: parse_outcome(&outcome)?,
                validated_on: parse_date(&validated)?,
                credited_ht: parse_money(&credited)?,
                credit_note_number: row.get("credit_note_number")?,
            }),
            _ => None,
        };
        let request = match (
            row.get::<Option<String>>("request_id")?,
            row.get::<Option<String>>("request_number")?,
            row.get::<Option<String>>("preaccord_email")?,
        ) {
            (Some(id), Some(number), Some(preaccord_email)) => Some(RequestRef {
                id,
                number,
                preaccord_email,
            }),
            _ => None,
        };
        let kind: String = row.get("kind")?;
        Ok(StoredDossier {
            number: row.get("number")?,
            kind: match kind.as_str() {
                "return" => DossierKind::Return,
                "warranty" => DossierKind::Warranty,
                other => return Err(DbError::Corrupt(format!("kind {other:?}"))),
            },
            customer_id: row.get("customer_id")?,
            request,
            delivery_note: row.get("delivery_note")?,
            sale_date: parse_date(&row.get::<String>("delivered_on")?)?,
            created_at: parse_instant(&row.get::<String>("created_at")?)?,
            status: parse_status(&row.get::<String>("status")?)?,
            estimated_credit: parse_money(&row.get::<String>("estimated_credit")?)?,
            piece_count: row.get("piece_count")?,
            closure,
            lines: Vec::new(),
        })
    }
}

/// One entry of a file's history: the columns `status` and `at`.
struct HistoryEntry {
    status: DossierStatus,
    at: DateTime<Utc>,
}

impl FromRow for HistoryEntry {
    fn from_row(row: &Row<'_>) -> DbResult<HistoryEntry> {
        Ok(HistoryEntry {
            status: parse_status(&row.get::<String>("status")?)?,
            at: parse_instant(&row.get::<String>("at")?)?,
        })
    }
}

/// How many files of a customer have one status: the columns `status` and `count` of
/// `dossier_counts`.
struct StatusCount {
    status: DossierStatus,
    count: u64,
}

impl FromRow for StatusCount {
    fn from_row(row: &Row<'_>) -> DbResult<StatusCount> {
        Ok(StatusCount {
            status: parse_status(&row.get::<String>("status")?)?,
            count: row.get::<i64>("count")?.unsigned_abs(),
        })
    }
}

/// Which files a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DossierFilter {
    /// `Some(true)` open only, `Some(false)` closed only.
    pub open: Option<bool>,
    /// One status only.
    pub status: Option<DossierStatus>,
    /// One kind only (schema v7).
    pub kind: Option<DossierKind>,
}

/// A page of return files.
#[derive(Debug, Clone)]
pub struct DossierPage {
    /// This page.
    pub items: Vec<StoredDossier>,
    /// How many match the filter.
    pub total: u64,
    /// Open files of the customer.
    pub open: u64,
    /// Closed files of the customer.
    pub closed: u64,
}

impl Conn<'_> {
    /// The next tracking number: 8 digits, never reused.
    pub fn next_dossier_number(&self) -> DbResult<String> {
        let value: i64 = self.value(
            "UPDATE counters SET value = value + 1 WHERE name = 'dossier' RETURNING value",
            &[],
        )?;
        Ok(format!("{value:08}"))
    }

    /// Records a return file, its lines and its first history entry.
    pub fn insert_dossier(&self, dossier: &StoredDossier) -> DbResult<()> {
        let closure = dossier.closure.as_ref();
        let kind = match dossier.kind {
            DossierKind::Return => "return",
            DossierKind::Warranty => "warranty",
        };
        self.execute(
            "INSERT INTO dossiers (number, customer_id, request_id, delivery_note, created_at, status,
                estimated_credit, piece_count, outcome, validated_on, credited, credit_note_number, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            &[
                &dossier.number,
                &dossier.customer_id,
                &dossier.request.as_ref().map(|r| &r.id),
                &dossier.delivery_note,
                &instant(dossier.created_at),
                &dossier.status.code(),
                &dossier.estimated_credit.to_string(),
                &dossier.piece_count,
                &closure.map(|c| outcome_code(c.outcome)),
                &closure.map(|c| c.validated_on.to_string()),
                &closure.map(|c| c.credited_ht.to_string()),
                &closure.and_then(|c| c.credit_note_number.clone()),
                &kind,
            ],
        )?;
        for line in &dossier.lines {
            let photos = serde_json::to_string(&line.photos)
                .map_err(|e| DbError::Corrupt(format!("photos: {e}")))?;
            self.execute(
                "INSERT INTO dossier_lines (dossier, delivery_note, line_no, reference, designation, qty, reason,
                    estimated_credit, unit_price, deposit, accepted_qty, photos)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                &[
                    &dossier.number,
                    &dossier.delivery_note,
                    &line.line_no,
                    &line.reference,
                    &line.designation,
                    &line.qty,
                    &line.reason,
                    &line.estimated_credit.map(|m| m.to_string()),
                    &line.unit_price.to_string(),
                    &line.deposit.map(|m| m.to_string()),
                    &line.accepted_qty,
                    &photos,
                ],
            )?;
        }
        Ok(())
    }

    /// Appends a status change to a file's history and its event to the file's timeline.
    pub fn insert_history(
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
        self.insert_status_event(number, status, at)
    }

    /// A file's history, oldest first.
    pub fn history(&self, number: &str) -> DbResult<Vec<(DossierStatus, DateTime<Utc>)>> {
        let entries: Vec<HistoryEntry> = self.query(
            "SELECT status, at FROM dossier_history WHERE dossier = ?1 ORDER BY seq",
            &[&number],
        )?;
        Ok(entries
            .into_iter()
            .map(|entry| (entry.status, entry.at))
            .collect())
    }

    /// Records a file's new status, closure and accepted quantities.
    pub fn update_dossier(
        &self,
        number: &str,
        status: DossierStatus,
        closure: Option<&Closure>,
        accepted: &[(u32, u32)],
    ) -> DbResult<()> {
        self.execute(
            "UPDATE dossiers SET status = ?2, outcome = ?3, validated_on = ?4, credited = ?5, credit_note_number = ?6
              WHERE number = ?1",
            &[
                &number,
                &status.code(),
                &closure.map(|c| outcome_code(c.outcome)),
                &closure.map(|c| c.validated_on.to_string()),
                &closure.map(|c| c.credited_ht.to_string()),
                &closure.and_then(|c| c.credit_note_number.clone()),
            ],
        )?;
        for (line_no, qty) in accepted {
            self.execute(
                "UPDATE dossier_lines SET accepted_qty = ?3 WHERE dossier = ?1 AND line_no = ?2",
                &[&number, line_no, qty],
            )?;
        }
        Ok(())
    }

    /// The files matching `clause` (over `dossiers d JOIN delivery_notes n`), with their lines.
    pub(super) fn dossiers_where(
        &self,
        clause: &str,
        params: &[&dyn Param],
    ) -> DbResult<Vec<StoredDossier>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers d JOIN delivery_notes n ON n.number = d.delivery_note
               LEFT JOIN return_requests r ON r.id = d.request_id WHERE {clause}"
        );
        let mut dossiers: Vec<StoredDossier> = self.query(&sql, params)?;
        for dossier in &mut dossiers {
            dossier.lines = self.dossier_lines(&dossier.number)?;
        }
        Ok(dossiers)
    }

    fn dossier_lines(&self, number: &str) -> DbResult<Vec<StoredDossierLine>> {
        self.query(
            "SELECT line_no, reference, designation, qty, reason, estimated_credit, unit_price, deposit, accepted_qty,
                    refused_qty, refusal_reason, disposition, decision_comment, credited, photos
               FROM dossier_lines WHERE dossier = ?1 ORDER BY line_no",
            &[&number],
        )
    }

    /// A file by number: the customer's when `customer_id` is given, any file otherwise (staff).
    pub fn dossier(
        &self,
        customer_id: Option<i64>,
        number: &str,
    ) -> DbResult<Option<StoredDossier>> {
        let found = match customer_id {
            Some(customer) => self.dossiers_where(
                "d.number = ?1 AND d.customer_id = ?2",
                &[&number, &customer],
            )?,
            None => self.dossiers_where("d.number = ?1", &[&number])?,
        };
        Ok(found.into_iter().next())
    }

    /// A page of a customer's files, newest first, with the counts of the tracking tabs.
    pub fn dossier_page(
        &self,
        customer_id: i64,
        filter: DossierFilter,
        offset: u64,
        limit: u32,
    ) -> DbResult<DossierPage> {
        let by_status: Vec<StatusCount> = self.query(
            "SELECT status, count FROM dossier_counts WHERE customer_id = ?1",
            &[&customer_id],
        )?;
        let count_where = |keep: &dyn Fn(DossierStatus) -> bool| -> u64 {
            by_status
                .iter()
                .filter(|c| keep(c.status))
                .map(|c| c.count)
                .sum()
        };
        let open = count_where(&|s| s.is_open());
        let closed = count_where(&|s| !s.is_open());
        let total = count_where(&|s| {
            filter.open.is_none_or(|open| open == s.is_open())
                && filter.status.is_none_or(|wanted| wanted == s)
        });
        let mut clause = String::from("d.customer_id = ?1");
        match filter.open {
            Some(true) => clause.push_str(" AND d.status <> 'closed'"),
            Some(false) => clause.push_str(" AND d.status = 'closed'"),
            None => {}
        }
        let status = filter.status.map(|s| s.code()).unwrap_or("");
        if filter.status.is_some() {
            clause.push_str(" AND d.status = ?2");
        } else {
            clause.push_str(" AND ?2 = ''");
        }
        let kind = match filter.kind {
            Some(DossierKind::Return) => "return",
            Some(DossierKind::Warranty) => "warranty",
            None => "",
        };
        // One kind only (v1.1): the per-status counts cover both kinds, so the filter's total is
        // counted over the customer's files of that kind.
        let total = if filter.kind.is_some() {
            clause.push_str(" AND d.kind = ?5");
            let sql = format!(
                "SELECT COUNT(*) AS n FROM dossiers d WHERE {clause} AND ?3 >= 0 AND ?4 >= 0"
            );
            self.value::<i64>(&sql, &[&customer_id, &status, &0i64, &0i64, &kind])?
                .unsigned_abs()
        } else {
            clause.push_str(" AND ?5 = ''");
            total
        };
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let items = self.dossiers_where(
            &format!("{clause} ORDER BY d.created_at DESC, d.number DESC LIMIT ?3 OFFSET ?4"),
            &[&customer_id, &status, &limit, &offset, &kind],
        )?;
        Ok(DossierPage {
            items,
            total,
            open,
            closed,
        })
    }
}
