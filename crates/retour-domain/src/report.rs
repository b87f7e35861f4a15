//! "Mon bilan" (v1.1): a garage's returns over a period of at most 366 days — pieces and money by
//! reason and by month, the 10 most returned references, refusals by cause, fees paid — from the
//! lines of the files created in the period (Paris dates). Every total is the sum of its rounded
//! lines.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::decision::RefusalReason;
use crate::error_code::ErrorCode;
use crate::money::Money;
use crate::reason::{LinePrices, ReasonTable};

/// The longest period a report covers, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// How many references the report ranks.
pub const TOP_REFERENCES: usize = 10;

/// `GET /api/v1/reports/returns?from=&to=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// Files created in the period.
    pub dossiers: u32,
    /// Units in them.
    pub pieces: u32,
    /// Σ the lines' estimates.
    pub estimated_ht: Money,
    /// Σ the decided lines' credited amounts.
    pub credited_ht: Money,
    /// Σ unit price × refused units of the decided lines.
    pub refused_ht: Money,
    /// Σ the fees of the decided lines' accepted units.
    pub fees_ht: Money,
    /// By reason, most pieces first.
    pub by_reason: Vec<ReasonRow>,
    /// The 10 most returned references.
    pub by_reference: Vec<ReferenceRow>,
    /// Every month of the period, oldest first (months without returns too).
    pub by_month: Vec<MonthRow>,
    /// Refused units by cause, most first.
    pub refusals: Vec<RefusalRow>,
}

/// One reason's returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonRow {
    /// The reason's code.
    pub reason: String,
    /// Its French label.
    pub label: String,
    /// Units.
    pub pieces: u32,
    /// Credited.
    pub credited_ht: Money,
}

/// One reference's returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceRow {
    /// The supplier reference.
    pub reference: String,
    /// Its designation.
    pub designation: String,
    /// Units.
    pub pieces: u32,
    /// Files it appears in.
    pub dossiers: u32,
}

/// One month's returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthRow {
    /// `2026-11`.
    pub month: String,
    /// Units.
    pub pieces: u32,
    /// Credited.
    pub credited_ht: Money,
}

/// Refused units of one cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusalRow {
    /// The refusal reason.
    pub refusal_reason: RefusalReason,
    /// Its French label.
    pub label: String,
    /// Units refused.
    pub pieces: u32,
}

/// A line of a file, as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// The file.
    pub dossier: String,
    /// The day the file was created (Paris).
    pub created_on: NaiveDate,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// The reason's code.
    pub reason: String,
    /// Units returned.
    pub qty: u32,
    /// The estimate, when known.
    pub estimated: Option<Money>,
    /// The prices at delivery.
    pub prices: LinePrices,
    /// The decision, once decided.
    pub decision: Option<ReportDecision>,
}

/// What a decided line's report needs of its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportDecision {
    /// Units accepted.
    pub accepted_qty: u32,
    /// Units refused.
    pub refused_qty: u32,
    /// Credited.
    pub credited: Money,
    /// Why units were refused.
    pub refusal_reason: Option<RefusalReason>,
}

/// A period that cannot be reported on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// `from` after `to`.
    #[error("La date de début doit précéder la date de fin")]
    Reversed,
    /// More than 366 days.
    #[error("La période ne peut pas dépasser 366 jours")]
    TooLong,
}

impl PeriodError {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidPeriod
    }
}

/// Checks a period: `from` ≤ `to`, at most 366 days from the first to the last day.
pub fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), PeriodError> {
    if from > to {
        return Err(PeriodError::Reversed);
    }
    if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
        return Err(PeriodError::TooLong);
    }
    Ok(())
}

/// Every month from `from`'s to `to`'s, as `2026-11`.
fn months(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// The report of the lines of files created from `from` to `to` (lines outside are left out).
pub fn report(
    lines: &[ReportLine],
    from: NaiveDate,
    to: NaiveDate,
    reasons: &ReasonTable,
) -> ReturnReport {
    let lines: Vec<&ReportLine> = lines
        .iter()
        .filter(|l| l.created_on >= from && l.created_on <= to)
        .collect();
    let credited = |l: &ReportLine| l.decision.map_or(Money::ZERO, |d| d.credited);
    let dossiers: std::collections::BTreeSet<&str> =
        lines.iter().map(|l| l.dossier.as_str()).collect();

    let mut by_reason: BTreeMap<&str, (u32, Money)> = BTreeMap::new();
    let mut by_reference: BTreeMap<&str, (&str, u32, std::collections::BTreeSet<&str>)> =
        BTreeMap::new();
    let mut by_month: BTreeMap<String, (u32, Money)> = months(from, to)
        .into_iter()
        .map(|m| (m, (0, Money::ZERO)))
        .collect();
    let mut refusals: Vec<(RefusalReason, u32)> = Vec::new();
    let (mut refused_ht, mut fees_ht) = (Money::ZERO, Money::ZERO);
    for l in &lines {
        let r = by_reason
            .entry(l.reason.as_str())
            .or_insert((0, Money::ZERO));
        r.0 += l.qty;
        r.1 = r.1 + credited(l);
        let f = by_reference.entry(l.reference.as_str()).or_insert((
            l.designation.as_str(),
            0,
            Default::default(),
        ));
        f.1 += l.qty;
        f.2.insert(l.dossier.as_str());
        let month = format!("{:04}-{:02}", l.created_on.year(), l.created_on.month());
        let m = by_month.entry(month).or_insert((0, Money::ZERO));
        m.0 += l.qty;
        m.1 = m.1 + credited(l);
        if let Some(d) = l.decision {
            if d.refused_qty > 0 {
                refused_ht = refused_ht + l.prices.unit_price.times(d.refused_qty, Decimal::ONE);
                if let Some(cause) = d.refusal_reason {
                    match refusals.iter_mut().find(|(c, _)| *c == cause) {
                        Some((_, pieces)) => *pieces += d.refused_qty,
                        None => refusals.push((cause, d.refused_qty)),
                    }
                }
            }
            if d.accepted_qty > 0 {
                if let Some(fee) = reasons.fee(&l.reason, &l.prices, d.accepted_qty) {
                    fees_ht = fees_ht + fee;
                }
            }
        }
    }

    let mut reason_rows: Vec<ReasonRow> = by_reason
        .into_iter()
        .map(|(code, (pieces, credited_ht))| ReasonRow {
            reason: code.to_owned(),
            label: reasons
                .get(code)
                .map_or_else(|| code.to_owned(), |r| r.label.clone()),
            pieces,
            credited_ht,
        })
        .collect();
    reason_rows.sort_by(|a, b| {
        b.pieces
            .cmp(&a.pieces)
            .then_with(|| a.reason.cmp(&b.reason))
    });
    let mut reference_rows: Vec<ReferenceRow> = by_reference
        .into_iter()
        .map(|(reference, (designation, pieces, files))| ReferenceRow {
            reference: reference.to_owned(),
            designation: designation.to_owned(),
            pieces,
            dossiers: u32::try_from(files.len()).unwrap_or(u32::MAX),
        })
        .collect();
    reference_rows.sort_by(|a, b| {
        (b.pieces, b.dossiers)
            .cmp(&(a.pieces, a.dossiers))
            .then_with(|| a.reference.cmp(&b.reference))
    });
    reference_rows.truncate(TOP_REFERENCES);
    refusals.sort_by_key(|(cause, _)| RefusalReason::ALL.iter().position(|c| c == cause));
    let mut refusal_rows: Vec<RefusalRow> = refusals
        .into_iter()
        .map(|(cause, pieces)| RefusalRow {
            refusal_reason: cause,
            label: cause.label().to_owned(),
            pieces,
        })
        .collect();
    refusal_rows.sort_by_key(|r| std::cmp::Reverse(r.pieces));

    ReturnReport {
        from,
        to,
        dossiers: u32::try_from(dossiers.len()).unwrap_or(u32::MAX),
        pieces: lines.iter().map(|l| l.qty).sum(),
        estimated_ht: lines.iter().filter_map(|l| l.estimated).sum(),
        credited_ht: lines.iter().map(|l| credited(l)).sum(),
        refused_ht,
        fees_ht,
        by_reason: reason_rows,
        by_reference: reference_rows,
        by_month: by_month
            .into_iter()
            .map(|(month, (pieces, credited_ht))| MonthRow {
                month,
                pieces,
                credited_ht,
            })
            .collect(),
        refusals: refusal_rows,
    }
}

/// The CSV of "Mon bilan" for French spreadsheet software (BOM, `;`, decimal commas): one table,
/// each row saying which part of the report it belongs to — the period's totals, then by
/// reason, by month, the most returned references and the refusals by cause.
pub fn report_csv(report: &ReturnReport) -> String {
    let headers = ["Rubrique", "Libellé", "Pièces", "Dossiers", "Montant HT"];
    let amount = crate::french_csv::amount;
    let period = format!(
        "Du {} au {}",
        crate::french_csv::date(report.from),
        crate::french_csv::date(report.to)
    );
    let row = |part: &str, label: &str, pieces: String, files: String, money: String| {
        vec![part.to_owned(), label.to_owned(), pieces, files, money]
    };
    let mut rows = vec![
        row(
            "Période",
            &period,
            report.pieces.to_string(),
            report.dossiers.to_string(),
            String::new(),
        ),
        row(
            "Total",
            "Avoir estimé",
            String::new(),
            String::new(),
            amount(report.estimated_ht),
        ),
        row(
            "Total",
            "Crédité",
            String::new(),
            String::new(),
            amount(report.credited_ht),
        ),
        row(
            "Total",
            "Refusé",
            String::new(),
            String::new(),
            amount(report.refused_ht),
        ),
        row(
            "Total",
            "Frais payés",
            String::new(),
            String::new(),
            amount(report.fees_ht),
        ),
    ];
    rows.extend(report.by_reason.iter().map(|r| {
        row(
            "Par motif",
            &r.label,
            r.pieces.to_string(),
            String::new(),
            amount(r.credited_ht),
        )
    }));
    rows.extend(report.by_month.iter().map(|m| {
        row(
            "Par mois",
            &m.month,
            m.pieces.to_string(),
            String::new(),
            amount(m.credited_ht),
        )
    }));
    rows.extend(report.by_reference.iter().map(|r| {
        row(
            "Référence",
            &format!("{} — {}", r.reference, r.designation),
            r.pieces.to_string(),
            r.dossiers.to_string(),
            String::new(),
        )
    }));
    rows.extend(report.refusals.iter().map(|r| {
        row(
            "Refus",
            &r.label,
            r.pieces.to_string(),
            String::new(),
            String::new(),
        )
    }));
    crate::french_csv::document(&headers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn line(
        dossier: &str,
        on: NaiveDate,
        reference: &str,
        reason: &str,
        qty: u32,
        decision: Option<ReportDecision>,
    ) -> ReportLine {
        let prices = LinePrices {
            unit_price: Money::parse("19.19").unwrap(),
            deposit: None,
        };
        ReportLine {
            dossier: dossier.into(),
            created_on: on,
            reference: reference.into(),
            designation: format!("PIÈCE {reference}"),
            reason: reason.into(),
            qty,
            estimated: ReasonTable::default()
                .estimate(reason, &prices, qty)
                .ok()
                .flatten(),
            prices,
            decision,
        }
    }

    #[test]
    fn a_period_is_checked() {
        assert_eq!(check_period(day(1, 1), day(12, 31)), Ok(()));
        assert_eq!(
            check_period(day(3, 2), day(3, 1)),
            Err(PeriodError::Reversed)
        );
        let leap_from = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let leap_to = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(check_period(leap_from, leap_to), Ok(()), "366 days");
        assert_eq!(
            check_period(day(1, 1), NaiveDate::from_ymd_opt(2027, 1, 2).unwrap()),
            Err(PeriodError::TooLong)
        );
    }

    #[test]
    fn the_report_adds_up() {
        let decided = |accepted, refused, credited: &str, cause| {
            Some(ReportDecision {
                accepted_qty: accepted,
                refused_qty: refused,
                credited: Money::parse(credited).unwrap(),
                refusal_reason: cause,
            })
        };
        let lines = [
            line(
                "1",
                day(9, 3),
                "A",
                "customer_cancellation",
                2,
                decided(2, 0, "34.54", None),
            ),
            line(
                "1",
                day(9, 3),
                "B",
                "new_part",
                1,
                decided(0, 1, "0", Some(RefusalReason::Fitted)),
            ),
            line("2", day(11, 20), "A", "new_part", 3, None),
            line("3", day(12, 1), "C", "new_part", 1, None),
        ];
        let r = report(&lines, day(9, 1), day(11, 30), &ReasonTable::default());
        assert_eq!((r.dossiers, r.pieces), (2, 6));
        assert_eq!(r.estimated_ht.to_string(), "111.30");
        assert_eq!(r.credited_ht.to_string(), "34.54");
        assert_eq!(r.refused_ht.to_string(), "19.19");
        assert_eq!(r.fees_ht.to_string(), "3.84");
        let months: Vec<_> = r
            .by_month
            .iter()
            .map(|m| (m.month.as_str(), m.pieces))
            .collect();
        assert_eq!(months, [("2026-09", 3), ("2026-10", 0), ("2026-11", 3)]);
        assert_eq!(r.by_reason[0].reason, "new_part");
        assert_eq!(r.by_reason[0].label, "Pièce neuve");
        assert_eq!(
            (
                r.by_reference[0].reference.as_str(),
                r.by_reference[0].pieces,
                r.by_reference[0].dossiers
            ),
            ("A", 5, 2)
        );
        assert_eq!(r.refusals.len(), 1);
        assert_eq!(r.refusals[0].label, "Pièce montée ou traces de montage");

        let csv = report_csv(&r);
        assert!(csv.starts_with("\u{feff}Rubrique;Libellé;Pièces;Dossiers;Montant HT\r\n"));
        assert!(csv.contains("Période;Du 01/09/2026 au 30/11/2026;6;2;\r\n"));
        assert!(csv.contains("Total;Frais payés;;;3,84\r\n"));
        assert!(csv.contains("Par mois;2026-10;0;;0,00\r\n"));
        assert!(csv.contains("Référence;A — PIÈCE A;5;2;\r\n"));
        assert!(csv.contains("Refus;Pièce montée ou traces de montage;1;;\r\n"));
    }
}
