//! Limits and malformed input: every error is a problem document, never a 500.

use reqwest::Method;

use crate::common::{start, test_config};

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

/// The server binary in a process of its own: 300 logins, each with another 900 KB e-mail, leave
/// its resident memory within a few MB of what it was after 30 such logins (when every e-mail was
/// a throttle key, 300 of them held 270 MB).
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_emails_at_login_leave_the_server_process_memory_alone() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    /// The server process, stopped however the test ends.
    struct Child(std::process::Child);
    impl Drop for Child {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    /// Its resident memory, in kB, as the kernel counts it.
    fn resident_kb(pid: u32) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("its status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    let dir = tempfile::tempdir().expect("a temp dir");
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_retour-server"))
            .arg("serve")
            .env("RETOUR_LISTEN", "127.0.0.1:0")
            .env("RETOUR_DB", test_config(dir.path()).db)
            .env("RETOUR_MAIL_SPOOL", dir.path().join("mail"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts"),
    );
    let mut first = String::new();
    std::io::BufReader::new(child.0.stdout.take().expect("its stdout"))
        .read_line(&mut first)
        .expect("its first line");
    let base = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the server says where it listens: {first:?}"))
        .to_owned();
    let client = reqwest::Client::new();
    let mut logins = 0..;
    let mut huge_logins = async |count: usize| {
        for i in logins.by_ref().take(count) {
            let huge = format!("{i}{}@garage.fr", "a".repeat(900 * 1024));
            let answer = client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&serde_json::json!({"email": huge, "password": "x"}))
                .send()
                .await
                .expect("an answer");
            assert_eq!(answer.status().as_u16(), 401);
        }
    };
    huge_logins(30).await;
    let before = resident_kb(child.0.id());
    huge_logins(300).await;
    let after = resident_kb(child.0.id());
    let growth_mb = after.saturating_sub(before) as f64 / 1024.0;
    eprintln!("server resident memory: {before} kB after 30 huge logins, {after} kB after 330");
    assert!(
        growth_mb < 16.0,
        "the server grew {growth_mb:.1} MB ({before} kB → {after} kB)"
    );
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
