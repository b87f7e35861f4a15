//! The statuses of a return file (*dossier*) and how a file moves through them: forward only,
//! ending closed with an outcome.

use crate::error_code::ErrorCode;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Where a return file stands. The order of the variants is the order of the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    /// The request was sent.
    Sent,
    /// The parts arrived at the distributor's site.
    Received,
    /// The quality inspection is under way.
    Inspecting,
    /// The file is closed with an outcome.
    Closed,
}

impl DossierStatus {
    /// Every status, in process order.
    pub const ALL: [DossierStatus; 4] = [
        DossierStatus::Sent,
        DossierStatus::Received,
        DossierStatus::Inspecting,
        DossierStatus::Closed,
    ];

    /// The French label shown to customers.
    pub fn label(self) -> &'static str {
        match self {
            DossierStatus::Sent => "Demande envoyée",
            DossierStatus::Received => "Prise en charge sur site",
            DossierStatus::Inspecting => "Contrôle qualité en cours",
            DossierStatus::Closed => "Dossier clôturé",
        }
    }

    /// The stable code, as on the wire.
    pub fn code(self) -> &'static str {
        match self {
            DossierStatus::Sent => "sent",
            DossierStatus::Received => "received",
            DossierStatus::Inspecting => "inspecting",
            DossierStatus::Closed => "closed",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<DossierStatus> {
        DossierStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The step number for a gauge: 1 for sent … 4 for closed.
    pub fn step(self) -> u8 {
        self as u8 + 1
    }

    /// Whether the file still counts as open (not closed).
    pub fn is_open(self) -> bool {
        self != DossierStatus::Closed
    }
}

impl fmt::Display for DossierStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How a closed file ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything was accepted.
    Accepted,
    /// Part of it was accepted.
    Partial,
    /// Nothing was accepted.
    Refused,
}

impl Outcome {
    /// The French label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Accepted => "Accepté",
            Outcome::Partial => "Partiellement accepté",
            Outcome::Refused => "Refusé",
        }
    }
}

/// What a closed file records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// How it ended.
    pub outcome: Outcome,
    /// The day it was validated.
    pub validated_on: NaiveDate,
    /// The amount credited HT.
    pub credited_ht: Money,
    /// The credit note's number, set when invoicing runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_note_number: Option<String>,
}

/// A staff decision about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusEvent {
    /// Move to `received` or `inspecting`.
    Advance(DossierStatus),
    /// Close with an outcome and the credited amount.
    Close {
        /// How it ended.
        outcome: Outcome,
        /// The amount credited HT.
        credited_ht: Money,
        /// The credit note number, when already known.
        credit_note_number: Option<String>,
    },
    /// Record the credit note number of a file already closed (invoicing ran).
    CreditNote(String),
}

/// Why an event does not apply to a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// Statuses only move forward, and a closed file only takes its credit note number.
    #[error("Transition impossible : le dossier est « {from} », il ne peut pas passer à « {to} »")]
    NotForward {
        /// The current status.
        from: DossierStatus,
        /// The requested status.
        to: DossierStatus,
    },
    /// A credit note number is only recorded on a closed file.
    #[error("Le numéro d'avoir ne peut être enregistré que sur un dossier clôturé")]
    NotClosed,
    /// `Advance` must not be used to close: closing needs an outcome.
    #[error("La clôture d'un dossier demande un résultat (accepté, partiel ou refusé)")]
    OutcomeRequired,
}

impl TransitionError {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            TransitionError::OutcomeRequired => ErrorCode::OutcomeRequired,
            _ => ErrorCode::InvalidTransition,
        }
    }
}

/// The state of a file's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The current status.
    pub status: DossierStatus,
    /// The closure, once closed.
    pub closure: Option<Closure>,
}

impl Progress {
    /// A file just sent.
    pub fn new() -> Progress {
        Progress {
            status: DossierStatus::Sent,
            closure: None,
        }
    }

    /// Applies a staff event on `today`, moving forward only.
    pub fn apply(&self, event: StatusEvent, today: NaiveDate) -> Result<Progress, TransitionError> {
        let forward = |to: DossierStatus| {
            if to > self.status {
                Ok(())
            } else {
                Err(TransitionError::NotForward {
                    from: self.status,
                    to,
                })
            }
        };
        match event {
            StatusEvent::Advance(DossierStatus::Closed) => Err(TransitionError::OutcomeRequired),
            StatusEvent::Advance(to) => {
                forward(to)?;
                Ok(Progress {
                    status: to,
                    closure: None,
                })
            }
            StatusEvent::Close {
                outcome,
                credited_ht,
                credit_note_number,
            } => {
                forward(DossierStatus::Closed)?;
                Ok(Progress {
                    status: DossierStatus::Closed,
                    closure: Some(Closure {
                        outcome,
                        validated_on: today,
                        credited_ht,
                        credit_note_number,
                    }),
                })
            }
            StatusEvent::CreditNote(number) => match &self.closure {
                Some(closure) => Ok(Progress {
                    status: DossierStatus::Closed,
                    closure: Some(Closure {
                        credit_note_number: Some(number),
                        ..closure.clone()
                    }),
                }),
                None => Err(TransitionError::NotClosed),
            },
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DossierStatus::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn at(status: DossierStatus) -> Progress {
        Progress {
            status,
            closure: None,
        }
    }

    fn close() -> StatusEvent {
        StatusEvent::Close {
            outcome: Outcome::Partial,
            credited_ht: Money::parse("12.34").unwrap(),
            credit_note_number: None,
        }
    }

    #[test]
    fn labels() {
        let labels: Vec<_> = DossierStatus::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "Demande envoyée",
                "Prise en charge sur site",
                "Contrôle qualité en cours",
                "Dossier clôturé"
            ]
        );
        assert_eq!(Outcome::Partial.label(), "Partiellement accepté");
        assert_eq!(DossierStatus::parse("inspecting"), Some(Inspecting));
        assert_eq!(DossierStatus::parse("lost"), None);
        assert_eq!(
            serde_json::to_string(&Inspecting).unwrap(),
            "\"inspecting\""
        );
    }

    #[test]
    fn moves_forward_only() {
        for (from, to, ok) in [
            (Sent, Received, true),
            (Sent, Inspecting, true),
            (Received, Inspecting, true),
            (Received, Received, false),
            (Inspecting, Received, false),
            (Inspecting, Sent, false),
        ] {
            let got = at(from).apply(StatusEvent::Advance(to), day());
            assert_eq!(got.is_ok(), ok, "{from:?} -> {to:?}");
            if !ok {
                assert_eq!(got.unwrap_err().code(), "invalid_transition");
            }
        }
    }

    #[test]
    fn closing_needs_an_outcome_and_is_final() {
        assert_eq!(
            at(Inspecting).apply(StatusEvent::Advance(Closed), day()),
            Err(TransitionError::OutcomeRequired)
        );
        let closed = at(Received).apply(close(), day()).unwrap();
        assert_eq!(closed.status, Closed);
        let closure = closed.closure.clone().unwrap();
        assert_eq!(closure.validated_on, day());
        assert_eq!(closure.credit_note_number, None);
        assert!(closed.apply(close(), day()).is_err());
        assert!(closed
            .apply(StatusEvent::Advance(Inspecting), day())
            .is_err());
        let invoiced = closed
            .apply(StatusEvent::CreditNote("AV123".into()), day())
            .unwrap();
        assert_eq!(
            invoiced.closure.unwrap().credit_note_number.as_deref(),
            Some("AV123")
        );
        assert_eq!(
            at(Sent).apply(StatusEvent::CreditNote("AV1".into()), day()),
            Err(TransitionError::NotClosed)
        );
    }

    #[test]
    fn message_is_french() {
        let err = at(Inspecting)
            .apply(StatusEvent::Advance(Received), day())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Transition impossible : le dossier est « Contrôle qualité en cours », il ne peut pas passer à « Prise en charge sur site »"
        );
    }
}
