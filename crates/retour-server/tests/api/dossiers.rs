//! Tracking return files and the staff's status events.

use reqwest::Method;
use serde_json::json;

use crate::common::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_and_pages() {
    let server = start().await;
    let token = server.customer_a().await;
    let all = server.get("/api/v1/dossiers", &token).await;
    let body = all.ok(200).clone();
    let total = body["total"].as_u64().unwrap();
    assert_eq!(
        total,
        body["counts"]["open"].as_u64().unwrap() + body["counts"]["closed"].as_u64().unwrap()
    );
    let statuses: std::collections::BTreeSet<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses.len(),
        4,
        "the demo has files in every status: {statuses:?}"
    );
    let created: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["created_at"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "newest first");

    let closed = server.get("/api/v1/dossiers?state=closed", &token).await;
    let items = closed.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(
        items.len() as u64,
        body["counts"]["closed"].as_u64().unwrap()
    );
    assert!(items
        .iter()
        .all(|d| d["status"] == "closed" && d["closed"]["outcome"].is_string()));
    assert!(items
        .iter()
        .any(|d| d["closed"]["credit_note_number"].is_string()));
    assert!(items
        .iter()
        .any(|d| d["closed"].get("credit_note_number").is_none()));
    let open = server
        .get("/api/v1/dossiers?state=open&status=received", &token)
        .await;
    assert!(open.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == "received"));
    assert_eq!(
        open.body["counts"], body["counts"],
        "counts ignore the filter"
    );

    let page = server
        .get("/api/v1/dossiers?per_page=2&page=2", &token)
        .await;
    assert_eq!(page.ok(200)["items"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["items"][0]["number"], body["items"][2]["number"]);
    for bad in [
        "per_page=101",
        "per_page=0",
        "page=0",
        "state=lost",
        "status=lost",
        "page=x",
        "extra=1",
    ] {
        server
            .get(&format!("/api/v1/dossiers?{bad}"), &token)
            .await
            .problem(400, "invalid_query");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_its_history_and_another_customers_is_missing() {
    let server = start().await;
    let a = server.customer_a().await;
    let b = server.customer_b().await;
    let mine = server.get("/api/v1/dossiers?state=closed", &a).await;
    let number = mine.ok(200)["items"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = server.get(&format!("/api/v1/dossiers/{number}"), &a).await;
    let history = one.ok(200)["history"].as_array().unwrap().clone();
    let steps: Vec<&str> = history
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["sent", "received", "inspecting", "closed"]);

    let theirs = server.get(&format!("/api/v1/dossiers/{number}"), &b).await;
    let missing = server.get("/api/v1/dossiers/99999999", &b).await;
    theirs.problem(404, "not_found");
    assert_eq!(theirs.bytes, missing.bytes);
    server
        .get("/api/v1/dossiers/12ab", &a)
        .await
        .problem(404, "not_found");
    server
        .get(&format!("/api/v1/dossiers/{}", "1".repeat(10_240)), &a)
        .await
        .problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_moves_files_forward_only() {
    let server = start().await;
    let a = server.customer_a().await;
    let staff = server.staff().await;
    let sent = server.get("/api/v1/dossiers?status=sent", &a).await;
    let number = sent.ok(200)["items"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/staff/dossiers/{number}/events");

    server
        .post(&path, &a, json!({"status": "received"}))
        .await
        .problem(403, "forbidden");
    let received = server
        .post(&path, &staff, json!({"status": "received"}))
        .await;
    assert_eq!(received.ok(200)["status"], "received");
    assert_eq!(received.body["status_label"], "Prise en charge sur site");
    server
        .post(&path, &staff, json!({"status": "received"}))
        .await
        .problem(409, "invalid_transition");
    server
        .post(&path, &staff, json!({"status": "sent"}))
        .await
        .problem(409, "invalid_transition");
    server
        .post(&path, &staff, json!({"status": "inspecting"}))
        .await
        .ok(200);
    server
        .post(&path, &staff, json!({"status": "closed"}))
        .await
        .problem(422, "outcome_required");
    server
        .post(&path, &staff, json!({"status": "lost"}))
        .await
        .problem(400, "invalid_body");
    server.post(&path, &staff, json!({"status": "closed", "outcome": "accepted", "lines": [{"line_no": 9999, "accepted_qty": 1}]}))
        .await
        .problem(422, "invalid_line");
    let closed = server
        .post(
            &path,
            &staff,
            json!({"status": "closed", "outcome": "partial", "credited_ht": "12.34"}),
        )
        .await;
    let body = closed.ok(200).clone();
    assert_eq!(body["closed"]["outcome"], "partial");
    assert_eq!(body["closed"]["credited_ht"], "12.34");
    assert!(body["closed"].get("credit_note_number").is_none());
    server
        .post(
            &path,
            &staff,
            json!({"status": "closed", "outcome": "accepted"}),
        )
        .await
        .problem(409, "invalid_transition");
    let invoiced = server
        .post(
            &path,
            &staff,
            json!({"status": "closed", "credit_note_number": "AV123"}),
        )
        .await;
    assert_eq!(invoiced.ok(200)["closed"]["credit_note_number"], "AV123");

    let seen = server.get(&format!("/api/v1/dossiers/{number}"), &a).await;
    let steps: Vec<&str> = seen.ok(200)["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["sent", "received", "inspecting", "closed"]);
    server
        .post(
            "/api/v1/staff/dossiers/99999999/events",
            &staff,
            json!({"status": "received"}),
        )
        .await
        .problem(404, "not_found");
    let anonymous = server
        .call(
            Method::POST,
            &path,
            None,
            Some(json!({"status": "received"})),
        )
        .await;
    anonymous.problem(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_advance_works_on_the_database() {
    let server = start().await;
    let a = server.customer_a().await;
    let sent = server.get("/api/v1/dossiers?status=sent", &a).await;
    let number = sent.ok(200)["items"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = |status: &str| serde_json::from_value(json!({"status": status})).unwrap();
    let now = chrono::Utc::now();
    let dossier =
        retour_server::staff_advance(server.state.db(), &number, &event("inspecting"), now)
            .unwrap();
    assert_eq!(
        dossier.status,
        retour_domain::api::DossierStatus::Inspecting
    );
    let error = retour_server::staff_advance(server.state.db(), &number, &event("received"), now)
        .unwrap_err();
    assert_eq!(error.code(), "invalid_transition");
    let close = serde_json::from_value(json!({"status": "closed", "outcome": "refused"})).unwrap();
    let dossier = retour_server::staff_advance(server.state.db(), &number, &close, now).unwrap();
    assert_eq!(dossier.closed.unwrap().credited_ht.to_string(), "0.00");
    let tracked = server.get(&format!("/api/v1/dossiers/{number}"), &a).await;
    assert_eq!(tracked.ok(200)["status"], "closed");
}
