//! Outgoing e-mail, through a durable outbox: a message ([`OutgoingMail`]) is written in the
//! transaction that decides it, then the server's sender ([`run_sender`]) delivers it through
//! `retour-mail` — SMTP when `RETOUR_SMTP_URL` is set, otherwise `.eml` files in
//! `RETOUR_MAIL_SPOOL` — retrying with growing waits. So no answer waits for the mail server (and
//! the time of an answer tells nothing about whether a message was sent), and a message decided
//! is never lost to a crash or an unreachable mail server. Messages are French: the pré-accord
//! with its PDF, the password reset link, the unlock link, a notification's e-mail (queued by
//! `Conn::notify` for each account of the customer whose preference wants that kind), and
//! (v1.1) notices of credit notes and deposit reminders.

use std::time::Duration;

use retour_domain::api::{CustomerRef, ReturnRequest};
use retour_mail::{MailConfig, MailError, Mailer, NotificationMail, PreaccordMail};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::db::{ClaimedMail, DbError, MAX_ATTEMPTS};
use crate::problem::ApiError;
use crate::{pdf, AppState};

/// How many minutes the e-mailed links work (see [`crate::auth::LINK_TTL`]).
const LINK_MINUTES: u32 = 60;
/// The most messages one pass of the sender takes.
const BATCH: usize = 50;
/// How long the sender sleeps when nothing is due and nothing wakes it.
const IDLE: Duration = Duration::from_secs(60);

/// Builds the mailer the configuration asks for.
pub fn mailer(config: &Config) -> Result<Mailer, MailError> {
    Mailer::new(&MailConfig {
        smtp_url: config.smtp_url.clone(),
        spool_dir: config.mail_spool.clone(),
        from: config.mail_from.clone(),
        link_base: config.link_base.clone(),
    })
}

/// A message waiting in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutgoingMail {
    /// The password-reset link.
    Reset {
        /// The account's e-mail.
        to: String,
        /// The link's one-time token.
        token: String,
    },
    /// The unlock link.
    Unlock {
        /// The account's e-mail.
        to: String,
        /// The link's one-time token.
        token: String,
    },
    /// A plain notice whose subject and text the rules wrote (v1.1: a credit note issued, a
    /// deposit reminder).
    Notice {
        /// The address.
        to: String,
        /// The subject.
        subject: String,
        /// The text.
        text: String,
    },
    /// The pré-accord of a request, with its PDF (rendered when sent).
    Preaccord {
        /// The account that sent the request.
        to: String,
        /// Its garage.
        customer: CustomerRef,
        /// The request.
        request: ReturnRequest,
    },
    /// A notification, e-mailed.
    Notification {
        /// The account's pré-accord address, else its login e-mail.
        to: String,
        /// The notification's title (the subject).
        title: String,
        /// Its body.
        body: String,
        /// The file it is about.
        dossier: Option<String>,
    },
}

impl OutgoingMail {
    /// The message as stored in the outbox.
    pub fn to_json(&self) -> Result<String, ApiError> {
        serde_json::to_string(self).map_err(ApiError::internal)
    }

    /// Renders and sends the message. Blocking.
    fn send(&self, mailer: &Mailer, state: &AppState) -> Result<(), String> {
        let built = match self {
            OutgoingMail::Reset { to, token } => mailer.password_reset(to, token, LINK_MINUTES),
            OutgoingMail::Unlock { to, token } => mailer.unlock(to, token, LINK_MINUTES),
            OutgoingMail::Notice { to, subject, text } => mailer.notice(to, subject, text),
            OutgoingMail::Preaccord {
                to,
                customer,
                request,
            } => {
                let (pdf, _) = pdf::preaccord(customer, request, state.reasons())?;
                let mail = PreaccordMail::from_request(&customer.name, request, pdf);
                mailer.preaccord(to, &mail)
            }
            OutgoingMail::Notification {
                to,
                title,
                body,
                dossier,
            } => mailer.notification(
                to,
                &NotificationMail {
                    title: title.clone(),
                    body: body.clone(),
                    dossier: dossier.clone(),
                },
            ),
        };
        built
            .and_then(|message| mailer.send_blocking(&message))
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// Sends every message due now, one pass at a time (a pass that is running is waited for
/// first); returns how many were sent. Blocking: tests call it to deliver before they read the
/// spool, the sender runs it on the blocking pool.
pub fn deliver_due(state: &AppState) -> Result<usize, DbError> {
    let _pass = state.mail_pass().lock().unwrap_or_else(|e| e.into_inner());
    let db = state.db();
    let mut sent = 0;
    loop {
        let claimed = db.write(|c| c.claim_due_mail(state.now(), BATCH))?;
        if claimed.is_empty() {
            return Ok(sent);
        }
        for mail in claimed {
            match send_claimed(state, &mail) {
                Ok(()) => {
                    sent += 1;
                    db.write(|c| c.mail_sent(mail.id))?;
                }
                Err(error) => {
                    tracing::warn!(%error, attempt = mail.attempts, "cannot send an e-mail");
                    if mail.attempts >= MAX_ATTEMPTS {
                        tracing::error!(%error, id = mail.id, "e-mail given up");
                    }
                    db.write(|c| c.mail_failed(&mail, &error, state.now()))?;
                }
            }
        }
    }
}

fn send_claimed(state: &AppState, mail: &ClaimedMail) -> Result<(), String> {
    let message: OutgoingMail =
        serde_json::from_str(&mail.message).map_err(|e| format!("unreadable message: {e}"))?;
    message.send(state.mailer(), state)
}

/// The sender: delivers what is due, then sleeps until the next message is due, a new one is
/// queued ([`AppState::wake_mail`]) or a minute passes; runs while the server serves.
pub async fn run_sender(state: AppState) {
    loop {
        let pass = state.clone();
        match state.blocking(move || deliver_due(&pass)).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!(%error, "the mail sender failed a pass"),
            Err(error) => tracing::warn!(%error, "the mail sender failed a pass"),
        }
        let next = state.read(|c| Ok(c.next_mail_due()?)).await.ok().flatten();
        let wait = next.map_or(IDLE, |at| {
            (at - state.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(IDLE)
        });
        tokio::select! {
            () = state.mail_wake().notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}
