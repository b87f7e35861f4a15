//! A file's story and its thread (issue 13, screen 9), through the façade and the `retour` CLI
//! against the real server: each line's decision in words, the timeline oldest first, a message
//! written without network waiting in the outbox (across a restart of the app, and across a
//! `kill -9` of the CLI that wrote it) and reaching the server exactly once when it is back,
//! whatever the retries; bad texts refused in French with their code and nothing queued; another
//! garage's file answering like a missing one. What reached the server is read on the server's
//! side (`retour_server::staff_messages`).

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use retour_app::{App, AppError, DossiersArgs, ErrorCode};
use retour_domain::api::{Actor, Author, EventKind};
use retour_store::{MessageState, Store};
use retour_tests::proxy::FaultProxy;
use retour_tests::{fast_tempdir, files_under, Device, TestServer, EMAIL, PASSWORD};

fn app_err(e: AppError) -> anyhow::Error {
    anyhow!("{}: {}", e.code, e.message)
}

/// The demo's closed file whose line was refused and which has a thread with the returns service.
async fn refused_file_with_a_thread(app: &App) -> Result<String> {
    let mut page = 1;
    loop {
        let list = app
            .dossiers(&DossiersArgs {
                state: Some("closed".into()),
                status: None,
                page: Some(page),
                kind: None,
            })
            .await
            .map_err(app_err)?;
        if list.list.items.is_empty() {
            bail!("no closed demo file has a refused line and a thread");
        }
        for file in &list.list.items {
            let view = app.dossier(&file.number).await.map_err(app_err)?;
            let refused = view
                .dossier
                .lines
                .iter()
                .any(|l| l.decision.as_ref().is_some_and(|d| d.refused_qty > 0));
            let thread = view
                .dossier
                .timeline
                .iter()
                .flatten()
                .any(|e| e.kind == EventKind::Message);
            if refused && thread {
                return Ok(file.number.clone());
            }
        }
        page += 1;
    }
}

/// How many messages with `text` the server recorded on the file.
fn on_server(server: &TestServer, number: &str, text: &str) -> Result<usize> {
    let messages = retour_server::staff_messages(server.state().db(), number)
        .map_err(|e| anyhow!("staff messages: {e:?}"))?;
    Ok(messages.iter().filter(|m| m.text == text).count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_written_offline_waits_and_leaves_once() -> Result<()> {
    let mut server = TestServer::start().await?;
    let mut device = Device::new(&server.url)?;
    device.login().await?;
    let number = refused_file_with_a_thread(&device.app).await?;

    // The file tells its story: the refused line in words, labels never codes, the comment; the
    // timeline oldest first, opened by the garage's request, with the thread's reply.
    let view = device.app.dossier(&number).await.map_err(app_err)?;
    ensure!(!view.from_cache);
    let decision = view
        .dossier
        .lines
        .iter()
        .find_map(|l| l.decision.clone().filter(|d| d.refused_qty > 0))
        .context("a refused line")?;
    assert_eq!(
        decision.refusal_label.as_deref(),
        Some("Pièce montée ou traces de montage")
    );
    assert_eq!(
        decision.disposition_label.as_deref(),
        Some("Renvoyée au garage")
    );
    ensure!(decision.comment.is_some(), "the staff's comment");
    let timeline = view.dossier.timeline.clone().context("a timeline")?;
    ensure!(
        timeline.windows(2).all(|w| w[0].at <= w[1].at),
        "oldest first"
    );
    assert_eq!(
        (timeline[0].kind, timeline[0].actor),
        (EventKind::Status, Actor::Customer)
    );
    ensure!(
        timeline.iter().any(|e| e
            .message
            .as_ref()
            .is_some_and(|m| m.author == Author::Staff)),
        "the returns service's reply is in the thread"
    );
    ensure!(view.outbox.is_empty());
    // The pré-accord reopens from this file too (a demo file names its request).
    let request = view
        .dossier
        .request
        .clone()
        .context("the file names its request")?;
    let pdf = device
        .app
        .preaccord_pdf(&request.id)
        .await
        .map_err(app_err)?;
    ensure!(std::fs::read(&pdf)?.starts_with(b"%PDF-"));

    // Without network the message waits in the outbox, shown in the kept file as waiting.
    server.stop().await?;
    let text = "Bonjour, la pièce est-elle déjà repartie ? (écrit hors ligne)";
    let offline = device
        .app
        .send_message(&number, text, &[])
        .await
        .map_err(app_err)?;
    ensure!(offline.from_cache, "offline, the kept file");
    assert_eq!(offline.outbox.len(), 1);
    assert_eq!(
        (
            offline.outbox[0].state.as_str(),
            offline.outbox[0].text.as_str()
        ),
        ("pending", text)
    );
    assert_eq!(device.app.sync_state().pending_messages, 1);
    // Still waiting after a restart of the app; still shown in the file read offline.
    device.restart(&server.url)?;
    let kept = device.app.dossier(&number).await.map_err(app_err)?;
    ensure!(kept.from_cache && kept.outbox.len() == 1 && kept.outbox[0].state == "pending");

    // The server is back: the next sync delivers it, the next ones send nothing more.
    server.restart().await?;
    device.app.sync_now().await.map_err(app_err)?;
    device.app.sync_now().await.map_err(app_err)?;
    assert_eq!(
        on_server(&server, &number, text)?,
        1,
        "delivered exactly once"
    );
    assert_eq!(device.app.sync_state().pending_messages, 0);
    // The file read offline now has it in its timeline (the sync fetched it again), not waiting.
    server.stop().await?;
    let after = device.app.dossier(&number).await.map_err(app_err)?;
    ensure!(
        after.from_cache && after.outbox.is_empty(),
        "{:?}",
        after.outbox
    );
    let last = after
        .dossier
        .timeline
        .as_ref()
        .and_then(|t| t.last())
        .context("events")?;
    let message = last
        .message
        .as_ref()
        .context("the last event is the message")?;
    assert_eq!(
        (message.author, message.text.as_str()),
        (Author::Customer, text)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_answers_are_lost_is_written_once() -> Result<()> {
    let server = TestServer::start().await?;
    let proxy = FaultProxy::start(server.addr, 13).await?;
    let device = Device::new(&proxy.url)?;
    device.login().await?;
    let number = refused_file_with_a_thread(&device.app).await?;
    // The server records the message, but its answer is lost twice (a gateway's 502 instead):
    // the app sends it again with the same `message_id`.
    proxy.answer_after_server(
        &format!("POST /api/v1/dossiers/{number}/messages"),
        2,
        502,
        &[],
        "Bad Gateway",
    );
    let text = "Merci pour votre réponse.";
    let view = device
        .app
        .send_message(&number, text, &[])
        .await
        .map_err(app_err)?;
    ensure!(
        view.outbox.is_empty(),
        "the message is in the file: {:?}",
        view.outbox
    );
    assert_eq!(on_server(&server, &number, text)?, 1, "written once");
    let shown = view
        .dossier
        .timeline
        .iter()
        .flatten()
        .filter(|e| e.message.as_ref().is_some_and(|m| m.text == text))
        .count();
    assert_eq!(shown, 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_texts_and_other_garages_files_are_refused_and_nothing_waits() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let number = refused_file_with_a_thread(&device.app).await?;

    let empty = device
        .app
        .send_message(&number, " \n\t ", &[])
        .await
        .expect_err("an empty message");
    assert_eq!(empty.code, ErrorCode::MessageEmpty);
    assert_eq!(empty.message, "Écrivez votre message avant de l'envoyer");
    let long = "é".repeat(2001);
    let too_long = device
        .app
        .send_message(&number, &long, &[])
        .await
        .expect_err("a message too long");
    assert_eq!(too_long.code, ErrorCode::MessageTooLong);
    assert_eq!(
        too_long.message,
        "Le message dépasse 2 000 caractères : raccourcissez-le"
    );
    assert_eq!(device.app.sync_state().pending_messages, 0);
    let view = device.app.dossier(&number).await.map_err(app_err)?;
    ensure!(view.outbox.is_empty(), "nothing queued: {:?}", view.outbox);

    // Another garage's file answers exactly like a missing one, to read and to write.
    let other = Device::new(&server.url)?;
    other
        .app
        .login(&retour_app::LoginArgs {
            email: retour_server::demo::CUSTOMER_B.into(),
            password: PASSWORD.into(),
            remember: false,
        })
        .await
        .map_err(app_err)?;
    let foreign = other
        .app
        .dossiers(&DossiersArgs::default())
        .await
        .map_err(app_err)?
        .list
        .items
        .first()
        .map(|d| d.number.clone())
        .context("a file of the other garage")?;
    let missing = "99999999";
    let read_foreign = device.app.dossier(&foreign).await.expect_err("foreign");
    let read_missing = device.app.dossier(missing).await.expect_err("missing");
    assert_eq!(read_foreign.code, ErrorCode::NotFound);
    assert_eq!(
        (read_foreign.code, read_foreign.message),
        (read_missing.code, read_missing.message)
    );
    let write_foreign = device
        .app
        .send_message(&foreign, "Bonjour", &[])
        .await
        .expect_err("foreign");
    let write_missing = device
        .app
        .send_message(missing, "Bonjour", &[])
        .await
        .expect_err("missing");
    assert_eq!(write_foreign.code, ErrorCode::NotFound);
    assert_eq!(
        (write_foreign.code, write_foreign.message),
        (write_missing.code, write_missing.message)
    );
    assert_eq!(on_server(&server, &foreign, "Bonjour")?, 0);
    // Refused for good: nothing waits to be sent again.
    assert_eq!(device.app.sync_state().pending_messages, 0);
    Ok(())
}

fn retour(data: &str, server: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_retour-under-test"));
    command
        .args(["--server", server, "--data-dir", data])
        .args(args)
        .env_remove("RETOUR_SERVER")
        .env_remove("RETOUR_DATA_DIR")
        .env_remove("RETOUR_PASSWORD");
    command
}

fn run(data: &str, server: &str, args: &[&str]) -> Result<Output> {
    Ok(retour(data, server, args).output()?)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The CLI (it signs in through the keychain, so it runs with `RETOUR_TEST_KEYRING=1`, as
/// `cargo xtask test` sets): `retour dossier` prints the story, `--json` the API's shape;
/// `retour message` writes; a `retour message` killed (-9) while its send hangs leaves the
/// message in the outbox, and the next `retour sync` delivers it, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_tells_the_story_and_a_killed_writer_loses_no_message() -> Result<()> {
    if std::env::var("RETOUR_TEST_KEYRING").ok().as_deref() != Some("1") {
        println!("CLI message test not run: set RETOUR_TEST_KEYRING=1 (cargo xtask test does)");
        return Ok(());
    }
    let mut server = TestServer::start().await?;
    let observer = Device::new(&server.url)?;
    observer.login().await?;
    let number = refused_file_with_a_thread(&observer.app).await?;
    let dir = fast_tempdir()?;
    let data = dir.path().to_str().context("data dir")?.to_owned();
    let url = server.url.clone();
    let login = retour(&data, &url, &["login", EMAIL])
        .env("RETOUR_PASSWORD", PASSWORD)
        .output()?;
    ensure!(login.status.success(), "login: {}", text(&login.stderr));

    let shown = run(&data, &url, &["dossier", &number])?;
    ensure!(shown.status.success(), "{}", text(&shown.stderr));
    let story = text(&shown.stdout);
    for expected in [
        "Décision par ligne :",
        "Acceptée 0 / Refusée",
        "Pièce montée ou traces de montage — Renvoyée au garage",
        "« Traces de serrage sur les fixations »",
        "Historique :",
        "Vous — Demande de retour envoyée",
        "Service retours — Réponse du service retours",
    ] {
        ensure!(
            story.contains(expected),
            "{expected:?} missing from:\n{story}"
        );
    }
    let json = run(&data, &url, &["--json", "dossier", &number])?;
    let value: serde_json::Value = serde_json::from_slice(&json.stdout)?;
    assert_eq!(value["number"], number.as_str());
    assert_eq!(value["timeline"][0]["kind"], "status");
    ensure!(value["lines"][0]["decision"]["refused_qty"].as_u64() > Some(0));
    assert_eq!(value["outbox"], serde_json::json!([]));

    let written = run(&data, &url, &["message", &number, "Bien reçu, merci."])?;
    ensure!(written.status.success(), "{}", text(&written.stderr));
    ensure!(text(&written.stdout).contains("Message envoyé au service retours."));
    let empty = run(&data, &url, &["--json", "message", &number, "   "])?;
    assert_eq!(empty.status.code(), Some(1));
    let problem: serde_json::Value = serde_json::from_slice(&empty.stderr)?;
    assert_eq!(problem["code"], "message_empty");

    // The server stops; something answers connections on its port but never replies, so the
    // CLI's send hangs after the message is committed: it is killed there.
    server.stop().await?;
    let hang = std::net::TcpListener::bind(server.addr)?;
    let killed_text = "Écrit puis interrompu : partira-t-il une seule fois ?";
    let mut writer = retour(&data, &url, &["message", &number, killed_text])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let store_path = files_under(dir.path())
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "sqlite"))
        .context("the account's store")?;
    let started = Instant::now();
    loop {
        let waiting = Store::open(&store_path)?
            .pending_messages()?
            .iter()
            .any(|m| m.text == killed_text);
        if waiting {
            break;
        }
        ensure!(
            writer.try_wait()?.is_none(),
            "the writer ended before its message was in the outbox"
        );
        ensure!(
            started.elapsed() < Duration::from_secs(30),
            "the message never reached the outbox"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    ensure!(writer.try_wait()?.is_none(), "the writer was still sending");
    writer.kill()?; // SIGKILL on Unix.
    writer.wait()?;
    drop(hang);
    let store = Store::open(&store_path)?;
    ensure!(store.integrity_check()? == "ok");
    let waiting: Vec<_> = store
        .pending_messages()?
        .into_iter()
        .filter(|m| m.text == killed_text)
        .collect();
    assert_eq!(waiting.len(), 1, "the killed writer's message waits");
    drop(store);
    // Offline, the file shows it waiting.
    let offline = run(&data, &url, &["dossier", &number])?;
    ensure!(offline.status.success(), "{}", text(&offline.stderr));
    ensure!(
        text(&offline.stdout).contains("Vous — En attente d'envoi"),
        "{}",
        text(&offline.stdout)
    );

    server.restart().await?;
    for _ in 0..2 {
        let synced = run(&data, &url, &["sync"])?;
        ensure!(synced.status.success(), "sync: {}", text(&synced.stderr));
    }
    assert_eq!(
        on_server(&server, &number, killed_text)?,
        1,
        "delivered once"
    );
    assert_eq!(on_server(&server, &number, "Bien reçu, merci.")?, 1);
    let store = Store::open(&store_path)?;
    let kept = store
        .outbox_message(&waiting[0].message_id)?
        .context("the message")?;
    assert_eq!(kept.state, MessageState::Sent);
    let shown = run(&data, &url, &["dossier", &number])?;
    ensure!(text(&shown.stdout).contains(killed_text));
    ensure!(!text(&shown.stdout).contains("En attente d'envoi"));
    Ok(())
}
