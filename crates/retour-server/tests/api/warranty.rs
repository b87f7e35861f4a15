//! Warranty claims (v1.1): `POST /warranty-claims` makes one file of kind `warranty`, idempotent on
//! its key, refused field by field with stable codes, on the customer's own BL lines only.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{key, start, start_with, Server};

const PHOTO: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// A BL line of the token's customer: `(BL, line_no, delivered_on, delivered_qty, returned_qty)`.
async fn a_line(server: &Server, token: &str) -> (String, u64, String, u64, u64) {
    let (bl, line_no, _, _) = server.eligible_line(token, 1).await;
    let note = server
        .get(&format!("/api/v1/delivery-notes/{bl}"), token)
        .await;
    let note = note.ok(200);
    let line = note["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line_no"] == line_no)
        .unwrap()
        .clone();
    (
        bl,
        line_no,
        note["delivered_on"].as_str().unwrap().to_owned(),
        line["delivered_qty"].as_u64().unwrap(),
        line["returned_qty"].as_u64().unwrap(),
    )
}

fn today() -> String {
    retour_server::paris_today_now().to_string()
}

/// A claim that passes, on `bl`/`line_no` delivered on `delivered_on`.
fn claim(bl: &str, line_no: u64, delivered_on: &str) -> Value {
    json!({
        "delivery_note": bl,
        "line_no": line_no,
        "qty": 1,
        "vin": "1hg cm826 33a004352",
        "registration": "ab123cd",
        "vehicle": "Honda Accord 2.4",
        "fitted_on": delivered_on,
        "fitted_km": 84000,
        "failed_on": today(),
        "failed_km": 84250,
        "symptom": "Bruit de roulement à chaud, puis blocage de la roue",
        "photos": [PHOTO],
        "documents": []
    })
}

impl Server {
    async fn claim(&self, token: &str, key: &str, body: Value) -> crate::common::Answer {
        let request = self
            .client
            .post(format!("{}/api/v1/warranty-claims", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        self.send(request).await
    }
}

#[tokio::test]
async fn a_claim_makes_a_warranty_file_tracked_like_the_others() {
    let server = start().await;
    let token = server.customer_a().await;
    // The garage sends its pré-accords to its workshop's address.
    server
        .call(
            Method::PUT,
            "/api/v1/me/preferences",
            Some(&token),
            Some(json!({"emails": {"status": true, "messages": true, "credits": true, "deposits": true},
                "preaccord_email": "atelier-garanties@garage-demo.fr"})),
        )
        .await
        .ok(200);
    let (bl, line_no, delivered_on, _, returned_before) = a_line(&server, &token).await;
    let answer = server
        .claim(&token, &key(), claim(&bl, line_no, &delivered_on))
        .await;
    let dossier = answer.ok(201).clone();
    assert_eq!(dossier["kind"], "warranty");
    assert_eq!(dossier["status"], "sent");
    assert_eq!(dossier["delivery_note"], bl);
    assert_eq!(dossier["piece_count"], 1);
    assert_eq!(dossier["lines"][0]["line_no"], line_no);
    assert_eq!(dossier["lines"][0]["reason"], "warranty");
    assert_eq!(dossier["lines"][0]["reason_label"], "Garantie");
    let warranty = &dossier["warranty"];
    assert_eq!(warranty["vin"], "1HGCM82633A004352");
    assert_eq!(warranty["registration"], "AB-123-CD");
    assert_eq!(warranty["fitted_km"], 84000);
    assert_eq!(warranty["photos"], json!([PHOTO]));
    assert!(warranty.get("warnings").is_none(), "{warranty:#}");
    // The window: 24 months from delivery.
    let delivered: chrono::NaiveDate = delivered_on.parse().unwrap();
    let ends = delivered
        .checked_add_months(chrono::Months::new(24))
        .unwrap();
    assert_eq!(warranty["warranty_ends_on"], ends.to_string());
    // Its first event: sent by the customer, saying what it is.
    let first = &dossier["timeline"][0];
    assert_eq!(first["kind"], "status");
    assert_eq!(first["actor"], "customer");
    assert_eq!(first["status"], "sent");
    assert_eq!(
        first["text"],
        "Demande de garantie envoyée (VIN 1HGCM82633A004352)"
    );
    let request_number = dossier["request"]["number"].as_str().unwrap();
    assert!(request_number.starts_with("R-"), "{request_number}");

    // Tracked like the others: the detail, the list by kind.
    let number = dossier["number"].as_str().unwrap();
    let detail = server
        .get(&format!("/api/v1/dossiers/{number}"), &token)
        .await;
    assert_eq!(detail.ok(200)["warranty"], *warranty);
    let warranties = server.get("/api/v1/dossiers?kind=warranty", &token).await;
    let warranties = warranties.ok(200);
    assert_eq!(warranties["total"], 1);
    assert_eq!(warranties["items"][0]["number"], number);
    let returns = server.get("/api/v1/dossiers?kind=return", &token).await;
    let returns = returns.ok(200);
    assert!(returns["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["kind"] == "return" && d["number"] != number));
    let all = server.get("/api/v1/dossiers?per_page=100", &token).await;
    assert_eq!(
        all.ok(200)["total"].as_u64().unwrap(),
        returns["total"].as_u64().unwrap() + 1
    );

    // The claimed unit is taken from the BL line.
    let (.., returned_now) = {
        let note = server
            .get(&format!("/api/v1/delivery-notes/{bl}"), &token)
            .await;
        let line = note.ok(200)["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["line_no"] == line_no)
            .unwrap()
            .clone();
        ((), line["returned_qty"].as_u64().unwrap())
    };
    assert_eq!(returned_now, returned_before + 1);

    // Its pré-accord says "Garantie", and is e-mailed.
    let id = dossier["request"]["id"].as_str().unwrap();
    let pdf = server.preaccord(id, &token).await;
    assert_eq!(pdf.status, 200);
    let text = String::from_utf8_lossy(&pdf.bytes);
    assert!(text.contains("Garantie"), "the PDF says Garantie");
    assert_eq!(
        dossier["request"]["preaccord_email"],
        "atelier-garanties@garage-demo.fr"
    );
    let mail = server.last_mail();
    assert_eq!(mail.to, "atelier-garanties@garage-demo.fr");
    assert!(mail
        .attachments
        .iter()
        .any(|a| a.content_type == "application/pdf"
            && String::from_utf8_lossy(&a.bytes).contains("Garantie")));
}

#[tokio::test]
async fn a_replay_answers_the_same_file_and_another_body_is_refused() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, line_no, delivered_on, ..) = a_line(&server, &token).await;
    let k = key();
    let body = claim(&bl, line_no, &delivered_on);
    let first = server.claim(&token, &k, body.clone()).await;
    first.ok(201);
    let again = server.claim(&token, &k, body.clone()).await;
    again.ok(201);
    assert_eq!(again.bytes, first.bytes);
    let list = server.get("/api/v1/dossiers?kind=warranty", &token).await;
    assert_eq!(list.ok(200)["total"], 1);
    let mut other = body.clone();
    other["failed_km"] = json!(90000);
    server
        .claim(&token, &k, other)
        .await
        .problem(422, "idempotency_mismatch");
    let request = server
        .client
        .post(format!("{}/api/v1/warranty-claims", server.base))
        .bearer_auth(&token)
        .json(&body);
    server
        .send(request)
        .await
        .problem(400, "idempotency_key_required");
}

#[tokio::test]
async fn every_refusal_names_its_field_and_code() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, line_no, delivered_on, delivered, returned) = a_line(&server, &token).await;
    let delivered_day: chrono::NaiveDate = delivered_on.parse().unwrap();
    let day_before = (delivered_day - chrono::Days::new(1)).to_string();
    let tomorrow = (retour_server::paris_today_now() + chrono::Days::new(1)).to_string();
    let too_many = delivered - returned + 1;
    let table: Vec<(&str, Value, &str, &str)> = vec![
        ("vin", json!("1HGCM82643A004352"), "vin", "invalid_vin"),
        ("vin", json!("WVWZZZ1KZ6WO12305"), "vin", "invalid_vin"),
        (
            "registration",
            json!("AB-12-CD"),
            "registration",
            "invalid_registration",
        ),
        ("fitted_on", json!(day_before), "fitted_on", "date_order"),
        ("failed_on", json!(tomorrow), "failed_on", "date_order"),
        ("failed_km", json!(1000), "failed_km", "km_order"),
        ("symptom", json!("bruit"), "symptom", "invalid_symptom"),
        ("photos", json!([]), "photos", "photo_required"),
        ("photos", json!(["not-a-photo"]), "photos", "photo_missing"),
        ("qty", json!(too_many), "qty", "quantity_exceeded"),
        ("qty", json!(0), "qty", "invalid_quantity"),
    ];
    for (name, value, field, code) in table {
        let mut body = claim(&bl, line_no, &delivered_on);
        body[name] = value.clone();
        let answer = server.claim(&token, &key(), body).await;
        let problem = answer.problem(422, code);
        assert_eq!(
            problem["errors"],
            json!([{"field": field, "code": code, "message": problem["errors"][0]["message"]}]),
            "{name} = {value}"
        );
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(!message.is_empty() && message != code, "{message}");
    }
    // Several at once: every one, in the form's order.
    let mut body = claim(&bl, line_no, &delivered_on);
    body["vin"] = json!("123");
    body["photos"] = json!([]);
    let answer = server.claim(&token, &key(), body).await;
    let codes: Vec<&str> = answer.problem(422, "invalid_vin")["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["invalid_vin", "photo_required"]);
    // A malformed BL number is a field error too; wrong types are 400s, never 500s.
    let mut body = claim(&bl, line_no, &delivered_on);
    body["delivery_note"] = json!("25000X");
    server
        .claim(&token, &key(), body)
        .await
        .problem(422, "invalid_format");
    for (name, value) in [
        ("fitted_on", json!("2026-02-30")),
        ("fitted_km", json!(-1)),
        ("qty", json!(1.5)),
        ("photos", json!("abc")),
        ("colour", json!("red")),
    ] {
        let mut body = claim(&bl, line_no, &delivered_on);
        body[name] = value;
        let answer = server.claim(&token, &key(), body).await;
        assert_eq!(answer.status, 400, "{name}: {:#}", answer.body);
    }
    // Nothing was recorded.
    let list = server.get("/api/v1/dossiers?kind=warranty", &token).await;
    assert_eq!(list.ok(200)["total"], 0);
}

#[tokio::test]
async fn a_european_vin_without_check_digit_is_accepted_with_a_warning() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, line_no, delivered_on, ..) = a_line(&server, &token).await;
    let mut body = claim(&bl, line_no, &delivered_on);
    body["vin"] = json!("vf3lcyhzpfs123456");
    body["registration"] = json!("123-abc-2a");
    let answer = server.claim(&token, &key(), body).await;
    let warranty = &answer.ok(201)["warranty"];
    assert_eq!(warranty["vin"], "VF3LCYHZPFS123456");
    assert_eq!(warranty["registration"], "123 ABC 2A");
    assert_eq!(warranty["warnings"][0]["field"], "vin");
    assert_eq!(warranty["warnings"][0]["code"], "vin_check_digit");
}

#[tokio::test]
async fn the_window_is_counted_in_months_from_delivery_not_the_return_window() {
    // The BL of 45 days ago is past its return window, but under warranty.
    let server = start().await;
    let token = server.customer_a().await;
    let bl = retour_server::demo::PAST_WINDOW_BL;
    let note = server
        .get(&format!("/api/v1/delivery-notes/{bl}"), &token)
        .await;
    let note = note.ok(200).clone();
    let delivered_on = note["delivered_on"].as_str().unwrap();
    let line_no = note["lines"][0]["line_no"].as_u64().unwrap();
    let answer = server
        .claim(&token, &key(), claim(bl, line_no, delivered_on))
        .await;
    answer.ok(201);

    // With a one-month warranty, a failure today (45 days after delivery) is too late.
    let server = start_with(|c| c.warranty_months = 1).await;
    let token = server.customer_a().await;
    let answer = server
        .claim(&token, &key(), claim(bl, line_no, delivered_on))
        .await;
    let problem = answer.problem(422, "warranty_expired");
    assert_eq!(problem["errors"][0]["field"], "failed_on");
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("1 mois"));
}

#[tokio::test]
async fn another_customers_line_answers_like_a_missing_one() {
    let server = start().await;
    let token = server.customer_a().await;
    let (_, line_no, delivered_on, ..) = a_line(&server, &token).await;
    let foreign = server.foreign_bl().await;
    let theirs = server
        .claim(&token, &key(), claim(&foreign, 1, &delivered_on))
        .await;
    theirs.problem(404, "not_found");
    let missing = server
        .claim(&token, &key(), claim("999999999", line_no, &delivered_on))
        .await;
    assert_eq!(theirs.bytes, missing.bytes);
    let (bl, ..) = a_line(&server, &token).await;
    let no_line = server
        .claim(&token, &key(), claim(&bl, 999, &delivered_on))
        .await;
    assert_eq!(no_line.bytes, missing.bytes);
    // Staff accounts claim nothing.
    let staff = server.staff().await;
    server
        .claim(&staff, &key(), claim(&bl, line_no, &delivered_on))
        .await
        .problem(403, "forbidden");
    let anonymous = server
        .call(
            Method::POST,
            "/api/v1/warranty-claims",
            None,
            Some(json!({})),
        )
        .await;
    anonymous.problem(401, "unauthorized");
}

#[tokio::test]
async fn a_closed_service_refuses_claims() {
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::Paris);
    let day = now.date_naive() + chrono::Days::new(2);
    let name = retour_domain::hours::day_name(chrono::Datelike::weekday(&day));
    let schedule = format!("{{\"{name}\":\"00:00-24:00\"}}");
    let server = start_with(|c| c.schedule = schedule.parse().unwrap()).await;
    let token = server.customer_a().await;
    let (bl, line_no, delivered_on, ..) = a_line(&server, &token).await;
    let answer = server
        .claim(&token, &key(), claim(&bl, line_no, &delivered_on))
        .await;
    let problem = answer.problem(403, "service_closed");
    assert!(problem["next_change"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fitting_invoice_is_a_pdf_or_a_photo_of_the_customers_own() {
    let server = start().await;
    let a = server.customer_a().await;
    let b = server.customer_b().await;
    let pdf = crate::documents::invoice_pdf();
    let document = crate::documents::sha256(&pdf);
    server
        .put_document(&a, &document, pdf.clone(), "application/pdf")
        .await
        .ok(201);
    let photo = server.upload(&a, crate::photos::jpeg(64, 48)).await;

    // Unknown, or another customer's: the per-field error, nothing created.
    let (bl, line_no, delivered_on, _, _) = a_line(&server, &a).await;
    let mut body = claim(&bl, line_no, &delivered_on);
    body["documents"] = json!([crate::documents::sha256(b"never uploaded")]);
    let refused = server.claim(&a, &key(), body.clone()).await;
    let problem = refused.problem(422, "photo_missing");
    assert_eq!(problem["errors"][0]["field"], "documents");
    let (b_bl, b_line, b_delivered, _, _) = a_line(&server, &b).await;
    let mut theirs = claim(&b_bl, b_line, &b_delivered);
    theirs["documents"] = json!([document]);
    server
        .claim(&b, &key(), theirs)
        .await
        .problem(422, "photo_missing");

    // The customer's own PDF and photo.
    body["documents"] = json!([document, photo]);
    let dossier = server.claim(&a, &key(), body).await.ok(201).clone();
    assert_eq!(dossier["warranty"]["documents"], json!([document, photo]));
    let staff = server.staff().await;
    let seen = server
        .get(&format!("/api/v1/documents/{document}"), &staff)
        .await;
    assert_eq!(seen.status, 200);
}
