//! The mailer's configuration: where messages go, who sends them, where links point.

use std::path::PathBuf;

/// The sender used when none is configured.
pub const DEFAULT_FROM: &str = "Retour <retours@distributeur.fr>";

/// The base of the links in reset and unlock e-mails when none is configured: the app's deep
/// link scheme, so that `retour://reset?token=…` opens the app on the right screen.
pub const DEFAULT_LINK_BASE: &str = "retour://";

/// How the [`crate::Mailer`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// `RETOUR_SMTP_URL`: when set, messages go through SMTP. Forms (lettre's):
    /// `smtp://host:25` (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtp://host:587?tls=opportunistic`, `smtps://user:pass@host:465` (implicit TLS).
    pub smtp_url: Option<String>,
    /// `RETOUR_MAIL_SPOOL`: without an SMTP URL, each message is written there as an `.eml`
    /// file. Created if missing.
    pub spool_dir: PathBuf,
    /// The `From` mailbox, such as `Retour <retours@distributeur.fr>`.
    pub from: String,
    /// Where the reset and unlock links point: `retour://` (the app's deep link, the default)
    /// or a web address such as `https://retour.distributeur.fr/app`. The link is the base,
    /// a `/` if it does not end with one, then `reset?token=…` or `unlock?token=…`.
    pub link_base: String,
}

impl MailConfig {
    /// Spool mode into this directory, with the default sender and links.
    pub fn spool(dir: impl Into<PathBuf>) -> MailConfig {
        MailConfig {
            smtp_url: None,
            spool_dir: dir.into(),
            from: DEFAULT_FROM.to_owned(),
            link_base: DEFAULT_LINK_BASE.to_owned(),
        }
    }

    /// SMTP mode through this URL, with the default sender and links (the spool directory is
    /// then unused).
    pub fn smtp(url: impl Into<String>) -> MailConfig {
        MailConfig {
            smtp_url: Some(url.into()),
            ..MailConfig::spool(PathBuf::new())
        }
    }
}
