//! Credit notes and "Où est mon avoir ?" (v1.1): the staff's credit notes (checked, compared for
//! idempotency on their number), and the reconciliation of every decided line against the credit
//! notes that credit it — expected, credited, its state and how long it has waited — with totals
//! that are the sums of the items. The CSV the accountant opens is written here too.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::french_csv;
use crate::money::Money;

/// The most lines one credit note takes.
pub const MAX_CREDIT_NOTE_LINES: usize = 500;

/// `POST /api/v1/staff/credit-notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditNoteBody {
    /// The credit note's number, unique: 1–32 characters among letters, digits, `-`, `_`, `/`
    /// and `.`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9._/-]{1,32}$", example = "AV2026-0142")
    )]
    pub number: String,
    /// The garage's customer code.
    pub customer_code: String,
    /// The day it was issued (not after today, Paris).
    pub issued_on: NaiveDate,
    /// 1–500 lines, one per file line.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub lines: Vec<CreditNoteBodyLine>,
}

/// A line of a credit note as the staff send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreditNoteBodyLine {
    /// The file's tracking number.
    pub dossier: String,
    /// The line number within the file's BL.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub line_no: u32,
    /// The amount credited HT (more than zero).
    pub amount_ht: Money,
}

/// A credit note on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNote {
    /// Its number.
    pub number: String,
    /// The day it was issued.
    pub issued_on: NaiveDate,
    /// The sum of its lines.
    pub total_ht: Money,
    /// Its lines, in the order given.
    pub lines: Vec<CreditNoteLine>,
}

/// A line of a credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNoteLine {
    /// The file's tracking number.
    pub dossier: String,
    /// The line number within the file's BL.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The amount credited HT.
    pub amount_ht: Money,
}

/// `GET /api/v1/credit-notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditNoteList {
    /// Newest first.
    pub items: Vec<CreditNote>,
}

/// Why a credit note cannot be recorded as sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditNoteError {
    /// The number is empty, too long or has other characters.
    #[error("Numéro d'avoir invalide : 1 à 32 caractères parmi lettres, chiffres, - _ / .")]
    Number,
    /// No line, or more than 500.
    #[error("Un avoir compte de 1 à 500 lignes")]
    LineCount,
    /// The same file line twice.
    #[error("La ligne {line_no} du dossier {dossier} figure deux fois dans l'avoir")]
    DuplicateLine {
        /// The file.
        dossier: String,
        /// The line.
        line_no: u32,
    },
    /// An amount of zero.
    #[error("Le montant de chaque ligne doit être supérieur à zéro")]
    ZeroAmount {
        /// The index of the line.
        index: usize,
    },
    /// Issued after today.
    #[error("La date d'émission ne peut pas être postérieure à aujourd'hui")]
    IssuedInFuture,
}

impl CreditNoteError {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::InvalidCreditNote
    }

    /// The field it is about.
    pub fn field(&self) -> String {
        match self {
            CreditNoteError::Number => "number".to_owned(),
            CreditNoteError::LineCount | CreditNoteError::DuplicateLine { .. } => {
                "lines".to_owned()
            }
            CreditNoteError::ZeroAmount { index } => format!("lines[{index}].amount_ht"),
            CreditNoteError::IssuedInFuture => "issued_on".to_owned(),
        }
    }
}

/// Whether a credit note number is well formed.
pub fn valid_number(number: &str) -> bool {
    (1..=32).contains(&number.len())
        && number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.'))
}

impl CreditNoteBody {
    /// Checks what needs no stored data: the number, 1–500 lines, each file line once, amounts
    /// above zero, not issued after `today` (Paris).
    pub fn check(&self, today: NaiveDate) -> Result<(), CreditNoteError> {
        if !valid_number(&self.number) {
            return Err(CreditNoteError::Number);
        }
        if self.lines.is_empty() || self.lines.len() > MAX_CREDIT_NOTE_LINES {
            return Err(CreditNoteError::LineCount);
        }
        if self.issued_on > today {
            return Err(CreditNoteError::IssuedInFuture);
        }
        let mut seen = std::collections::BTreeSet::new();
        for (index, line) in self.lines.iter().enumerate() {
            if line.amount_ht == Money::ZERO {
                return Err(CreditNoteError::ZeroAmount { index });
            }
            if !seen.insert((line.dossier.as_str(), line.line_no)) {
                return Err(CreditNoteError::DuplicateLine {
                    dossier: line.dossier.clone(),
                    line_no: line.line_no,
                });
            }
        }
        Ok(())
    }

    /// What makes two sendings of the same number the same credit note: the customer, the day
    /// and the set of lines with their amounts (the order of the lines does not matter).
    pub fn same_as(
        &self,
        customer_code: &str,
        issued_on: NaiveDate,
        lines: &[(String, u32, Money)],
    ) -> bool {
        let mut mine: Vec<(&str, u32, Money)> = self
            .lines
            .iter()
            .map(|l| (l.dossier.as_str(), l.line_no, l.amount_ht))
            .collect();
        let mut theirs: Vec<(&str, u32, Money)> =
            lines.iter().map(|(d, n, a)| (d.as_str(), *n, *a)).collect();
        mine.sort();
        theirs.sort();
        self.customer_code == customer_code && self.issued_on == issued_on && mine == theirs
    }
}

/// Where a decided line's money stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CreditState {
    /// Nothing credited yet.
    Awaiting,
    /// Credited exactly what was decided.
    Credited,
    /// Credited less than decided.
    Short,
    /// Credited more than decided.
    Over,
}

impl CreditState {
    /// Every state.
    pub const ALL: [CreditState; 4] = [
        CreditState::Awaiting,
        CreditState::Credited,
        CreditState::Short,
        CreditState::Over,
    ];

    /// The state of a line expecting `expected` that was credited `credited` in all.
    pub fn of(expected: Money, credited: Money) -> CreditState {
        if credited == Money::ZERO {
            CreditState::Awaiting
        } else if credited == expected {
            CreditState::Credited
        } else if credited < expected {
            CreditState::Short
        } else {
            CreditState::Over
        }
    }

    /// The French label.
    pub fn label(self) -> &'static str {
        match self {
            CreditState::Awaiting => "En attente",
            CreditState::Credited => "Crédité",
            CreditState::Short => "Écart",
            CreditState::Over => "Crédité au-delà",
        }
    }

    /// Whether the garage still waits for money on it.
    pub fn is_waiting(self) -> bool {
        matches!(self, CreditState::Awaiting | CreditState::Short)
    }
}

/// `GET /api/v1/credits`: "Où est mon avoir ?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credits {
    /// Σ expected of the items.
    pub expected_ht: Money,
    /// Σ credited of the items.
    pub credited_ht: Money,
    /// Σ expected of the items with nothing credited.
    pub awaiting_ht: Money,
    /// Σ (expected − credited) of the `short` items.
    pub short_ht: Money,
    /// One per decided line with something to credit; those waiting longest first.
    pub items: Vec<CreditItem>,
}

/// A decided line and its money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditItem {
    /// The file.
    pub dossier: String,
    /// The line number within the file's BL.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// The day the file was decided (Paris).
    pub decided_on: NaiveDate,
    /// What the decision credits.
    pub expected_ht: Money,
    /// What credit notes credited.
    pub credited_ht: Money,
    /// The credit notes that credit it, first issued first.
    pub credit_notes: Vec<String>,
    /// Where it stands.
    pub state: CreditState,
    /// Paris days waited: until today while awaiting or short, until the last credit note
    /// otherwise.
    pub waiting_days: u32,
}

/// A decided line of a file, as the reconciliation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedLine {
    /// The file.
    pub dossier: String,
    /// The line number.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// The day the file was decided.
    pub decided_on: NaiveDate,
    /// The decision's credited amount.
    pub expected: Money,
}

/// An amount a credit note credits on one file line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credited {
    /// The file.
    pub dossier: String,
    /// The line number.
    pub line_no: u32,
    /// The credit note's number.
    pub credit_note: String,
    /// The day the credit note was issued.
    pub issued_on: NaiveDate,
    /// The amount.
    pub amount: Money,
}

/// Reconciles the decided lines with the credit notes on `today` (Paris): one item per decided
/// line expecting more than zero; amounts credited on other lines are not shown. Totals are the
/// sums of the items; the items waiting longest come first.
pub fn reconcile(decided: &[DecidedLine], credited: &[Credited], today: NaiveDate) -> Credits {
    let mut by_line: BTreeMap<(&str, u32), Vec<&Credited>> = BTreeMap::new();
    for c in credited {
        by_line
            .entry((c.dossier.as_str(), c.line_no))
            .or_default()
            .push(c);
    }
    let mut items: Vec<CreditItem> = decided
        .iter()
        .filter(|d| d.expected > Money::ZERO)
        .map(|d| {
            let mut notes = by_line
                .get(&(d.dossier.as_str(), d.line_no))
                .cloned()
                .unwrap_or_default();
            notes.sort_by(|a, b| (a.issued_on, &a.credit_note).cmp(&(b.issued_on, &b.credit_note)));
            let credited: Money = notes.iter().map(|c| c.amount).sum();
            let state = CreditState::of(d.expected, credited);
            let until = match (state.is_waiting(), notes.last()) {
                (false, Some(last)) => last.issued_on,
                _ => today,
            };
            let waiting_days = u32::try_from((until - d.decided_on).num_days()).unwrap_or(0);
            let mut numbers: Vec<String> = Vec::new();
            for n in &notes {
                if !numbers.contains(&n.credit_note) {
                    numbers.push(n.credit_note.clone());
                }
            }
            CreditItem {
                dossier: d.dossier.clone(),
                line_no: d.line_no,
                reference: d.reference.clone(),
                designation: d.designation.clone(),
                decided_on: d.decided_on,
                expected_ht: d.expected,
                credited_ht: credited,
                credit_notes: numbers,
                state,
                waiting_days,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        (
            !a.state.is_waiting(),
            std::cmp::Reverse(a.waiting_days),
            &a.dossier,
            a.line_no,
        )
            .cmp(&(
                !b.state.is_waiting(),
                std::cmp::Reverse(b.waiting_days),
                &b.dossier,
                b.line_no,
            ))
    });
    totals(items)
}

/// The totals of some items, as the contract defines them.
pub fn totals(items: Vec<CreditItem>) -> Credits {
    let sum = |keep: &dyn Fn(&CreditItem) -> bool, amount: &dyn Fn(&CreditItem) -> Money| {
        items.iter().filter(|i| keep(i)).map(amount).sum::<Money>()
    };
    let expected_ht = sum(&|_| true, &|i| i.expected_ht);
    let credited_ht = sum(&|_| true, &|i| i.credited_ht);
    let awaiting_ht = sum(&|i| i.state == CreditState::Awaiting, &|i| i.expected_ht);
    let short_ht = sum(&|i| i.state == CreditState::Short, &|i| {
        Money::round(i.expected_ht.amount() - i.credited_ht.amount())
    });
    Credits {
        expected_ht,
        credited_ht,
        awaiting_ht,
        short_ht,
        items,
    }
}

/// The CSV of "Où est mon avoir ?" for French spreadsheet software: UTF-8 with a BOM, `;`
/// between fields, decimal commas, dates as `dd/mm/yyyy`, French headers, one row per item.
pub fn credits_csv(credits: &Credits) -> String {
    let headers = [
        "Dossier",
        "Ligne",
        "Référence",
        "Désignation",
        "Décidé le",
        "Attendu HT",
        "Crédité HT",
        "Avoirs",
        "État",
        "Jours d'attente",
    ];
    let rows = credits.items.iter().map(|i| {
        vec![
            i.dossier.clone(),
            i.line_no.to_string(),
            i.reference.clone(),
            i.designation.clone(),
            french_csv::date(i.decided_on),
            french_csv::amount(i.expected_ht),
            french_csv::amount(i.credited_ht),
            i.credit_notes.join(", "),
            i.state.label().to_owned(),
            i.waiting_days.to_string(),
        ]
    });
    french_csv::document(&headers, rows)
}

/// The message "Réclamer" writes to the returns service about a line still waiting for its
/// money (awaiting or short), in French; `None` for a line with nothing to claim.
pub fn claim_text(item: &CreditItem) -> Option<String> {
    let line = format!(
        "la ligne {} de ce dossier ({} — {}), décidée le {} pour {} HT,",
        item.line_no,
        item.reference,
        item.designation,
        item.decided_on.format("%d/%m/%Y"),
        item.expected_ht.format_fr()
    );
    match item.state {
        CreditState::Awaiting => Some(format!(
            "Bonjour, {line} n'a encore reçu aucun avoir ({} jours d'attente). Pouvez-vous nous \
             dire quand il sera émis ? Merci.",
            item.waiting_days
        )),
        CreditState::Short => Some(format!(
            "Bonjour, {line} n'a été créditée que de {} (avoir {}) : il manque {} HT. Pouvez-vous \
             vérifier et émettre le complément ? Merci.",
            item.credited_ht.format_fr(),
            item.credit_notes.join(", "),
            Money::round(item.expected_ht.amount() - item.credited_ht.amount()).format_fr()
        )),
        CreditState::Credited | CreditState::Over => None,
    }
}

/// The e-mail telling a garage a credit note was issued: its subject and text.
pub fn credit_note_mail(customer_name: &str, note: &CreditNote) -> (String, String) {
    let subject = format!(
        "Avoir n° {} émis : {}",
        note.number,
        note.total_ht.format_fr()
    );
    let mut body = format!(
        "Bonjour,\n\nL'avoir n° {} du {} a été émis pour {} : {} HT.\n\n",
        note.number,
        note.issued_on.format("%d/%m/%Y"),
        customer_name,
        note.total_ht.format_fr()
    );
    for line in &note.lines {
        body.push_str(&format!(
            "- Dossier {}, ligne {} ({}) : {}\n",
            line.dossier,
            line.line_no,
            line.reference,
            line.amount_ht.format_fr()
        ));
    }
    body.push_str("\nRetrouvez vos avoirs dans l'application Retour, « Où est mon avoir ? ».\n");
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn m(text: &str) -> Money {
        Money::parse(text).unwrap()
    }

    fn decided(dossier: &str, line_no: u32, on: u32, expected: &str) -> DecidedLine {
        DecidedLine {
            dossier: dossier.into(),
            line_no,
            reference: "REF".into(),
            designation: "PIÈCE; \"spéciale\"".into(),
            decided_on: day(on),
            expected: m(expected),
        }
    }

    fn credit(dossier: &str, line_no: u32, note: &str, on: u32, amount: &str) -> Credited {
        Credited {
            dossier: dossier.into(),
            line_no,
            credit_note: note.into(),
            issued_on: day(on),
            amount: m(amount),
        }
    }

    #[test]
    fn each_state_and_the_totals() {
        let lines = [
            decided("10000001", 1, 2, "17.27"),
            decided("10000002", 1, 5, "40.00"),
            decided("10000003", 2, 10, "12.00"),
            decided("10000004", 1, 12, "5.00"),
            decided("10000005", 1, 12, "0.00"),
        ];
        let notes = [
            credit("10000002", 1, "AV1", 8, "20.00"),
            credit("10000002", 1, "AV2", 9, "15.63"),
            credit("10000003", 2, "AV1", 8, "12.00"),
            credit("10000004", 1, "AV3", 20, "6.00"),
            credit("10000005", 1, "AV3", 20, "1.00"),
        ];
        let got = reconcile(&lines, &notes, day(30));
        let states: Vec<_> = got
            .items
            .iter()
            .map(|i| (i.dossier.as_str(), i.state, i.waiting_days))
            .collect();
        assert_eq!(
            states,
            [
                ("10000001", CreditState::Awaiting, 28),
                ("10000002", CreditState::Short, 25),
                ("10000004", CreditState::Over, 8),
                ("10000003", CreditState::Credited, 0),
            ]
        );
        assert_eq!(got.items[1].credit_notes, ["AV1", "AV2"]);
        assert_eq!(got.expected_ht, m("74.27"));
        assert_eq!(got.credited_ht, m("53.63"));
        assert_eq!(got.awaiting_ht, m("17.27"));
        assert_eq!(got.short_ht, m("4.37"));

        let short = claim_text(&got.items[1]).unwrap();
        assert!(
            short.contains("la ligne 1 de ce dossier (REF — "),
            "{short}"
        );
        assert!(
            short.contains("décidée le 05/11/2026 pour 40,00\u{a0}€ HT"),
            "{short}"
        );
        assert!(
            short.contains("(avoir AV1, AV2) : il manque 4,37\u{a0}€ HT"),
            "{short}"
        );
        let awaiting = claim_text(&got.items[0]).unwrap();
        assert!(
            awaiting.contains("aucun avoir (28 jours d'attente)"),
            "{awaiting}"
        );
        assert_eq!(
            claim_text(&got.items[3]),
            None,
            "credited: nothing to claim"
        );
    }

    #[test]
    fn the_csv_opens_in_french_spreadsheets() {
        let got = reconcile(&[decided("10000001", 1, 2, "1234.5")], &[], day(30));
        let csv = credits_csv(&got);
        assert!(csv.starts_with('\u{FEFF}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Dossier;Ligne;Référence;Désignation;Décidé le;Attendu HT;Crédité HT;Avoirs;État;Jours d'attente"
        );
        assert_eq!(
            lines[1],
            "10000001;1;REF;\"PIÈCE; \"\"spéciale\"\"\";02/11/2026;1234,50;0,00;;En attente;28"
        );
        assert_eq!(lines[2], "");
    }

    #[test]
    fn a_credit_note_body_is_checked() {
        let body = |number: &str, lines: Vec<(&str, u32, &str)>, on: u32| CreditNoteBody {
            number: number.into(),
            customer_code: "C00042".into(),
            issued_on: day(on),
            lines: lines
                .into_iter()
                .map(|(d, n, a)| CreditNoteBodyLine {
                    dossier: d.into(),
                    line_no: n,
                    amount_ht: m(a),
                })
                .collect(),
        };
        let today = day(20);
        assert_eq!(
            body("AV2026-0142", vec![("1", 1, "1.00")], 20).check(today),
            Ok(())
        );
        assert_eq!(
            body("", vec![("1", 1, "1.00")], 20).check(today),
            Err(CreditNoteError::Number)
        );
        assert_eq!(
            body("AV 1", vec![("1", 1, "1.00")], 20).check(today),
            Err(CreditNoteError::Number)
        );
        assert_eq!(
            body("AV1", vec![], 20).check(today),
            Err(CreditNoteError::LineCount)
        );
        assert_eq!(
            body("AV1", vec![("1", 1, "1.00")], 21).check(today),
            Err(CreditNoteError::IssuedInFuture)
        );
        assert_eq!(
            body("AV1", vec![("1", 1, "0")], 20).check(today),
            Err(CreditNoteError::ZeroAmount { index: 0 })
        );
        assert!(matches!(
            body("AV1", vec![("1", 1, "1"), ("1", 1, "2")], 20).check(today),
            Err(CreditNoteError::DuplicateLine { .. })
        ));
        let b = body("AV1", vec![("1", 1, "1.00"), ("2", 3, "2.00")], 20);
        let stored = vec![("2".to_owned(), 3, m("2")), ("1".to_owned(), 1, m("1"))];
        assert!(b.same_as("C00042", day(20), &stored));
        assert!(!b.same_as("C00077", day(20), &stored));
        assert!(!b.same_as("C00042", day(19), &stored));
        assert!(!b.same_as("C00042", day(20), &stored[..1]));
    }
}
