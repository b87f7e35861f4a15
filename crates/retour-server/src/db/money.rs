//! The money of v1.1: credit notes and their lines (unique number), what the reconciliation, the
//! deposits wallet and the returns report read, the garages to remind and the deposit reminders
//! that went out (schema v7).

use chrono::{DateTime, NaiveDate, Utc};
use retour_domain::credits::{Credited, DecidedLine};
use retour_domain::decision::RefusalReason;
use retour_domain::report::ReportDecision;
use retour_domain::Money;

use super::catalog::{LINE_GROUP, LINE_SELECT};
use super::values::{instant, parse_date, parse_instant, parse_money, parse_opt_money};
use super::{Conn, DbError, DbResult, FromRow, Row, Single, StoredLine};

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
            issued_on: parse_date(&row.get::<String>("issued_on")?)?,
            total: parse_money(&row.get::<String>("total_ht")?)?,
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
            amount: parse_money(&row.get::<String>("amount_ht")?)?,
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
            decided_on: parse_date(&row.get::<String>("validated_on")?)?,
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
            issued_on: parse_date(&row.get::<String>("issued_on")?)?,
            amount: parse_money(&row.get::<String>("amount_ht")?)?,
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
            created_at: parse_instant(&row.get::<String>("created_at")?)?,
            reference: row.get("reference")?,
            designation: row.get("designation")?,
            reason: row.get("reason")?,
            qty: row.get("qty")?,
            estimated: parse_opt_money(row.get("estimated_credit")?)?,
            unit_price: parse_money(&row.get::<String>("unit_price")?)?,
            deposit: parse_opt_money(row.get("deposit")?)?,
            decision: match row.get::<Option<u32>>("refused_qty")? {
                Some(refused_qty) => Some(ReportDecision {
                    accepted_qty: row.get::<Option<u32>>("accepted_qty")?.unwrap_or(0),
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
        self.value_opt("SELECT name FROM customers WHERE id = ?1", &[&customer_id])
    }

    /// A credit note by number (any customer's: the caller checks whose), with its lines.
    pub fn credit_note(&self, number: &str) -> DbResult<Option<StoredCreditNote>> {
        let sql = format!("{NOTE_SELECT} WHERE cn.number = ?1");
        let Some(mut note) = self.query_first::<StoredCreditNote>(&sql, &[&number])? else {
            return Ok(None);
        };
        note.lines = self.credit_note_lines(&note.number)?;
        Ok(Some(note))
    }

    fn credit_note_lines(&self, number: &str) -> DbResult<Vec<StoredCreditNoteLine>> {
        self.query(
            "SELECT l.dossier, l.line_no, COALESCE(dl.reference, '') AS reference, l.amount_ht
               FROM credit_note_lines l
               LEFT JOIN dossier_lines dl ON dl.dossier = l.dossier AND dl.line_no = l.line_no
              WHERE l.credit_note = ?1 ORDER BY l.seq",
            &[&number],
        )
    }

    /// A customer's credit notes, newest first.
    pub fn credit_notes_of(&self, customer_id: i64) -> DbResult<Vec<StoredCreditNote>> {
        let sql = format!(
            "{NOTE_SELECT} WHERE cn.customer_id = ?1 ORDER BY cn.issued_on DESC, cn.number DESC"
        );
        let mut notes: Vec<StoredCreditNote> = self.query(&sql, &[&customer_id])?;
        for note in &mut notes {
            note.lines = self.credit_note_lines(&note.number)?;
        }
        Ok(notes)
    }

    /// Records a credit note with its lines, and that the garage was told at `now` (the caller
    /// queues the e-mail in the same transaction).
    pub fn insert_credit_note(&self, note: &StoredCreditNote, now: DateTime<Utc>) -> DbResult<()> {
        self.execute(
            "INSERT INTO credit_notes (number, customer_id, issued_on, total_ht, created_at, notified_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            &[
                &note.number,
                &note.customer_id,
                &note.issued_on.to_string(),
                &note.total.to_string(),
                &instant(now),
            ],
        )?;
        for (seq, line) in (0i64..).zip(&note.lines) {
            self.execute(
                "INSERT INTO credit_note_lines (credit_note, seq, dossier, line_no, amount_ht)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                &[
                    &note.number,
                    &seq,
                    &line.dossier,
                    &line.line_no,
                    &line.amount.to_string(),
                ],
            )?;
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
        self.execute(
            "UPDATE dossiers SET credit_note_number = ?2 WHERE number = ?1",
            &[&dossier, &number],
        )?;
        Ok(())
    }

    /// The decided lines of a customer's closed files.
    pub fn decided_lines(&self, customer_id: i64) -> DbResult<Vec<DecidedLine>> {
        let rows: Vec<DecidedRow> = self.query(
            "SELECT dl.dossier, dl.line_no, dl.reference, dl.designation, d.validated_on, dl.credited
               FROM dossier_lines dl JOIN dossiers d ON d.number = dl.dossier
              WHERE d.customer_id = ?1 AND d.status = 'closed' AND d.validated_on IS NOT NULL
                AND dl.refused_qty IS NOT NULL",
            &[&customer_id],
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Every amount the customer's credit notes credit, line by line.
    pub fn credited_lines(&self, customer_id: i64) -> DbResult<Vec<Credited>> {
        let rows: Vec<CreditedRow> = self.query(
            "SELECT l.dossier, l.line_no, l.credit_note, cn.issued_on, l.amount_ht
               FROM credit_note_lines l JOIN credit_notes cn ON cn.number = l.credit_note
              WHERE cn.customer_id = ?1",
            &[&customer_id],
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
             {LINE_GROUP}"
        );
        self.query(&sql, &[&customer_id, &from.to_string(), &to.to_string()])
    }

    /// The customers with a BL line with a deposit delivered from `from` to `to`.
    pub fn customers_with_deposits(&self, from: NaiveDate, to: NaiveDate) -> DbResult<Vec<i64>> {
        let rows: Vec<Single<i64>> = self.query(
            "SELECT DISTINCT n.customer_id FROM delivery_notes n
               JOIN delivery_lines l ON l.delivery_note = n.number
              WHERE l.deposit IS NOT NULL AND n.delivered_on >= ?1 AND n.delivered_on <= ?2
              ORDER BY n.customer_id",
            &[&from.to_string(), &to.to_string()],
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The reminder thresholds already recorded for a BL line.
    pub fn reminders_recorded(&self, delivery_note: &str, line_no: u32) -> DbResult<Vec<u32>> {
        let rows: Vec<Single<u32>> = self.query(
            "SELECT days_before FROM deposit_reminders WHERE delivery_note = ?1 AND line_no = ?2",
            &[&delivery_note, &line_no],
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
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
        self.execute(
            "INSERT INTO deposit_reminders (delivery_note, line_no, days_before, at, sent)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            &[&delivery_note, &line_no, &days_before, &instant(at), &sent],
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
        self.query(
            "SELECT dl.dossier, d.created_at, dl.reference, dl.designation, dl.reason, dl.qty,
                    dl.estimated_credit, dl.unit_price, dl.deposit, dl.accepted_qty,
                    dl.refused_qty, dl.refusal_reason, dl.credited
               FROM dossier_lines dl JOIN dossiers d ON d.number = dl.dossier
              WHERE d.customer_id = ?1 AND d.created_at >= ?2 AND d.created_at < ?3",
            &[&customer_id, &instant(from), &instant(to)],
        )
    }
}
