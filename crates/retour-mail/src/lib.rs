//! Retour's e-mail: the French messages the backend sends, and the [`Mailer`] that delivers them.
//!
//! Four messages, each a plain [`lettre::Message`] built from the configured sender and link
//! base ([`messages`]): the *pré-accord de retour* with its PDF attached, the password reset link,
//! the account unlock link and a notification's e-mail. The [`Mailer`] sends through SMTP when a URL is configured
//! (`RETOUR_SMTP_URL`), otherwise it writes each message as an `.eml` file into a spool
//! directory (`RETOUR_MAIL_SPOOL`), which is what demos and tests read.
//!
//! Sending is blocking IO (lettre's synchronous SMTP transport, with a connection pool):
//! [`Mailer::send_blocking`] from a thread or a CLI, [`Mailer::send`] from async code on a tokio
//! runtime (it moves the work to tokio's blocking pool, so an axum handler never stalls a
//! worker thread).
//!
//! ```no_run
//! # async fn demo() -> Result<(), retour_mail::MailError> {
//! use retour_mail::{MailConfig, Mailer};
//! let mailer = Mailer::new(&MailConfig::spool("/var/spool/retour"))?;
//! let message = mailer.password_reset("atelier@garage-demo.fr", "t0k3n", 30)?;
//! mailer.send(message).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod config;
pub mod messages;
#[cfg(feature = "spool-reader")]
pub mod spool_reader;
mod transport;

pub use config::{MailConfig, DEFAULT_FROM, DEFAULT_LINK_BASE};
pub use lettre::Message;
pub use messages::{Links, NotificationMail, PreaccordMail, TrackedFile};
pub use transport::{Mailer, Sent};

/// What can go wrong building or sending a message.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL cannot be used (bad syntax, unknown scheme, no host, TLS setup failed).
    /// The URL itself is not repeated, since it may carry a password.
    #[error("URL SMTP invalide : {reason}")]
    SmtpUrl {
        /// Why.
        reason: String,
    },
    /// The spool directory cannot be created or written to.
    #[error("répertoire d'envoi {path} inutilisable : {source}")]
    Spool {
        /// The directory or file.
        path: std::path::PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// An address (sender or recipient) is not a valid mailbox.
    #[error("adresse e-mail invalide {address:?} : {reason}")]
    Address {
        /// The text given.
        address: String,
        /// Why.
        reason: String,
    },
    /// The message could not be assembled.
    #[error("message impossible à construire : {0}")]
    Build(#[from] lettre::error::Error),
    /// The SMTP server refused the message or could not be reached.
    #[error("envoi SMTP impossible : {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    /// [`Mailer::send`] was polled outside a tokio runtime.
    #[error("Mailer::send doit s'exécuter dans un runtime tokio")]
    NoRuntime,
    /// The blocking send task panicked or was cancelled.
    #[error("tâche d'envoi interrompue : {0}")]
    Task(String),
}
