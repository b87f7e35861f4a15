//! Return requests: creation, grouping, idempotency, rules, concurrency, closed service, PDF and
//! e-mail.

use std::sync::Arc;

use reqwest::Method;
use retour_server::demo::CUSTOMER_A;
use serde_json::{json, Value};

use crate::common::{key, start, start_with, WritesHeld};

fn line(bl: &str, line_no: u64, qty: Value, reason: &str) -> Value {
    json!({"delivery_note": bl, "line_no": line_no, "qty": qty, "reason": reason})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_makes_one_file_per_bl_and_leaves_the_cart() {
    let server = start().await;
    let token = server.customer_a().await;
    let month = server.get("/api/v1/delivery-notes?days=31", &token).await;
    let mut picks = Vec::new();
    for item in month.ok(200)["items"].as_array().unwrap() {
        let number = item["number"].as_str().unwrap().to_owned();
        let note = server
            .get(&format!("/api/v1/delivery-notes/{number}"), &token)
            .await;
        if let Some(l) = note.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["eligible_qty"].as_u64().unwrap() > 0 && l.get("deposit_ht").is_none())
        {
            picks.push((
                number,
                l["line_no"].as_u64().unwrap(),
                l["unit_price_ht"].as_str().unwrap().to_owned(),
            ));
        }
        if picks.len() == 3 {
            break;
        }
    }
    // Put the three lines in the cart first.
    let ops: Vec<Value> = picks
        .iter()
        .enumerate()
        .map(|(i, (bl, l, _))| json!({"op_id": uuid::Uuid::new_v4(), "at": format!("1764000000000-{i:04}-pc"), "kind": "put", "delivery_note": bl, "line_no": l, "qty": 1, "reason": "new_part"}))
        .collect();
    assert_eq!(
        server
            .post("/api/v1/cart/ops", &token, json!({"ops": ops}))
            .await
            .ok(200)["count"],
        3
    );

    let lines: Vec<Value> = picks
        .iter()
        .map(|(bl, l, _)| line(bl, *l, json!(1), "new_part"))
        .collect();
    let mails = server.mails().len();
    let answer = server.submit(&token, &key(), json!({"lines": lines})).await;
    let request = answer.ok(201).clone();
    let dossiers = request["dossiers"].as_array().unwrap();
    assert_eq!(dossiers.len(), 3, "one file per BL");
    let mut total = rust_decimal::Decimal::ZERO;
    for (dossier, (bl, l, price)) in dossiers.iter().zip(&picks) {
        let number = dossier["number"].as_str().unwrap();
        assert_eq!(number.len(), 8);
        assert!(number.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(dossier["delivery_note"], bl.as_str());
        assert_eq!(dossier["status"], "sent");
        assert_eq!(dossier["status_label"], "Demande envoyée");
        assert_eq!(dossier["piece_count"], 1);
        assert_eq!(dossier["lines"][0]["line_no"], *l);
        assert_eq!(dossier["estimated_credit_ht"], price.as_str());
        total += price.parse::<rust_decimal::Decimal>().unwrap();
    }
    assert_eq!(request["estimated_total_ht"], format!("{total:.2}"));

    // The sent lines left the cart, and the files are tracked.
    assert_eq!(server.get("/api/v1/cart", &token).await.ok(200)["count"], 0);
    let number = dossiers[0]["number"].as_str().unwrap();
    let tracked = server
        .get(&format!("/api/v1/dossiers/{number}"), &token)
        .await;
    assert_eq!(tracked.ok(200)["history"][0]["status"], "sent");

    // The pré-accord was mailed with its PDF, and can be downloaded.
    assert_eq!(server.mails().len(), mails + 1);
    let mail = server.last_mail();
    let (to, subject, text, attachments) = (mail.to, mail.subject, mail.text, mail.attachments);
    assert_eq!(to, CUSTOMER_A);
    assert!(subject.contains("retour"), "{subject}");
    assert!(text.contains(number), "{text}");
    assert_eq!(attachments.len(), 1);
    assert!(attachments[0].bytes.starts_with(b"%PDF-"));
    let id = request["id"].as_str().unwrap();
    let pdf = server.preaccord(id, &token).await;
    assert_eq!(pdf.status.as_u16(), 200);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));

    // Another customer's request id answers like a missing one.
    let other = server.customer_b().await;
    server.assert_foreign_request_is_missing(id, &other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_replay_mismatch_and_in_progress() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, l, eligible, _) = server.eligible_line(&token, 2).await;
    let body = json!({"lines": [line(&bl, l, json!(1), "order_error")]});
    let k = key();
    let first = server.submit(&token, &k, body.clone()).await;
    let first_body = first.ok(201).clone();
    let again = server.submit(&token, &k, body.clone()).await;
    assert_eq!(again.ok(201), &first_body, "a replay answers the same");
    let after = server.bl_line(&token, &bl, l).await["eligible_qty"].clone();
    assert_eq!(after, eligible - 1, "nothing created twice");
    let dossiers = server.get("/api/v1/dossiers?per_page=100", &token).await;
    let made = dossiers.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["delivery_note"] == bl.as_str() && d["status"] == "sent")
        .count();
    assert!(made >= 1);

    let other_body = json!({"lines": [line(&bl, l, json!(1), "new_part")]});
    server
        .submit(&token, &k, other_body)
        .await
        .problem(422, "idempotency_mismatch");

    // No key, or a bad one.
    let request = server
        .client
        .post(format!("{}/api/v1/return-requests", server.base))
        .bearer_auth(&token)
        .json(&body);
    server
        .send(request)
        .await
        .problem(400, "idempotency_key_required");
    server
        .submit(&token, &"k".repeat(65), body.clone())
        .await
        .problem(400, "invalid_idempotency_key");

    // While a key is being processed, the same key answers 409.
    let account = server
        .state
        .db()
        .read(|c| c.account_by_email(CUSTOMER_A))
        .unwrap()
        .unwrap();
    let busy = key();
    let guard = server
        .state
        .begin_idempotent(account.id, &busy)
        .expect("free key");
    server
        .submit(&token, &busy, body.clone())
        .await
        .problem(409, "request_in_progress");
    drop(guard);
    server.submit(&token, &busy, body).await.ok(201);
}

/// A count from the environment (the soak's real counts), else the CI's.
fn count_from_env(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Concurrent submits of one unit each, `RETOUR_CONCURRENT_SUBMITS` (100) on each of
/// `RETOUR_CONCURRENT_LINES` (2) lines at once, each with its own key: exactly the eligible units
/// are accepted on every line, the rest are refused as `quantity_exceeded`, never above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submits_never_exceed_eligible() {
    let submits = count_from_env("RETOUR_CONCURRENT_SUBMITS", 100);
    let line_count = count_from_env("RETOUR_CONCURRENT_LINES", 2);
    let server = Arc::new(start().await);
    let token = server.customer_a().await;
    let lines = server.eligible_lines(&token, 1, line_count).await;
    let mut tasks = Vec::new();
    for _ in 0..submits {
        for (index, (bl, l, _, _)) in lines.iter().enumerate() {
            let server = server.clone();
            let token = token.clone();
            let body = json!({"lines": [line(bl, *l, json!(1), "new_part")]});
            tasks.push(tokio::spawn(async move {
                (index, server.submit(&token, &key(), body).await)
            }));
        }
    }
    let mut created = vec![0; lines.len()];
    for task in tasks {
        let (index, answer) = task.await.unwrap();
        match answer.status.as_u16() {
            201 => created[index] += 1,
            409 => {
                answer.problem(409, "quantity_exceeded");
            }
            other => panic!("unexpected {other}: {:?}", answer.body),
        }
    }
    for ((bl, l, eligible, _), created) in lines.iter().zip(created) {
        assert_eq!(
            created,
            (*eligible).min(submits as u64),
            "{bl} line {l}: exactly the eligible units were accepted"
        );
        let after = server.bl_line(&token, bl, *l).await;
        assert_eq!(
            after["eligible_qty"],
            eligible.saturating_sub(submits as u64)
        );
        assert!(
            after["returned_qty"].as_u64().unwrap() <= after["delivered_qty"].as_u64().unwrap()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_of_a_request() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, l, eligible, _) = server.eligible_line(&token, 1).await;
    let k = || key();
    server
        .submit(&token, &k(), json!({"lines": []}))
        .await
        .problem(422, "empty_request");
    let twice =
        json!({"lines": [line(&bl, l, json!(1), "new_part"), line(&bl, l, json!(1), "new_part")]});
    server
        .submit(&token, &k(), twice)
        .await
        .problem(422, "duplicate_line");
    let no_reason = json!({"lines": [{"delivery_note": bl, "line_no": l, "qty": 1}]});
    let answer = server.submit(&token, &k(), no_reason).await;
    assert_eq!(
        answer.problem(422, "reason_required")["errors"][0]["field"],
        "lines[0].reason"
    );
    server
        .submit(
            &token,
            &k(),
            json!({"lines": [line(&bl, l, json!(1), "deposit")]}),
        )
        .await
        .problem(422, "reason_not_allowed");
    server
        .submit(
            &token,
            &k(),
            json!({"lines": [line(&bl, l, json!(1), "unknown_reason")]}),
        )
        .await
        .problem(422, "reason_not_allowed");
    let exceeded = server
        .submit(
            &token,
            &k(),
            json!({"lines": [line(&bl, l, json!(eligible + 1), "new_part")]}),
        )
        .await;
    let errors = &exceeded.problem(409, "quantity_exceeded")["errors"];
    assert_eq!(errors[0]["field"], "lines[0].qty");
    assert_eq!(errors[0]["code"], "quantity_exceeded");
    server
        .submit(
            &token,
            &k(),
            json!({"lines": [line(&bl, l, json!(0), "new_part")]}),
        )
        .await
        .problem(422, "invalid_quantity");
    server
        .submit(
            &token,
            &k(),
            json!({"lines": [line(&bl, 999, json!(1), "new_part")]}),
        )
        .await
        .problem(422, "unknown_line");
    let foreign = server.foreign_bl().await;
    server
        .submit(
            &token,
            &k(),
            json!({"lines": [line(&foreign, 1, json!(1), "new_part")]}),
        )
        .await
        .problem(422, "unknown_line");
    server
        .submit(
            &token,
            &k(),
            json!({"lines": [line("25x", 1, json!(1), "new_part")]}),
        )
        .await
        .problem(422, "unknown_line");

    // Malformed bodies are 400s.
    for qty in [
        json!(-1),
        json!(1.5),
        json!("5"),
        json!(9_223_372_036_854_775_808u64),
        json!(null),
    ] {
        server
            .submit(
                &token,
                &k(),
                json!({"lines": [line(&bl, l, qty, "new_part")]}),
            )
            .await
            .problem(400, "invalid_body");
    }
    for injected in [
        json!({"lines": [line(&bl, l, json!(1), "new_part")], "customer_id": 2}),
        json!({"lines": [line(&bl, l, json!(1), "new_part")], "status": "closed"}),
        json!({"lines": [{"delivery_note": bl, "line_no": l, "qty": 1, "reason": "new_part", "estimated_credit_ht": "999.00"}]}),
        json!({"lines": [line(&bl, l, json!(1), "NEW PART!")]}),
        json!({"lines": [line(&"9".repeat(10_240), l, json!(1), "new_part")]}),
        json!({"lines": [line("12\u{0}3", l, json!(1), "new_part")]}),
    ] {
        let answer = server.submit(&token, &k(), injected).await;
        assert!(answer.status.is_client_error(), "{:?}", answer.body);
        assert!(answer.content_type.starts_with("application/problem+json"));
    }
    // Nothing above was created.
    let note = server
        .get(&format!("/api/v1/delivery-notes/{bl}"), &token)
        .await;
    let after = note.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["line_no"] == l)
        .unwrap()["eligible_qty"]
        .clone();
    assert_eq!(after, eligible);
    // Staff cannot send requests.
    let staff = server.staff().await;
    server
        .submit(
            &staff,
            &k(),
            json!({"lines": [line(&bl, l, json!(1), "new_part")]}),
        )
        .await
        .problem(403, "forbidden");
    let anonymous = server
        .call(
            Method::POST,
            "/api/v1/return-requests",
            None,
            Some(json!({"lines": []})),
        )
        .await;
    anonymous.problem(401, "unauthorized");
}

/// 501 lines, the same BL's lines 1 to 501 with a reason each.
fn lines_501(bl: &str) -> Value {
    let lines: Vec<Value> = (1..=501)
        .map(|l| line(bl, l, json!(1), "new_part"))
        .collect();
    json!({ "lines": lines })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_of_more_than_500_lines_is_refused() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, ..) = server.eligible_line(&token, 1).await;
    let answer = server.submit(&token, &key(), lines_501(&bl)).await;
    let problem = answer.problem(422, "too_many_lines");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("500 au plus"), "{detail}");
}

/// While another connection writes (holds SQLite's write lock, or PostgreSQL's locks on the
/// tables a submit writes), requests that break a rule needing no
/// stored data are still answered at once: they are checked before the write transaction, so
/// one customer's invalid or huge request never waits for the writer, nor holds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_are_refused_without_waiting_for_the_writer() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, l, ..) = server.eligible_line(&token, 1).await;
    let holder = WritesHeld::new(&server);
    let cases = [
        (lines_501(&bl), "too_many_lines"),
        (json!({"lines": []}), "empty_request"),
        (
            json!({"lines": [line(&bl, l, json!(1), "new_part"), line(&bl, l, json!(1), "new_part")]}),
            "duplicate_line",
        ),
        (
            json!({"lines": [{"delivery_note": bl, "line_no": l, "qty": 1}]}),
            "reason_required",
        ),
        (
            json!({"lines": [line(&bl, l, json!(0), "new_part")]}),
            "invalid_quantity",
        ),
        (
            json!({"lines": [line(&bl, l, json!(1), "unknown_reason")]}),
            "reason_not_allowed",
        ),
        (
            json!({"lines": [line("25x", 1, json!(1), "new_part")]}),
            "unknown_line",
        ),
    ];
    for (body, code) in cases {
        // The writer's busy timeout is 10 s: a request that waited for the lock would answer
        // late, and with a 500.
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            server.submit(&token, &key(), body),
        )
        .await
        .unwrap_or_else(|_| panic!("{code}: no answer while another connection writes"));
        answer.problem(422, code);
    }
    drop(holder);
    server
        .submit(
            &token,
            &key(),
            json!({"lines": [line(&bl, l, json!(1), "new_part")]}),
        )
        .await
        .ok(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_service_refuses_requests_but_tracking_works() {
    // Open only on the day after tomorrow (Paris): closed now, with a next change.
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris);
    let day = now.date_naive() + chrono::Days::new(2);
    let name = retour_domain::hours::day_name(chrono::Datelike::weekday(&day));
    let schedule = format!("{{\"{name}\":\"00:00-24:00\"}}");
    let server = start_with(|c| c.schedule = schedule.parse().unwrap()).await;
    let service = server
        .call(Method::GET, "/api/v1/service", None, None)
        .await;
    assert_eq!(service.ok(200)["open"], false);
    let token = server.customer_a().await;
    let (bl, l, _, _) = server.eligible_line(&token, 1).await;
    let answer = server
        .submit(
            &token,
            &key(),
            json!({"lines": [line(&bl, l, json!(1), "new_part")]}),
        )
        .await;
    let problem = answer.problem(403, "service_closed");
    assert_eq!(problem["next_change"], service.body["next_change"]);
    assert!(problem["detail"].as_str().unwrap().contains("FERMÉ"));
    server.get("/api/v1/dossiers", &token).await.ok(200);
}
