//! Return request numbers (`R-2026-000123`): what the answer, the e-mail, the pré-accord PDF and
//! the files show people; the sequence per Paris year; uniqueness under concurrent submits; the
//! pré-accord fetched again from a file.

use std::process::Command;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Paris;
use retour_server::demo::CUSTOMER_A;
use serde_json::{json, Value};

use crate::common::{key, start, start_with_clock, Server, TestClock};

/// `count` lines of customer A with at least one eligible unit each, as request lines of one
/// unit.
async fn returnable_lines(server: &Server, token: &str, count: usize) -> Vec<Value> {
    let list = server.get("/api/v1/delivery-notes?days=31", token).await;
    let mut lines = Vec::new();
    for item in list.ok(200)["items"].as_array().unwrap() {
        let number = item["number"].as_str().unwrap();
        let note = server
            .get(&format!("/api/v1/delivery-notes/{number}"), token)
            .await;
        for line in note.ok(200)["lines"].as_array().unwrap() {
            if line["eligible_qty"].as_u64().unwrap() > 0 && line.get("deposit_ht").is_none() {
                lines.push(json!({"delivery_note": number, "line_no": line["line_no"], "qty": 1, "reason": "new_part"}));
                if lines.len() == count {
                    return lines;
                }
            }
        }
    }
    panic!("fewer than {count} returnable lines");
}

/// A number's year and sequence, checking its written form `R-<year>-<6+ digits>`.
#[track_caller]
fn parts(number: &Value) -> (i32, u64) {
    let text = number.as_str().expect("a number");
    let rest = text.strip_prefix("R-").expect(text);
    let (year, sequence) = rest.split_once('-').expect(text);
    assert_eq!(year.len(), 4, "{text}");
    assert!(sequence.len() >= 6, "{text}");
    assert!(sequence.bytes().all(|b| b.is_ascii_digit()), "{text}");
    (year.parse().expect(text), sequence.parse().expect(text))
}

fn paris_year(instant: &Value) -> i32 {
    instant
        .as_str()
        .unwrap()
        .parse::<DateTime<Utc>>()
        .unwrap()
        .with_timezone(&Paris)
        .year()
}

/// The text of a PDF, by poppler's `pdftotext` (Debian's poppler-utils).
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preaccord.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_see_the_request_number_and_the_file_leads_back_to_its_preaccord() {
    let server = start().await;
    let token = server.customer_a().await;
    let lines = returnable_lines(&server, &token, 2).await;
    let first = server
        .submit(&token, &key(), json!({"lines": [lines[0]]}))
        .await
        .ok(201)
        .clone();
    let second_key = key();
    let body = json!({"lines": [lines[1]]});
    let second = server
        .submit(&token, &second_key, body.clone())
        .await
        .ok(201)
        .clone();

    // Numbers of the Paris year, one after the other.
    let (year, sequence) = parts(&first["number"]);
    assert_eq!(year, paris_year(&first["created_at"]));
    assert_eq!(parts(&second["number"]), (year, sequence + 1));
    assert_eq!(second["preaccord_email"], CUSTOMER_A);
    let number = second["number"].as_str().unwrap();
    let id = second["id"].as_str().unwrap();
    // A replay answers the same number.
    assert_eq!(
        server.submit(&token, &second_key, body).await.ok(201),
        &second
    );

    // The e-mail names the request by its number, never by its id.
    let mail = server.last_mail();
    assert_eq!(mail.to, CUSTOMER_A);
    assert!(
        mail.text.contains(&format!(
            "Votre demande de retour n° {number} est enregistrée."
        )),
        "{}",
        mail.text
    );
    assert!(!mail.text.contains(id), "{}", mail.text);
    assert_eq!(mail.attachments[0].name, format!("preaccord-{number}.pdf"));

    // So does the pré-accord, fetched again by the request's id.
    let pdf = server.preaccord(id, &token).await;
    assert_eq!(pdf.status.as_u16(), 200);
    let text = pdf_text(&pdf.bytes);
    assert!(
        text.contains(&format!("Demande de retour n° {number}")),
        "{text}"
    );
    assert!(!text.contains(id), "{text}");

    // Each file names its request, with the address its pré-accord went to.
    let expected = json!({"id": id, "number": number, "preaccord_email": CUSTOMER_A});
    assert_eq!(second["dossiers"][0]["request"], expected);
    let file = second["dossiers"][0]["number"].as_str().unwrap();
    let detail = server
        .get(&format!("/api/v1/dossiers/{file}"), &token)
        .await;
    assert_eq!(detail.ok(200)["request"], expected);
    let list = server.get("/api/v1/dossiers?per_page=100", &token).await;
    let listed = list.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["number"] == file)
        .expect("the file in the list")
        .clone();
    assert_eq!(listed["request"], expected);

    // Another customer's request answers exactly like a missing one.
    let other = server.customer_b().await;
    server.assert_foreign_request_is_missing(id, &other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sequence_starts_again_at_the_paris_new_year() {
    // 31 December 2026, 23:59 in Paris (22:59 UTC); the clock then runs at the real pace, so
    // the minute leaves room for a slow machine.
    let before = "2026-12-31T22:59:00Z".parse::<DateTime<Utc>>().unwrap();
    let clock = TestClock::default();
    clock.set(before);
    let server = start_with_clock(|_| {}, &clock).await;
    let token = server.customer_a().await;
    let lines = returnable_lines(&server, &token, 3).await;
    let submit = |line: &Value| {
        let body = json!({"lines": [line]});
        let server = &server;
        let token = &token;
        async move { server.submit(token, &key(), body).await.ok(201).clone() }
    };
    clock.set(before);
    let old_year = submit(&lines[0]).await;
    assert_eq!(parts(&old_year["number"]).0, 2026);
    assert!(parts(&old_year["number"]).1 >= 1);

    // 1 January 2027, midnight in Paris: still 31 December in UTC.
    let after = "2026-12-31T23:00:00Z".parse::<DateTime<Utc>>().unwrap();
    clock.set(after);
    let new_year = submit(&lines[1]).await;
    assert_eq!(new_year["number"], "R-2027-000001");
    assert_eq!(submit(&lines[2]).await["number"], "R-2027-000002");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_submits_get_distinct_numbers_without_gaps() {
    let server = Arc::new(start().await);
    let token = server.customer_a().await;
    let lines = returnable_lines(&server, &token, 12).await;
    let mut tasks = Vec::new();
    for line in lines {
        let server = server.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            server
                .submit(&token, &key(), json!({"lines": [line]}))
                .await
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        let answer = task.await.unwrap();
        numbers.push(parts(&answer.ok(201)["number"]));
    }
    numbers.sort();
    let (year, first) = numbers[0];
    let expected: Vec<(i32, u64)> = (0..12).map(|i| (year, first + i)).collect();
    assert_eq!(numbers, expected, "distinct and consecutive");
}
