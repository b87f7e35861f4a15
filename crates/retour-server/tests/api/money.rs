//! The money of v1.1 over real HTTP: fees on reasons and cart lines, return deadlines and
//! deposit due dates on BL lines (a deposit line returnable for its deposit alone after the
//! window), credit notes (staff API, idempotency, conflicts, another customer's numbers),
//! "Où est mon avoir ?" and its CSV bytes, the deposits wallet, the returns report, and the
//! deposit reminders sent once each across a restart.

use chrono::{Days, NaiveDate, Utc};
use retour_domain::hours::paris_today;
use retour_mail::spool_reader;
use retour_server::db::NewLine;
use retour_server::running::RunningServer;
use retour_server::{demo, AppState};
use serde_json::{json, Value};

use crate::common::{start, start_with_clock, test_config, Server, TestClock};

fn today(server: &Server) -> NaiveDate {
    paris_today(server.state.now())
}

fn date(value: &Value) -> NaiveDate {
    value.as_str().unwrap().parse().unwrap()
}

fn money(value: &Value) -> rust_decimal::Decimal {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reason_says_its_fee_and_a_cart_line_the_fee_taken() {
    let server = start().await;
    let token = server.customer_a().await;
    let reasons = server.get("/api/v1/reasons", &token).await;
    let reasons = reasons.ok(200).as_array().unwrap().clone();
    for reason in &reasons {
        if reason["code"] == "customer_cancellation" {
            assert_eq!(
                reason["fee"],
                json!({"rate": "0.10", "label": "Frais de remise en stock 10 %"})
            );
        } else {
            assert!(reason.get("fee").is_none(), "{reason}");
        }
    }

    let (bl, line, _, _) = server.eligible_line(&token, 2).await;
    let at = format!("{:013}-0000-money", Utc::now().timestamp_millis());
    let op = json!({"op_id": uuid::Uuid::new_v4(), "at": at, "kind": "put", "delivery_note": bl,
        "line_no": line, "qty": 2, "reason": "customer_cancellation"});
    let cart = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [op]}))
        .await;
    let cart = cart.ok(200);
    let cart_line = &cart["lines"][0];
    let note = server
        .get(&format!("/api/v1/delivery-notes/{bl}"), &token)
        .await;
    let unit = note.ok(200)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line_no"] == line)
        .map(|l| money(&l["unit_price_ht"]))
        .unwrap();
    let gross = unit * rust_decimal::Decimal::TWO;
    // The fee and the estimate add up to the gross exactly.
    assert_eq!(
        money(&cart_line["fee_ht"]) + money(&cart_line["estimated_credit_ht"]),
        gross
    );
    assert!(money(&cart_line["fee_ht"]) > rust_decimal::Decimal::ZERO);

    // Another reason has no fee.
    let at = format!("{:013}-0001-money", Utc::now().timestamp_millis());
    let op = json!({"op_id": uuid::Uuid::new_v4(), "at": at, "kind": "put", "delivery_note": bl,
        "line_no": line, "qty": 2, "reason": "new_part"});
    let cart = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [op]}))
        .await;
    assert!(cart.ok(200)["lines"][0].get("fee_ht").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_line_stays_returnable_for_its_deposit_alone_until_its_due_date() {
    let server = start().await;
    let token = server.customer_a().await;
    let today = today(&server);

    let due = server
        .get(
            &format!("/api/v1/delivery-notes/{}", demo::DEPOSIT_DUE_BL),
            &token,
        )
        .await;
    let due = due.ok(200).clone();
    let (exchange, plain) = (&due["lines"][0], &due["lines"][1]);
    assert_eq!(date(&due["delivered_on"]), today - Days::new(88));
    assert_eq!(
        date(&exchange["return_deadline"]),
        today - Days::new(88) + Days::new(30)
    );
    assert!(exchange.get("days_left").is_none(), "the window has passed");
    assert_eq!(date(&exchange["deposit_due_on"]), today + Days::new(2));
    assert_eq!(exchange["allowed_reasons"], json!(["deposit"]));
    assert_eq!(exchange["eligible_qty"], 1);
    assert!(plain.get("deposit_due_on").is_none());
    assert_eq!(plain["allowed_reasons"], json!([]));
    assert_eq!(plain["eligible_qty"], 0);

    let expired = server
        .get(
            &format!("/api/v1/delivery-notes/{}", demo::DEPOSIT_EXPIRED_BL),
            &token,
        )
        .await;
    let expired = &expired.ok(200)["lines"][0];
    assert_eq!(date(&expired["deposit_due_on"]), today - Days::new(5));
    assert_eq!(expired["allowed_reasons"], json!([]));
    assert_eq!(expired["eligible_qty"], 0);

    // Inside the window: every reason, the deadline and the days left.
    let recent = server.get("/api/v1/delivery-notes?days=31", &token).await;
    let mut seen_deposit = false;
    for item in recent.ok(200)["items"].as_array().unwrap() {
        let number = item["number"].as_str().unwrap();
        let note = server
            .get(&format!("/api/v1/delivery-notes/{number}"), &token)
            .await;
        let note = note.ok(200).clone();
        let delivered = date(&note["delivered_on"]);
        for line in note["lines"].as_array().unwrap() {
            let deadline = delivered + Days::new(30);
            assert_eq!(date(&line["return_deadline"]), deadline);
            let left = (deadline - today).num_days();
            assert_eq!(line["days_left"].as_i64(), (left >= 0).then_some(left));
            if line.get("deposit_ht").is_some() {
                seen_deposit = true;
                assert_eq!(date(&line["deposit_due_on"]), delivered + Days::new(90));
            } else {
                assert!(line.get("deposit_due_on").is_none());
            }
        }
    }
    assert!(seen_deposit, "the demo has recent exchange parts");

    // The deposit alone is accepted past the window; another reason is refused.
    let line = |reason: &str| json!({"lines": [{"delivery_note": demo::DEPOSIT_DUE_BL, "line_no": 1, "qty": 1, "reason": reason}]});
    let refused = server
        .submit(&token, &uuid::Uuid::new_v4().to_string(), line("new_part"))
        .await;
    refused.problem(422, "reason_not_allowed");
    let sent = server
        .submit(&token, &uuid::Uuid::new_v4().to_string(), line("deposit"))
        .await;
    sent.ok(201);
    let wallet = server.get("/api/v1/deposits", &token).await;
    let item = wallet.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["delivery_note"] == demo::DEPOSIT_DUE_BL)
        .cloned()
        .unwrap();
    assert_eq!(item["state"], "in_return");
    assert_eq!(item["open_qty"], 0);
    assert_eq!(item["at_stake_ht"], "0.00");
}

/// The sum of a money field over items, as a decimal.
fn total(
    items: &[Value],
    keep: impl Fn(&Value) -> bool,
    field: impl Fn(&Value) -> rust_decimal::Decimal,
) -> rust_decimal::Decimal {
    items.iter().filter(|i| keep(i)).map(field).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn where_is_my_credit_shows_each_state_and_its_totals_add_up() {
    let server = start().await;
    let token = server.customer_a().await;
    let credits = server.get("/api/v1/credits", &token).await;
    let credits = credits.ok(200).clone();
    let items = credits["items"].as_array().unwrap().clone();
    let state_of = |s: &str| items.iter().filter(|i| i["state"] == s).count();
    assert!(state_of("credited") >= 4, "{credits:#}");
    assert_eq!(state_of("short"), 1);
    assert!(state_of("awaiting") >= 1);
    let awaiting_40 = items
        .iter()
        .find(|i| i["state"] == "awaiting" && i["waiting_days"] == 40)
        .expect("a line awaiting for 40 days");
    assert!(awaiting_40["credit_notes"].as_array().unwrap().is_empty());
    let short = items.iter().find(|i| i["state"] == "short").unwrap();
    assert_eq!(short["expected_ht"], "189.00");
    assert_eq!(short["credited_ht"], "184.63");
    assert_eq!(short["credit_notes"], json!(["AV2026-0105"]));

    let m = |f: &'static str| move |i: &Value| money(&i[f]);
    assert_eq!(
        money(&credits["expected_ht"]),
        total(&items, |_| true, m("expected_ht"))
    );
    assert_eq!(
        money(&credits["credited_ht"]),
        total(&items, |_| true, m("credited_ht"))
    );
    assert_eq!(
        money(&credits["awaiting_ht"]),
        total(&items, |i| i["state"] == "awaiting", m("expected_ht"))
    );
    assert_eq!(
        money(&credits["short_ht"]),
        total(
            &items,
            |i| i["state"] == "short",
            |i| money(&i["expected_ht"]) - money(&i["credited_ht"])
        )
    );
    assert_eq!(credits["short_ht"], "4.37");
    // Every item expects something; those waiting come first, longest first.
    assert!(items
        .iter()
        .all(|i| money(&i["expected_ht"]) > rust_decimal::Decimal::ZERO));
    let waiting: Vec<i64> = items
        .iter()
        .take_while(|i| i["state"] == "awaiting" || i["state"] == "short")
        .map(|i| i["waiting_days"].as_i64().unwrap())
        .collect();
    assert!(waiting.windows(2).all(|w| w[0] >= w[1]), "{waiting:?}");
    assert!(items[waiting.len()..]
        .iter()
        .all(|i| i["state"] == "credited" || i["state"] == "over"));

    // Garage B sees only its own.
    let b = server.customer_b().await;
    let theirs = server.get("/api/v1/credits", &b).await;
    let theirs = theirs.ok(200)["items"].as_array().unwrap().clone();
    assert!(theirs
        .iter()
        .all(|i| !items.iter().any(|mine| mine["dossier"] == i["dossier"])));
    assert!(theirs
        .iter()
        .any(|i| i["credit_notes"] == json!(["AV2026-0187"])));

    // Staff and strangers are not customers.
    let staff = server.staff().await;
    server
        .get("/api/v1/credits", &staff)
        .await
        .problem(403, "forbidden");
    let anonymous = server
        .call(reqwest::Method::GET, "/api/v1/credits", None, None)
        .await;
    anonymous.problem(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credits_csv_opens_in_french_spreadsheets() {
    let server = start().await;
    let token = server.customer_a().await;
    let csv = server.get("/api/v1/credits.csv", &token).await;
    assert_eq!(csv.status.as_u16(), 200);
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert_eq!(&csv.bytes[..3], [0xEF, 0xBB, 0xBF], "UTF-8 byte-order mark");
    let text = std::str::from_utf8(&csv.bytes[3..]).unwrap();
    let rows: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        rows[0],
        "Dossier;Ligne;Référence;Désignation;Décidé le;Attendu HT;Crédité HT;Avoirs;État;Jours d'attente"
    );
    let credits = server.get("/api/v1/credits", &token).await;
    let items = credits.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(
        rows.len(),
        items.len() + 2,
        "a row per item, then the last CRLF"
    );
    let short = rows
        .iter()
        .find(|r| r.contains(";189,00;184,63;AV2026-0105;Écart;"))
        .expect("the short line with decimal commas");
    let cells: Vec<&str> = short.split(';').collect();
    assert_eq!(cells.len(), 10);
    assert!(
        cells[4].len() == 10 && cells[4].as_bytes()[2] == b'/',
        "dd/mm/yyyy: {}",
        cells[4]
    );
    assert!(!text.contains("189.00"), "no decimal points");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_notes_are_the_customers_own() {
    let server = start().await;
    let a = server.customer_a().await;
    let b = server.customer_b().await;
    let list = server.get("/api/v1/credit-notes", &a).await;
    let list = list.ok(200)["items"].as_array().unwrap().clone();
    let numbers: Vec<&str> = list.iter().map(|n| n["number"].as_str().unwrap()).collect();
    for number in [
        "AV2026-0142",
        "AV2026-0071",
        "AV2026-0098",
        "AV2026-0105",
        "AV2026-0112",
    ] {
        assert!(numbers.contains(&number), "{numbers:?}");
    }
    assert!(!numbers.contains(&"AV2026-0187"), "garage B's");
    let issued: Vec<&str> = list
        .iter()
        .map(|n| n["issued_on"].as_str().unwrap())
        .collect();
    assert!(issued.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let one = server.get("/api/v1/credit-notes/AV2026-0105", &a).await;
    let one = one.ok(200).clone();
    let lines = one["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        money(&one["total_ht"]),
        lines
            .iter()
            .map(|l| money(&l["amount_ht"]))
            .sum::<rust_decimal::Decimal>()
    );
    assert!(lines
        .iter()
        .all(|l| !l["reference"].as_str().unwrap().is_empty()));

    // Another customer's credit note answers exactly like a missing one.
    let theirs = server.get("/api/v1/credit-notes/AV2026-0105", &b).await;
    let missing = server.get("/api/v1/credit-notes/AV2026-9999", &b).await;
    theirs.problem(404, "not_found");
    assert_eq!(theirs.bytes, missing.bytes);
    server
        .get("/api/v1/credit-notes/AV%202026", &a)
        .await
        .problem(404, "not_found");
    let staff = server.staff().await;
    server
        .get("/api/v1/credit-notes", &staff)
        .await
        .problem(403, "forbidden");
}

/// The first line of the credits of `token` in this state.
async fn credit_item(server: &Server, token: &str, state: &str) -> Value {
    let credits = server.get("/api/v1/credits", token).await;
    credits.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["state"] == state)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_record_a_credit_note_once_and_the_garage_is_told() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    let today = today(&server).to_string();
    let awaiting = credit_item(&server, &a, "awaiting").await;
    let dossier = awaiting["dossier"].as_str().unwrap().to_owned();
    let body = json!({"number": "AV2026-0200", "customer_code": "C00042", "issued_on": today,
        "lines": [{"dossier": dossier, "line_no": awaiting["line_no"], "amount_ht": awaiting["expected_ht"]}]});

    let mails = server.mails().len();
    let created = server
        .post("/api/v1/staff/credit-notes", &staff, body.clone())
        .await;
    let created = created.ok(201).clone();
    assert_eq!(created["number"], "AV2026-0200");
    assert_eq!(created["total_ht"], awaiting["expected_ht"]);
    assert_eq!(created["lines"][0]["reference"], awaiting["reference"]);
    // The same number and body again: the same answer, nothing more.
    let again = server
        .post("/api/v1/staff/credit-notes", &staff, body.clone())
        .await;
    assert_eq!(again.ok(201), &created);
    // The lines in another order are the same credit note.
    assert_eq!(
        server.mails().len(),
        mails + 1,
        "one e-mail to garage A's one account"
    );
    let mail = server.last_mail();
    assert_eq!(mail.to, demo::CUSTOMER_A);
    assert!(mail.subject.contains("AV2026-0200"), "{}", mail.subject);
    assert!(mail.text.contains(&dossier), "{}", mail.text);

    // Another body under the same number.
    let mut other = body.clone();
    other["lines"][0]["amount_ht"] = json!("1.00");
    server
        .post("/api/v1/staff/credit-notes", &staff, other)
        .await
        .problem(409, "credit_note_conflict");

    // The line is credited now, and the file says so.
    let credits = server.get("/api/v1/credits", &a).await;
    let item = credits.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["dossier"] == dossier.as_str() && i["line_no"] == awaiting["line_no"])
        .cloned()
        .unwrap();
    assert_eq!(item["state"], "credited");
    assert_eq!(item["credit_notes"], json!(["AV2026-0200"]));
    let file = server.get(&format!("/api/v1/dossiers/{dossier}"), &a).await;
    let file = file.ok(200).clone();
    assert_eq!(file["closed"]["credit_note_number"], "AV2026-0200");
    let event = file["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(event["kind"], "credit_note");
    assert!(event["text"].as_str().unwrap().contains("AV2026-0200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_note_emails_follow_the_accounts_preferences() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    let today = today(&server).to_string();
    let items = server.get("/api/v1/credits", &a).await;
    let awaiting: Vec<Value> = items.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["state"] == "awaiting")
        .cloned()
        .collect();
    assert!(awaiting.len() >= 2, "two awaiting lines in the demo");
    let record = |number: &str, item: &Value| {
        json!({"number": number, "customer_code": "C00042", "issued_on": today,
            "lines": [{"dossier": item["dossier"], "line_no": item["line_no"], "amount_ht": item["expected_ht"]}]})
    };
    let preferences = |credits: bool| {
        json!({"emails": {"status": true, "messages": true, "credits": credits, "deposits": true},
            "preaccord_email": "compta@garage-demo.fr"})
    };
    let set = |body: Value| {
        let (server, a) = (&server, a.clone());
        async move {
            server
                .call(
                    reqwest::Method::PUT,
                    "/api/v1/me/preferences",
                    Some(&a),
                    Some(body),
                )
                .await
                .ok(200);
        }
    };

    // Credit e-mails switched off: the note is recorded and notified in the app, no e-mail.
    set(preferences(false)).await;
    let before = server.mails().len();
    server
        .post(
            "/api/v1/staff/credit-notes",
            &staff,
            record("AV2026-0301", &awaiting[0]),
        )
        .await
        .ok(201);
    assert_eq!(server.mails().len(), before, "no e-mail once switched off");
    // Switched on again, with a pré-accord address: the e-mail goes there.
    set(preferences(true)).await;
    server
        .post(
            "/api/v1/staff/credit-notes",
            &staff,
            record("AV2026-0302", &awaiting[1]),
        )
        .await
        .ok(201);
    assert_eq!(server.mails().len(), before + 1);
    let mail = server.last_mail();
    assert_eq!(mail.to, "compta@garage-demo.fr");
    assert!(mail.subject.contains("AV2026-0302"), "{}", mail.subject);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_note_that_does_not_fit_is_refused_with_its_code() {
    let server = start().await;
    let a = server.customer_a().await;
    let b = server.customer_b().await;
    let staff = server.staff().await;
    let today = today(&server);
    let awaiting = credit_item(&server, &a, "awaiting").await;
    let theirs = credit_item(&server, &b, "credited").await;
    let open = server.get("/api/v1/dossiers?state=open", &a).await;
    let open = open.ok(200)["items"][0].clone();
    let note = |number: &str, customer: &str, on: NaiveDate, lines: Value| json!({"number": number, "customer_code": customer, "issued_on": on.to_string(), "lines": lines});
    let line = |dossier: &Value, line_no: &Value, amount: &str| json!({"dossier": dossier, "line_no": line_no, "amount_ht": amount});
    let good = line(&awaiting["dossier"], &awaiting["line_no"], "10.00");
    let post = |body: Value| {
        let server = &server;
        let staff = staff.clone();
        async move {
            server
                .post("/api/v1/staff/credit-notes", &staff, body)
                .await
        }
    };

    let cases = [
        (
            "a customer",
            None,
            note("AV1", "C00042", today, json!([good.clone()])),
            403,
            "forbidden",
        ),
        (
            "open file",
            Some(()),
            note(
                "AV2",
                "C00042",
                today,
                json!([line(&open["number"], &open["lines"][0]["line_no"], "1.00")]),
            ),
            409,
            "dossier_not_closed",
        ),
        (
            "unknown customer",
            Some(()),
            note("AV3", "C99999", today, json!([good.clone()])),
            422,
            "invalid_credit_note",
        ),
        (
            "another garage's file",
            Some(()),
            note(
                "AV4",
                "C00042",
                today,
                json!([line(&theirs["dossier"], &theirs["line_no"], "1.00")]),
            ),
            422,
            "invalid_credit_note",
        ),
        (
            "no such line",
            Some(()),
            note(
                "AV5",
                "C00042",
                today,
                json!([line(&awaiting["dossier"], &json!(999), "1.00")]),
            ),
            422,
            "invalid_credit_note",
        ),
        (
            "bad number",
            Some(()),
            note("AV 6", "C00042", today, json!([good.clone()])),
            422,
            "invalid_credit_note",
        ),
        (
            "no line",
            Some(()),
            note("AV7", "C00042", today, json!([])),
            422,
            "invalid_credit_note",
        ),
        (
            "zero",
            Some(()),
            note(
                "AV8",
                "C00042",
                today,
                json!([line(&awaiting["dossier"], &awaiting["line_no"], "0.00")]),
            ),
            422,
            "invalid_credit_note",
        ),
        (
            "the same line twice",
            Some(()),
            note("AV9", "C00042", today, json!([good.clone(), good.clone()])),
            422,
            "invalid_credit_note",
        ),
        (
            "issued tomorrow",
            Some(()),
            note(
                "AV10",
                "C00042",
                today + Days::new(1),
                json!([good.clone()]),
            ),
            422,
            "invalid_credit_note",
        ),
        (
            "negative",
            Some(()),
            note(
                "AV11",
                "C00042",
                today,
                json!([line(&awaiting["dossier"], &awaiting["line_no"], "-1.00")]),
            ),
            400,
            "invalid_body",
        ),
        (
            "three decimals",
            Some(()),
            note(
                "AV12",
                "C00042",
                today,
                json!([line(&awaiting["dossier"], &awaiting["line_no"], "1.001")]),
            ),
            400,
            "invalid_body",
        ),
    ];
    for (what, as_staff, body, status, code) in cases {
        let answer = match as_staff {
            Some(()) => post(body).await,
            None => server.post("/api/v1/staff/credit-notes", &a, body).await,
        };
        assert_eq!(answer.status.as_u16(), status, "{what}: {:#}", answer.body);
        answer.problem(status, code);
    }
    let mut injected = note("AV13", "C00042", today, json!([good]));
    injected["total_ht"] = json!("999.00");
    let answer = post(injected).await;
    assert_eq!(
        answer.status.as_u16(),
        400,
        "unknown fields are refused: {:#}",
        answer.body
    );
    // Nothing was recorded by the refusals.
    let list = server.get("/api/v1/credit-notes", &a).await;
    assert!(list.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["number"].as_str().unwrap().starts_with("AV2026-")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deposits_wallet_shows_each_state_by_due_date() {
    let server = start().await;
    let a = server.customer_a().await;
    let today = today(&server);
    let wallet = server.get("/api/v1/deposits", &a).await;
    let wallet = wallet.ok(200).clone();
    let items = wallet["items"].as_array().unwrap().clone();
    let find = |bl: &str| {
        items
            .iter()
            .find(|i| i["delivery_note"] == bl)
            .cloned()
            .unwrap()
    };
    let due = find(demo::DEPOSIT_DUE_BL);
    assert_eq!(due["state"], "open");
    assert_eq!(due["days_left"], 2);
    assert_eq!(date(&due["due_on"]), today + Days::new(2));
    assert_eq!(due["at_stake_ht"], "45.00");
    let expired = find(demo::DEPOSIT_EXPIRED_BL);
    assert_eq!(expired["state"], "expired");
    assert!(expired.get("days_left").is_none());
    assert_eq!(expired["at_stake_ht"], "80.00");
    for state in ["open", "in_return", "refunded", "expired"] {
        assert!(items.iter().any(|i| i["state"] == state), "{state}");
    }
    let due_on: Vec<&str> = items
        .iter()
        .map(|i| i["due_on"].as_str().unwrap())
        .collect();
    assert!(due_on.windows(2).all(|w| w[0] <= w[1]), "by due date");
    let open = |i: &Value| i["state"] == "open";
    assert_eq!(
        money(&wallet["at_stake_ht"]),
        total(&items, open, |i| money(&i["at_stake_ht"]))
    );
    assert_eq!(
        money(&wallet["due_soon_ht"]),
        total(
            &items,
            |i| open(i) && i["days_left"].as_i64().unwrap() <= 14,
            |i| money(&i["at_stake_ht"])
        )
    );
    assert!(money(&wallet["due_soon_ht"]) >= money(&json!("45.00")));
    for i in &items {
        assert_eq!(
            money(&i["at_stake_ht"]),
            money(&i["deposit_ht"]) * rust_decimal::Decimal::from(i["open_qty"].as_u64().unwrap())
        );
    }
    // Garage B has none of garage A's.
    let b = server.customer_b().await;
    let theirs = server.get("/api/v1/deposits", &b).await;
    assert!(theirs.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["delivery_note"] != demo::DEPOSIT_DUE_BL));
    let staff = server.staff().await;
    server
        .get("/api/v1/deposits", &staff)
        .await
        .problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_returns_report_has_a_busy_month_and_a_quiet_one() {
    let server = start().await;
    let a = server.customer_a().await;
    let today = today(&server);
    let from = today - Days::new(365);
    let path =
        |from: NaiveDate, to: NaiveDate| format!("/api/v1/reports/returns?from={from}&to={to}");
    let report = server.get(&path(from, today), &a).await;
    let report = report.ok(200).clone();
    let months = report["by_month"].as_array().unwrap();
    assert_eq!(months.len(), 13, "every month of the period: {months:?}");
    let pieces: Vec<u64> = months
        .iter()
        .map(|m| m["pieces"].as_u64().unwrap())
        .collect();
    let busy = pieces.iter().max().unwrap();
    assert!(*busy >= 17, "{pieces:?}");
    assert!(pieces.contains(&1), "a quiet month: {pieces:?}");
    assert_eq!(
        report["pieces"].as_u64().unwrap(),
        pieces.iter().sum::<u64>()
    );
    let sum = |rows: &Value, f: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| money(&r[f]))
            .sum::<rust_decimal::Decimal>()
    };
    assert_eq!(
        money(&report["credited_ht"]),
        sum(&report["by_month"], "credited_ht")
    );
    assert_eq!(
        money(&report["credited_ht"]),
        sum(&report["by_reason"], "credited_ht")
    );
    assert!(money(&report["fees_ht"]) > rust_decimal::Decimal::ZERO);
    assert!(money(&report["refused_ht"]) > rust_decimal::Decimal::ZERO);
    let refusals: Vec<&str> = report["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["refusal_reason"].as_str().unwrap())
        .collect();
    assert!(
        refusals.contains(&"fitted") && refusals.contains(&"packaging"),
        "{refusals:?}"
    );
    let references = report["by_reference"].as_array().unwrap();
    assert!(!references.is_empty() && references.len() <= 10);
    let ranked: Vec<u64> = references
        .iter()
        .map(|r| r["pieces"].as_u64().unwrap())
        .collect();
    assert!(
        ranked.windows(2).all(|w| w[0] >= w[1]),
        "most returned first: {ranked:?}"
    );
    let pads = references
        .iter()
        .find(|r| r["reference"] == "0986424707")
        .unwrap();
    assert!(pads["dossiers"].as_u64().unwrap() >= 3, "{pads}");
    assert!(report["by_reason"][0]["label"].is_string());

    // Garage B's report is its own.
    let b = server.customer_b().await;
    let theirs = server.get(&path(from, today), &b).await;
    assert!(theirs.ok(200)["pieces"].as_u64().unwrap() < report["pieces"].as_u64().unwrap());

    // Periods that cannot be reported on.
    server
        .get(&path(today, from), &a)
        .await
        .problem(400, "invalid_period");
    server
        .get(&path(today - Days::new(366), today), &a)
        .await
        .problem(400, "invalid_period");
    for query in [
        "",
        "?from=2026-01-01",
        "?from=2026-13-01&to=2026-12-01",
        "?from=x&to=y",
        "?from=2026-01-01&to=2026-02-01&extra=1",
    ] {
        let answer = server
            .get(&format!("/api/v1/reports/returns{query}"), &a)
            .await;
        assert_eq!(answer.status.as_u16(), 400, "{query}: {:#}", answer.body);
    }
    let staff = server.staff().await;
    server
        .get(&path(from, today), &staff)
        .await
        .problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_routes_are_documented() {
    let server = start().await;
    let doc = server
        .call(reqwest::Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    let paths = doc.ok(200)["paths"].clone();
    for path in [
        "/api/v1/staff/credit-notes",
        "/api/v1/credit-notes",
        "/api/v1/credit-notes/{number}",
        "/api/v1/credits",
        "/api/v1/credits.csv",
        "/api/v1/deposits",
        "/api/v1/reports/returns",
    ] {
        assert!(paths.get(path).is_some(), "{path}");
    }
}

/// The reminders e-mailed that name `bl`, as `(subject, text)`.
fn reminders_naming(state: &AppState, bl: &str) -> Vec<(String, String)> {
    retour_server::mail::deliver_due(state).unwrap();
    spool_reader::read_spool(&state.config().mail_spool)
        .unwrap()
        .into_iter()
        .filter(|m| m.subject.starts_with("Consignes") && m.text.contains(bl))
        .map(|m| (m.subject, m.text))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposit_reminders_go_out_once_each_even_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    // The same data for both processes (with PostgreSQL, the same schema).
    let config = test_config(dir.path());
    let clock = TestClock::default();
    let state = AppState::new(config.clone())
        .unwrap()
        .with_clock(clock_fn(&clock));
    let mut server = RunningServer::start_demo(state.clone()).await.unwrap();
    // An exchange part delivered today: its deposit is due in 90 days.
    let bl = "259999001";
    let delivered = paris_today(state.now());
    state
        .db()
        .write(|c| {
            let customer = c
                .account_by_email(demo::CUSTOMER_A)?
                .and_then(|a| a.customer)
                .unwrap()
                .id;
            c.insert_delivery_note(customer, bl, delivered, "45.00".parse().unwrap())?;
            c.insert_delivery_line(
                bl,
                &NewLine {
                    line_no: 1,
                    reference: "437469".into(),
                    reference_key: "437469".into(),
                    brand: "Valeo".into(),
                    designation: "ALTERNATEUR TG12C REMAN".into(),
                    gtin: None,
                    gtin_key: None,
                    qty: 1,
                    returned_qty: 0,
                    unit_price: "210.50".parse().unwrap(),
                    deposit: Some("60.00".parse().unwrap()),
                },
            )
        })
        .unwrap();
    let due = delivered + Days::new(90);
    let set_day = |day: NaiveDate| clock.set(paris_noon(day));

    // 15 days before: nothing yet.
    set_day(due - Days::new(15));
    let pass = state.clone();
    tokio::task::spawn_blocking(move || retour_server::reminders::send_due(&pass))
        .await
        .unwrap()
        .unwrap();
    assert!(reminders_naming(&state, bl).is_empty());

    // 14 days before: one reminder.
    set_day(due - Days::new(14));
    let pass = state.clone();
    tokio::task::spawn_blocking(move || retour_server::reminders::send_due(&pass))
        .await
        .unwrap()
        .unwrap();
    let sent = reminders_naming(&state, bl);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].1.contains("(J-14)"), "{}", sent[0].1);
    assert!(sent[0].1.contains("60,00"), "{}", sent[0].1);

    // The server stops; a new process opens the same data, on the same day and later days.
    server.stop().await.unwrap();
    drop(server);
    let state = AppState::new(config).unwrap().with_clock(clock_fn(&clock));
    let _server = RunningServer::start(state.clone()).await.unwrap();
    for left in [14, 10, 4] {
        set_day(due - Days::new(left));
        let pass = state.clone();
        tokio::task::spawn_blocking(move || retour_server::reminders::send_due(&pass))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            reminders_naming(&state, bl).len(),
            1,
            "J-{left}: nothing new"
        );
    }
    // 3 days before: the second and last one.
    for left in [3, 3, 2, 0] {
        set_day(due - Days::new(left));
        let pass = state.clone();
        tokio::task::spawn_blocking(move || retour_server::reminders::send_due(&pass))
            .await
            .unwrap()
            .unwrap();
        let sent = reminders_naming(&state, bl);
        assert_eq!(sent.len(), 2, "J-{left}: {sent:?}");
        assert!(sent.iter().any(|(_, text)| text.contains("(J-3)")));
    }
}

/// Noon in Paris on `day`.
fn paris_noon(day: NaiveDate) -> chrono::DateTime<Utc> {
    retour_domain::hours::paris_instant(
        day,
        retour_domain::hours::TimeOfDay::from_hm(12, 0).unwrap(),
    )
    .unwrap()
}

/// The test clock as the server's.
fn clock_fn(clock: &TestClock) -> retour_server::Clock {
    clock.server_clock()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_shorter_deposit_delay_says_so() {
    let clock = TestClock::default();
    let server = start_with_clock(|c| c.deposit_days = 60, &clock).await;
    let a = server.customer_a().await;
    let note = server
        .get(
            &format!("/api/v1/delivery-notes/{}", demo::DEPOSIT_DUE_BL),
            &a,
        )
        .await;
    let line = &note.ok(200)["lines"][0];
    // Delivered 88 days ago, due 60 days after: past.
    assert_eq!(line["allowed_reasons"], json!([]));
    assert_eq!(
        date(&line["deposit_due_on"]),
        today(&server) - Days::new(28)
    );
}

#[test]
fn the_staff_cli_records_a_credit_note_once() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = test_config(dir.path()).db;
    let today = retour_server::paris_today_now();
    let db = retour_server::Db::open(&db_path).unwrap();
    demo::seed(&db, today).unwrap();
    let awaiting = db
        .read(|c| {
            let (customer, _, _) = c.customer_by_code("C00042")?.unwrap();
            let credits = retour_domain::credits::reconcile(
                &c.decided_lines(customer)?,
                &c.credited_lines(customer)?,
                today,
            );
            Ok::<_, retour_server::db::DbError>(
                credits
                    .items
                    .into_iter()
                    .find(|i| i.waiting_days == 40)
                    .unwrap(),
            )
        })
        .unwrap();
    drop(db);
    let run = |amount: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_retour-server"))
            .args([
                "staff",
                "credit-note",
                "AV2026-0300",
                "--customer",
                "C00042",
                "--line",
            ])
            .arg(format!(
                "{}:{}:{amount}",
                awaiting.dossier, awaiting.line_no
            ))
            .env("RETOUR_DB", &db_path)
            .env("RETOUR_MAIL_SPOOL", dir.path().join("mail"))
            .output()
            .expect("the server binary runs")
    };
    let amount = awaiting.expected_ht.to_string();
    let first = run(&amount);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let note: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(note["number"], "AV2026-0300");
    assert_eq!(note["total_ht"], amount.as_str());
    assert_eq!(note["issued_on"], today.to_string());
    let again = run(&amount);
    assert!(again.status.success());
    assert_eq!(again.stdout, first.stdout, "the same credit note again");
    let other = run("1.00");
    assert!(!other.status.success());
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("credit_note_conflict"),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
}
