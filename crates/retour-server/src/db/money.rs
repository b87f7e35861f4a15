//! The money of v1.1: credit notes and their lines (unique number), what the reconciliation, the
//! deposits wallet and the returns report read, the garages to remind and the deposit reminders
//! that went out (schema v7).

use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::credits::{Credited, DecidedLine};
use retour_domain::decision::RefusalReason;
use retour_domain::report::ReportDecision;
use retour_domain::Money;
use rusqlite::{params, OptionalExtension, Row};

use super::catalog::LINE_SELECT;
use super::values::{instant, parse_date, parse_instant, parse_money, parse_opt_money};
use super::{query_all, query_first, Conn, DbError, DbResult, FromRow, StoredLine};

/// A credit note as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCreditNote {
    /// Its number.
    pub number: String,
    /// The garage.
    pub customer_id: i64,
    /// The garage's code.
    pub customer_code: String,
    /// The day it was issued.
    pub issued_on: NaiveDate,
    /// The sum of its lines.
    pub total: Money,
    /// Its lines, in the order given.
    pub lines: Vec<StoredCreditNoteLine>,
}

/// A line of a stored credit note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCreditNoteLine {
    /// The file.
    pub dossier: String,
    /// The line number.
    pub line_no: u32,
    /// The file line's reference.
    pub reference: String,
    /// The amount.
    pub amount: Money,
}

impl FromRow for StoredCreditNote {
    fn from_row(row: &Row<'_>) -> DbResult<StoredCreditNote> {
        Ok(StoredCreditNote {
            number: row.get("number")?,
            customer_id: row.get("customer_id")?,
            customer_code: row.get("customer_code")?,
            issued_on: parse_date(&row.get::<_, String>("issued_on")?)?,
            total: parse_money(&row.get::<_, String>("total_ht")?)?,
            lines: Vec::new(),
        })
    }
}

impl FromRow for StoredCreditNoteLine {
    fn from_row(row: &Row<'_>) -> DbResult<StoredCreditNoteLine> {
        Ok(StoredCreditNoteLine {
            dossier: row.get("dossier")?,
            line_no: row.get("line_no")?,
            reference: row.get("reference")?,
            amount: parse_money(&row.get::<_, String>("amount_ht")?)?,
        })
    }
}

/// The columns of a credit note's head, over `credit_notes cn JOIN customers cu`.
const NOTE_SELECT: &str =
    "SELECT cn.number, cn.customer_id, cu.code AS customer_code, cn.issued_on, cn.total_ht
   FROM credit_notes cn JOIN customers cu ON cu.id = cn.customer_id";

struct DecidedRow(DecidedLine);

impl FromRow for DecidedRow {
    fn from_row(row: &Row<'_>) -> DbResult<DecidedRow> {
        Ok(DecidedRow(DecidedLine {
            dossier: row.get("dossier")?,
            line_no: row.get("line_no")?,
            reference: row.get("reference")?,
            designation: row.get("designation")?,
            decided_on: parse_date(&row.get::<_, String>("validated_on")?)?,
            expected: parse_opt_money(row.get("credited")?)?.unwrap_or(Money::ZERO),
        }))
    }
}

struct CreditedRow(Credited);

impl FromRow for CreditedRow {
    fn from_row(row: &Row<'_>) -> DbResult<CreditedRow> {
        Ok(CreditedRow(Credited {
            dossier: row.get("dossier")?,
            line_no: row.get("line_no")?,
            credit_note: row.get("credit_note")?,
            issued_on: parse_date(&row.get::<_, String>("issued_on")?)?,
            amount: parse_money(&row.get::<_, String>("amount_ht")?)?,
        }))
    }
}

/// A file line with what the report needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The file.
    pub dossier: String,
    /// When the file was created.
    pub created_at: DateTime<Utc>,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// The reason's code.
    pub reason: String,
    /// Units returned.
    pub qty: u32,
    /// The estimate.
    pub estimated: Option<Money>,
    /// Unit net price.
    pub unit_price: Money,
    /// Deposit per unit.
    pub deposit: Option<Money>,
    /// The decision, once decided.
    pub decision: Option<ReportDecision>,
}

impl FromRow for ReportRow {
    fn from_row(row: &Row<'_>) -> DbResult<ReportRow> {
        let refusal: Option<String> = row.get("refusal_reason")?;
        let refusal_reason = refusal
            .map(|t| {
                RefusalReason::parse(&t).ok_or_else(|| DbError::Corrupt(format!("code {t:?}")))
            })
            .transpose()?;
        Ok(ReportRow {
            dossier: row.get("dossier")?,
            created_at: parse_instant(&row.get::<_, String>("created_at")?)?,
            reference: row.get("reference")?,
            designation: row.get("designation")?,
            reason: row.get("reason")?,
            qty: row.get("qty")?,
            estimated: parse_opt_money(row.get("estimated_credit")?)?,
            unit_price: parse_money(&row.get::<_, String>("unit_price")?)?,
            deposit: parse_opt_money(row.get("deposit")?)?,
            decision: match row.get::<_, Option<u32>>("refused_qty")? {
                Some(refused_qty) => Some(ReportDecision {
                    accepted_qty: row.get::<_, Option<u32>>("accepted_qty")?.unwrap_or(0),
                    refused_qty,
                    credited: parse_opt_money(row.get("credited")?)?.unwrap_or(Money::ZERO),
                    refusal_reason,
                }),
                None => None,
            },
        })
    }
}

impl Conn<'_> {
    /// A customer's name.
    pub fn customer_name(&self, customer_id: i64) -> DbResult<Option<String>> {
        Ok(self
            .c
            .query_row(
                "SELECT name FROM customers WHERE id = ?1",
                [customer_id],
                |r| r.get("name"),
            )
            .optional()?)
    }

    /// A credit note by number (any customer's: the caller checks whose), with its lines.
    pub fn credit_note(&self, number: &str) -> DbResult<Option<StoredCreditNote>> {
        let sql = format!("{NOTE_SELECT} WHERE cn.number = ?1");
        let Some(mut note) =
            query_first::<StoredCreditNote>(&mut *self.c.prepare_cached(&sql)?, [number])?
        else {
            return Ok(None);
        };
        note.lines = self.credit_note_lines(&note.number)?;
        Ok(Some(note))
    }

    fn credit_note_lines(&self, number: &str) -> DbResult<Vec<StoredCreditNoteLine>> {
        query_all(
            &mut *self.c.prepare_cached(
                "SELECT l.dossier, l.line_no, COALESCE(dl.reference, '') AS reference, l.amount_ht
                   FROM credit_note_lines l
                   LEFT JOIN dossier_lines dl ON dl.dossier = l.dossier AND dl.line_no = l.line_no
                  WHERE l.credit_note = ?1 ORDER BY l.seq",
            )?,
            [number],
        )
    }

    /// A customer's credit notes, newest first.
    pub fn credit_notes_of(&self, customer_id: i64) -> DbResult<Vec<StoredCreditNote>> {
        let sql = format!(
            "{NOTE_SELECT} WHERE cn.customer_id = ?1 ORDER BY cn.issued_on DESC, cn.number DESC"
        );
        let mut notes: Vec<StoredCreditNote> =
            query_all(&mut *self.c.prepare_cached(&sql)?, [customer_id])?;
        for note in &mut notes {
            note.lines = self.credit_note_lines(&note.number)?;
        }
        Ok(notes)
    }

    /// Records a credit note with its lines, and that the garage was told at `now` (the caller
    /// queues the e-mail in the same transaction).
    pub fn insert_credit_note(&self, note: &StoredCreditNote, now: DateTime<Utc>) -> DbResult<()> {
        self.c.execute(
            "INSERT INTO credit_notes (number, customer_id, issued_on, total_ht, created_at, notified_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![
                note.number,
                note.customer_id,
                note.issued_on.to_string(),
                note.total.to_string(),
                instant(now)
            ],
        )?;
        let mut stmt = self.c.prepare_cached(
            "INSERT INTO credit_note_lines (credit_note, seq, dossier, line_no, amount_ht)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (seq, line) in (0i64..).zip(&note.lines) {
            stmt.execute(params![
                note.number,
                seq,
                line.dossier,
                line.line_no,
                line.amount.to_string()
            ])?;
        }
        Ok(())
    }

    /// A customer's files that show this credit note number (set by a staff event).
    pub fn dossiers_with_credit_note(
        &self,
        customer_id: i64,
        number: &str,
    ) -> DbResult<Vec<super::StoredDossier>> {
        self.dossiers_where(
            "d.customer_id = ?1 AND d.credit_note_number = ?2 ORDER BY d.number",
            &[&customer_id, &number],
        )
    }

    /// Sets the credit note number a file shows (its latest credit note).
    pub fn set_credit_note_number(&self, dossier: &str, number: &str) -> DbResult<()> {
        self.c.execute(
            "UPDATE dossiers SET credit_note_number = ?2 WHERE number = ?1",
            params![dossier, number],
        )?;
        Ok(())
    }

    /// The decided lines of a customer's closed files.
    pub fn decided_lines(&self, customer_id: i64) -> DbResult<Vec<DecidedLine>> {
        let rows: Vec<DecidedRow> = query_all(
            &mut *self.c.prepare_cached(
                "SELECT dl.dossier, dl.line_no, dl.reference, dl.designation, d.validated_on, dl.credited
                   FROM dossier_lines dl JOIN dossiers d ON d.number = dl.dossier
                  WHERE d.customer_id = ?1 AND d.status = 'closed' AND d.validated_on IS NOT NULL
                    AND dl.refused_qty IS NOT NULL",
            )?,
            [customer_id],
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Every amount the customer's credit notes credit, line by line.
    pub fn credited_lines(&self, customer_id: i64) -> DbResult<Vec<Credited>> {
        let rows: Vec<CreditedRow> = query_all(
            &mut *self.c.prepare_cached(
                "SELECT l.dossier, l.line_no, l.credit_note, cn.issued_on, l.amount_ht
                   FROM credit_note_lines l JOIN credit_notes cn ON cn.number = l.credit_note
                  WHERE cn.customer_id = ?1",
            )?,
            [customer_id],
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// A customer's BL lines with a deposit delivered from `from` to `to`, with the units of
    /// their return files.
    pub fn deposit_lines(
        &self,
        customer_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DbResult<Vec<StoredLine>> {
        let sql = format!(
            "{LINE_SELECT} WHERE n.customer_id = ?1 AND l.deposit IS NOT NULL
               AND n.delivered_on >= ?2 AND n.delivered_on <= ?3
             GROUP BY l.delivery_note, l.line_no"
        );
        query_all(
            &mut *self.c.prepare_cached(&sql)?,
            params![customer_id, from.to_string(), to.to_string()],
        )
    }

    /// The customers with a BL line with a deposit delivered from `from` to `to`.
    pub fn customers_with_deposits(&self, from: NaiveDate, to: NaiveDate) -> DbResult<Vec<i64>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT DISTINCT n.customer_id FROM delivery_notes n
               JOIN delivery_lines l ON l.delivery_note = n.number
              WHERE l.deposit IS NOT NULL AND n.delivered_on >= ?1 AND n.delivered_on <= ?2
              ORDER BY n.customer_id",
        )?;
        let rows = stmt.query_map(params![from.to_string(), to.to_string()], |r| {
            r.get::<_, i64>("customer_id")
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The reminder thresholds already recorded for a BL line.
    pub fn reminders_recorded(&self, delivery_note: &str, line_no: u32) -> DbResult<Vec<u32>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT days_before FROM deposit_reminders WHERE delivery_note = ?1 AND line_no = ?2",
        )?;
        let rows = stmt.query_map(params![delivery_note, line_no], |r| {
            r.get::<_, u32>("days_before")
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a reminder threshold as done for a BL line (`sent`: the one e-mailed).
    pub fn record_reminder(
        &self,
        delivery_note: &str,
        line_no: u32,
        days_before: u32,
        sent: bool,
        at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.c.execute(
            "INSERT OR IGNORE INTO deposit_reminders (delivery_note, line_no, days_before, at, sent)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![delivery_note, line_no, days_before, instant(at), sent],
        )?;
        Ok(())
    }

    /// The lines of a customer's files created from `from` to `to` (instants).
    pub fn report_rows(
        &self,
        customer_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> DbResult<Vec<ReportRow>> {
        query_all(
            &mut *self.c.prepare_cached(
                "SELECT dl.dossier, d.created_at, dl.reference, dl.designation, dl.reason, dl.qty,
                        dl.estimated_credit, dl.unit_price, dl.deposit, dl.accepted_qty,
                        dl.refused_qty, dl.refusal_reason, dl.credited
                   FROM dossier_lines dl JOIN dossiers d ON d.number = dl.dossier
                  WHERE d.customer_id = ?1 AND d.created_at >= ?2 AND d.created_at < ?3",
            )?,
            params![customer_id, instant(from), instant(to)],
        )
    }
}
