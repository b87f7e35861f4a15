//! Limits and malformed input: every error is a problem document, never a 500.

use reqwest::Method;

use crate::common::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_outside_handlers_are_problems() {
    let server = start().await;
    server
        .call(Method::GET, "/nowhere", None, None)
        .await
        .problem(404, "not_found");
    server
        .call(Method::DELETE, "/api/v1/cart", None, None)
        .await
        .problem(405, "method_not_allowed");
    let token = server.customer_a().await;
    // HTTP/1.1 without `Expect: 100-continue`: the server answers 413 before it has read the
    // whole body and closes the connection, and a client still writing may see the reset before
    // the answer. Clients retry that; so does this test, and every answer it reads must be the
    // 413 problem. The too-large bodies go through a client of their own that keeps no idle
    // connection, so that a connection the server closed is never reused for the next requests.
    let big = "x".repeat(2 * 1024 * 1024);
    let one_shot = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client");
    let mut answered = false;
    for _ in 0..10 {
        let request = one_shot
            .post(format!("{}/api/v1/cart/ops", server.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(format!("{{\"ops\":[],\"pad\":\"{big}\"}}"));
        if let Ok(answer) = server.try_send(request).await {
            answer.problem(413, "payload_too_large");
            answered = true;
            break;
        }
    }
    assert!(answered, "no answer to a too-large body in 10 tries");
    let request = server
        .client
        .post(format!("{}/api/v1/cart/ops", server.base))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{\"ops\":[]}");
    server
        .send(request)
        .await
        .problem(415, "unsupported_media_type");
    let request = server
        .client
        .post(format!("{}/api/v1/cart/ops", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"ops\": [");
    server.send(request).await.problem(400, "invalid_json");
    let request = server
        .client
        .post(format!("{}/api/v1/cart/ops", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(b"\xff\xfe\x00".to_vec());
    server.send(request).await.problem(400, "invalid_json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_throttled_per_address() {
    let server = crate::common::start_with(|c| c.login_per_ip_per_minute = 3).await;
    let body = serde_json::json!({"email": "nobody@nowhere.fr", "password": "x"});
    for _ in 0..3 {
        server
            .call(Method::POST, "/api/v1/auth/login", None, Some(body.clone()))
            .await
            .problem(401, "invalid_credentials");
    }
    let response = server
        .client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&body)
        .send()
        .await
        .expect("an answer");
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let answer = server
        .send(
            server
                .client
                .post(format!("{}/api/v1/auth/login", server.base))
                .json(&body),
        )
        .await;
    answer.problem(429, "too_many_requests");
}

/// 300 logins, each with another 900 KB e-mail, leave nothing in the login throttle: oversize
/// fields are refused before anything is counted. (The process's resident memory is no measure
/// here: the other tests of this binary run in it at the same time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_emails_at_login_leave_the_memory_alone() {
    let server = start().await;
    for i in 0..300 {
        let huge = format!("{i}{}@garage.fr", "a".repeat(900 * 1024));
        let body = serde_json::json!({"email": huge, "password": "x"});
        let answer = server
            .call(Method::POST, "/api/v1/auth/login", None, Some(body))
            .await;
        assert!(
            matches!(answer.status.as_u16(), 401 | 429),
            "{:?}",
            answer.body
        );
    }
    assert!(server.state.login_throttle().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_timeout_answers_a_problem_document() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = crate::common::start_with(|c| {
        c.request_timeout = std::time::Duration::from_millis(300);
    })
    .await;
    let addr = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // A body announced but never sent: the handler waits for it until the timeout.
    stream
        .write_all(
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("}") {
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buffer))
                .await
                .expect("an answer within 10 s")
                .expect("read");
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
    }
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 408"), "{answer}");
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_served() {
    let server = start().await;
    let doc = server
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    let body = doc.ok(200);
    assert!(body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = body["paths"].as_object().unwrap();
    for path in [
        "/healthz",
        "/api/v1/service",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/password/forgot",
        "/api/v1/auth/password/reset",
        "/api/v1/auth/unlock/request",
        "/api/v1/auth/unlock",
        "/api/v1/auth/sso",
        "/api/v1/reasons",
        "/api/v1/delivery-notes",
        "/api/v1/delivery-notes/{number}",
        "/api/v1/lookup",
        "/api/v1/cart",
        "/api/v1/cart/ops",
        "/api/v1/return-requests",
        "/api/v1/return-requests/{id}/preaccord.pdf",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{number}",
        "/api/v1/staff/dossiers/{number}/events",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    for schema in ["Dossier", "Money", "CartOp", "Problem", "Session"] {
        assert!(
            body["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
}
