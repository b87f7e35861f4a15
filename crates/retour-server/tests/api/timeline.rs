//! After sending (API v1.1): the staff's decision line by line, the file's timeline in French,
//! and the messages between the garage and the returns service.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{key, start, Server};

/// Customer A sends `qty` units of one line for "new_part"; the new file's number and its line.
async fn send(server: &Server, token: &str, qty: u64) -> (String, u64) {
    let (bl, line_no, _, _) = server.eligible_line(token, qty).await;
    let body = json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": qty, "reason": "new_part"}]});
    let request = server.submit(token, &key(), body).await.ok(201).clone();
    let number = request["dossiers"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    (number, line_no)
}

/// The timeline's `(kind, actor, text)`, oldest first.
fn timeline(dossier: &Value) -> Vec<(String, String, String)> {
    dossier["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
                e["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn event(kind: &str, actor: &str, text: &str) -> (String, String, String) {
    (kind.to_owned(), actor.to_owned(), text.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_decide_with_a_refusal_then_talk_it_over() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    let (number, line_no) = send(&server, &a, 2).await;
    let detail_path = format!("/api/v1/dossiers/{number}");
    let sent = server.get(&detail_path, &a).await.ok(200).clone();
    assert_eq!(sent["kind"], "return");
    assert_eq!(sent["lines"][0]["reason_label"], "Pièce neuve");
    assert_eq!(sent["lines"][0]["photos"], json!([]));
    assert!(sent["lines"][0].get("decision").is_none());
    assert_eq!(
        timeline(&sent),
        [event("status", "customer", "Demande de retour envoyée")]
    );
    assert_eq!(sent["timeline"][0]["status"], "sent");

    let events = format!("/api/v1/staff/dossiers/{number}/events");
    server
        .post(&events, &staff, json!({"status": "received"}))
        .await
        .ok(200);
    // Refusing a unit without saying why is refused, and changes nothing.
    let why = server
        .post(
            &events,
            &staff,
            json!({"status": "closed", "outcome": "partial",
                "lines": [{"line_no": line_no, "accepted_qty": 1}]}),
        )
        .await;
    why.problem(422, "refusal_reason_required");
    assert!(why.body["detail"]
        .as_str()
        .unwrap()
        .contains("motif du refus"));
    server
        .post(
            &events,
            &staff,
            json!({"status": "closed", "outcome": "partial",
                "lines": [{"line_no": line_no, "accepted_qty": 1, "refusal_reason": "worn_out"}]}),
        )
        .await
        .problem(400, "invalid_body");
    let closed = server
        .post(
            &events,
            &staff,
            json!({"status": "closed", "outcome": "partial",
                "lines": [{"line_no": line_no, "accepted_qty": 1, "refusal_reason": "fitted",
                    "comment": "Traces de serrage sur le boîtier"}]}),
        )
        .await;
    assert_eq!(closed.ok(200)["status"], "closed");

    let decided = server.get(&detail_path, &a).await.ok(200).clone();
    let line = &decided["lines"][0];
    let unit = line["estimated_credit_ht"]
        .as_str()
        .unwrap()
        .parse::<rust_decimal::Decimal>()
        .unwrap()
        / rust_decimal::Decimal::TWO;
    let unit = format!("{:.2}", unit);
    assert_eq!(
        line["decision"],
        json!({"accepted_qty": 1, "refused_qty": 1, "credited_ht": unit,
            "refusal_reason": "fitted", "refusal_label": "Pièce montée ou traces de montage",
            "disposition": "returned", "disposition_label": "Renvoyée au garage",
            "comment": "Traces de serrage sur le boîtier"})
    );
    assert_eq!(line["accepted_qty"], 1);
    assert_eq!(decided["closed"]["credited_ht"], unit.as_str());
    let amount = unit.replace('.', ",");
    assert_eq!(
        timeline(&decided),
        [
            event("status", "customer", "Demande de retour envoyée"),
            event("status", "staff", "Pièces prises en charge sur site"),
            event("status", "staff", "Dossier clôturé"),
            event(
                "decision",
                "staff",
                &format!("Décision : partiellement accepté — 1 pièce acceptée, 1 pièce refusée — {amount}\u{A0}€ HT crédités")
            ),
        ]
    );
    let history: Vec<&str> = decided["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["sent", "received", "closed"], "history stays");

    // The garage asks why; the returns service answers; messages are allowed on a closed file.
    let id = uuid::Uuid::new_v4().to_string();
    let asked = server
        .post(
            &format!("/api/v1/dossiers/{number}/messages"),
            &a,
            json!({"message_id": id, "text": "  Pourquoi ce refus ?  "}),
        )
        .await;
    let question = asked.ok(201).clone();
    assert_eq!(question["id"], id.as_str());
    assert_eq!(question["author"], "customer");
    assert_eq!(question["author_name"], "Atelier Garage Démo");
    assert_eq!(question["text"], "Pourquoi ce refus ?");
    assert_eq!(question["photos"], json!([]));
    let answered = server
        .post(
            &format!("/api/v1/staff/dossiers/{number}/messages"),
            &staff,
            json!({"message_id": uuid::Uuid::new_v4(), "text": "La pièce a été montée : elle vous est renvoyée."}),
        )
        .await;
    let reply = answered.ok(201).clone();
    assert_eq!(reply["author"], "staff");
    assert_eq!(reply["author_name"], "Service Retours");

    let thread = server.get(&detail_path, &a).await.ok(200).clone();
    let all = timeline(&thread);
    assert_eq!(all.len(), 6);
    assert_eq!(
        all[4..],
        [
            event(
                "message",
                "customer",
                "Message du garage au service retours"
            ),
            event("message", "staff", "Réponse du service retours"),
        ]
    );
    assert_eq!(thread["timeline"][4]["message"], question);
    assert_eq!(thread["timeline"][5]["message"], reply);
    let ids: Vec<u64> = thread["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first: {ids:?}");
    let staff_messages = retour_server::staff_messages(server.state.db(), &number).unwrap();
    assert_eq!(staff_messages.len(), 2);
    assert_eq!(
        staff_messages[1].text,
        "La pièce a été montée : elle vous est renvoyée."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_written_once_whatever_the_retries_and_bad_ones_say_why() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    let (number, _) = send(&server, &a, 1).await;
    let path = format!("/api/v1/dossiers/{number}/messages");
    let body = json!({"message_id": uuid::Uuid::new_v4(), "text": "Le colis part demain."});
    let first = server.post(&path, &a, body.clone()).await.ok(201).clone();
    let again = server.post(&path, &a, body.clone()).await;
    assert_eq!(again.ok(201), &first, "a replay answers the same message");
    let detail = server.get(&format!("/api/v1/dossiers/{number}"), &a).await;
    let messages = detail.ok(200)["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "message")
        .count();
    assert_eq!(messages, 1, "nothing added by the replay");

    let long = "é".repeat(2001);
    for (text, code) in [
        ("", "message_empty"),
        ("  \n ", "message_empty"),
        (long.as_str(), "message_too_long"),
    ] {
        let answer = server
            .post(
                &path,
                &a,
                json!({"message_id": uuid::Uuid::new_v4(), "text": text}),
            )
            .await;
        answer.problem(422, code);
        assert!(!answer.body["detail"].as_str().unwrap().is_empty());
    }
    server
        .post(
            &path,
            &a,
            json!({"message_id": uuid::Uuid::new_v4(), "text": "é".repeat(2000)}),
        )
        .await
        .ok(201);
    server
        .post(
            &path,
            &a,
            json!({"message_id": "not-a-uuid", "text": "Bonjour"}),
        )
        .await
        .problem(400, "invalid_body");
    server
        .post(
            &path,
            &a,
            json!({"message_id": uuid::Uuid::new_v4(), "text": "Bonjour", "photos": ["abc"]}),
        )
        .await
        .problem(422, "photo_missing");
    // The staff route is the staff's.
    server
        .post(
            &format!("/api/v1/staff/dossiers/{number}/messages"),
            &a,
            json!({"message_id": uuid::Uuid::new_v4(), "text": "Bonjour"}),
        )
        .await
        .problem(403, "forbidden");
    server
        .post(
            "/api/v1/staff/dossiers/99999999/messages",
            &staff,
            json!({"message_id": uuid::Uuid::new_v4(), "text": "Bonjour"}),
        )
        .await
        .problem(404, "not_found");
    let anonymous = server
        .call(
            Method::POST,
            &path,
            None,
            Some(json!({"message_id": uuid::Uuid::new_v4(), "text": "x"})),
        )
        .await;
    anonymous.problem(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_customers_file_answers_like_a_missing_one_on_the_new_routes() {
    let server = start().await;
    let a = server.customer_a().await;
    let b = server.customer_b().await;
    let (number, _) = send(&server, &a, 1).await;
    for text in ["Bonjour", ""] {
        let body = json!({"message_id": uuid::Uuid::new_v4(), "text": text});
        let theirs = server
            .post(
                &format!("/api/v1/dossiers/{number}/messages"),
                &b,
                body.clone(),
            )
            .await;
        let missing = server
            .post("/api/v1/dossiers/99999999/messages", &b, body.clone())
            .await;
        let malformed = server
            .post("/api/v1/dossiers/12ab/messages", &b, body)
            .await;
        theirs.problem(404, "not_found");
        assert_eq!(theirs.bytes, missing.bytes);
        assert_eq!(theirs.bytes, malformed.bytes);
    }
    // B's attempt left nothing on A's file.
    let detail = server.get(&format!("/api/v1/dossiers/{number}"), &a).await;
    assert_eq!(detail.ok(200)["timeline"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refusal_reasons_table_and_the_kind_filter() {
    let server = start().await;
    let a = server.customer_a().await;
    let table = server.get("/api/v1/refusal-reasons", &a).await;
    assert_eq!(
        table.ok(200),
        &json!([
            {"code": "out_of_window", "label": "Hors délai de retour"},
            {"code": "fitted", "label": "Pièce montée ou traces de montage"},
            {"code": "packaging", "label": "Emballage d'origine absent ou abîmé"},
            {"code": "not_matching", "label": "Pièce non conforme au bon de livraison"},
            {"code": "incomplete", "label": "Pièce incomplète"},
            {"code": "no_fault_found", "label": "Défaut non constaté"},
            {"code": "other", "label": "Autre motif"},
        ])
    );
    let all = server.get("/api/v1/dossiers", &a).await.ok(200).clone();
    let returns = server
        .get("/api/v1/dossiers?kind=return", &a)
        .await
        .ok(200)
        .clone();
    assert_eq!(returns["total"], all["total"]);
    assert!(returns["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["kind"] == "return"));
    let warranty = server
        .get("/api/v1/dossiers?kind=warranty", &a)
        .await
        .ok(200)
        .clone();
    assert_eq!(warranty["total"], 0);
    assert_eq!(warranty["items"], json!([]));
    assert_eq!(warranty["counts"], all["counts"]);
    server
        .get("/api/v1/dossiers?kind=loan", &a)
        .await
        .problem(400, "invalid_query");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_decide_and_reply_work_on_the_database() {
    let server = start().await;
    let a = server.customer_a().await;
    let (number, line_no) = send(&server, &a, 2).await;
    let db = server.state.db();
    let now = chrono::Utc::now();
    let line = |text: &str| -> retour_domain::api::AcceptedLine {
        serde_json::from_value(serde_json::from_str(text).unwrap()).unwrap()
    };
    let error = retour_server::staff_decide(
        db,
        &number,
        vec![line(&format!(
            r#"{{"line_no": {line_no}, "accepted_qty": 0}}"#
        ))],
        None,
        now,
    )
    .unwrap_err();
    assert_eq!(error.code(), "refusal_reason_required");
    let dossier = retour_server::staff_decide(
        db,
        &number,
        vec![line(&format!(
            r#"{{"line_no": {line_no}, "accepted_qty": 0, "refusal_reason": "packaging", "disposition": "scrapped"}}"#
        ))],
        None,
        now,
    )
    .unwrap();
    let closed = dossier.closed.unwrap();
    assert_eq!(closed.outcome, retour_domain::api::Outcome::Refused);
    assert_eq!(closed.credited_ht.to_string(), "0.00");
    let decision = dossier.lines[0].decision.clone().unwrap();
    assert_eq!(decision.disposition_label.as_deref(), Some("Détruite"));
    let reply =
        retour_server::staff_reply(db, &number, "Emballage abîmé, pièce détruite.", now).unwrap();
    assert_eq!(reply.author_name, "Service retours");
    let seen = server.get(&format!("/api/v1/dossiers/{number}"), &a).await;
    let last = seen.ok(200)["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["message"]["text"], "Emballage abîmé, pièce détruite.");
    // Invoicing records the credit note: one more event, said in French.
    let staff = server.staff().await;
    server
        .post(
            &format!("/api/v1/staff/dossiers/{number}/events"),
            &staff,
            json!({"status": "closed", "credit_note_number": "AV2026-0999"}),
        )
        .await
        .ok(200);
    let invoiced = server.get(&format!("/api/v1/dossiers/{number}"), &a).await;
    let last = invoiced.ok(200)["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["kind"].as_str(), last["text"].as_str()),
        (Some("credit_note"), Some("Avoir n° AV2026-0999 émis"))
    );
    assert_eq!(
        retour_server::staff_reply(db, "99999999", "x", now)
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_tells_a_refusal_and_its_thread() {
    let server = start().await;
    let a = server.customer_a().await;
    let closed = server
        .get("/api/v1/dossiers?state=closed", &a)
        .await
        .ok(200)
        .clone();
    let refused = closed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["closed"]["outcome"] == "refused")
        .expect("a refused demo file");
    let number = refused["number"].as_str().unwrap();
    let detail = server
        .get(&format!("/api/v1/dossiers/{number}"), &a)
        .await
        .ok(200)
        .clone();
    let decision = &detail["lines"][0]["decision"];
    assert_eq!(
        decision["refusal_label"],
        "Pièce montée ou traces de montage"
    );
    assert_eq!(decision["disposition_label"], "Renvoyée au garage");
    assert!(decision["comment"].is_string());
    let kinds: Vec<(String, String)> = timeline(&detail)
        .into_iter()
        .map(|(kind, actor, _)| (kind, actor))
        .collect();
    let pairs: Vec<(&str, &str)> = kinds
        .iter()
        .map(|(k, a)| (k.as_str(), a.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("status", "customer"),
            ("photo", "customer"),
            ("status", "staff"),
            ("status", "staff"),
            ("status", "staff"),
            ("decision", "staff"),
            ("message", "customer"),
            ("message", "staff"),
        ]
    );
    assert_eq!(timeline(&detail)[1].2, "1 photo jointe à la demande");
    // The line's photo and the one of the garage's message are pictures the garage can open.
    let message_photos = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["message"]["photos"].as_array())
        .flatten()
        .cloned();
    let photos: Vec<String> = detail["lines"][0]["photos"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .chain(message_photos)
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(photos.len(), 2, "{photos:?}");
    for id in &photos {
        let served = server.get(&format!("/api/v1/photos/{id}"), &a).await;
        served.ok(200);
        assert_eq!(served.content_type, "image/jpeg");
        let picture = image::load_from_memory(&served.bytes).expect("a picture");
        assert_eq!((picture.width(), picture.height()), (640, 480));
    }
    // Every closed demo file has its decision, line by line.
    for item in closed["items"].as_array().unwrap() {
        assert!(
            item["lines"][0]["decision"].is_object(),
            "{}",
            item["number"]
        );
    }
}
