//! The `retour` command-line client as scripts use it: exit codes (0 ok, 1 refused, 2 server
//! unreachable), French messages on stderr, the API's shapes with `--json`, and `cart …`
//! working with the server down. With `RETOUR_TEST_KEYRING=1`, the whole flow through the
//! keychain: login, BLs, cart, sync, send, tracking, logout.

use std::process::{Command, Output};

use anyhow::{anyhow, ensure, Result};
use retour_tests::{
    eligible_lines, fast_tempdir, server_cart, tuples, Device, TestServer, EMAIL, PASSWORD,
};

fn retour(args: &[&str], envs: &[(&str, &str)]) -> Result<Output> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_retour-under-test"));
    command
        .args(args)
        .env_remove("RETOUR_SERVER")
        .env_remove("RETOUR_DATA_DIR")
        .env_remove("RETOUR_PASSWORD");
    for (k, v) in envs {
        command.env(k, v);
    }
    Ok(command.output()?)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn refusals_and_unreachable_servers_have_their_exit_codes() -> Result<()> {
    let dir = fast_tempdir()?;
    let data = dir.path().to_str().unwrap();
    let out = retour(&["--data-dir", data, "status"], &[])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Aucun serveur configuré"));

    let out = retour(
        &[
            "--server",
            "http://127.0.0.1:9",
            "--data-dir",
            data,
            "bl",
            "show",
            "12a",
        ],
        &[],
    )?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr)
        .contains("Format incorrect, veuillez saisir uniquement des caractères numériques"));

    let out = retour(
        &[
            "--server",
            "http://127.0.0.1:9",
            "--data-dir",
            data,
            "--json",
            "bl",
            "show",
            "1234567890",
        ],
        &[],
    )?;
    assert_eq!(out.status.code(), Some(1));
    let problem: serde_json::Value = serde_json::from_slice(&out.stderr)?;
    assert_eq!(problem["code"], "too_long");

    let out = retour(
        &["login", EMAIL],
        &[
            ("RETOUR_SERVER", "http://127.0.0.1:9"),
            ("RETOUR_DATA_DIR", data),
            ("RETOUR_PASSWORD", "x"),
        ],
    )?;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Serveur injoignable"));

    let out = retour(
        &[
            "--server",
            "http://127.0.0.1:9",
            "--data-dir",
            data,
            "cart",
            "show",
        ],
        &[],
    )?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("pas connecté"));

    let out = retour(&["scan", "/nonexistent/photo.png"], &[])?;
    assert_eq!(out.status.code(), Some(1));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cart_commands_work_with_the_server_down_and_sync_later() -> Result<()> {
    let mut server = TestServer::start().await?;
    let mut device = Device::new(&server.url)?;
    device.login().await?;
    let lines = eligible_lines(&device.app)?;
    let data = device.dir().to_str().unwrap().to_owned();
    server.stop().await?;

    let base = ["--server", server.url.as_str(), "--data-dir", data.as_str()];
    let line_no = lines[0].1.to_string();
    let mut args = base.to_vec();
    args.extend([
        "--json",
        "cart",
        "add",
        lines[0].0.as_str(),
        line_no.as_str(),
        "--qty",
        "1",
        "--reason",
        lines[0].3.as_str(),
    ]);
    let out = retour(&args, &[])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cart: retour_domain::api::Cart = serde_json::from_slice(&out.stdout)?;
    assert_eq!(cart.count, 1);
    assert_eq!(cart.lines[0].line_no, lines[0].1);

    let second = lines[1].1.to_string();
    let mut args = base.to_vec();
    args.extend(["cart", "add", lines[1].0.as_str(), second.as_str()]);
    assert_eq!(retour(&args, &[])?.status.code(), Some(0));
    let mut args = base.to_vec();
    args.extend([
        "cart",
        "set",
        lines[1].0.as_str(),
        second.as_str(),
        "--reason",
        lines[1].3.as_str(),
    ]);
    assert_eq!(retour(&args, &[])?.status.code(), Some(0));
    let mut args = base.to_vec();
    args.extend(["cart", "show"]);
    let out = retour(&args, &[])?;
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).contains("Nombre d'articles : 2"),
        "{}",
        text(&out.stdout)
    );

    let mut args = base.to_vec();
    args.extend([
        "cart",
        "set",
        lines[1].0.as_str(),
        second.as_str(),
        "--qty",
        "999",
    ]);
    let out = retour(&args, &[])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Quantité supérieure"));

    let mut args = base.to_vec();
    args.push("sync");
    let out = retour(&args, &[])?;
    assert_ne!(
        out.status.code(),
        Some(0),
        "no server, no session in this process"
    );

    // Later, with the server back, the app syncs what the CLI committed.
    server.restart().await?;
    device.restart(&server.url)?;
    device.app.sync_now().await.map_err(|e| anyhow!("{e}"))?;
    let remote = tuples(&server_cart(&server.url).await?);
    assert_eq!(remote.len(), 2);
    assert_eq!(remote, device.cart_lines()?);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_flow_through_the_keychain() -> Result<()> {
    if std::env::var("RETOUR_TEST_KEYRING").ok().as_deref() != Some("1") {
        println!("CLI keychain flow not run: set RETOUR_TEST_KEYRING=1 (cargo xtask test does)");
        return Ok(());
    }
    let server = TestServer::start().await?;
    let dir = fast_tempdir()?;
    let data = dir.path().to_str().unwrap();
    let env = [
        ("RETOUR_SERVER", server.url.as_str()),
        ("RETOUR_DATA_DIR", data),
    ];
    let run = |args: &[&str]| -> Result<Output> { retour(args, &env) };

    let mut login_env = env.to_vec();
    login_env.push(("RETOUR_PASSWORD", PASSWORD));
    let out = retour(&["login", EMAIL], &login_env)?;
    ensure!(out.status.success(), "login: {}", text(&out.stderr));
    ensure!(run(&["status"])?.status.success());
    let out = run(&["bl", "list", "--days", "31", "--json"])?;
    let list: retour_domain::api::DeliveryNoteList = serde_json::from_slice(&out.stdout)?;
    ensure!(!list.items.is_empty());
    let out = run(&["bl", "show", &list.items[0].number, "--json"])?;
    let note: retour_domain::api::DeliveryNote = serde_json::from_slice(&out.stdout)?;
    let line = note
        .lines
        .iter()
        .find(|l| l.eligible_qty > 0)
        .ok_or_else(|| anyhow!("no eligible line"))?;
    let out = run(&[
        "cart",
        "add",
        &note.number,
        &line.line_no.to_string(),
        "--qty",
        "1",
        "--reason",
        line.allowed_reasons[0].as_str(),
    ])?;
    ensure!(out.status.success(), "{}", text(&out.stderr));
    ensure!(run(&["sync"])?.status.success());
    let out = run(&["send", "--json"])?;
    ensure!(out.status.success(), "send: {}", text(&out.stderr));
    let request: retour_domain::api::ReturnRequest = serde_json::from_slice(&out.stdout)?;
    let out = run(&["track", "--json"])?;
    let list: retour_domain::api::DossierList = serde_json::from_slice(&out.stdout)?;
    ensure!(list
        .items
        .iter()
        .any(|d| d.number == request.dossiers[0].number));
    let out = run(&["dossier", &request.dossiers[0].number])?;
    ensure!(out.status.success(), "dossier: {}", text(&out.stderr));
    let shown = text(&out.stdout);
    ensure!(
        shown.contains(&format!(
            "Demande n° {} — pré-accord envoyé à {EMAIL}",
            request.number
        )),
        "the file names its request: {shown}"
    );
    let reason = retour_domain::reason::ReasonTable::default();
    let label = &reason
        .get(line.allowed_reasons[0].as_str())
        .ok_or_else(|| anyhow!("an unknown reason"))?
        .label;
    ensure!(
        shown.contains(&format!("— retournée 1 — {label}"))
            && !shown.contains(&format!("({})", line.allowed_reasons[0].as_str())),
        "the file's line says its quantity and its reason by name, never its code: {shown}"
    );
    ensure!(run(&["lookup", &note.number, "--json"])?.status.success());
    ensure!(run(&["logout"])?.status.success());
    let out = run(&["track"])?;
    ensure!(
        out.status.code() == Some(1),
        "signed out: {}",
        text(&out.stderr)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_prints_background_refusals_once() -> Result<()> {
    let mut server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let (bl, line_no) = crate::refusals::refuse_in_the_background(&mut server, &device).await?;
    let data = device.dir().to_str().unwrap().to_owned();
    let base = ["--server", server.url.as_str(), "--data-dir", data.as_str()];
    let run = |extra: &[&str]| -> Result<Output> {
        let mut args = base.to_vec();
        args.extend(extra);
        retour(&args, &[])
    };

    let out = run(&["status"])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("2 refus du serveur à lire : retour refusals"),
        "{}",
        text(&out.stdout)
    );
    let out = run(&["refusals"])?;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    for expected in [
        "Demande de retour refusée : ",
        "Modification du panier refusée : ",
        &format!("  BL {bl}, ligne {line_no}"),
        "  À faire : ",
        retour_domain::ErrorCode::QuantityExceeded.french(),
    ] {
        assert!(shown.contains(expected), "{expected:?} in {shown}");
    }
    // Printed once: then seen, by the CLI and the app alike.
    let out = run(&["refusals"])?;
    assert!(
        text(&out.stdout).contains("Aucun refus à lire."),
        "{}",
        text(&out.stdout)
    );
    assert!(!text(&run(&["status"])?.stdout).contains("refus du serveur"));
    assert!(device
        .app
        .unseen_refusals()
        .map_err(|e| anyhow!("{e}"))?
        .is_empty());
    Ok(())
}
