//! Notifications (v1.1): their kinds, the French title and body of each (made here from the event
//! they tell of, stored and sent ready to show), which e-mail preference governs each kind, and
//! the rule of the pré-accord address a garage may set.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decision::LineDecision;
use crate::error_code::ErrorCode;
use crate::money::Money;
use crate::status::{DossierStatus, Outcome};
use crate::timeline::pieces;

/// What a notification tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A file's status changed.
    Status,
    /// A file was decided (closed).
    Decision,
    /// The returns service replied on a file.
    Message,
    /// A credit note was issued.
    CreditNote,
    /// A deposit's deadline is near.
    DepositDue,
    /// The parts were picked up.
    Pickup,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 6] = [
        NotificationKind::Status,
        NotificationKind::Decision,
        NotificationKind::Message,
        NotificationKind::CreditNote,
        NotificationKind::DepositDue,
        NotificationKind::Pickup,
    ];

    /// The stable code, as on the wire and in storage.
    pub fn code(self) -> &'static str {
        match self {
            NotificationKind::Status => "status",
            NotificationKind::Decision => "decision",
            NotificationKind::Message => "message",
            NotificationKind::CreditNote => "credit_note",
            NotificationKind::DepositDue => "deposit_due",
            NotificationKind::Pickup => "pickup",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The e-mail preference that says whether this kind is also e-mailed: the file's progress
    /// (status, decision, pickup) under `status`, replies under `messages`, credit notes under
    /// `credits`, deposit deadlines under `deposits`.
    pub fn email(self) -> EmailKind {
        match self {
            NotificationKind::Status | NotificationKind::Decision | NotificationKind::Pickup => {
                EmailKind::Status
            }
            NotificationKind::Message => EmailKind::Messages,
            NotificationKind::CreditNote => EmailKind::Credits,
            NotificationKind::DepositDue => EmailKind::Deposits,
        }
    }
}

/// The four e-mail switches of the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    /// Status changes, decisions, pickups.
    Status,
    /// Replies of the returns service.
    Messages,
    /// Credit notes.
    Credits,
    /// Deposit deadlines.
    Deposits,
}

/// Which kinds are e-mailed (all of them unless turned off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailPreferences {
    /// Status changes, decisions and pickups.
    pub status: bool,
    /// Replies of the returns service.
    pub messages: bool,
    /// Credit notes.
    pub credits: bool,
    /// Deposit deadlines.
    pub deposits: bool,
}

impl Default for EmailPreferences {
    fn default() -> Self {
        EmailPreferences {
            status: true,
            messages: true,
            credits: true,
            deposits: true,
        }
    }
}

impl EmailPreferences {
    /// Whether a notification of this kind is e-mailed.
    pub fn wants(&self, kind: NotificationKind) -> bool {
        match kind.email() {
            EmailKind::Status => self.status,
            EmailKind::Messages => self.messages,
            EmailKind::Credits => self.credits,
            EmailKind::Deposits => self.deposits,
        }
    }
}

/// A notification's French words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationText {
    /// One short line ("Dossier 10000001 : contrôle qualité commencé").
    pub title: String,
    /// A sentence or two.
    pub body: String,
}

fn text(title: String, body: String) -> NotificationText {
    NotificationText { title, body }
}

/// A file's status changed (`sent` is the garage's own act: it is not notified, see
/// [`notifies_status`]).
pub fn status(dossier: &str, status: DossierStatus) -> NotificationText {
    let body = match status {
        DossierStatus::Sent => "Votre demande de retour est enregistrée.".to_owned(),
        DossierStatus::Received => {
            "Vos pièces ont été prises en charge sur site par le service retours.".to_owned()
        }
        DossierStatus::Inspecting => {
            "Le contrôle qualité de vos pièces a commencé : la décision suit.".to_owned()
        }
        DossierStatus::Closed => "Votre dossier est clôturé.".to_owned(),
    };
    text(format!("Dossier {dossier} : {}", status.label()), body)
}

/// Whether a status change is notified to the garage: every one it did not make itself.
pub fn notifies_status(status: DossierStatus) -> bool {
    status != DossierStatus::Sent
}

/// A file was decided: the outcome, the pieces accepted and refused, the amount credited.
pub fn decision(
    dossier: &str,
    outcome: Outcome,
    lines: &[LineDecision],
    credited_ht: Money,
) -> NotificationText {
    let accepted: u32 = lines.iter().map(|l| l.accepted_qty).sum();
    let refused: u32 = lines.iter().map(|l| l.refused_qty).sum();
    let mut body = pieces(accepted, "acceptée");
    if refused > 0 {
        body.push_str(", ");
        body.push_str(&pieces(refused, "refusée"));
    }
    body.push_str(&format!(
        " — {} HT crédités. Le détail ligne par ligne est dans le dossier.",
        credited_ht.format_fr()
    ));
    text(
        format!(
            "Dossier {dossier} : décision — {}",
            outcome.label().to_lowercase()
        ),
        body,
    )
}

/// Most characters of a reply quoted in a notification's body.
pub const QUOTE_CHARS: usize = 140;

/// The returns service replied on a file: the start of the reply.
pub fn message(dossier: &str, author_name: &str, reply: &str) -> NotificationText {
    let reply = reply.split_whitespace().collect::<Vec<_>>().join(" ");
    let quoted = if reply.chars().count() > QUOTE_CHARS {
        let cut: String = reply.chars().take(QUOTE_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        reply
    };
    text(
        format!("Dossier {dossier} : réponse du service retours"),
        format!("{author_name} : « {quoted} »"),
    )
}

/// A credit note was issued for a file.
pub fn credit_note(dossier: &str, number: &str, amount_ht: Option<Money>) -> NotificationText {
    let body = match amount_ht {
        Some(amount) => format!(
            "L'avoir n° {number} de {} HT a été émis pour votre dossier {dossier}.",
            amount.format_fr()
        ),
        None => format!("L'avoir n° {number} a été émis pour votre dossier {dossier}."),
    };
    text(format!("Avoir n° {number} émis"), body)
}

/// A deposit's deadline is near: what is at stake and until when (a Paris date).
pub fn deposit_due(
    reference: &str,
    delivery_note: &str,
    due_on: NaiveDate,
    days_left: u32,
    at_stake_ht: Money,
) -> NotificationText {
    let days = match days_left {
        0 => "aujourd'hui".to_owned(),
        1 => "dans 1 jour".to_owned(),
        n => format!("dans {n} jours"),
    };
    text(
        format!("Consigne {reference} : retour avant le {}", due_on.format("%d/%m/%Y")),
        format!(
            "La consigne de la pièce {reference} (BL n° {delivery_note}) arrive à échéance {days} : \
             {} HT en jeu. Retournez la pièce avant le {}.",
            at_stake_ht.format_fr(),
            due_on.format("%d/%m/%Y")
        ),
    )
}

/// The driver picked the parts of some files up.
pub fn pickup(driver_name: &str, parcels: u32, dossiers: &[String]) -> NotificationText {
    let files = if dossiers.len() > 1 {
        format!("dossiers {}", dossiers.join(", "))
    } else {
        format!("dossier {}", dossiers.join(", "))
    };
    text(
        "Pièces enlevées par le chauffeur".to_owned(),
        format!("{driver_name} a enlevé {parcels} colis ({files})."),
    )
}

/// Most characters of an e-mail address.
pub const MAX_EMAIL_CHARS: usize = 254;

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Adresse e-mail incorrecte : vérifiez-la (exemple : atelier@garage.fr).")]
pub struct InvalidEmail;

impl InvalidEmail {
    /// The stable machine code.
    pub fn code(self) -> ErrorCode {
        ErrorCode::InvalidEmail
    }
}

/// An e-mail address as kept (the pré-accord address): trimmed; one `@` between a local part of
/// 1–64 printable characters without spaces, quotes, brackets, commas or semicolons, and a domain
/// of at least two dot-separated labels of letters, digits and inner hyphens; 254 characters at
/// most.
pub fn email_address(input: &str) -> Result<String, InvalidEmail> {
    let address = input.trim();
    if address.chars().count() > MAX_EMAIL_CHARS {
        return Err(InvalidEmail);
    }
    let (local, domain) = address.split_once('@').ok_or(InvalidEmail)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "!#$%&'*+-/=?^_`{|}~.".contains(c)
                || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
        });
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok {
        Ok(address.to_owned())
    } else {
        Err(InvalidEmail)
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
    fn each_kind_has_its_code_and_its_email_switch() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.code()), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", kind.code())
            );
        }
        assert_eq!(NotificationKind::parse("photo"), None);
        let off = |f: fn(&mut EmailPreferences)| {
            let mut p = EmailPreferences::default();
            f(&mut p);
            NotificationKind::ALL
                .into_iter()
                .filter(|k| !p.wants(*k))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            off(|p| p.status = false),
            [
                NotificationKind::Status,
                NotificationKind::Decision,
                NotificationKind::Pickup
            ]
        );
        assert_eq!(off(|p| p.messages = false), [NotificationKind::Message]);
        assert_eq!(off(|p| p.credits = false), [NotificationKind::CreditNote]);
        assert_eq!(off(|p| p.deposits = false), [NotificationKind::DepositDue]);
        assert_eq!(off(|_| {}), []);
    }

    #[test]
    fn french_titles_and_bodies() {
        let t = status("10000001", DossierStatus::Inspecting);
        assert_eq!(t.title, "Dossier 10000001 : Contrôle qualité en cours");
        assert_eq!(
            t.body,
            "Le contrôle qualité de vos pièces a commencé : la décision suit."
        );
        assert!(!notifies_status(DossierStatus::Sent));
        assert!(notifies_status(DossierStatus::Received));
        let t = decision(
            "10000002",
            Outcome::Partial,
            &[line(1, 1)],
            Money::parse("17.27").unwrap(),
        );
        assert_eq!(
            t.title,
            "Dossier 10000002 : décision — partiellement accepté"
        );
        assert_eq!(
            t.body,
            "1 pièce acceptée, 1 pièce refusée — 17,27\u{A0}€ HT crédités. Le détail ligne par ligne est dans le dossier."
        );
        let t = message(
            "10000003",
            "Service retours",
            "  Bonjour,\n\nla pièce   est montée.  ",
        );
        assert_eq!(t.title, "Dossier 10000003 : réponse du service retours");
        assert_eq!(
            t.body,
            "Service retours : « Bonjour, la pièce est montée. »"
        );
        let long = message("1", "S", &"a".repeat(500));
        assert_eq!(
            long.body.chars().count(),
            "S : « ".chars().count() + QUOTE_CHARS + 2
        );
        assert!(long.body.ends_with("a… »"));
        let t = credit_note(
            "10000004",
            "AV-2026-0042",
            Some(Money::parse("1234.5").unwrap()),
        );
        assert_eq!(t.title, "Avoir n° AV-2026-0042 émis");
        assert_eq!(
            t.body,
            "L'avoir n° AV-2026-0042 de 1\u{202F}234,50\u{A0}€ HT a été émis pour votre dossier 10000004."
        );
        let t = deposit_due(
            "BAT-70",
            "250001106",
            NaiveDate::from_ymd_opt(2026, 12, 16).unwrap(),
            14,
            Money::parse("30").unwrap(),
        );
        assert_eq!(t.title, "Consigne BAT-70 : retour avant le 16/12/2026");
        assert!(t
            .body
            .contains("arrive à échéance dans 14 jours : 30,00\u{A0}€ HT en jeu."));
        let t = pickup("Marc", 2, &["10000001".into(), "10000002".into()]);
        assert_eq!(
            t.body,
            "Marc a enlevé 2 colis (dossiers 10000001, 10000002)."
        );
        let t = pickup("Marc", 1, &["10000001".into()]);
        assert_eq!(t.body, "Marc a enlevé 1 colis (dossier 10000001).");
    }

    #[test]
    fn email_addresses() {
        for good in [
            "atelier@garage.fr",
            "  Compta.Garage+retours@garage-dupont.fr ",
            "élodie@garage.fr",
        ] {
            assert_eq!(email_address(good).as_deref(), Ok(good.trim()));
        }
        for bad in [
            "",
            "atelier",
            "atelier@",
            "@garage.fr",
            "atelier@garage",
            "a b@garage.fr",
            "atelier@garage..fr",
            "atelier@-garage.fr",
            "a@b@garage.fr",
            ".a@garage.fr",
            "a<b>@garage.fr",
            "a,b@garage.fr",
        ] {
            assert_eq!(email_address(bad), Err(InvalidEmail), "{bad:?}");
        }
        let long = format!("{}@{}.fr", "a".repeat(64), "b".repeat(200));
        assert_eq!(email_address(&long), Err(InvalidEmail));
        assert_eq!(InvalidEmail.code(), "invalid_email");
    }
}
