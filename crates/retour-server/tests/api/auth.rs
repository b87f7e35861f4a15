//! Login, lockout, reset and unlock links, refresh rotation, logout and SSO.

use reqwest::Method;
use retour_server::demo::{CUSTOMER_A, CUSTOMER_PASSWORD};
use serde_json::{json, Value};

use crate::common::{start, start_with, start_with_clock, Answer, Server, TestClock};

async fn login(server: &Server, email: &str, password: &str) -> Answer {
    server
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
}

async fn public(server: &Server, path: &str, body: Value) -> Answer {
    server.call(Method::POST, path, None, Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_gives_a_session() {
    let server = start().await;
    let session = server.session(CUSTOMER_A, CUSTOMER_PASSWORD).await;
    assert_eq!(session["user"]["email"], CUSTOMER_A);
    assert_eq!(session["user"]["role"], "customer");
    assert_eq!(session["user"]["customer"]["code"], "C00042");
    assert!(
        session["access_token"].as_str().unwrap().len() >= 22,
        "at least 128 bits"
    );
    assert_ne!(session["access_token"], session["refresh_token"]);
    let staff = server
        .session(
            retour_server::demo::STAFF,
            retour_server::demo::STAFF_PASSWORD,
        )
        .await;
    assert_eq!(staff["user"]["role"], "staff");
    assert!(staff["user"].get("customer").is_none());
    // Case and spaces in the e-mail do not matter.
    login(&server, "  ATELIER@garage-demo.fr ", CUSTOMER_PASSWORD)
        .await
        .ok(200);
    login(&server, CUSTOMER_A, "wrong")
        .await
        .problem(401, "invalid_credentials");
    let unknown = login(&server, "nobody@nowhere.fr", "wrong").await;
    unknown.problem(401, "invalid_credentials");
    public(&server, "/api/v1/auth/login", json!({"email": CUSTOMER_A}))
        .await
        .problem(400, "invalid_body");
    public(
        &server,
        "/api/v1/auth/login",
        json!({"email": CUSTOMER_A, "password": "x", "role": "staff"}),
    )
    .await
    .problem(400, "invalid_body");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_then_unlock_link_and_reset_link_still_work() {
    let server = start().await;
    for attempt in 1..=4 {
        login(&server, CUSTOMER_A, "wrong")
            .await
            .problem(401, "invalid_credentials");
        let _ = attempt;
    }
    let locked = login(&server, CUSTOMER_A, "wrong").await;
    let until = locked.problem(423, "account_locked")["locked_until"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(until > chrono::Utc::now().to_rfc3339());
    // Even the right password is refused while locked.
    login(&server, CUSTOMER_A, CUSTOMER_PASSWORD)
        .await
        .problem(423, "account_locked");

    // The unlock link works; the same link does not work twice.
    let before = server.mails().len();
    public(
        &server,
        "/api/v1/auth/unlock/request",
        json!({"email": CUSTOMER_A}),
    )
    .await
    .ok(202);
    assert_eq!(server.mails().len(), before + 1);
    let mail = server.last_mail();
    let (to, subject) = (mail.to, mail.subject);
    assert_eq!(to, CUSTOMER_A);
    assert!(subject.contains("Déverrouillage"), "{subject}");
    let token = server.last_link_token();
    let answer = public(&server, "/api/v1/auth/unlock", json!({"token": token})).await;
    assert_eq!(answer.status.as_u16(), 204);
    public(&server, "/api/v1/auth/unlock", json!({"token": token}))
        .await
        .problem(400, "invalid_token");
    login(&server, CUSTOMER_A, CUSTOMER_PASSWORD).await.ok(200);

    // Locked again, the reset link sets a new password and unlocks.
    for _ in 0..5 {
        login(&server, CUSTOMER_A, "wrong").await;
    }
    login(&server, CUSTOMER_A, CUSTOMER_PASSWORD)
        .await
        .problem(423, "account_locked");
    public(
        &server,
        "/api/v1/auth/password/forgot",
        json!({"email": CUSTOMER_A}),
    )
    .await
    .ok(202);
    let mail = server.last_mail();
    let (subject, text) = (mail.subject, mail.text);
    assert!(subject.contains("mot de passe"), "{subject}");
    assert!(text.contains("reset?token="), "{text}");
    let token = server.last_link_token();
    public(
        &server,
        "/api/v1/auth/password/reset",
        json!({"token": token, "new_password": "court"}),
    )
    .await
    .problem(400, "weak_password");
    let answer = public(
        &server,
        "/api/v1/auth/password/reset",
        json!({"token": token, "new_password": "Nouveau-Secret-77"}),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 204, "{:?}", answer.body);
    public(
        &server,
        "/api/v1/auth/password/reset",
        json!({"token": token, "new_password": "Nouveau-Secret-78"}),
    )
    .await
    .problem(400, "invalid_token");
    login(&server, CUSTOMER_A, CUSTOMER_PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    login(&server, CUSTOMER_A, "Nouveau-Secret-77")
        .await
        .ok(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_and_unlock_answer_the_same_for_unknown_emails() {
    let server = start().await;
    let before = server.mails().len();
    let unknown = public(
        &server,
        "/api/v1/auth/password/forgot",
        json!({"email": "nobody@nowhere.fr"}),
    )
    .await;
    let known = public(
        &server,
        "/api/v1/auth/password/forgot",
        json!({"email": CUSTOMER_A}),
    )
    .await;
    assert_eq!(
        (unknown.status, &unknown.bytes),
        (known.status, &known.bytes)
    );
    assert_eq!(unknown.status.as_u16(), 202);
    let unknown = public(
        &server,
        "/api/v1/auth/unlock/request",
        json!({"email": "nobody@nowhere.fr"}),
    )
    .await;
    let known = public(
        &server,
        "/api/v1/auth/unlock/request",
        json!({"email": CUSTOMER_A}),
    )
    .await;
    assert_eq!(
        (unknown.status, &unknown.bytes),
        (known.status, &known.bytes)
    );
    assert_eq!(
        server.mails().len(),
        before + 2,
        "only the known account gets mail"
    );
    public(&server, "/api/v1/auth/unlock", json!({"token": "made-up"}))
        .await
        .problem(400, "invalid_token");
    public(
        &server,
        "/api/v1/auth/password/reset",
        json!({"token": "made-up", "new_password": "Nouveau-Secret-77"}),
    )
    .await
    .problem(400, "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_and_reuse_revokes_the_device() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let first = server.session(CUSTOMER_A, CUSTOMER_PASSWORD).await;
    let other_device = server.session(CUSTOMER_A, CUSTOMER_PASSWORD).await;
    let old_refresh = first["refresh_token"].as_str().unwrap();
    let second = public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": old_refresh}),
    )
    .await;
    let second = second.ok(200).clone();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let access = second["access_token"].as_str().unwrap();
    server.get("/api/v1/cart", access).await.ok(200);

    // Reusing the old refresh token past the grace window revokes the device's session…
    clock.advance(chrono::Duration::seconds(31));
    public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": old_refresh}),
    )
    .await
    .problem(401, "token_reused");
    server
        .get("/api/v1/cart", access)
        .await
        .problem(401, "unauthorized");
    public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": second["refresh_token"]}),
    )
    .await
    .problem(401, "invalid_token");
    // …and only that device's.
    server
        .get(
            "/api/v1/cart",
            other_device["access_token"].as_str().unwrap(),
        )
        .await
        .ok(200);
    public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": "made-up"}),
    )
    .await
    .problem(401, "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session() {
    let server = start().await;
    let token = server.customer_a().await;
    let answer = server
        .call(Method::POST, "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(answer.status.as_u16(), 204);
    server
        .get("/api/v1/cart", &token)
        .await
        .problem(401, "unauthorized");
    let again = server
        .call(Method::POST, "/api/v1/auth/logout", None, None)
        .await;
    assert_eq!(again.status.as_u16(), 204);
}

fn sso_token(secret: &str, sub: &str, lifetime_s: i64, jti: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": sub, "exp": now + lifetime_s, "iat": now, "jti": jti});
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_tokens_work_once() {
    let server = start().await;
    let secret = server.state.config().sso_secret.clone().unwrap();
    let token = sso_token(&secret, CUSTOMER_A, 120, "jti-1");
    let session = public(&server, "/api/v1/auth/sso", json!({"token": token})).await;
    assert_eq!(session.ok(200)["user"]["email"], CUSTOMER_A);
    public(&server, "/api/v1/auth/sso", json!({"token": token}))
        .await
        .problem(401, "invalid_token");
    let too_long = sso_token(&secret, CUSTOMER_A, 3600, "jti-2");
    public(&server, "/api/v1/auth/sso", json!({"token": too_long}))
        .await
        .problem(401, "invalid_token");
    let expired = sso_token(&secret, CUSTOMER_A, -10, "jti-3");
    public(&server, "/api/v1/auth/sso", json!({"token": expired}))
        .await
        .problem(401, "invalid_token");
    let forged = sso_token("another-secret", CUSTOMER_A, 120, "jti-4");
    public(&server, "/api/v1/auth/sso", json!({"token": forged}))
        .await
        .problem(401, "invalid_token");
    let stranger = sso_token(&secret, "nobody@nowhere.fr", 120, "jti-5");
    public(&server, "/api/v1/auth/sso", json!({"token": stranger}))
        .await
        .problem(401, "invalid_token");
    public(&server, "/api/v1/auth/sso", json!({"token": "not.a.jwt"}))
        .await
        .problem(401, "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_refresh_answer_does_not_sign_the_device_out() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let first = server.session(CUSTOMER_A, CUSTOMER_PASSWORD).await;
    let old = first["refresh_token"].clone();
    // The answer to this refresh is lost: the device never sees `lost`.
    let lost = public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": old}),
    )
    .await
    .ok(200)
    .clone();
    clock.advance(chrono::Duration::seconds(10));
    // It retries with the token it still holds, within the grace window: a fresh pair.
    let retried = public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": old}),
    )
    .await
    .ok(200)
    .clone();
    assert_ne!(retried["refresh_token"], lost["refresh_token"]);
    server
        .get("/api/v1/cart", retried["access_token"].as_str().unwrap())
        .await
        .ok(200);
    // The pair it never received stops working (one live refresh token per device)…
    public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": lost["refresh_token"]}),
    )
    .await
    .problem(401, "invalid_token");
    // …and the session goes on.
    let next = public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": retried["refresh_token"]}),
    )
    .await
    .ok(200)
    .clone();
    // Past the window, the old token is a reuse: the device's session is revoked.
    clock.advance(chrono::Duration::seconds(31));
    public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": old}),
    )
    .await
    .problem(401, "token_reused");
    server
        .get("/api/v1/cart", next["access_token"].as_str().unwrap())
        .await
        .problem(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_with_the_refresh_token_works_after_the_access_token_expired() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let session = server.session(CUSTOMER_A, CUSTOMER_PASSWORD).await;
    clock.advance(chrono::Duration::minutes(16));
    let request = server
        .client
        .post(format!("{}/api/v1/auth/logout", server.base))
        .bearer_auth(session["access_token"].as_str().unwrap())
        .json(&json!({"refresh_token": session["refresh_token"]}));
    assert_eq!(server.send(request).await.status.as_u16(), 204);
    public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": session["refresh_token"]}),
    )
    .await
    .problem(401, "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_ends_the_other_reset_links() {
    let server = start().await;
    let mut tokens = Vec::new();
    for _ in 0..2 {
        public(
            &server,
            "/api/v1/auth/password/forgot",
            json!({"email": CUSTOMER_A}),
        )
        .await
        .ok(202);
        tokens.push(server.last_link_token());
    }
    assert_ne!(tokens[0], tokens[1]);
    let answer = public(
        &server,
        "/api/v1/auth/password/reset",
        json!({"token": tokens[1], "new_password": "Nouveau-Secret-77"}),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 204, "{:?}", answer.body);
    public(
        &server,
        "/api/v1/auth/password/reset",
        json!({"token": tokens[0], "new_password": "Autre-Secret-78"}),
    )
    .await
    .problem(400, "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_requests_are_throttled_per_account_with_retry_after() {
    let server = start().await;
    for email in [CUSTOMER_A, "nobody@nowhere.fr"] {
        for _ in 0..3 {
            public(
                &server,
                "/api/v1/auth/password/forgot",
                json!({"email": email}),
            )
            .await
            .ok(202);
        }
        let request = server
            .client
            .post(format!("{}/api/v1/auth/unlock/request", server.base))
            .json(&json!({"email": email}));
        let response = request.send().await.expect("an answer");
        assert_eq!(response.status().as_u16(), 429);
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
    }
}

/// A client whose requests come from `ip` (any 127.x address reaches the loopback server).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .expect("a client")
}

async fn login_from(
    server: &Server,
    client: &reqwest::Client,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> (Answer, Option<String>) {
    let mut request = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": email, "password": password}));
    if let Some(cookie) = cookie {
        request = request.header("cookie", format!("retour_device={cookie}"));
    }
    let response = request.send().await.expect("an answer");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("retour_device="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = response.bytes().await.expect("a body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (
        Answer {
            status,
            content_type,
            body,
            bytes,
        },
        cookie,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attackers_thousand_wrong_passwords_never_stop_the_owners_devices() {
    // The attacker is not slowed by the per-minute throttles here, so that every guess reaches
    // the failure counters.
    let server = start_with(|c| {
        c.login_per_ip_per_minute = 100_000;
        c.login_per_account_per_minute = 100_000;
    })
    .await;
    let owner = client_from([127, 0, 0, 1]);
    let (signed_in, cookie) =
        login_from(&server, &owner, CUSTOMER_A, CUSTOMER_PASSWORD, None).await;
    let session = signed_in.ok(200).clone();
    let cookie = cookie.expect("a device cookie");

    // Ten addresses, so that the account's own counter (over every unknown source) fills too.
    let attackers: Vec<_> = (2..12).map(|n| client_from([127, 0, 0, n])).collect();
    let attacker = &attackers[0];
    let mut answers = std::collections::BTreeMap::<u16, u32>::new();
    for attempt in 0..1000 {
        let email = if attempt % 2 == 0 {
            CUSTOMER_A
        } else {
            "nobody@nowhere.fr"
        };
        let from = &attackers[(attempt / 2) % attackers.len()];
        let (answer, _) = login_from(&server, from, email, "wrong", None).await;
        *answers.entry(answer.status.as_u16()).or_default() += 1;
        assert!(
            matches!(answer.status.as_u16(), 401 | 423),
            "{:?}",
            answer.body
        );
    }
    assert!(answers[&423] > 900, "{answers:?}");
    // A known e-mail and an unknown one are slowed down alike: 423 says nothing of which exists.
    let (known, _) = login_from(&server, attacker, CUSTOMER_A, "wrong", None).await;
    let (unknown, _) = login_from(&server, attacker, "nobody@nowhere.fr", "wrong", None).await;
    known.problem(423, "account_locked");
    unknown.problem(423, "account_locked");
    let strip = |a: &Answer| {
        let mut body = a.body.clone();
        body.as_object_mut().unwrap().remove("locked_until");
        body
    };
    assert_eq!(strip(&known), strip(&unknown));

    // The signed-in device refreshes…
    public(
        &server,
        "/api/v1/auth/refresh",
        json!({"refresh_token": session["refresh_token"]}),
    )
    .await
    .ok(200);
    // …the known device signs in again, even with one typo first…
    let (typo, _) = login_from(&server, &owner, CUSTOMER_A, "typo", Some(&cookie)).await;
    typo.problem(401, "invalid_credentials");
    let (again, renewed) = login_from(
        &server,
        &owner,
        CUSTOMER_A,
        CUSTOMER_PASSWORD,
        Some(&cookie),
    )
    .await;
    again.ok(200);
    assert_eq!(renewed, None, "a known device keeps its cookie");
    // …while an unknown device waits, until the owner uses the unlock link.
    let stranger = client_from([127, 0, 0, 20]);
    let (waits, _) = login_from(&server, &stranger, CUSTOMER_A, CUSTOMER_PASSWORD, None).await;
    waits.problem(423, "account_locked");
    public(
        &server,
        "/api/v1/auth/unlock/request",
        json!({"email": CUSTOMER_A}),
    )
    .await
    .ok(202);
    let token = server.last_link_token();
    let unlocked = public(&server, "/api/v1/auth/unlock", json!({"token": token})).await;
    assert_eq!(unlocked.status.as_u16(), 204);
    let (new_device, _) = login_from(&server, &stranger, CUSTOMER_A, CUSTOMER_PASSWORD, None).await;
    new_device.ok(200);
}
