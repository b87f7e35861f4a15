//! A return file's timeline: the kinds of events, who made them, the French sentence of each
//! (written here once, sent ready to show by the server), and the rule of a message's text.

use serde::{Deserialize, Serialize};

use crate::decision::LineDecision;
use crate::error_code::ErrorCode;
use crate::money::Money;
use crate::status::{DossierStatus, Outcome};

/// What a timeline event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The file's status changed.
    Status,
    /// The staff decided the lines (the file was closed).
    Decision,
    /// A message was written on the file.
    Message,
    /// A photo was added.
    Photo,
    /// The credit note was issued.
    CreditNote,
    /// The parts were picked up.
    Pickup,
}

impl EventKind {
    /// The stable code, as on the wire and in storage.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Status => "status",
            EventKind::Decision => "decision",
            EventKind::Message => "message",
            EventKind::Photo => "photo",
            EventKind::CreditNote => "credit_note",
            EventKind::Pickup => "pickup",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<EventKind> {
        [
            EventKind::Status,
            EventKind::Decision,
            EventKind::Message,
            EventKind::Photo,
            EventKind::CreditNote,
            EventKind::Pickup,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// Who made an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The garage.
    Customer,
    /// The distributor's returns service.
    Staff,
    /// The driver who picked the parts up.
    Driver,
    /// The server itself.
    System,
}

impl Actor {
    /// The stable code, as on the wire and in storage.
    pub fn code(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::Staff => "staff",
            Actor::Driver => "driver",
            Actor::System => "system",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Actor> {
        [Actor::Customer, Actor::Staff, Actor::Driver, Actor::System]
            .into_iter()
            .find(|a| a.code() == code)
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The garage.
    Customer,
    /// The returns service.
    Staff,
}

impl Author {
    /// The author as a timeline actor.
    pub fn actor(self) -> Actor {
        match self {
            Author::Customer => Actor::Customer,
            Author::Staff => Actor::Staff,
        }
    }

    /// Parses a code (`customer` or `staff`).
    pub fn parse(code: &str) -> Option<Author> {
        match code {
            "customer" => Some(Author::Customer),
            "staff" => Some(Author::Staff),
            _ => None,
        }
    }
}

/// The sentence of a status change.
pub fn status_text(status: DossierStatus) -> String {
    match status {
        DossierStatus::Sent => "Demande de retour envoyée".to_owned(),
        DossierStatus::Received => "Pièces prises en charge sur site".to_owned(),
        DossierStatus::Inspecting => "Contrôle qualité commencé".to_owned(),
        DossierStatus::Closed => "Dossier clôturé".to_owned(),
    }
}

/// `n pièce(s) <word>(s)`, French agreement included.
pub(crate) fn pieces(n: u32, word: &str) -> String {
    if n > 1 {
        format!("{n} pièces {word}s")
    } else {
        format!("{n} pièce {word}")
    }
}

/// The sentence of a decision: the outcome, the pieces accepted and refused, the amount credited.
/// "Décision : partiellement accepté — 1 pièce acceptée, 1 pièce refusée — 17,27 € HT crédités".
pub fn decision_text(outcome: Outcome, lines: &[LineDecision], credited_ht: Money) -> String {
    let accepted: u32 = lines.iter().map(|l| l.accepted_qty).sum();
    let refused: u32 = lines.iter().map(|l| l.refused_qty).sum();
    let mut text = format!(
        "Décision : {} — {}",
        outcome.label().to_lowercase(),
        pieces(accepted, "acceptée")
    );
    if refused > 0 {
        text.push_str(", ");
        text.push_str(&pieces(refused, "refusée"));
    }
    text.push_str(&format!(" — {} HT crédités", credited_ht.format_fr()));
    text
}

/// The sentence of a message event.
pub fn message_text(author: Author) -> String {
    match author {
        Author::Customer => "Message du garage au service retours".to_owned(),
        Author::Staff => "Réponse du service retours".to_owned(),
    }
}

/// The sentence of the photos sent with a file (its lines' photos, a claim's documents).
pub fn photos_text(count: usize) -> String {
    if count > 1 {
        format!("{count} photos jointes à la demande")
    } else {
        format!("{count} photo jointe à la demande")
    }
}

/// The sentence of a credit note recorded on a closed file.
pub fn credit_note_text(number: &str) -> String {
    format!("Avoir n° {number} émis")
}

/// Most characters of a message.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Why a message's text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Nothing but blanks.
    #[error("Écrivez votre message avant de l'envoyer")]
    Empty,
    /// More than [`MAX_MESSAGE_CHARS`] characters.
    #[error("Le message dépasse 2 000 caractères : raccourcissez-le")]
    TooLong,
}

impl MessageError {
    /// The stable machine code.
    pub fn code(self) -> ErrorCode {
        match self {
            MessageError::Empty => ErrorCode::MessageEmpty,
            MessageError::TooLong => ErrorCode::MessageTooLong,
        }
    }
}

/// A message's text as kept: trimmed at both ends, 1–2,000 characters.
pub fn message_body(text: &str) -> Result<String, MessageError> {
    let text = text.trim();
    if text.is_empty() {
        Err(MessageError::Empty)
    } else if text.chars().count() > MAX_MESSAGE_CHARS {
        Err(MessageError::TooLong)
    } else {
        Ok(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{Disposition, RefusalReason};

    fn line(accepted_qty: u32, refused_qty: u32) -> LineDecision {
        LineDecision {
            line_no: 1,
            accepted_qty,
            refused_qty,
            credited_ht: Money::ZERO,
            refusal_reason: (refused_qty > 0).then_some(RefusalReason::Fitted),
            disposition: (refused_qty > 0).then_some(Disposition::Returned),
            comment: None,
        }
    }

    #[test]
    fn sentences() {
        let texts: Vec<_> = DossierStatus::ALL.into_iter().map(status_text).collect();
        assert_eq!(
            texts,
            [
                "Demande de retour envoyée",
                "Pièces prises en charge sur site",
                "Contrôle qualité commencé",
                "Dossier clôturé"
            ]
        );
        assert_eq!(
            decision_text(
                Outcome::Partial,
                &[line(1, 1)],
                Money::parse("17.27").unwrap()
            ),
            "Décision : partiellement accepté — 1 pièce acceptée, 1 pièce refusée — 17,27\u{A0}€ HT crédités"
        );
        assert_eq!(
            decision_text(
                Outcome::Accepted,
                &[line(2, 0), line(1, 0)],
                Money::parse("1234.50").unwrap()
            ),
            "Décision : accepté — 3 pièces acceptées — 1\u{202F}234,50\u{A0}€ HT crédités"
        );
        assert_eq!(
            decision_text(Outcome::Refused, &[line(0, 2)], Money::ZERO),
            "Décision : refusé — 0 pièce acceptée, 2 pièces refusées — 0,00\u{A0}€ HT crédités"
        );
        assert_eq!(
            message_text(Author::Customer),
            "Message du garage au service retours"
        );
        assert_eq!(message_text(Author::Staff), "Réponse du service retours");
        assert_eq!(credit_note_text("AV-1"), "Avoir n° AV-1 émis");
        assert_eq!(photos_text(1), "1 photo jointe à la demande");
        assert_eq!(photos_text(3), "3 photos jointes à la demande");
    }

    #[test]
    fn codes_read_back() {
        for kind in [EventKind::Status, EventKind::CreditNote, EventKind::Pickup] {
            assert_eq!(EventKind::parse(kind.code()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
        }
        for actor in [Actor::Customer, Actor::Staff, Actor::Driver, Actor::System] {
            assert_eq!(Actor::parse(actor.code()), Some(actor));
        }
        assert_eq!(
            Author::parse("staff").map(Author::actor),
            Some(Actor::Staff)
        );
        assert_eq!(Author::parse("driver"), None);
    }

    #[test]
    fn message_texts() {
        assert_eq!(message_body("  Bonjour  ").as_deref(), Ok("Bonjour"));
        assert_eq!(message_body(" \n "), Err(MessageError::Empty));
        let longest = "é".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(message_body(&longest).as_deref(), Ok(longest.as_str()));
        let too_long = "é".repeat(MAX_MESSAGE_CHARS + 1);
        assert_eq!(message_body(&too_long), Err(MessageError::TooLong));
        assert_eq!(MessageError::Empty.code(), "message_empty");
        assert_eq!(MessageError::TooLong.code(), "message_too_long");
    }
}
