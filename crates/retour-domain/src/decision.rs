//! The per-line decision of a closed return file: the fixed table of refusal reasons, what becomes
//! of a refused part (its disposition), the check of a staff closing line (a refusal needs its
//! reason, never more accepted than returned) and the amount a decided line credits.

use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::money::Money;
use crate::reason::{LinePrices, ReasonTable};
use crate::status::Outcome;

/// Why units of a line were refused: the fixed table of `GET /refusal-reasons`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// Returned after the return window.
    OutOfWindow,
    /// The part was fitted or shows fitting marks.
    Fitted,
    /// Original packaging missing or damaged.
    Packaging,
    /// The part is not the one of the delivery note.
    NotMatching,
    /// Parts of it are missing.
    Incomplete,
    /// The fault claimed was not found.
    NoFaultFound,
    /// Any other reason (say which in the comment).
    Other,
}

impl RefusalReason {
    /// The table, in the order it is shown.
    pub const ALL: [RefusalReason; 7] = [
        RefusalReason::OutOfWindow,
        RefusalReason::Fitted,
        RefusalReason::Packaging,
        RefusalReason::NotMatching,
        RefusalReason::Incomplete,
        RefusalReason::NoFaultFound,
        RefusalReason::Other,
    ];

    /// The stable code, as on the wire.
    pub fn code(self) -> &'static str {
        match self {
            RefusalReason::OutOfWindow => "out_of_window",
            RefusalReason::Fitted => "fitted",
            RefusalReason::Packaging => "packaging",
            RefusalReason::NotMatching => "not_matching",
            RefusalReason::Incomplete => "incomplete",
            RefusalReason::NoFaultFound => "no_fault_found",
            RefusalReason::Other => "other",
        }
    }

    /// The French label shown to customers.
    pub fn label(self) -> &'static str {
        match self {
            RefusalReason::OutOfWindow => "Hors délai de retour",
            RefusalReason::Fitted => "Pièce montée ou traces de montage",
            RefusalReason::Packaging => "Emballage d'origine absent ou abîmé",
            RefusalReason::NotMatching => "Pièce non conforme au bon de livraison",
            RefusalReason::Incomplete => "Pièce incomplète",
            RefusalReason::NoFaultFound => "Défaut non constaté",
            RefusalReason::Other => "Autre motif",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<RefusalReason> {
        RefusalReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// What becomes of the refused units of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Sent back to the garage (the default).
    #[default]
    Returned,
    /// Destroyed.
    Scrapped,
    /// Kept for an expert's examination.
    Held,
}

impl Disposition {
    /// Every disposition.
    pub const ALL: [Disposition; 3] = [
        Disposition::Returned,
        Disposition::Scrapped,
        Disposition::Held,
    ];

    /// The stable code, as on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Disposition::Returned => "returned",
            Disposition::Scrapped => "scrapped",
            Disposition::Held => "held",
        }
    }

    /// The French label shown to customers.
    pub fn label(self) -> &'static str {
        match self {
            Disposition::Returned => "Renvoyée au garage",
            Disposition::Scrapped => "Détruite",
            Disposition::Held => "Conservée pour expertise",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<Disposition> {
        Disposition::ALL.into_iter().find(|d| d.code() == code)
    }
}

/// Most characters of a decision's comment.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// What staff say about one line when closing a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineVerdict<'a> {
    /// Units accepted.
    pub accepted_qty: u32,
    /// Why the others were refused.
    pub refusal_reason: Option<RefusalReason>,
    /// What becomes of the refused units.
    pub disposition: Option<Disposition>,
    /// A free comment.
    pub comment: Option<&'a str>,
}

/// The decision recorded on one line of a closed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDecision {
    /// The line number within the BL.
    pub line_no: u32,
    /// Units accepted.
    pub accepted_qty: u32,
    /// Units refused (returned − accepted).
    pub refused_qty: u32,
    /// The amount this line credits HT.
    pub credited_ht: Money,
    /// Why units were refused (absent when none was, or when a whole file was refused without
    /// reasons in API v1's form).
    pub refusal_reason: Option<RefusalReason>,
    /// What becomes of the refused units (only when some are refused).
    pub disposition: Option<Disposition>,
    /// The staff's comment, trimmed (never empty).
    pub comment: Option<String>,
}

/// Why a closing line is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerdictError {
    /// More units accepted than returned.
    #[error(
        "La quantité acceptée de la ligne {line_no} dépasse la quantité retournée ({returned})"
    )]
    AboveReturned {
        /// The line number.
        line_no: u32,
        /// Units returned on it.
        returned: u32,
    },
    /// Units refused without a reason.
    #[error("Ligne {line_no} : indiquez le motif du refus")]
    RefusalReasonRequired {
        /// The line number.
        line_no: u32,
    },
    /// A comment over [`MAX_COMMENT_CHARS`].
    #[error("Ligne {line_no} : le commentaire dépasse 2 000 caractères")]
    CommentTooLong {
        /// The line number.
        line_no: u32,
    },
}

impl VerdictError {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            VerdictError::AboveReturned { .. } => ErrorCode::InvalidLine,
            VerdictError::RefusalReasonRequired { .. } => ErrorCode::RefusalReasonRequired,
            VerdictError::CommentTooLong { .. } => ErrorCode::CommentTooLong,
        }
    }
}

/// A line of the file as its decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecidedLine<'a> {
    /// The line number within the BL.
    pub line_no: u32,
    /// Units returned.
    pub qty: u32,
    /// The return reason code.
    pub reason: &'a str,
    /// The delivered line's prices.
    pub prices: LinePrices,
}

/// Decides one line: accepted ≤ returned; units refused need a reason when `reason_required`
/// (every line staff give in a closing; not the lines a v1 closing refuses wholesale); the
/// disposition defaults to [`Disposition::Returned`] when units are refused and is dropped
/// otherwise; the credited amount is [`credited`].
pub fn decide_line(
    line: &DecidedLine<'_>,
    verdict: &LineVerdict<'_>,
    reason_required: bool,
    table: &ReasonTable,
) -> Result<LineDecision, VerdictError> {
    let line_no = line.line_no;
    if verdict.accepted_qty > line.qty {
        return Err(VerdictError::AboveReturned {
            line_no,
            returned: line.qty,
        });
    }
    let refused_qty = line.qty - verdict.accepted_qty;
    if refused_qty > 0 && reason_required && verdict.refusal_reason.is_none() {
        return Err(VerdictError::RefusalReasonRequired { line_no });
    }
    let comment = verdict.comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
        return Err(VerdictError::CommentTooLong { line_no });
    }
    let refused = refused_qty > 0;
    Ok(LineDecision {
        line_no,
        accepted_qty: verdict.accepted_qty,
        refused_qty,
        credited_ht: credited(line, verdict.accepted_qty, table),
        refusal_reason: verdict.refusal_reason.filter(|_| refused),
        disposition: refused.then(|| verdict.disposition.unwrap_or_default()),
        comment: comment.map(str::to_owned),
    })
}

/// The amount a decided line credits: the return reason's estimate over the accepted units, or
/// the unit price × accepted units for a reason decided after inspection; rounded half-up to the
/// cent once per line. A reason the table does not know credits nothing.
pub fn credited(line: &DecidedLine<'_>, accepted_qty: u32, table: &ReasonTable) -> Money {
    match table.estimate(line.reason, &line.prices, accepted_qty) {
        Ok(Some(estimate)) => estimate,
        Ok(None) => line
            .prices
            .unit_price
            .times(accepted_qty, rust_decimal::Decimal::ONE),
        Err(_) => Money::ZERO,
    }
}

/// The outcome of a file whose lines accept `accepted` of `returned` units: accepted when all,
/// refused when none, partial otherwise.
pub fn outcome(accepted: u32, returned: u32) -> Outcome {
    if accepted >= returned {
        Outcome::Accepted
    } else if accepted == 0 {
        Outcome::Refused
    } else {
        Outcome::Partial
    }
}

/// The French summary of a decided line, as the file detail shows it:
/// "Acceptée 1 / Refusée 1 — Pièce montée ou traces de montage — Renvoyée au garage".
pub fn summary(decision: &LineDecision) -> String {
    let mut text = format!(
        "Acceptée {} / Refusée {}",
        decision.accepted_qty, decision.refused_qty
    );
    if let Some(reason) = decision.refusal_reason {
        text.push_str(" — ");
        text.push_str(reason.label());
    }
    if let Some(disposition) = decision.disposition {
        text.push_str(" — ");
        text.push_str(disposition.label());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }

    fn line(
        qty: u32,
        reason: &'static str,
        unit: &str,
        deposit: Option<&str>,
    ) -> DecidedLine<'static> {
        DecidedLine {
            line_no: 1,
            qty,
            reason,
            prices: LinePrices {
                unit_price: m(unit),
                deposit: deposit.map(m),
            },
        }
    }

    fn verdict(accepted_qty: u32, reason: Option<RefusalReason>) -> LineVerdict<'static> {
        LineVerdict {
            accepted_qty,
            refusal_reason: reason,
            disposition: None,
            comment: None,
        }
    }

    #[test]
    fn the_refusal_reasons_table() {
        let table: Vec<_> = RefusalReason::ALL
            .iter()
            .map(|r| (r.code(), r.label()))
            .collect();
        assert_eq!(
            table,
            [
                ("out_of_window", "Hors délai de retour"),
                ("fitted", "Pièce montée ou traces de montage"),
                ("packaging", "Emballage d'origine absent ou abîmé"),
                ("not_matching", "Pièce non conforme au bon de livraison"),
                ("incomplete", "Pièce incomplète"),
                ("no_fault_found", "Défaut non constaté"),
                ("other", "Autre motif"),
            ]
        );
        for reason in RefusalReason::ALL {
            assert_eq!(RefusalReason::parse(reason.code()), Some(reason));
            assert_eq!(
                serde_json::to_string(&reason).unwrap(),
                format!("\"{}\"", reason.code())
            );
        }
        assert_eq!(RefusalReason::parse("lost"), None);
        let dispositions: Vec<_> = Disposition::ALL
            .iter()
            .map(|d| (d.code(), d.label()))
            .collect();
        assert_eq!(
            dispositions,
            [
                ("returned", "Renvoyée au garage"),
                ("scrapped", "Détruite"),
                ("held", "Conservée pour expertise"),
            ]
        );
        assert_eq!(Disposition::default(), Disposition::Returned);
        assert_eq!(Disposition::parse("held"), Some(Disposition::Held));
    }

    /// Refused units, credited amount, refusal reason, disposition.
    type Expected<'a> = (u32, &'a str, Option<RefusalReason>, Option<Disposition>);
    /// What a case describes, the line, the verdict, whether a reason is required, the result.
    type Case<'a> = (
        &'a str,
        DecidedLine<'a>,
        LineVerdict<'a>,
        bool,
        Result<Expected<'a>, VerdictError>,
    );

    #[test]
    fn line_decisions() {
        let table = ReasonTable::default();
        use RefusalReason::*;
        #[rustfmt::skip]
        let cases: Vec<Case<'_>> = vec![
            ("all accepted at 100 %: no reason, no disposition",
                line(3, "new_part", "17.27", None), verdict(3, None), true,
                Ok((0, "51.81", None, None))),
            ("one refused with its reason: the disposition defaults to returned",
                line(2, "new_part", "17.27", None), verdict(1, Some(Fitted)), true,
                Ok((1, "17.27", Some(Fitted), Some(Disposition::Returned)))),
            ("a refusal without a reason",
                line(2, "new_part", "17.27", None), verdict(1, None), true,
                Err(VerdictError::RefusalReasonRequired { line_no: 1 })),
            ("a v1 wholesale refusal needs no reason",
                line(2, "new_part", "17.27", None), verdict(0, None), false,
                Ok((2, "0.00", None, Some(Disposition::Returned)))),
            ("more accepted than returned",
                line(2, "new_part", "17.27", None), verdict(3, None), true,
                Err(VerdictError::AboveReturned { line_no: 1, returned: 2 })),
            ("a reason given while nothing is refused is dropped",
                line(1, "new_part", "17.27", None), verdict(1, Some(Other)), true,
                Ok((0, "17.27", None, None))),
            ("after inspection: unit price × accepted",
                line(2, "defective", "80.00", None), verdict(1, Some(NoFaultFound)), true,
                Ok((1, "80.00", Some(NoFaultFound), Some(Disposition::Returned)))),
            ("deposit: the deposit × accepted",
                line(2, "deposit", "120.00", Some("35.50")), verdict(2, None), true,
                Ok((0, "71.00", None, None))),
            ("a 90 % rate rounded half-up once per line: 3 × 0.05 × 0.90 = 0.135",
                line(3, "customer_cancellation", "0.05", None), verdict(3, None), true,
                Ok((0, "0.14", None, None))),
        ];
        for (what, l, v, required, expected) in cases {
            let got = decide_line(&l, &v, required, &table).map(|d| {
                (
                    d.refused_qty,
                    d.credited_ht.to_string(),
                    d.refusal_reason,
                    d.disposition,
                )
            });
            let expected = expected.map(|(r, c, reason, disp)| (r, c.to_owned(), reason, disp));
            assert_eq!(got, expected, "{what}");
        }
    }

    #[test]
    fn comments_are_trimmed_and_capped() {
        let table = ReasonTable::default();
        let l = line(1, "new_part", "10.00", None);
        let mut v = verdict(1, None);
        v.comment = Some("  ");
        assert_eq!(decide_line(&l, &v, true, &table).unwrap().comment, None);
        v.comment = Some(" vu ");
        assert_eq!(
            decide_line(&l, &v, true, &table)
                .unwrap()
                .comment
                .as_deref(),
            Some("vu")
        );
        let long = "é".repeat(MAX_COMMENT_CHARS + 1);
        v.comment = Some(&long);
        let err = decide_line(&l, &v, true, &table).unwrap_err();
        assert_eq!(err.code(), "comment_too_long");
    }

    #[test]
    fn outcomes() {
        assert_eq!(outcome(2, 2), Outcome::Accepted);
        assert_eq!(outcome(1, 2), Outcome::Partial);
        assert_eq!(outcome(0, 2), Outcome::Refused);
    }

    #[test]
    fn the_summary_reads_as_the_screen_says() {
        let decision = LineDecision {
            line_no: 1,
            accepted_qty: 1,
            refused_qty: 1,
            credited_ht: m("17.27"),
            refusal_reason: Some(RefusalReason::Fitted),
            disposition: Some(Disposition::Returned),
            comment: None,
        };
        assert_eq!(
            summary(&decision),
            "Acceptée 1 / Refusée 1 — Pièce montée ou traces de montage — Renvoyée au garage"
        );
    }
}
