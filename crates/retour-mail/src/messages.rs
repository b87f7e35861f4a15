//! The French messages: pré-accord (PDF attached), password reset link, account unlock link, and
//! the e-mail of a notification (a file's progress, a reply, a credit note, a deposit deadline).
//!
//! Each function builds a complete [`Message`]: UTF-8 plain text body (quoted-printable),
//! subjects with accents encoded as RFC 2047 words by lettre, a `Date` and a `Message-ID`.

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use retour_domain::api::{preaccord_file_name, ReturnRequest};
use retour_domain::Money;

use crate::MailError;

/// The subject of the pré-accord e-mail.
pub const PREACCORD_SUBJECT: &str = "Votre demande de retour est enregistrée";
/// The subject of the password reset e-mail.
pub const RESET_SUBJECT: &str = "Réinitialisation de votre mot de passe Retour";
/// The subject of the unlock e-mail.
pub const UNLOCK_SUBJECT: &str = "Déverrouillage de votre compte Retour";

/// What a notification e-mail says: the notification's French title (the subject) and body,
/// written by the domain, and the file it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationMail {
    /// The subject.
    pub title: String,
    /// The sentence(s) of the notification.
    pub body: String,
    /// The file it is about, if any.
    pub dossier: Option<String>,
}

/// Characters left as they are in a token query value (RFC 3986 unreserved).
const TOKEN: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Parses a mailbox (`a@b.fr` or `Nom <a@b.fr>`).
pub fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Address {
            address: address.to_owned(),
            reason: e.to_string(),
        })
}

/// Builds the reset and unlock links from the configured base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// Links under this base (`retour://` or `https://host/path`).
    pub fn new(base: &str) -> Links {
        let base = if base.ends_with('/') {
            base.to_owned()
        } else {
            format!("{base}/")
        };
        Links { base }
    }

    /// `<base>reset?token=<token>`, the token percent-encoded.
    pub fn reset(&self, token: &str) -> String {
        self.link("reset", token)
    }

    /// `<base>unlock?token=<token>`, the token percent-encoded.
    pub fn unlock(&self, token: &str) -> String {
        self.link("unlock", token)
    }

    fn link(&self, action: &str, token: &str) -> String {
        format!(
            "{}{action}?token={}",
            self.base,
            utf8_percent_encode(token, TOKEN)
        )
    }
}

/// One return file named in the pré-accord e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedFile {
    /// The tracking number ("numéro de suivi").
    pub tracking_number: String,
    /// The BL it returns parts of.
    pub delivery_note: String,
}

/// What the pré-accord e-mail says, and the PDF it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreaccordMail {
    /// The garage's name, for the greeting.
    pub customer_name: String,
    /// The request's number, as people read it (also names the attachment
    /// `preaccord-<number>.pdf`).
    pub request_number: String,
    /// The files the request made.
    pub files: Vec<TrackedFile>,
    /// The estimated credit HT of the whole request.
    pub estimated_total_ht: Money,
    /// The rendered pré-accord PDF.
    pub pdf: Vec<u8>,
}

impl PreaccordMail {
    /// The e-mail of a recorded request, with its rendered PDF.
    pub fn from_request(customer_name: &str, request: &ReturnRequest, pdf: Vec<u8>) -> Self {
        PreaccordMail {
            customer_name: customer_name.to_owned(),
            request_number: request.number.clone(),
            files: request
                .dossiers
                .iter()
                .map(|d| TrackedFile {
                    tracking_number: d.number.clone(),
                    delivery_note: d.delivery_note.clone(),
                })
                .collect(),
            estimated_total_ht: request.estimated_total_ht,
            pdf,
        }
    }
}

fn base(from: &Mailbox, to: &Mailbox, subject: &str) -> lettre::message::MessageBuilder {
    Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(subject)
        .message_id(None)
}

fn signature() -> &'static str {
    "\nLe service Retours\n\n\
     Ce message est envoyé automatiquement, merci de ne pas y répondre.\n"
}

/// The plain-text body of the pré-accord e-mail.
pub fn preaccord_text(mail: &PreaccordMail) -> String {
    let mut body = format!(
        "Bonjour {},\n\n\
         Votre demande de retour n° {} est enregistrée.\n\n",
        mail.customer_name, mail.request_number
    );
    if mail.files.len() == 1 {
        body.push_str("Numéro de suivi de votre dossier :\n");
    } else {
        body.push_str("Numéros de suivi de vos dossiers :\n");
    }
    for file in &mail.files {
        body.push_str(&format!(
            "  - {} (BL n° {})\n",
            file.tracking_number, file.delivery_note
        ));
    }
    body.push_str(&format!(
        "\nAvoir estimé HT : {}, sous réserve de la validation de notre contrôle qualité.\n\n\
         Le pré-accord de retour est joint à ce message. Pour préparer votre retour :\n\
         1. Remettez les pièces dans leur emballage d’origine.\n\
         2. Regroupez-les avec la liste d’enlèvement : le pré-accord imprimé.\n\
         3. Remettez-les à notre chauffeur lors de son prochain passage.\n\n\
         Suivez l’avancement de vos retours dans l’application Retour, rubrique \
         « Suivre vos retours ».\n",
        mail.estimated_total_ht.format_fr()
    ));
    body.push_str(signature());
    body
}

/// The pré-accord e-mail: the text above and the PDF as `preaccord-<request number>.pdf`.
pub fn preaccord(from: &Mailbox, to: &Mailbox, mail: &PreaccordMail) -> Result<Message, MailError> {
    let pdf = ContentType::parse("application/pdf").map_err(|e| MailError::Address {
        address: "application/pdf".into(),
        reason: e.to_string(),
    })?;
    let attachment =
        Attachment::new(preaccord_file_name(&mail.request_number)).body(mail.pdf.clone(), pdf);
    let message = base(from, to, PREACCORD_SUBJECT).multipart(
        MultiPart::mixed()
            .singlepart(SinglePart::plain(preaccord_text(mail)))
            .singlepart(attachment),
    )?;
    Ok(message)
}

/// The password reset e-mail, with a one-time link valid this many minutes.
pub fn password_reset(
    from: &Mailbox,
    to: &Mailbox,
    links: &Links,
    token: &str,
    valid_minutes: u32,
) -> Result<Message, MailError> {
    let body = format!(
        "Bonjour,\n\n\
         Vous avez demandé à réinitialiser le mot de passe de votre compte Retour.\n\
         Ouvrez ce lien pour choisir un nouveau mot de passe :\n\n\
         {}\n\n\
         Ce lien est valable {valid_minutes} minutes et ne sert qu’une fois.\n\
         Si vous n’êtes pas à l’origine de cette demande, ignorez ce message : votre mot de passe \
         reste inchangé.\n{}",
        links.reset(token),
        signature()
    );
    Ok(base(from, to, RESET_SUBJECT).singlepart(SinglePart::plain(body))?)
}

/// The account unlock e-mail, with a one-time link valid this many minutes.
pub fn unlock(
    from: &Mailbox,
    to: &Mailbox,
    links: &Links,
    token: &str,
    valid_minutes: u32,
) -> Result<Message, MailError> {
    let body = format!(
        "Bonjour,\n\n\
         Votre compte Retour a été verrouillé après plusieurs tentatives de connexion \
         infructueuses, ou vous avez demandé à le déverrouiller.\n\
         Ouvrez ce lien pour le déverrouiller :\n\n\
         {}\n\n\
         Ce lien est valable {valid_minutes} minutes et ne sert qu’une fois. Sans action de \
         votre part, le compte se déverrouille aussi de lui-même après un délai.\n\
         Si vous n’êtes pas à l’origine de ces tentatives, changez votre mot de passe.\n{}",
        links.unlock(token),
        signature()
    );
    Ok(base(from, to, UNLOCK_SUBJECT).singlepart(SinglePart::plain(body))?)
}

/// The plain-text body of a notification e-mail.
pub fn notification_text(mail: &NotificationMail) -> String {
    let mut body = format!("Bonjour,\n\n{}\n\n", mail.body);
    if let Some(dossier) = &mail.dossier {
        body.push_str(&format!(
            "Retrouvez le dossier n° {dossier} dans l’application Retour, rubrique « Suivre vos \
             retours ».\n"
        ));
    } else {
        body.push_str("Retrouvez le détail dans l’application Retour.\n");
    }
    body.push_str(
        "Ces e-mails se règlent dans l’application : Réglages, « E-mails de notification ».\n",
    );
    body.push_str(signature());
    body
}

/// A notification e-mail: its title as the subject, the text above.
pub fn notification(
    from: &Mailbox,
    to: &Mailbox,
    mail: &NotificationMail,
) -> Result<Message, MailError> {
    Ok(base(from, to, &mail.title).singlepart(SinglePart::plain(notification_text(mail)))?)
}

/// A plain French notice (a credit note issued, deposits to bring back): its subject and text
/// are written by the caller (the rules' crate), the signature added here.
pub fn notice(
    from: &Mailbox,
    to: &Mailbox,
    subject: &str,
    text: &str,
) -> Result<Message, MailError> {
    let body = format!("{text}{}", signature());
    Ok(base(from, to, subject).singlepart(SinglePart::plain(body))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_join_the_base_and_encode_the_token() {
        let app = Links::new("retour://");
        assert_eq!(app.reset("abc-_.~"), "retour://reset?token=abc-_.~");
        assert_eq!(
            app.unlock("a+b/c=&d"),
            "retour://unlock?token=a%2Bb%2Fc%3D%26d"
        );
        let web = Links::new("https://retour.distributeur.fr/app");
        assert_eq!(
            web.reset("t"),
            "https://retour.distributeur.fr/app/reset?token=t"
        );
    }

    #[test]
    fn mailboxes_parse_or_say_why() {
        assert_eq!(
            mailbox(crate::DEFAULT_FROM).unwrap().email.to_string(),
            "retours@distributeur.fr"
        );
        assert!(matches!(
            mailbox("pas une adresse"),
            Err(MailError::Address { .. })
        ));
    }

    #[test]
    fn a_notification_says_its_body_and_where_to_find_the_file() {
        let text = notification_text(&NotificationMail {
            title: "Dossier 10000001 : réponse du service retours".into(),
            body: "Service retours : « La pièce est montée. »".into(),
            dossier: Some("10000001".into()),
        });
        assert!(text.starts_with("Bonjour,\n\nService retours : « La pièce est montée. »\n"));
        assert!(text.contains("le dossier n° 10000001 dans l’application Retour"));
        assert!(text.contains("Réglages, « E-mails de notification »"));
    }

    #[test]
    fn the_preaccord_text_lists_files_and_total() {
        let mail = PreaccordMail {
            customer_name: "Garage Élégance".into(),
            request_number: "R-2026-000123".into(),
            files: vec![
                TrackedFile {
                    tracking_number: "10000001".into(),
                    delivery_note: "250001106".into(),
                },
                TrackedFile {
                    tracking_number: "10000002".into(),
                    delivery_note: "250001187".into(),
                },
            ],
            estimated_total_ht: Money::parse("1251.77").unwrap(),
            pdf: Vec::new(),
        };
        let text = preaccord_text(&mail);
        assert!(text.starts_with("Bonjour Garage Élégance,"));
        assert!(text.contains("Votre demande de retour n° R-2026-000123 est enregistrée."));
        assert!(text.contains("  - 10000001 (BL n° 250001106)\n  - 10000002 (BL n° 250001187)"));
        assert!(text.contains("Avoir estimé HT : 1\u{202F}251,77\u{A0}€, sous réserve"));
    }
}
