//! Notifications and preferences (API v1.1): one notification per status change, decision and
//! reply of the returns service, in French, after a cursor, read up to a seq inclusive, seen by
//! their customer only; e-mails per kind as the preferences say, and the pré-accord sent to the
//! pré-accord address.

use reqwest::Method;
use retour_mail::spool_reader::{self, ReadMail};
use retour_server::demo;
use serde_json::{json, Value};

use crate::common::{key, start, Answer, Server};

/// Customer A sends one unit of a line for "new_part": the new file's number and its line.
async fn send(server: &Server, token: &str) -> (String, u64) {
    let (bl, line_no, _, _) = server.eligible_line(token, 1).await;
    let body = json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1, "reason": "new_part"}]});
    let request = server.submit(token, &key(), body).await.ok(201).clone();
    let number = request["dossiers"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    (number, line_no)
}

async fn page(server: &Server, token: &str, query: &str) -> Value {
    server
        .get(&format!("/api/v1/notifications{query}"), token)
        .await
        .ok(200)
        .clone()
}

/// The notifications after `after`, all pages.
async fn all_after(server: &Server, token: &str, after: u64) -> Vec<Value> {
    let mut after = after;
    let mut items = Vec::new();
    loop {
        let page = page(server, token, &format!("?after={after}&limit=50")).await;
        let got = page["items"].as_array().unwrap().clone();
        let done = got.len() < 50;
        items.extend(got);
        after = page["cursor"].as_u64().unwrap();
        if done {
            return items;
        }
    }
}

async fn put_preferences(server: &Server, token: &str, body: Value) -> Answer {
    server
        .call(
            Method::PUT,
            "/api/v1/me/preferences",
            Some(token),
            Some(body),
        )
        .await
}

/// The messages spooled since `before` files were there.
fn mails_since(server: &Server, before: usize) -> Vec<ReadMail> {
    server
        .mails()
        .iter()
        .skip(before)
        .map(|p| spool_reader::read_file(p).expect("a readable e-mail"))
        .collect()
}

fn seq(item: &Value) -> u64 {
    item["seq"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_garage_is_told_of_progress_decisions_and_replies_only() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    // The demo's notifications: the newest few unread.
    let demo_page = page(&server, &a, "").await;
    let demo_items = demo_page["items"].as_array().unwrap().clone();
    assert!(!demo_items.is_empty());
    assert_eq!(
        demo_page["unread"].as_u64().unwrap() as usize,
        demo::DEMO_UNREAD
    );
    let start_cursor = demo_page["cursor"].as_u64().unwrap();
    assert_eq!(start_cursor, seq(demo_items.last().unwrap()));

    let (number, line_no) = send(&server, &a).await;
    // Sending is the garage's own act: nothing to tell it.
    assert_eq!(
        all_after(&server, &a, start_cursor).await,
        Vec::<Value>::new()
    );
    let events = format!("/api/v1/staff/dossiers/{number}/events");
    server
        .post(&events, &staff, json!({"status": "received"}))
        .await
        .ok(200);
    server
        .post(&events, &staff, json!({"status": "inspecting"}))
        .await
        .ok(200);
    // The garage's own message is not notified; the reply is.
    let messages = format!("/api/v1/dossiers/{number}/messages");
    let mine = json!({"message_id": uuid::Uuid::new_v4(), "text": "La pièce n'a pas été montée."});
    server.post(&messages, &a, mine).await.ok(201);
    let reply_id = uuid::Uuid::new_v4();
    let reply = json!({"message_id": reply_id, "text": "Bien noté,\n\nnous vérifions."});
    let staff_messages = format!("/api/v1/staff/dossiers/{number}/messages");
    server
        .post(&staff_messages, &staff, reply.clone())
        .await
        .ok(201);
    // A replayed reply adds nothing.
    server.post(&staff_messages, &staff, reply).await.ok(201);
    server
        .post(
            &events,
            &staff,
            json!({"status": "closed", "outcome": "refused",
                "lines": [{"line_no": line_no, "accepted_qty": 0, "refusal_reason": "fitted"}]}),
        )
        .await
        .ok(200);

    let new = all_after(&server, &a, start_cursor).await;
    let seen: Vec<(&str, &str, &str)> = new
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap(),
                n["title"].as_str().unwrap(),
                n["dossier"].as_str().unwrap(),
            )
        })
        .collect();
    let title = |t: &str| t.replace("{n}", &number);
    assert_eq!(
        seen,
        [
            (
                "status",
                title("Dossier {n} : Prise en charge sur site").as_str(),
                number.as_str()
            ),
            (
                "status",
                title("Dossier {n} : Contrôle qualité en cours").as_str(),
                number.as_str()
            ),
            (
                "message",
                title("Dossier {n} : réponse du service retours").as_str(),
                number.as_str()
            ),
            (
                "decision",
                title("Dossier {n} : décision — refusé").as_str(),
                number.as_str()
            ),
        ]
    );
    assert!(new
        .iter()
        .all(|n| n["read"] == false && n["at"].is_string()));
    assert_eq!(
        new[2]["body"],
        "Service Retours : « Bien noté, nous vérifions. »"
    );
    assert_eq!(
        new[3]["body"],
        "0 pièce acceptée, 1 pièce refusée — 0,00\u{a0}€ HT crédités. Le détail ligne par ligne est dans le dossier."
    );
    // Strictly increasing seq.
    assert!(new.windows(2).all(|w| seq(&w[0]) < seq(&w[1])));
    let unread = page(&server, &a, "").await["unread"].as_u64().unwrap();
    assert_eq!(unread as usize, demo::DEMO_UNREAD + 4);

    // The cursor: a page of one, then the rest after it.
    let one = page(&server, &a, &format!("?after={start_cursor}&limit=1")).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["cursor"].as_u64().unwrap(), seq(&new[0]));
    let rest = page(&server, &a, &format!("?after={}", seq(&new[0]))).await;
    assert_eq!(rest["items"].as_array().unwrap(), &new[1..]);
    // After the last one: nothing, the cursor stays.
    let last = seq(new.last().unwrap());
    let end = page(&server, &a, &format!("?after={last}")).await;
    assert_eq!(end["items"], json!([]));
    assert_eq!(end["cursor"].as_u64().unwrap(), last);

    // Read up to the second new one, inclusive: it and every older one are read.
    let read = server
        .post(
            "/api/v1/notifications/read",
            &a,
            json!({"up_to": seq(&new[1])}),
        )
        .await;
    read.ok(204);
    assert!(read.bytes.is_empty());
    let after_read = all_after(&server, &a, 0).await;
    for n in &after_read {
        assert_eq!(n["read"], seq(n) <= seq(&new[1]), "{n}");
    }
    assert_eq!(page(&server, &a, "").await["unread"], 2);
    // Reading again, or past the newest, is fine.
    server
        .post(
            "/api/v1/notifications/read",
            &a,
            json!({"up_to": last + 1000}),
        )
        .await
        .ok(204);
    assert_eq!(page(&server, &a, "").await["unread"], 0);

    // Another garage sees none of them, and reading "all" of its own touches none of A's.
    let b = server.customer_b().await;
    let theirs = all_after(&server, &b, 0).await;
    assert!(theirs.iter().all(|n| n["dossier"] != number.as_str()));
    let b_seqs: Vec<u64> = theirs.iter().map(seq).collect();
    assert!(new.iter().all(|n| !b_seqs.contains(&seq(n))));
    let before_b = page(&server, &b, "").await["unread"].clone();
    server
        .post("/api/v1/notifications/read", &b, json!({"up_to": last}))
        .await
        .ok(204);
    assert_eq!(page(&server, &b, "").await["unread"], 0);
    assert_ne!(before_b, json!(null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_problems() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    for query in [
        "?limit=0",
        "?limit=101",
        "?after=-1",
        "?after=abc",
        "?after=9007199254740992",
        "?color=red",
    ] {
        server
            .get(&format!("/api/v1/notifications{query}"), &a)
            .await
            .problem(400, "invalid_query");
    }
    for body in [
        json!({}),
        json!({"up_to": -1}),
        json!({"up_to": "3"}),
        json!({"up_to": 1, "all": true}),
    ] {
        server
            .post("/api/v1/notifications/read", &a, body)
            .await
            .problem(400, "invalid_body");
    }
    // Without a session, and for the staff, who have no notifications.
    server
        .call(Method::GET, "/api/v1/notifications", None, None)
        .await
        .problem(401, "unauthorized");
    server
        .call(Method::GET, "/api/v1/me/preferences", None, None)
        .await
        .problem(401, "unauthorized");
    server
        .get("/api/v1/notifications", &staff)
        .await
        .problem(403, "forbidden");
    server
        .post("/api/v1/notifications/read", &staff, json!({"up_to": 1}))
        .await
        .problem(403, "forbidden");
    server
        .get("/api/v1/me/preferences", &staff)
        .await
        .problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_are_kept_checked_and_per_account() {
    let server = start().await;
    let a = server.customer_a().await;
    let everything =
        json!({"emails": {"status": true, "messages": true, "credits": true, "deposits": true}});
    assert_eq!(
        server.get("/api/v1/me/preferences", &a).await.ok(200),
        &everything
    );
    let wanted = json!({"emails": {"status": false, "messages": true, "credits": false, "deposits": true},
        "preaccord_email": "  compta@garage-martin.fr "});
    let saved = put_preferences(&server, &a, wanted).await.ok(200).clone();
    assert_eq!(saved["preaccord_email"], "compta@garage-martin.fr");
    assert_eq!(saved["emails"]["status"], false);
    assert_eq!(
        server.get("/api/v1/me/preferences", &a).await.ok(200),
        &saved
    );
    // Another account keeps its own.
    let b = server.customer_b().await;
    assert_eq!(
        server.get("/api/v1/me/preferences", &b).await.ok(200),
        &everything
    );
    // A bad address is refused in French and changes nothing.
    for bad in ["pas une adresse", "", "atelier@garage", "a b@garage.fr"] {
        let answer = put_preferences(
            &server,
            &a,
            json!({"emails": {"status": true, "messages": true, "credits": true, "deposits": true}, "preaccord_email": bad}),
        )
        .await;
        let problem = answer.problem(422, "invalid_email");
        assert!(problem["detail"]
            .as_str()
            .unwrap()
            .contains("Adresse e-mail incorrecte"));
    }
    assert_eq!(
        server.get("/api/v1/me/preferences", &a).await.ok(200),
        &saved
    );
    // Missing switches or unknown fields: a problem, never a 500.
    for body in [
        json!({"emails": {"status": true}}),
        json!({"emails": {"status": true, "messages": true, "credits": true, "deposits": true}, "sms": true}),
        json!([]),
    ] {
        put_preferences(&server, &a, body)
            .await
            .problem(400, "invalid_body");
    }
    // null goes back to the login e-mail.
    let back = put_preferences(
        &server,
        &a,
        json!({"emails": {"status": true, "messages": true, "credits": true, "deposits": true}, "preaccord_email": null}),
    )
    .await
    .ok(200)
    .clone();
    assert_eq!(back, everything);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_follow_the_preferences_and_the_preaccord_address() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    // Replies e-mailed, the file's progress not, everything to the pré-accord address.
    put_preferences(
        &server,
        &a,
        json!({"emails": {"status": false, "messages": true, "credits": true, "deposits": true},
            "preaccord_email": "compta@garage-martin.fr"}),
    )
    .await
    .ok(200);
    let before = server.mails().len();
    let (number, _) = send(&server, &a).await;
    let sent = mails_since(&server, before);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].to, "compta@garage-martin.fr");
    assert_eq!(sent[0].subject, "Votre demande de retour est enregistrée");
    assert!(sent[0].attachments[0].name.ends_with(".pdf"));

    let before = server.mails().len();
    server
        .post(
            &format!("/api/v1/staff/dossiers/{number}/events"),
            &staff,
            json!({"status": "received"}),
        )
        .await
        .ok(200);
    server
        .post(
            &format!("/api/v1/staff/dossiers/{number}/messages"),
            &staff,
            json!({"message_id": uuid::Uuid::new_v4(), "text": "Pièce reçue, contrôle demain."}),
        )
        .await
        .ok(201);
    let mails = mails_since(&server, before);
    assert_eq!(mails.len(), 1, "only the reply: {mails:?}");
    assert_eq!(mails[0].to, "compta@garage-martin.fr");
    assert_eq!(
        mails[0].subject,
        format!("Dossier {number} : réponse du service retours")
    );
    assert!(mails[0]
        .text
        .contains("Service Retours : « Pièce reçue, contrôle demain. »"));
    assert!(mails[0].text.contains(&format!("le dossier n° {number}")));

    // Everything on, back to the login e-mail: the next status change is e-mailed there.
    put_preferences(
        &server,
        &a,
        json!({"emails": {"status": true, "messages": false, "credits": true, "deposits": true}}),
    )
    .await
    .ok(200);
    let before = server.mails().len();
    server
        .post(
            &format!("/api/v1/staff/dossiers/{number}/events"),
            &staff,
            json!({"status": "inspecting"}),
        )
        .await
        .ok(200);
    server
        .post(
            &format!("/api/v1/staff/dossiers/{number}/messages"),
            &staff,
            json!({"message_id": uuid::Uuid::new_v4(), "text": "Contrôle en cours."}),
        )
        .await
        .ok(201);
    let mails = mails_since(&server, before);
    assert_eq!(mails.len(), 1, "only the status: {mails:?}");
    assert_eq!(mails[0].to, demo::CUSTOMER_A);
    assert_eq!(
        mails[0].subject,
        format!("Dossier {number} : Contrôle qualité en cours")
    );
    // Customer B was told nothing.
    let all = spool_reader::read_spool(&server.state.config().mail_spool).unwrap();
    assert!(all.iter().all(|m| m.to != demo::CUSTOMER_B));
}
