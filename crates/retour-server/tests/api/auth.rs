//! Login, lockout, reset and unlock links, refresh rotation, logout and SSO.

use reqwest::Method;
use retour_server::demo::{CUSTOMER_A, CUSTOMER_PASSWORD};
use serde_json::{json, Value};

use crate::common::{start, Answer, Server};

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
    let server = start().await;
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

    // Reusing the old refresh token revokes the device's session…
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
