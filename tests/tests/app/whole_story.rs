//! Issue 13's whole story through the façade, against the real server on loopback: a garage sends
//! a line with a phone photo (GPS in its EXIF), the returns service decides with one unit refused
//! and replies, the next sync pulls both notifications and announces them (what the shell raises
//! as OS notifications; the real window's test watches the desktop's notification service), the
//! e-mails are in the server's spool, and the garage answers with a photo of its own, which the
//! server keeps without any metadata.

use anyhow::{anyhow, ensure, Context, Result};
use retour_app::api::{
    AcceptedLine, DossierStatus, EventKind, NotificationKind, Outcome, RefusalReason, StaffEvent,
};
use retour_app::{CartEdit, Language};
use retour_server::demo;
use retour_tests::{eligible_lines, jpeg_has_metadata, jpeg_with_gps, Device, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_with_photos_decide_reply_notify_and_answer_with_a_photo() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    let mut feed = device.app.subscribe_notifications();
    device.login().await?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    // The demo's past is announced by the first sync; the story starts after it.
    while feed.try_next().is_some() {}

    // Two units of one line, reason "défectueuse", with a phone photo that knows where it was.
    let (bl, line_no, ..) = eligible_lines(&device.app)?
        .into_iter()
        .find(|(_, _, eligible, _)| *eligible >= 2)
        .context("a line with two units")?;
    let edit = |qty| CartEdit {
        delivery_note: bl.clone(),
        line_no,
        qty: Some(qty),
        reason: Some("defective".into()),
    };
    device
        .app
        .cart_add(&edit(2))
        .await
        .map_err(|e| anyhow!("{e}"))?;
    device
        .app
        .add_line_photo(&bl, line_no, &jpeg_with_gps(1200, 900, 40))
        .map_err(|e| anyhow!("{e}"))?;
    let request = device.app.send().await.map_err(|e| anyhow!("{e}"))?;
    let number = request.dossiers[0].number.clone();
    let sent = device
        .app
        .dossier(&number)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    ensure!(
        sent.dossier.lines[0].photos.len() == 1,
        "{:?}",
        sent.dossier.lines
    );
    let kinds: Vec<EventKind> = sent
        .dossier
        .timeline
        .iter()
        .flatten()
        .map(|e| e.kind)
        .collect();
    ensure!(kinds == [EventKind::Status, EventKind::Photo], "{kinds:?}");

    // The returns service takes the parts, inspects them, accepts one and refuses one, and
    // answers the garage's question before it is even asked.
    let mails_before = server.mail_files()?.len();
    let state = server.state().clone();
    let n = number.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let step = |status, outcome, lines| StaffEvent {
            status,
            outcome,
            credited_ht: None,
            credit_note_number: None,
            lines,
        };
        for event in [
            step(DossierStatus::Received, None, None),
            step(DossierStatus::Inspecting, None, None),
            step(
                DossierStatus::Closed,
                Some(Outcome::Partial),
                Some(vec![AcceptedLine {
                    line_no,
                    accepted_qty: 1,
                    refusal_reason: Some(RefusalReason::Fitted),
                    disposition: None,
                    comment: Some("Traces de serrage sur une des deux".into()),
                }]),
            ),
        ] {
            retour_server::staff_advance(state.db(), &n, &event, state.now())
                .map_err(|e| anyhow!("{e:?}"))?;
        }
        retour_server::staff_reply(
            state.db(),
            &n,
            "La seconde pièce vous revient avec la prochaine livraison.",
            state.now(),
        )
        .map_err(|e| anyhow!("{e:?}"))?;
        Ok(())
    })
    .await??;

    // The next sync pulls the news and announces each once.
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    let announced: Vec<(NotificationKind, String)> = std::iter::from_fn(|| feed.try_next())
        .map(|n| (n.kind, n.title))
        .collect();
    let kinds: Vec<NotificationKind> = announced.iter().map(|(k, _)| *k).collect();
    ensure!(
        kinds
            == [
                NotificationKind::Status,
                NotificationKind::Status,
                NotificationKind::Decision,
                NotificationKind::Message
            ],
        "{announced:?}"
    );
    ensure!(
        announced[3].1 == format!("Dossier {number} : réponse du service retours"),
        "{announced:?}"
    );
    // In English, the titles are the app's own (the body stays the server's French).
    device.app.set_language(Language::En);
    let listed = device.app.notifications().map_err(|e| anyhow!("{e}"))?;
    ensure!(
        listed.items[0].title == format!("File {number}: reply from the returns department"),
        "{:?}",
        listed.items[0]
    );
    device.app.set_language(Language::Fr);
    let decided = device
        .app
        .dossier(&number)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let decision = decided.dossier.lines[0]
        .decision
        .clone()
        .context("the line's decision")?;
    ensure!(
        (decision.accepted_qty, decision.refused_qty) == (1, 1),
        "{decision:?}"
    );
    ensure!(
        decision.refusal_label.as_deref() == Some("Pièce montée ou traces de montage"),
        "{decision:?}"
    );
    ensure!(
        decision.disposition_label.as_deref() == Some("Renvoyée au garage"),
        "{decision:?}"
    );

    // The e-mails: the decision and the reply, to the garage's address.
    let mails: Vec<_> = server.mail_files()?[mails_before..]
        .iter()
        .map(|p| retour_mail::spool_reader::read_file(p))
        .collect::<Result<_, _>>()?;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    ensure!(
        mails.iter().all(|m| m.to == demo::CUSTOMER_A),
        "{:?}",
        mails.iter().map(|m| &m.to).collect::<Vec<_>>()
    );
    for wanted in ["décision", "réponse du service retours"] {
        ensure!(
            subjects.iter().any(|s| s.contains(wanted)),
            "no e-mail about {wanted}: {subjects:?}"
        );
    }

    // The garage answers with a photo; it leaves once, its GPS stays behind.
    let answered = device
        .app
        .send_message(
            &number,
            "Voici la seconde pièce : aucune trace sur nos fixations.",
            &[jpeg_with_gps(800, 600, 90)],
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let message = answered
        .dossier
        .timeline
        .iter()
        .flatten()
        .filter_map(|e| e.message.as_ref())
        .next_back()
        .context("the garage's message in the thread")?;
    ensure!(message.photos.len() == 1, "{message:?}");
    let kept = server
        .state()
        .db()
        .read(|c| c.photo_data(None, &message.photos[0]))?
        .context("the server has the message's photo")?;
    ensure!(
        !jpeg_has_metadata(&kept),
        "the server's copy has no metadata"
    );
    Ok(())
}
