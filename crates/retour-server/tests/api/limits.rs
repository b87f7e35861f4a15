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
    server
        .call(Method::POST, "/api/v1/auth/login", None, Some(body))
        .await
        .problem(429, "too_many_requests");
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
