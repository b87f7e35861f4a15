//! The catalogue of what was delivered: delivery notes (BL) and their lines, each line with the
//! units already in closed and open return files, found by number or by a printed code.

use super::values::{parse_date, parse_money, parse_opt_money};
use super::{Conn, DbResult, FromRow, Row};
use chrono::NaiveDate;
use retour_domain::Money;

/// A delivered line with what is known about its returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    /// The BL.
    pub delivery_note: String,
    /// The BL's delivery day.
    pub delivered_on: NaiveDate,
    /// The line number.
    pub line_no: u32,
    /// The supplier reference as printed.
    pub reference: String,
    /// The brand.
    pub brand: String,
    /// The designation.
    pub designation: String,
    /// The GTIN as printed, when known.
    pub gtin: Option<String>,
    /// Units delivered.
    pub delivered: u32,
    /// Units returned before this system (or through another channel).
    pub returned_before: u32,
    /// Units in closed return files.
    pub in_closed: u32,
    /// Units in open return files.
    pub in_open: u32,
    /// Unit net price HT.
    pub unit_price: Money,
    /// Deposit per unit, for exchange parts.
    pub deposit: Option<Money>,
}

/// A delivered line with the units of its return files, closed and open; the caller appends its
/// `WHERE`, then [`LINE_GROUP`], then its `ORDER BY`. Read by [`StoredLine::from_row`].
pub(super) const LINE_SELECT: &str =
    "SELECT l.delivery_note, n.delivered_on, l.line_no, l.reference, l.brand,
    l.designation, l.gtin, l.qty, l.returned_qty, l.unit_price, l.deposit,
    CAST(COALESCE(SUM(CASE WHEN d.status = 'closed' THEN dl.qty END), 0) AS BIGINT) AS in_closed,
    CAST(COALESCE(SUM(CASE WHEN d.status <> 'closed' THEN dl.qty END), 0) AS BIGINT) AS in_open
  FROM delivery_lines l JOIN delivery_notes n ON n.number = l.delivery_note
  LEFT JOIN dossier_lines dl ON dl.delivery_note = l.delivery_note AND dl.line_no = l.line_no
  LEFT JOIN dossiers d ON d.number = dl.dossier";

/// The grouping of [`LINE_SELECT`]: one row per BL line (by the keys of the line and of its BL,
/// so that PostgreSQL knows every other column has one value per group).
pub(super) const LINE_GROUP: &str = "GROUP BY l.delivery_note, l.line_no, n.number";

impl FromRow for StoredLine {
    fn from_row(row: &Row<'_>) -> DbResult<StoredLine> {
        Ok(StoredLine {
            delivery_note: row.get("delivery_note")?,
            delivered_on: parse_date(&row.get::<String>("delivered_on")?)?,
            line_no: row.get("line_no")?,
            reference: row.get("reference")?,
            brand: row.get("brand")?,
            designation: row.get("designation")?,
            gtin: row.get("gtin")?,
            delivered: row.get("qty")?,
            returned_before: row.get("returned_qty")?,
            in_closed: row.get("in_closed")?,
            in_open: row.get("in_open")?,
            unit_price: parse_money(&row.get::<String>("unit_price")?)?,
            deposit: parse_opt_money(row.get("deposit")?)?,
        })
    }
}

/// A BL with its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNote {
    /// The number.
    pub number: String,
    /// The delivery day.
    pub delivered_on: NaiveDate,
    /// Its total HT.
    pub total: Money,
    /// Its lines, by number.
    pub lines: Vec<StoredLine>,
}

/// A BL without its lines: the columns `number`, `delivered_on`, `total_ht`.
struct NoteSummary {
    number: String,
    delivered_on: NaiveDate,
    total: Money,
}

impl FromRow for NoteSummary {
    fn from_row(row: &Row<'_>) -> DbResult<NoteSummary> {
        Ok(NoteSummary {
            number: row.get("number")?,
            delivered_on: parse_date(&row.get::<String>("delivered_on")?)?,
            total: parse_money(&row.get::<String>("total_ht")?)?,
        })
    }
}

/// A BL line that carries a searched code: the columns `number`, `delivered_on`, `line_no`.
struct CodeMatch {
    number: String,
    delivered_on: NaiveDate,
    line_no: u32,
}

impl FromRow for CodeMatch {
    fn from_row(row: &Row<'_>) -> DbResult<CodeMatch> {
        Ok(CodeMatch {
            number: row.get("number")?,
            delivered_on: parse_date(&row.get::<String>("delivered_on")?)?,
            line_no: row.get("line_no")?,
        })
    }
}

/// A new BL line, for seeding.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// The line number.
    pub line_no: u32,
    /// The supplier reference as printed.
    pub reference: String,
    /// Its matching form (`normalize_reference`).
    pub reference_key: String,
    /// The brand.
    pub brand: String,
    /// The designation.
    pub designation: String,
    /// The GTIN as printed.
    pub gtin: Option<String>,
    /// The GTIN's 14-digit form.
    pub gtin_key: Option<String>,
    /// Units delivered.
    pub qty: u32,
    /// Units already returned outside the system.
    pub returned_qty: u32,
    /// Unit net price HT.
    pub unit_price: Money,
    /// Deposit per unit.
    pub deposit: Option<Money>,
}

/// What a code found among a customer's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKey<'a> {
    /// A supplier reference's matching form.
    Reference(&'a str),
    /// A GTIN's 14-digit form.
    Gtin(&'a str),
}

impl Conn<'_> {
    /// Creates a BL.
    pub fn insert_delivery_note(
        &self,
        customer_id: i64,
        number: &str,
        delivered_on: NaiveDate,
        total: Money,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO delivery_notes (number, customer_id, delivered_on, total_ht) VALUES (?1, ?2, ?3, ?4)",
            &[&number, &customer_id, &delivered_on.to_string(), &total.to_string()],
        )?;
        Ok(())
    }

    /// Adds a line to a BL.
    pub fn insert_delivery_line(&self, number: &str, line: &NewLine) -> DbResult<()> {
        self.execute(
            "INSERT INTO delivery_lines (delivery_note, line_no, reference, reference_key, brand,
                designation, gtin, gtin_key, qty, returned_qty, unit_price, deposit)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            &[
                &number,
                &line.line_no,
                &line.reference,
                &line.reference_key,
                &line.brand,
                &line.designation,
                &line.gtin,
                &line.gtin_key,
                &line.qty,
                &line.returned_qty,
                &line.unit_price.to_string(),
                &line.deposit.map(|d| d.to_string()),
            ],
        )?;
        Ok(())
    }

    /// A customer's BLs delivered on or after `since`, newest first.
    pub fn delivery_note_summaries(
        &self,
        customer_id: i64,
        since: NaiveDate,
    ) -> DbResult<Vec<(String, NaiveDate, Money)>> {
        let notes: Vec<NoteSummary> = self.query(
            "SELECT number, delivered_on, total_ht FROM delivery_notes
              WHERE customer_id = ?1 AND delivered_on >= ?2
              ORDER BY delivered_on DESC, number DESC",
            &[&customer_id, &since.to_string()],
        )?;
        Ok(notes
            .into_iter()
            .map(|note| (note.number, note.delivered_on, note.total))
            .collect())
    }

    /// A customer's BL with its lines; `None` when missing or another customer's.
    pub fn delivery_note(&self, customer_id: i64, number: &str) -> DbResult<Option<StoredNote>> {
        let head: Option<NoteSummary> = self.query_first(
            "SELECT number, delivered_on, total_ht FROM delivery_notes
              WHERE number = ?1 AND customer_id = ?2",
            &[&number, &customer_id],
        )?;
        let Some(head) = head else {
            return Ok(None);
        };
        let sql =
            format!("{LINE_SELECT} WHERE l.delivery_note = ?1 {LINE_GROUP} ORDER BY l.line_no");
        let lines = self.query(&sql, &[&number])?;
        Ok(Some(StoredNote {
            number: number.to_owned(),
            delivered_on: head.delivered_on,
            total: head.total,
            lines,
        }))
    }

    /// One line of a customer's BL; `None` when missing or another customer's.
    pub fn delivery_line(
        &self,
        customer_id: i64,
        number: &str,
        line_no: u32,
    ) -> DbResult<Option<StoredLine>> {
        let sql = format!(
            "{LINE_SELECT} WHERE l.delivery_note = ?1 AND l.line_no = ?2 AND n.customer_id = ?3 {LINE_GROUP}"
        );
        self.query_first(&sql, &[&number, &line_no, &customer_id])
    }

    /// The customer's BL lines delivered since `since` that carry a code, newest BL first:
    /// `(number, delivered_on, line_no)`.
    pub fn lines_with_code(
        &self,
        customer_id: i64,
        since: NaiveDate,
        key: LineKey<'_>,
    ) -> DbResult<Vec<(String, NaiveDate, u32)>> {
        let (column, value) = match key {
            LineKey::Reference(v) => ("reference_key", v),
            LineKey::Gtin(v) => ("gtin_key", v),
        };
        let sql = format!(
            "SELECT n.number, n.delivered_on, l.line_no
               FROM delivery_lines l JOIN delivery_notes n ON n.number = l.delivery_note
              WHERE l.{column} = ?1 AND n.customer_id = ?2 AND n.delivered_on >= ?3
              ORDER BY n.delivered_on DESC, n.number DESC, l.line_no LIMIT 1000"
        );
        let found: Vec<CodeMatch> =
            self.query(&sql, &[&value, &customer_id, &since.to_string()])?;
        Ok(found
            .into_iter()
            .map(|line| (line.number, line.delivered_on, line.line_no))
            .collect())
    }
}
