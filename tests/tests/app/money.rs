//! The garage's money (issue 14, screens 12–15) through the façade against the real server with
//! its demo data: "Où est mon avoir ?", "Mes consignes" and "Mon bilan" read online, then offline
//! from what the device kept; the CSV files for the accountant; "Réclamer" written without network
//! waiting in the outbox and leaving once; a deposit put in the cart with the reason Consigne; the
//! window and the fee of a cart line.

use anyhow::{anyhow, ensure, Context, Result};
use retour_app::{AppError, ErrorCode, ReportArgs};
use retour_domain::api::{CreditState, DepositState};
use retour_domain::money::Money;
use retour_server::demo::{DEPOSIT_DUE_BL, DEPOSIT_EXPIRED_BL};
use retour_tests::{Device, TestServer};

fn app_err(e: AppError) -> anyhow::Error {
    anyhow!("{}: {}", e.code, e.message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_money_screens_read_online_then_from_the_cache() -> Result<()> {
    let mut server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;

    // "Où est mon avoir ?": the demo's credited, short (4,37 €) and awaiting lines; the totals
    // are the sums of the items; those waiting come first, longest first.
    let credits = app.credits().await.map_err(app_err)?;
    ensure!(!credits.from_cache);
    let c = &credits.credits;
    let sum = |f: &dyn Fn(&retour_domain::api::CreditItem) -> Option<Money>| -> Money {
        c.items.iter().filter_map(f).sum()
    };
    assert_eq!(c.expected_ht, sum(&|i| Some(i.expected_ht)));
    assert_eq!(c.credited_ht, sum(&|i| Some(i.credited_ht)));
    assert_eq!(c.short_ht, Money::parse("4.37")?);
    let states: Vec<CreditState> = c.items.iter().map(|i| i.state).collect();
    for state in [
        CreditState::Awaiting,
        CreditState::Short,
        CreditState::Credited,
    ] {
        ensure!(states.contains(&state), "{state:?} in {states:?}");
    }
    let waiting = states.iter().take_while(|s| s.is_waiting()).count();
    ensure!(
        states[waiting..].iter().all(|s| !s.is_waiting()),
        "waiting first: {states:?}"
    );
    ensure!(
        c.items[..waiting]
            .windows(2)
            .all(|w| w[0].waiting_days >= w[1].waiting_days),
        "longest first"
    );
    let awaiting = c
        .items
        .iter()
        .find(|i| i.state == CreditState::Awaiting)
        .context("an awaiting line")?;
    ensure!(awaiting.waiting_days >= 40, "{}", awaiting.waiting_days);
    ensure!(credits.claims.is_empty());
    let csv_online = std::fs::read(app.credits_csv().await.map_err(app_err)?)?;
    ensure!(csv_online.starts_with("\u{feff}Dossier;Ligne;".as_bytes()));
    ensure!(String::from_utf8(csv_online.clone())?.contains(";Écart;"));

    // "Mes consignes": due in 2 days (open), expired 5 days ago; by due date.
    let deposits = app.deposits().await.map_err(app_err)?;
    ensure!(!deposits.from_cache);
    let items = &deposits.deposits.items;
    ensure!(items.windows(2).all(|w| w[0].due_on <= w[1].due_on));
    let due = items
        .iter()
        .find(|i| i.delivery_note == DEPOSIT_DUE_BL && i.state == DepositState::Open)
        .context("the deposit due soon")?;
    assert_eq!(due.days_left, Some(2));
    let expired = items
        .iter()
        .find(|i| i.delivery_note == DEPOSIT_EXPIRED_BL)
        .context("the expired deposit")?;
    assert_eq!(
        (expired.state, expired.days_left),
        (DepositState::Expired, None)
    );
    ensure!(deposits.deposits.due_soon_ht >= due.at_stake_ht);

    // "Mon bilan": the twelve months up to today, every month listed, the busy one with pieces.
    let report = app
        .returns_report(&ReportArgs::default())
        .await
        .map_err(app_err)?;
    ensure!(!report.from_cache);
    let r = &report.report;
    assert_eq!(r.by_month.len(), 12, "{:?}", r.by_month);
    ensure!(r.by_month.iter().any(|m| m.pieces > 2));
    ensure!(r.pieces > 0 && !r.by_reason.is_empty() && !r.by_reference.is_empty());
    ensure!(!r.refusals.is_empty(), "the demo's refused lines");
    let reversed = ReportArgs {
        from: r.to.succ_opt(),
        to: Some(r.to),
    };
    let refused = app.returns_report(&reversed).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidPeriod);
    ensure!(refused.message.contains("précéder"), "{}", refused.message);

    // Without network: every screen from what was kept, the same; the CSV made from it is the
    // server's file byte for byte.
    server.stop().await?;
    let offline = app.credits().await.map_err(app_err)?;
    ensure!(offline.from_cache);
    assert_eq!(offline.credits, credits.credits);
    let csv_offline = std::fs::read(app.credits_csv().await.map_err(app_err)?)?;
    assert_eq!(csv_offline, csv_online);
    let offline = app.deposits().await.map_err(app_err)?;
    ensure!(offline.from_cache);
    assert_eq!(offline.deposits, deposits.deposits);
    let offline = app
        .returns_report(&ReportArgs::default())
        .await
        .map_err(app_err)?;
    ensure!(offline.from_cache);
    assert_eq!(offline.report, report.report);
    let csv = std::fs::read_to_string(
        app.report_csv(&ReportArgs::default())
            .await
            .map_err(app_err)?,
    )?;
    ensure!(csv.starts_with("\u{feff}Rubrique;Libellé;Pièces;Dossiers;Montant HT\r\n"));
    ensure!(csv.contains("\r\nTotal;Frais payés;;;"));
    // A period never read is not on the device.
    let never = ReportArgs {
        from: r.from.pred_opt(),
        to: Some(r.to),
    };
    let unread = app.returns_report(&never).await.unwrap_err();
    assert_eq!(unread.code, ErrorCode::Unreachable);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_written_offline_waits_and_leaves_once() -> Result<()> {
    let mut server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;
    let credits = app.credits().await.map_err(app_err)?;
    let short = credits
        .credits
        .items
        .iter()
        .find(|i| i.state == CreditState::Short)
        .context("the short line")?
        .clone();
    let credited = credits
        .credits
        .items
        .iter()
        .find(|i| i.state == CreditState::Credited)
        .context("a credited line")?;
    let nothing = app
        .claim_credit(&credited.dossier, credited.line_no)
        .await
        .unwrap_err();
    assert_eq!(nothing.code, ErrorCode::NotFound);

    server.stop().await?;
    let claim = app
        .claim_credit(&short.dossier, short.line_no)
        .await
        .map_err(app_err)?;
    assert_eq!(claim.state, "pending");
    ensure!(
        claim.text.contains("il manque 4,37\u{a0}€ HT"),
        "{}",
        claim.text
    );
    assert_eq!(app.sync_state().pending_messages, 1);
    let offline = app.credits().await.map_err(app_err)?;
    ensure!(offline.from_cache);
    assert_eq!(offline.claims.len(), 1);
    assert_eq!(
        (
            offline.claims[0].dossier.as_str(),
            offline.claims[0].line_no,
            offline.claims[0].state.as_str()
        ),
        (short.dossier.as_str(), short.line_no, "pending")
    );

    server.restart().await?;
    app.sync_now().await.map_err(app_err)?;
    let online = app.credits().await.map_err(app_err)?;
    assert_eq!(online.claims[0].state, "sent");
    assert_eq!(app.sync_state().pending_messages, 0);
    let messages = retour_server::staff_messages(server.state().db(), &short.dossier)
        .map_err(|e| anyhow!("staff messages: {e:?}"))?;
    assert_eq!(
        messages.iter().filter(|m| m.text == claim.text).count(),
        1,
        "the claim reached the file once"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_goes_to_the_cart_with_reason_consigne() -> Result<()> {
    let server = TestServer::start().await?;
    let device = Device::new(&server.url)?;
    device.login().await?;
    let app = &device.app;
    let deposits = app.deposits().await.map_err(app_err)?;
    let due = deposits
        .deposits
        .items
        .iter()
        .find(|i| i.delivery_note == DEPOSIT_DUE_BL && i.state == DepositState::Open)
        .context("the deposit due soon")?;

    let cart = app
        .deposit_to_cart(&due.delivery_note, due.line_no)
        .await
        .map_err(app_err)?;
    let line = cart
        .lines
        .iter()
        .find(|l| l.line.delivery_note == due.delivery_note && l.line.line_no == due.line_no)
        .context("the deposit in the cart")?;
    assert_eq!(
        line.line.reason.as_ref().map(|r| r.as_str()),
        Some("deposit")
    );
    assert_eq!(line.reason_label.as_deref(), Some("Consigne"));
    assert_eq!(line.line.qty, due.open_qty);
    assert_eq!(line.line.estimated_credit_ht, Some(due.at_stake_ht));
    // Past the return window: the deposit alone, until its due date, two days away.
    let allowed: Vec<&str> = line
        .allowed_reasons
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    assert_eq!(allowed, ["deposit"]);
    let window = line.window.context("the line's window")?;
    assert_eq!(
        (window.last_day, window.days_left, window.deposit_only),
        (due.due_on, 2, true)
    );
    ensure!(cart.can_send);
    // A sync forgets the BLs older than the lists' 31 days, but not one the cart needs.
    app.sync_now().await.map_err(app_err)?;
    let after = app.cart().map_err(app_err)?;
    let kept = after
        .lines
        .iter()
        .find(|l| l.line.delivery_note == due.delivery_note && l.line.line_no == due.line_no)
        .context("the deposit still in the cart")?;
    assert_eq!(kept, line, "its BL is still on the device");

    // An expired deposit cannot go to the cart; the cart is unchanged.
    let refused = app
        .deposit_to_cart(DEPOSIT_EXPIRED_BL, 1)
        .await
        .unwrap_err();
    ensure!(!refused.message.is_empty() && refused.code != ErrorCode::Unreachable);
    assert_eq!(app.cart().map_err(app_err)?.count, cart.count);

    // A line with a fee says it, and the fee and the estimate add up to the gross.
    let recent = app.delivery_notes(31).await.map_err(app_err)?;
    let mut found = None;
    for summary in &recent.items {
        let bl = app.delivery_note(&summary.number).await.map_err(app_err)?;
        let hit = bl.note.lines.iter().find(|l| {
            l.eligible_qty > 0
                && l.allowed_reasons
                    .iter()
                    .any(|r| r.as_str() == "customer_cancellation")
        });
        if let Some(l) = hit {
            let window = bl
                .line_availability
                .iter()
                .find(|a| a.line_no == l.line_no)
                .and_then(|a| a.window)
                .context("a recent line's window")?;
            ensure!(!window.deposit_only);
            found = Some((bl.note.number.clone(), l.clone()));
            break;
        }
    }
    let (number, bl_line) = found.context("a recent line with a fee reason")?;
    let cart = app
        .cart_add(&retour_app::CartEdit {
            delivery_note: number.clone(),
            line_no: bl_line.line_no,
            qty: Some(1),
            reason: Some("customer_cancellation".into()),
        })
        .await
        .map_err(app_err)?;
    let line = cart
        .lines
        .iter()
        .find(|l| l.line.delivery_note == number && l.line.line_no == bl_line.line_no)
        .context("the line with a fee")?;
    let fee = line.fee.clone().context("the reason's fee")?;
    assert_eq!(fee.label, "Frais de remise en stock 10 %");
    let fee_ht = line.line.fee_ht.context("fee_ht")?;
    let estimate = line.line.estimated_credit_ht.context("estimate")?;
    assert_eq!(fee_ht + estimate, bl_line.unit_price_ht);
    ensure!(line.window.is_some_and(|w| !w.deposit_only));
    Ok(())
}

fn retour(data: &str, server: &str, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_retour-under-test"));
    command
        .args(["--server", server, "--data-dir", data])
        .args(args)
        .env_remove("RETOUR_SERVER")
        .env_remove("RETOUR_DATA_DIR")
        .env_remove("RETOUR_PASSWORD");
    command
}

fn shown(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `retour credits`, `retour deposits` and `retour report` (the CLI signs in through the
/// keychain, so it runs with `RETOUR_TEST_KEYRING=1`, as `cargo xtask test` sets): the French
/// text, `--json` the API's shapes, the CSV, a reversed period refused, then offline from what
/// the device kept, and a claim waiting in the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_tells_where_the_money_is() -> Result<()> {
    if std::env::var("RETOUR_TEST_KEYRING").ok().as_deref() != Some("1") {
        println!("CLI money test not run: set RETOUR_TEST_KEYRING=1 (cargo xtask test does)");
        return Ok(());
    }
    let mut server = TestServer::start().await?;
    let dir = retour_tests::fast_tempdir()?;
    let data = dir.path().to_str().context("data dir")?.to_owned();
    let url = server.url.clone();
    let run = |args: &[&str]| retour(&data, &url, args).output();
    let login = retour(&data, &url, &["login", retour_tests::EMAIL])
        .env("RETOUR_PASSWORD", retour_tests::PASSWORD)
        .output()?;
    ensure!(login.status.success(), "login: {}", shown(&login));

    let out = run(&["credits", "--csv"])?;
    ensure!(out.status.success(), "{}", shown(&out));
    let text = shown(&out);
    for expected in [
        "Où est mon avoir ? Attendu ",
        "Écart : 4,37\u{a0}€ (avoir AV2026-0105)",
        "En attente depuis ",
        "Crédité — avoir AV2026-",
        "Fichier CSV écrit : ",
    ] {
        ensure!(text.contains(expected), "{expected:?} in {text}");
    }
    let out = run(&["--json", "credits"])?;
    let credits: retour_domain::api::Credits = serde_json::from_slice(&out.stdout)?;
    assert_eq!(credits.short_ht, Money::parse("4.37")?);
    let out = run(&["deposits"])?;
    let text = shown(&out);
    ensure!(
        text.contains(&format!("BL {DEPOSIT_DUE_BL} ligne 1")) && text.contains("(J-2)"),
        "{text}"
    );
    ensure!(text.contains("expirée le "), "{text}");
    let out = run(&["report"])?;
    let text = shown(&out);
    for expected in [
        "Mon bilan du ",
        "Par motif :",
        "Par mois :",
        "Références les plus retournées :",
    ] {
        ensure!(text.contains(expected), "{expected:?} in {text}");
    }
    let out = run(&["report", "--from", "2026-12-02", "--to", "2026-01-01"])?;
    assert_eq!(out.status.code(), Some(1));
    ensure!(shown(&out).contains("précéder"), "{}", shown(&out));

    server.stop().await?;
    let out = run(&["credits"])?;
    ensure!(out.status.success(), "{}", shown(&out));
    ensure!(shown(&out).contains("Hors ligne : chiffres tels qu'enregistrés"));
    let short = credits
        .items
        .iter()
        .find(|i| i.state == CreditState::Short)
        .context("the short line")?;
    let target = format!("{}:{}", short.dossier, short.line_no);
    let out = run(&["credits", "--claim", &target])?;
    ensure!(out.status.success(), "{}", shown(&out));
    ensure!(
        shown(&out).contains("Réclamation enregistrée sur l'appareil"),
        "{}",
        shown(&out)
    );
    let out = run(&["credits"])?;
    ensure!(shown(&out).contains("Réclamé le "), "{}", shown(&out));
    Ok(())
}
