//! The [`Mailer`]: SMTP when configured, otherwise `.eml` files in a spool directory.
//!
//! Spool files are written atomically (a hidden temporary file renamed to
//! `<nanoseconds since 1970>-<uuid>.eml`), so a reader polling the directory never sees half a
//! message, and names sort in sending order.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::MailConfig;
use crate::messages::{self, Links, NotificationMail, PreaccordMail};
use crate::MailError;

/// How long one SMTP exchange may take before it fails.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

enum Route {
    Smtp(Box<SmtpTransport>),
    Spool(PathBuf),
}

struct Inner {
    route: Route,
    from: Mailbox,
    links: Links,
}

/// Sends Retour's messages. Cheap to clone (shared inside); share one per process.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let route = match &self.inner.route {
            Route::Smtp(_) => "smtp".to_owned(),
            Route::Spool(dir) => format!("spool {}", dir.display()),
        };
        f.debug_struct("Mailer")
            .field("route", &route)
            .field("from", &self.inner.from.to_string())
            .finish()
    }
}

/// Where a sent message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted by the SMTP server.
    Smtp,
    /// Written to this `.eml` file.
    Spooled(PathBuf),
}

impl Mailer {
    /// Sets the mailer up: checks the sender, then either builds the SMTP transport from the URL
    /// (no connection is made yet) or creates the spool directory and checks it is writable.
    pub fn new(config: &MailConfig) -> Result<Mailer, MailError> {
        let from = messages::mailbox(&config.from)?;
        let route = match &config.smtp_url {
            Some(url) => {
                let transport = SmtpTransport::from_url(url)
                    .map_err(|e| MailError::SmtpUrl {
                        reason: e.to_string(),
                    })?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Route::Smtp(Box::new(transport))
            }
            None => {
                let dir = config.spool_dir.clone();
                prepare_spool(&dir)?;
                Route::Spool(dir)
            }
        };
        Ok(Mailer {
            inner: Arc::new(Inner {
                route,
                from,
                links: Links::new(&config.link_base),
            }),
        })
    }

    /// The sender of every message.
    pub fn from(&self) -> &Mailbox {
        &self.inner.from
    }

    /// The configured link builder.
    pub fn links(&self) -> &Links {
        &self.inner.links
    }

    /// The pré-accord e-mail to this address, with its PDF.
    pub fn preaccord(&self, to: &str, mail: &PreaccordMail) -> Result<Message, MailError> {
        messages::preaccord(&self.inner.from, &messages::mailbox(to)?, mail)
    }

    /// A notification's e-mail to this address.
    pub fn notification(&self, to: &str, mail: &NotificationMail) -> Result<Message, MailError> {
        messages::notification(&self.inner.from, &messages::mailbox(to)?, mail)
    }

    /// The password reset e-mail to this address, its link carrying the token.
    pub fn password_reset(
        &self,
        to: &str,
        token: &str,
        valid_minutes: u32,
    ) -> Result<Message, MailError> {
        let inner = &self.inner;
        messages::password_reset(
            &inner.from,
            &messages::mailbox(to)?,
            &inner.links,
            token,
            valid_minutes,
        )
    }

    /// A plain notice to this address (a credit note issued, deposits due soon).
    pub fn notice(&self, to: &str, subject: &str, text: &str) -> Result<Message, MailError> {
        messages::notice(&self.inner.from, &messages::mailbox(to)?, subject, text)
    }

    /// The unlock e-mail to this address, its link carrying the token.
    pub fn unlock(&self, to: &str, token: &str, valid_minutes: u32) -> Result<Message, MailError> {
        let inner = &self.inner;
        messages::unlock(
            &inner.from,
            &messages::mailbox(to)?,
            &inner.links,
            token,
            valid_minutes,
        )
    }

    /// Sends now, blocking the calling thread for the SMTP exchange or the file write.
    pub fn send_blocking(&self, message: &Message) -> Result<Sent, MailError> {
        match &self.inner.route {
            Route::Smtp(transport) => {
                transport.send(message)?;
                Ok(Sent::Smtp)
            }
            Route::Spool(dir) => spool(dir, &message.formatted()).map(Sent::Spooled),
        }
    }

    /// Sends from async code: the blocking send runs on tokio's blocking pool. Must be awaited
    /// on a tokio runtime (otherwise [`MailError::NoRuntime`], never a panic).
    pub async fn send(&self, message: Message) -> Result<Sent, MailError> {
        let handle = tokio::runtime::Handle::try_current().map_err(|_| MailError::NoRuntime)?;
        let mailer = self.clone();
        handle
            .spawn_blocking(move || mailer.send_blocking(&message))
            .await
            .map_err(|e| MailError::Task(e.to_string()))?
    }
}

fn spool_error(path: &Path) -> impl FnOnce(std::io::Error) -> MailError + '_ {
    move |source| MailError::Spool {
        path: path.to_owned(),
        source,
    }
}

/// Creates the directory and proves it takes files.
fn prepare_spool(dir: &Path) -> Result<(), MailError> {
    if dir.as_os_str().is_empty() {
        return Err(MailError::Spool {
            path: dir.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "aucun répertoire"),
        });
    }
    fs::create_dir_all(dir).map_err(spool_error(dir))?;
    let probe = dir.join(format!(".probe-{}", uuid::Uuid::new_v4()));
    fs::write(&probe, b"").map_err(spool_error(&probe))?;
    fs::remove_file(&probe).map_err(spool_error(&probe))?;
    Ok(())
}

/// Writes one message atomically and gives its path.
fn spool(dir: &Path, bytes: &[u8]) -> Result<PathBuf, MailError> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!("{nanos:020}-{}", uuid::Uuid::new_v4().simple());
    let temp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(format!("{name}.eml"));
    fs::write(&temp, bytes).map_err(spool_error(&temp))?;
    fs::rename(&temp, &path).map_err(spool_error(&path))?;
    Ok(path)
}
