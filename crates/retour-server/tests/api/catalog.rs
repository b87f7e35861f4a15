//! Health, service hours, reasons, BLs and lookup.

use reqwest::Method;

use crate::common::{start, start_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_service_and_reasons() {
    let server = start().await;
    let health = server.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.ok(200)["status"], "ok");

    let service = server
        .call(Method::GET, "/api/v1/service", None, None)
        .await;
    let body = service.ok(200);
    assert_eq!(body["open"], true);
    assert_eq!(body["timezone"], "Europe/Paris");
    assert_eq!(body["schedule"].as_array().unwrap().len(), 7);
    assert!(
        body.get("next_change").is_none(),
        "always open never changes"
    );

    let anonymous = server
        .call(Method::GET, "/api/v1/reasons", None, None)
        .await;
    anonymous.problem(401, "unauthorized");
    let token = server.customer_a().await;
    let reasons = server.get("/api/v1/reasons", &token).await;
    let codes: Vec<&str> = reasons
        .ok(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "deposit",
            "order_error",
            "new_part",
            "defective",
            "late_delivery",
            "customer_cancellation"
        ]
    );
    assert_eq!(reasons.body[5]["estimate"]["rate"], "0.90");
    assert_eq!(reasons.body[3]["estimate"]["kind"], "after_inspection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_schedule_is_served() {
    let server = start_with(|c| c.schedule = Default::default()).await;
    let service = server
        .call(Method::GET, "/api/v1/service", None, None)
        .await;
    let body = service.ok(200);
    assert_eq!(
        body["schedule"][0],
        serde_json::json!({"day": "monday", "opens": "05:00", "closes": "22:00"})
    );
    assert_eq!(
        body["schedule"][6],
        serde_json::json!({"day": "sunday", "closed": true})
    );
    assert!(body["next_change"].is_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_notes() {
    let server = start().await;
    let token = server.customer_a().await;
    let week = server.get("/api/v1/delivery-notes", &token).await;
    let items = week.ok(200)["items"].as_array().unwrap().clone();
    assert!(items.len() >= 6, "several BLs a day over the last week");
    let dates: Vec<&str> = items
        .iter()
        .map(|i| i["delivered_on"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    let month = server.get("/api/v1/delivery-notes?days=31", &token).await;
    assert!(month.ok(200)["items"].as_array().unwrap().len() > items.len());
    for bad in ["0", "32", "abc", "-1", "1.5"] {
        server
            .get(&format!("/api/v1/delivery-notes?days={bad}"), &token)
            .await
            .problem(400, "invalid_query");
    }

    let number = items[0]["number"].as_str().unwrap();
    let note = server
        .get(&format!("/api/v1/delivery-notes/{number}"), &token)
        .await;
    let body = note.ok(200);
    assert_eq!(body["number"], number);
    let line = &body["lines"][0];
    for field in [
        "line_no",
        "reference",
        "brand",
        "designation",
        "delivered_qty",
        "returned_qty",
        "eligible_qty",
        "unit_price_ht",
        "allowed_reasons",
    ] {
        assert!(line.get(field).is_some(), "{field}");
    }
    assert!(body["total_ht"].as_str().unwrap().contains('.'));

    // Every line with a deposit allows `deposit`; the others do not.
    for l in body["lines"].as_array().unwrap() {
        let allows_deposit = l["allowed_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "deposit");
        assert_eq!(allows_deposit, l.get("deposit_ht").is_some());
    }

    // Full-width digits are the same number (NFKC), as the domain says.
    let wide: String = number
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
        .collect();
    let same = server
        .get(&format!("/api/v1/delivery-notes/{wide}"), &token)
        .await;
    assert_eq!(same.ok(200)["number"], number);
}

/// Every BL line says until when it can be returned; past that day it has no `days_left` and
/// nothing eligible, so the app can say "Délai de retour dépassé depuis le …".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bl_lines_carry_their_return_deadline() {
    let server = start_with(|config| config.return_window_days = 10).await;
    let token = server.customer_a().await;
    let month = server.get("/api/v1/delivery-notes?days=31", &token).await;
    let items = month.ok(200)["items"].as_array().unwrap().clone();
    let today = retour_server::paris_today_now();
    let oldest = items.last().unwrap()["number"].as_str().unwrap().to_owned();
    let newest = items[0]["number"].as_str().unwrap().to_owned();

    let old = server
        .get(&format!("/api/v1/delivery-notes/{oldest}"), &token)
        .await;
    let old = old.ok(200);
    let delivered =
        chrono::NaiveDate::parse_from_str(old["delivered_on"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    for line in old["lines"].as_array().unwrap() {
        assert_eq!(
            line["return_deadline"],
            serde_json::json!((delivered + chrono::Days::new(10)).to_string())
        );
        assert!(line.get("days_left").is_none(), "past its window: {line}");
        // v1.1: past the window, an exchange part stays returnable for its deposit alone until
        // its deposit is due (90 days); any other line has nothing eligible.
        if line.get("deposit_ht").is_some() {
            assert_eq!(
                line["allowed_reasons"],
                serde_json::json!(["deposit"]),
                "{line}"
            );
        } else {
            assert_eq!(line["eligible_qty"], 0);
            assert_eq!(line["allowed_reasons"], serde_json::json!([]), "{line}");
        }
    }
    let new = server
        .get(&format!("/api/v1/delivery-notes/{newest}"), &token)
        .await;
    let new = new.ok(200);
    let delivered =
        chrono::NaiveDate::parse_from_str(new["delivered_on"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let left = 10 - (today - delivered).num_days();
    assert_eq!(new["lines"][0]["days_left"], serde_json::json!(left));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bl_numbers_answer_the_specified_messages() {
    let server = start().await;
    let token = server.customer_a().await;
    let format = server.get("/api/v1/delivery-notes/25000110a", &token).await;
    assert_eq!(
        format.problem(400, "invalid_format")["detail"],
        "Format incorrect, veuillez saisir uniquement des caractères numériques"
    );
    let long = server
        .get("/api/v1/delivery-notes/1234567890", &token)
        .await;
    assert_eq!(
        long.problem(400, "too_long")["detail"],
        "Nombre de caractère supérieur à 9, Veuillez vérifier votre N° de bon de livraison"
    );
    server
        .get("/api/v1/delivery-notes/12%003", &token)
        .await
        .problem(400, "invalid_format");
    server
        .get(
            &format!("/api/v1/delivery-notes/{}", "9".repeat(10_240)),
            &token,
        )
        .await
        .problem(400, "too_long");
    server
        .get("/api/v1/delivery-notes/%F0%9F%98%80", &token)
        .await
        .problem(400, "invalid_format");
    assert!(server
        .get("/api/v1/delivery-notes/%FF", &token)
        .await
        .status
        .is_client_error());
    let missing = server.get("/api/v1/delivery-notes/999999999", &token).await;
    missing.problem(404, "not_found");
    // Full-width digits of a number nobody has: missing, not an error.
    server
        .get("/api/v1/delivery-notes/%EF%BC%99%EF%BC%99%EF%BC%99", &token)
        .await
        .problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_customers_bl_is_missing() {
    let server = start().await;
    let token = server.customer_a().await;
    let foreign = server.foreign_bl().await;
    let theirs = server
        .get(&format!("/api/v1/delivery-notes/{foreign}"), &token)
        .await;
    let missing = server.get("/api/v1/delivery-notes/999999999", &token).await;
    theirs.problem(404, "not_found");
    assert_eq!(theirs.body, missing.body);
    assert_eq!(theirs.bytes, missing.bytes);
    // And lookup does not reveal it either.
    let lookup = server
        .get(&format!("/api/v1/lookup?code={foreign}"), &token)
        .await;
    assert_eq!(lookup.ok(200)["matches"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_of_every_kind_of_code() {
    let server = start().await;
    let token = server.customer_a().await;
    let month = server.get("/api/v1/delivery-notes?days=31", &token).await;
    let number = month.body["items"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let note = server
        .get(&format!("/api/v1/delivery-notes/{number}"), &token)
        .await;
    let line = note.body["lines"][0].clone();

    let printed = format!("00{number}");
    let by_bl = server
        .get(&format!("/api/v1/lookup?code={printed}"), &token)
        .await;
    let body = by_bl.ok(200);
    assert_eq!(body["kind"], "delivery_note");
    assert_eq!(body["normalized"], number);
    assert_eq!(body["matches"][0]["number"], number);
    assert_eq!(
        body["matches"][0]["line_nos"].as_array().unwrap().len(),
        note.body["lines"].as_array().unwrap().len()
    );

    let reference = line["reference"].as_str().unwrap();
    let by_ref = server
        .get(
            &format!("/api/v1/lookup?code={}", urlencode(reference)),
            &token,
        )
        .await;
    let body = by_ref.ok(200);
    assert_eq!(body["kind"], "reference");
    assert!(body["matches"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["number"] == number.as_str()));

    let with_gtin = note.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l.get("gtin").is_some());
    if let Some(l) = with_gtin {
        let gtin = l["gtin"].as_str().unwrap();
        let by_gtin = server
            .get(&format!("/api/v1/lookup?code={gtin}"), &token)
            .await;
        let body = by_gtin.ok(200);
        assert_eq!(body["kind"], "gtin");
        assert_eq!(body["normalized"], format!("0{gtin}"));
        assert!(body["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["number"] == number.as_str()));
    }

    server
        .get("/api/v1/lookup", &token)
        .await
        .problem(400, "invalid_query");
    server
        .get("/api/v1/lookup?code=", &token)
        .await
        .problem(400, "invalid_code");
    server
        .get(&format!("/api/v1/lookup?code={}", "A".repeat(600)), &token)
        .await
        .problem(400, "invalid_code");
    let unknown = server.get("/api/v1/lookup?code=NOPE-123", &token).await;
    assert_eq!(unknown.ok(200)["matches"], serde_json::json!([]));
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_is_not_a_customer() {
    let server = start().await;
    let staff = server.staff().await;
    for path in [
        "/api/v1/delivery-notes",
        "/api/v1/cart",
        "/api/v1/dossiers",
        "/api/v1/lookup?code=1",
    ] {
        server.get(path, &staff).await.problem(403, "forbidden");
    }
    server
        .get("/api/v1/cart", "not-a-token")
        .await
        .problem(401, "unauthorized");
}
