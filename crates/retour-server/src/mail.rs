//! Outgoing e-mail, behind one function per message, delivered by `retour-mail`: through SMTP
//! when `RETOUR_SMTP_URL` is set, otherwise as `.eml` files in `RETOUR_MAIL_SPOOL`. Messages are
//! French: the pré-accord with its PDF, the password reset link, the unlock link.

use retour_domain::api::ReturnRequest;
use retour_mail::{MailConfig, MailError, Mailer, PreaccordMail};

use crate::config::Config;

/// How many minutes the e-mailed links work (see [`crate::auth::LINK_TTL`]).
const LINK_MINUTES: u32 = 60;

/// Builds the mailer the configuration asks for.
pub fn mailer(config: &Config) -> Result<Mailer, MailError> {
    Mailer::new(&MailConfig {
        smtp_url: config.smtp_url.clone(),
        spool_dir: config.mail_spool.clone(),
        from: config.mail_from.clone(),
        link_base: config.link_base.clone(),
    })
}

/// Sends the password-reset link. Blocking.
pub fn send_reset(mailer: &Mailer, to: &str, token: &str) -> Result<(), MailError> {
    mailer
        .send_blocking(&mailer.password_reset(to, token, LINK_MINUTES)?)
        .map(drop)
}

/// Sends the unlock link. Blocking.
pub fn send_unlock(mailer: &Mailer, to: &str, token: &str) -> Result<(), MailError> {
    mailer
        .send_blocking(&mailer.unlock(to, token, LINK_MINUTES)?)
        .map(drop)
}

/// Sends the pré-accord with its PDF. Blocking.
pub fn send_preaccord(
    mailer: &Mailer,
    to: &str,
    customer_name: &str,
    request: &ReturnRequest,
    pdf: Vec<u8>,
) -> Result<(), MailError> {
    let mail = PreaccordMail::from_request(customer_name, request, pdf);
    mailer
        .send_blocking(&mailer.preaccord(to, &mail)?)
        .map(drop)
}
