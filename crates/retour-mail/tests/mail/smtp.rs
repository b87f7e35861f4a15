//! SMTP mode against a real SMTP exchange with a sink on loopback.

use std::time::Duration;

use crate::support::*;
use anyhow::Result;
use retour_mail::{MailConfig, MailError, Mailer, Sent};

/// Long enough never to trip on a loaded machine; the message normally arrives at once.
const PATIENCE: Duration = Duration::from_secs(20);

#[test]
fn the_preaccord_goes_through_smtp_with_its_attachment() -> Result<()> {
    let (port, inbox) = smtp_sink(Rcpt::Accept)?;
    let mailer = Mailer::new(&MailConfig::smtp(format!("smtp://127.0.0.1:{port}")))?;
    let message = mailer.preaccord("atelier@garage-demo.fr", &preaccord_mail())?;
    assert_eq!(mailer.send_blocking(&message)?, Sent::Smtp);

    let received = inbox.recv_timeout(PATIENCE)?;
    assert!(
        received.mail_from.contains("<retours@distributeur.fr>"),
        "{}",
        received.mail_from
    );
    assert_eq!(received.rcpt_to.len(), 1);
    assert!(received.rcpt_to[0].contains("<atelier@garage-demo.fr>"));
    let mail = parse(&received.data)?;
    assert_eq!(mail.to, "atelier@garage-demo.fr");
    assert_eq!(mail.subject, "Votre demande de retour est enregistrée");
    assert!(mail.text.contains("  - 10000002 (BL n° 250001187)"));
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].name, "preaccord-R-2026-000123.pdf");
    assert_eq!(mail.attachments[0].content_type, "application/pdf");
    assert_eq!(mail.attachments[0].bytes, PDF);
    Ok(())
}

#[tokio::test]
async fn async_send_goes_through_smtp_too() -> Result<()> {
    let (port, inbox) = smtp_sink(Rcpt::Accept)?;
    let mailer = Mailer::new(&MailConfig::smtp(format!("smtp://127.0.0.1:{port}")))?;
    mailer
        .send(mailer.password_reset("a@b.fr", "tok", 30)?)
        .await?;
    mailer.send(mailer.unlock("c@d.fr", "tok2", 15)?).await?;
    let first = parse(&inbox.recv_timeout(PATIENCE)?.data)?;
    let second = parse(&inbox.recv_timeout(PATIENCE)?.data)?;
    assert_eq!(
        first.subject,
        "Réinitialisation de votre mot de passe Retour"
    );
    assert!(
        first.text.contains("retour://reset?token=tok\n"),
        "{:?}",
        first.text
    );
    assert_eq!(second.to, "c@d.fr");
    assert_eq!(second.subject, "Déverrouillage de votre compte Retour");
    Ok(())
}

#[test]
fn a_refused_recipient_is_an_smtp_error() -> Result<()> {
    let (port, _inbox) = smtp_sink(Rcpt::Reject)?;
    let mailer = Mailer::new(&MailConfig::smtp(format!("smtp://127.0.0.1:{port}")))?;
    let err = mailer
        .send_blocking(&mailer.unlock("a@b.fr", "t", 15)?)
        .unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "{err:?}");
    Ok(())
}

#[test]
fn an_unreachable_server_is_an_smtp_error() -> Result<()> {
    // A port that was just free: nothing listens there any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mailer = Mailer::new(&MailConfig::smtp(format!("smtp://127.0.0.1:{port}")))?;
    let err = mailer
        .send_blocking(&mailer.unlock("a@b.fr", "t", 15)?)
        .unwrap_err();
    assert!(matches!(err, MailError::Smtp(_)), "{err:?}");
    Ok(())
}

#[test]
fn bad_smtp_urls_are_typed_errors() {
    for url in [
        "",
        "not a url",
        "http://mail.example.fr",
        "smtp://",
        "smtp://host?tls=sometimes",
        "smtp://host:99999",
    ] {
        let err = Mailer::new(&MailConfig::smtp(url)).unwrap_err();
        assert!(matches!(err, MailError::SmtpUrl { .. }), "{url}: {err:?}");
    }
    // The error never repeats a password from the URL.
    let err = Mailer::new(&MailConfig::smtp("ftp://user:s3cret@host")).unwrap_err();
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[test]
fn tls_urls_are_accepted() -> Result<()> {
    for url in [
        "smtps://user:pass@smtp.example.fr",
        "smtp://user:pass@smtp.example.fr:587?tls=required",
        "smtp://smtp.example.fr?tls=opportunistic",
    ] {
        Mailer::new(&MailConfig::smtp(url))?;
    }
    Ok(())
}
