//! Spool mode: every message lands as a parseable `.eml` file.

use crate::support::*;
use anyhow::Result;
use retour_mail::{MailConfig, MailError, Mailer, Sent};

fn spool_files(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    Ok(files)
}

#[test]
fn the_preaccord_is_spooled_with_its_pdf() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let spool = dir.path().join("mail/spool");
    let mailer = Mailer::new(&MailConfig::spool(&spool))?;
    let message = mailer.preaccord("atelier@garage-demo.fr", &preaccord_mail())?;
    let Sent::Spooled(path) = mailer.send_blocking(&message)? else {
        panic!("spool mode sent over SMTP");
    };
    assert_eq!(spool_files(&spool)?, std::slice::from_ref(&path));
    assert_eq!(path.extension().and_then(|e| e.to_str()), Some("eml"));

    let raw = std::fs::read(&path)?;
    // The accented subject is RFC 2047-encoded on the wire, never raw UTF-8 in the header.
    let subject = raw
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Subject: "))
        .expect("a Subject header");
    assert!(subject.is_ascii(), "{}", String::from_utf8_lossy(subject));
    assert!(subject.windows(8).any(|w| w == b"=?utf-8?"));
    for header in [&b"\nDate: "[..], b"\nMessage-ID: <", b"\nMIME-Version: 1.0"] {
        assert!(raw.windows(header.len()).any(|w| w == header));
    }
    let mail = parse(&raw)?;
    assert_eq!(mail.from, "retours@distributeur.fr");
    assert_eq!(mail.to, "atelier@garage-demo.fr");
    assert_eq!(mail.subject, "Votre demande de retour est enregistrée");
    assert!(
        mail.text.starts_with("Bonjour Garage Élégance & Fils,"),
        "{}",
        mail.text
    );
    for expected in [
        "Votre demande de retour n° R-2026-000123 est enregistrée.",
        "  - 10000001 (BL n° 250001106)",
        "  - 10000002 (BL n° 250001187)",
        "Avoir estimé HT : 1\u{202F}251,77\u{A0}€, sous réserve de la validation de notre contrôle qualité.",
        "emballage d’origine",
    ] {
        assert!(mail.text.contains(expected), "missing {expected:?} in {}", mail.text);
    }
    assert_eq!(
        mail.attachments,
        [Attachment {
            name: "preaccord-R-2026-000123.pdf".to_owned(),
            content_type: "application/pdf".to_owned(),
            bytes: PDF.to_vec()
        }]
    );
    Ok(())
}

#[test]
fn reset_and_unlock_links_use_the_configured_base() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let config = MailConfig {
        from: "Service Retours <no-reply@exemple.fr>".into(),
        link_base: "https://retour.exemple.fr/app".into(),
        ..MailConfig::spool(dir.path())
    };
    let mailer = Mailer::new(&config)?;
    mailer.send_blocking(&mailer.password_reset("atelier@garage-demo.fr", "abc+/=", 30)?)?;
    mailer.send_blocking(&mailer.unlock("contact@autre-garage.fr", "xyz", 15)?)?;
    let files = spool_files(dir.path())?;
    assert_eq!(files.len(), 2);
    // Names sort in sending order.
    let reset = parse(&std::fs::read(&files[0])?)?;
    let unlock = parse(&std::fs::read(&files[1])?)?;

    assert_eq!(reset.from, "no-reply@exemple.fr");
    assert_eq!(reset.to, "atelier@garage-demo.fr");
    assert_eq!(
        reset.subject,
        "Réinitialisation de votre mot de passe Retour"
    );
    assert!(reset
        .text
        .contains("https://retour.exemple.fr/app/reset?token=abc%2B%2F%3D\n"));
    assert!(reset.text.contains("valable 30 minutes"));
    assert!(reset.attachments.is_empty());

    assert_eq!(unlock.to, "contact@autre-garage.fr");
    assert_eq!(unlock.subject, "Déverrouillage de votre compte Retour");
    assert!(unlock
        .text
        .contains("https://retour.exemple.fr/app/unlock?token=xyz\n"));
    assert!(unlock.text.contains("valable 15 minutes"));
    Ok(())
}

#[test]
fn the_default_links_open_the_app() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mailer = Mailer::new(&MailConfig::spool(dir.path()))?;
    let reset = mailer.password_reset("a@b.fr", "t0k", 30)?;
    let text = parse(&reset.formatted())?.text;
    assert!(text.contains("retour://reset?token=t0k\n"), "{text}");
    Ok(())
}

#[test]
fn an_unusable_spool_dir_is_a_typed_error() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"")?;
    let err = Mailer::new(&MailConfig::spool(file.join("spool"))).unwrap_err();
    assert!(matches!(err, MailError::Spool { .. }), "{err:?}");
    let err = Mailer::new(&MailConfig::spool("")).unwrap_err();
    assert!(matches!(err, MailError::Spool { .. }), "{err:?}");
    Ok(())
}

#[test]
fn bad_addresses_are_typed_errors() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let config = MailConfig {
        from: "pas une adresse".into(),
        ..MailConfig::spool(dir.path())
    };
    assert!(matches!(
        Mailer::new(&config),
        Err(MailError::Address { .. })
    ));
    let mailer = Mailer::new(&MailConfig::spool(dir.path()))?;
    let err = mailer.password_reset("atelier@", "t", 30).unwrap_err();
    assert!(matches!(err, MailError::Address { .. }), "{err:?}");
    assert!(matches!(
        mailer.preaccord("\r\nBcc: x@y.fr", &preaccord_mail()),
        Err(MailError::Address { .. })
    ));
    Ok(())
}

#[tokio::test]
async fn send_works_from_async_code() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mailer = Mailer::new(&MailConfig::spool(dir.path()))?;
    let sent = mailer.send(mailer.unlock("a@b.fr", "t", 15)?).await?;
    assert!(matches!(sent, Sent::Spooled(path) if path.exists()));
    Ok(())
}

#[test]
fn send_outside_a_runtime_is_an_error_not_a_panic() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mailer = Mailer::new(&MailConfig::spool(dir.path()))?;
    let message = mailer.unlock("a@b.fr", "t", 15)?;
    // Poll the future once by hand, outside any runtime.
    let result = poll_once(mailer.send(message));
    assert!(
        matches!(result, Some(Err(MailError::NoRuntime))),
        "{result:?}"
    );
    Ok(())
}

fn poll_once<F: std::future::Future>(future: F) -> Option<F::Output> {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}
