//! The driver's handover (v1.1): the garage's pending pickup and its QR code (read back by our own
//! scanner), the manifest PDF, and the staff's confirmation: once per token, replayed with the
//! same body only, refused when forged or expired; also through `retour-server staff pickup`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{start, start_with_clock, Server, TestClock};

/// The numbers of the customer's files in `sent`, oldest first.
async fn sent_files(server: &Server, token: &str) -> Vec<String> {
    let list = server
        .get("/api/v1/dossiers?status=sent&per_page=100", token)
        .await;
    let mut items: Vec<(chrono::DateTime<chrono::Utc>, String)> = list.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["created_at"].as_str().unwrap().parse().unwrap(),
                d["number"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    items.sort();
    items.into_iter().map(|(_, n)| n).collect()
}

/// Reads the QR code of `text` back through retour-scan, as a camera frame would show it.
fn scan_back(text: &str) -> Vec<String> {
    let qr = retour_preaccord::QrCode::encode(text).expect("a QR code");
    let (side, pixels) = qr.to_luma(4);
    let side = u32::try_from(side).unwrap();
    let frame = retour_scan::LumaFrame::from_luma(side, side, pixels).expect("a frame");
    retour_scan::FrameDecoder::new(retour_scan::DecoderConfig::thorough())
        .decode(&frame, None)
        .confirmed
        .into_iter()
        .map(|read| read.text)
        .collect()
}

async fn confirm(
    server: &Server,
    staff: &str,
    token: &str,
    driver: &str,
    parcels: u32,
) -> crate::common::Answer {
    server
        .post(
            "/api/v1/staff/pickups",
            staff,
            json!({"token": token, "driver_name": driver, "parcels": parcels}),
        )
        .await
}

#[tokio::test]
async fn the_pending_pickup_covers_every_sent_file_and_its_qr_reads_back() {
    let server = start().await;
    let token = server.customer_a().await;
    let sent = sent_files(&server, &token).await;
    assert!(
        !sent.is_empty(),
        "the demo has files waiting for the driver"
    );
    let pending = server.get("/api/v1/pickups/pending", &token).await;
    let pending = pending.ok(200).clone();
    assert_eq!(pending["dossiers"], json!(sent));
    let token_text = pending["token"].as_str().unwrap();
    let qr = pending["qr"].as_str().unwrap();
    assert_eq!(qr, format!("RETOUR-PICKUP:{token_text}"));
    let expires: chrono::DateTime<chrono::Utc> =
        pending["expires_at"].as_str().unwrap().parse().unwrap();
    let now = chrono::Utc::now();
    assert!(expires > now && expires <= now + chrono::Duration::hours(24));
    // The pieces are the files' pieces.
    let mut pieces = 0;
    for number in &sent {
        let d = server
            .get(&format!("/api/v1/dossiers/{number}"), &token)
            .await;
        pieces += d.ok(200)["piece_count"].as_u64().unwrap();
    }
    assert_eq!(pending["pieces"], pieces);
    // Our own scanner reads the QR code back to the same text.
    assert_eq!(scan_back(qr), [qr.to_owned()]);
    // Each call makes a new token (single use each).
    let again = server.get("/api/v1/pickups/pending", &token).await;
    assert_ne!(again.ok(200)["token"], pending["token"]);

    // The manifest: a PDF naming every file, with the QR code.
    let pdf = server
        .get("/api/v1/pickups/pending/manifest.pdf", &token)
        .await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    // Its text (compressed streams) is read back by retour-preaccord's own tests
    // (`manifest::many_files_flow_over_pages…`); here: a real document of some size.
    assert!(pdf.bytes.len() > 1_000, "{} bytes", pdf.bytes.len());
    let text = String::from_utf8_lossy(&pdf.bytes);
    assert!(text.contains(" re"), "vector squares drawn");

    // Customer B's pickup lists B's files only.
    let b = server.customer_b().await;
    let theirs = server.get("/api/v1/pickups/pending", &b).await;
    if theirs.status == 200 {
        for number in theirs.body["dossiers"].as_array().unwrap() {
            assert!(!sent.contains(&number.as_str().unwrap().to_owned()));
        }
    } else {
        theirs.problem(404, "nothing_to_pickup");
    }
    // Staff accounts have no pickup of their own.
    let staff = server.staff().await;
    server
        .get("/api/v1/pickups/pending", &staff)
        .await
        .problem(403, "forbidden");
    server
        .call(Method::GET, "/api/v1/pickups/pending", None, None)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test]
async fn the_driver_takes_every_file_once_and_a_replay_answers_the_same() {
    let server = start().await;
    let token = server.customer_a().await;
    let staff = server.staff().await;
    let pending = server.get("/api/v1/pickups/pending", &token).await;
    let pending = pending.ok(200).clone();
    let qr = pending["qr"].as_str().unwrap();
    // The driver's app sends what it scanned (with the QR prefix).
    let done = confirm(&server, &staff, qr, "  Paul   Martin ", 3).await;
    let confirmation = done.ok(200).clone();
    assert_eq!(confirmation["dossiers"], pending["dossiers"]);
    assert_eq!(confirmation["driver_name"], "Paul Martin");
    assert_eq!(confirmation["parcels"], 3);
    assert_eq!(confirmation["pickup_id"].as_str().unwrap().len(), 32);
    for number in pending["dossiers"].as_array().unwrap() {
        let d = server
            .get(
                &format!("/api/v1/dossiers/{}", number.as_str().unwrap()),
                &token,
            )
            .await;
        let d = d.ok(200);
        assert_eq!(d["status"], "received");
        assert_eq!(d["status_label"], "Prise en charge sur site");
        let last = d["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["kind"], "pickup");
        assert_eq!(last["actor"], "driver");
        assert_eq!(last["status"], "received");
        assert_eq!(
            last["text"],
            "Prise en charge sur site par le chauffeur Paul Martin — 3 colis remis"
        );
        assert_eq!(last["at"], confirmation["at"]);
        let history = d["history"].as_array().unwrap();
        assert_eq!(history.last().unwrap()["status"], "received");
    }
    // The same token and body: the same answer, nothing moves again.
    let replay = confirm(
        &server,
        &staff,
        pending["token"].as_str().unwrap(),
        "Paul Martin",
        3,
    )
    .await;
    replay.ok(200);
    assert_eq!(replay.bytes, done.bytes);
    // The same token with another body: refused.
    let other = confirm(&server, &staff, qr, "Paul Martin", 4).await;
    let problem = other.problem(400, "invalid_token");
    assert!(problem["detail"].as_str().unwrap().contains("déjà servi"));
    confirm(&server, &staff, qr, "Jean Dupont", 3)
        .await
        .problem(400, "invalid_token");
    // Nothing is left for the driver.
    server
        .get("/api/v1/pickups/pending", &token)
        .await
        .problem(404, "nothing_to_pickup");
    server
        .get("/api/v1/pickups/pending/manifest.pdf", &token)
        .await
        .problem(404, "nothing_to_pickup");
}

#[tokio::test]
async fn forged_expired_and_malformed_tokens_are_refused() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let token = server.customer_a().await;
    let staff = server.staff().await;
    let pending = server.get("/api/v1/pickups/pending", &token).await;
    let text = pending.ok(200)["token"].as_str().unwrap().to_owned();
    let first = pending.body["dossiers"][0].as_str().unwrap();

    // A file changed under the signature, a signature changed, another server's key.
    let (payload, signature) = text.rsplit_once('.').unwrap();
    let other_file = payload.replacen(first, "99999999", 1);
    let flipped = format!(
        "{payload}.{}{}",
        if signature.starts_with('0') { '1' } else { '0' },
        &signature[1..]
    );
    for forged in [
        format!("{other_file}.{signature}"),
        flipped,
        format!("{payload}.{}", "ab".repeat(32)),
    ] {
        let answer = confirm(&server, &staff, &forged, "Paul", 1).await;
        let problem = answer.problem(400, "invalid_token");
        assert!(problem["detail"].as_str().unwrap().contains("authentique"));
        assert_eq!(problem["errors"][0]["field"], "token");
    }
    for garbage in ["", "RETOUR-PICKUP:", "hello", "v1.x.y.z.w.v"] {
        confirm(&server, &staff, garbage, "Paul", 1)
            .await
            .problem(400, "invalid_token");
    }
    // The driver's name and parcels.
    for (driver, parcels, code) in [
        ("", 1, "invalid_driver_name"),
        ("Paul\nMartin", 1, "invalid_driver_name"),
        ("Paul", 0, "invalid_parcels"),
        ("Paul", 1000, "invalid_parcels"),
    ] {
        confirm(&server, &staff, &text, driver, parcels)
            .await
            .problem(422, code);
    }
    let answer = server
        .post(
            "/api/v1/staff/pickups",
            &staff,
            json!({"token": text, "driver_name": "Paul", "parcels": -1}),
        )
        .await;
    assert_eq!(answer.status, 400);
    // Customers confirm nothing.
    confirm(&server, &token, &text, "Paul", 1)
        .await
        .problem(403, "forbidden");

    // 24 hours later the token has expired; nothing moved (the sessions too: sign in again).
    clock.advance(chrono::Duration::hours(24));
    let staff = server.staff().await;
    let token = server.customer_a().await;
    let answer = confirm(&server, &staff, &text, "Paul", 1).await;
    let problem = answer.problem(400, "invalid_token");
    assert!(problem["detail"].as_str().unwrap().contains("expiré"));
    let d = server
        .get(&format!("/api/v1/dossiers/{first}"), &token)
        .await;
    assert_eq!(d.ok(200)["status"], "sent");
    // A new one works.
    let fresh = server.get("/api/v1/pickups/pending", &token).await;
    let fresh = fresh.ok(200)["token"].as_str().unwrap().to_owned();
    confirm(&server, &staff, &fresh, "Paul", 1).await.ok(200);
}

#[tokio::test]
async fn a_warranty_file_waits_for_the_driver_too() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, line_no, _, _) = server.eligible_line(&token, 1).await;
    let note = server
        .get(&format!("/api/v1/delivery-notes/{bl}"), &token)
        .await;
    let delivered_on = note.ok(200)["delivered_on"].as_str().unwrap().to_owned();
    let body: Value = json!({
        "delivery_note": bl, "line_no": line_no, "qty": 1, "vin": "1M8GDM9AXKP042788",
        "fitted_on": delivered_on, "fitted_km": 10, "failed_on": retour_server::paris_today_now(),
        "failed_km": 20, "symptom": "Ne démarre plus à froid", "photos": ["a".repeat(64)]
    });
    let request = server
        .client
        .post(format!("{}/api/v1/warranty-claims", server.base))
        .bearer_auth(&token)
        .header("Idempotency-Key", crate::common::key())
        .json(&body);
    let claim = server.send(request).await;
    let number = claim.ok(201)["number"].as_str().unwrap().to_owned();
    let pending = server.get("/api/v1/pickups/pending", &token).await;
    assert!(pending.ok(200)["dossiers"]
        .as_array()
        .unwrap()
        .contains(&json!(number)));
    let pdf = server
        .get("/api/v1/pickups/pending/manifest.pdf", &token)
        .await;
    assert!(String::from_utf8_lossy(&pdf.bytes).contains("Garantie"));
}

#[tokio::test]
async fn the_staff_cli_confirms_a_pickup_with_the_servers_key() {
    let server = start().await;
    let token = server.customer_a().await;
    let pending = server.get("/api/v1/pickups/pending", &token).await;
    let pending = pending.ok(200).clone();
    let config = server.state.config();
    let run = |token: &str, parcels: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_retour-server"))
            .args([
                "staff",
                "pickup",
                "--token",
                token,
                "--driver",
                "Paul Martin",
            ])
            .args(["--parcels", parcels])
            .env("RETOUR_DB", &config.db)
            .env("RETOUR_MAIL_SPOOL", &config.mail_spool)
            .env_remove("RETOUR_PICKUP_SECRET")
            .output()
            .expect("the server binary runs")
    };
    let qr = pending["qr"].as_str().unwrap();
    let out = run(qr, "2");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(done["dossiers"], pending["dossiers"]);
    assert_eq!(done["parcels"], 2);
    let number = pending["dossiers"][0].as_str().unwrap();
    let d = server
        .get(&format!("/api/v1/dossiers/{number}"), &token)
        .await;
    assert_eq!(d.ok(200)["status"], "received");
    // Another body with the same token: refused, with the code.
    let out = run(qr, "5");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_token"));
}

#[tokio::test]
async fn an_offline_confirmation_is_recorded_at_its_scan_time_even_after_expiry() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let token = server.customer_a().await;
    let pending = server.get("/api/v1/pickups/pending", &token).await;
    let text = pending.ok(200)["token"].as_str().unwrap().to_owned();
    let first = pending.body["dossiers"][0].as_str().unwrap().to_owned();
    // The driver scanned an hour after the token was made, offline; the phone reconnects two
    // days later, past the token's expiry.
    let expires_at: chrono::DateTime<chrono::Utc> = pending.body["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let scanned_at =
        chrono::SubsecRound::trunc_subsecs(expires_at - chrono::Duration::hours(23), 3);
    clock.advance(chrono::Duration::hours(48));
    let staff = server.staff().await;
    let token = server.customer_a().await;
    let body = json!({"token": text, "driver_name": "Paul Martin", "parcels": 2,
        "scanned_at": scanned_at.to_rfc3339()});
    let answer = server
        .post("/api/v1/staff/pickups", &staff, body.clone())
        .await;
    let at: chrono::DateTime<chrono::Utc> = answer.ok(200)["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(at, scanned_at);
    let d = server
        .get(&format!("/api/v1/dossiers/{first}"), &token)
        .await;
    let d = d.ok(200);
    assert_eq!(d["status"], "received");
    let event = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "pickup")
        .unwrap();
    let event_at: chrono::DateTime<chrono::Utc> = event["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(event_at, scanned_at);
    assert!(event["text"].as_str().unwrap().contains("Paul Martin"));
    // Sent again (the answer was lost): the same answer, once.
    let again = server.post("/api/v1/staff/pickups", &staff, body).await;
    assert_eq!(again.ok(200)["at"], answer.body["at"]);
    // Without a scan time, an expired token stays refused.
    let answer = confirm(&server, &staff, &text, "Jean", 1).await;
    answer.problem(400, "invalid_token");
}
