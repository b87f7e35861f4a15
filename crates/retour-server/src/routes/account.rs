//! The `/auth/*` routes: login with lockout and throttling, refresh-token rotation with reuse
//! detection, logout, the e-mailed reset and unlock links, and the portal's SSO.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use retour_domain::api::{
    CustomerRef, EmailRequest, LoginRequest, Problem, RefreshRequest, ResetRequest, Session,
    TokenRequest, User,
};
use retour_domain::password::check_new_password;
use retour_domain::ErrorCode;

use super::{ClientIp, Json};
use crate::auth::{self, token_hash, ACCESS_TTL, LINK_TTL, REFRESH_TTL};
use crate::db::{AccountRow, Conn, FailureScope};
use crate::mail::OutgoingMail;
use crate::problem::ApiError;
use crate::throttle::Attempts;
use crate::AppState;

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
        "Identifiant ou mot de passe incorrect",
    )
}

fn account_locked(until: DateTime<Utc>) -> ApiError {
    ApiError::new(
        StatusCode::LOCKED,
        ErrorCode::AccountLocked,
        "Votre compte est verrouillé après plusieurs tentatives infructueuses. Réessayez plus tard ou déverrouillez-le avec le lien reçu par e-mail.",
    )
    .with_locked_until(until)
}

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
        "Jeton invalide ou expiré, veuillez vous reconnecter",
    )
}

fn invalid_link() -> ApiError {
    ApiError::bad_request(
        ErrorCode::InvalidToken,
        "Ce lien n'est plus valable : demandez-en un nouveau",
    )
}

/// Opens a session for an account on a device and returns it with fresh tokens.
fn issue_session(
    c: &Conn<'_>,
    account: &AccountRow,
    device: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Session, ApiError> {
    let session_id = c.insert_session(account.id, device, now)?;
    issue_tokens(c, account, session_id, now).map(|(session, _)| session)
}

/// New tokens for a session, with the hash of the refresh token.
fn issue_tokens(
    c: &Conn<'_>,
    account: &AccountRow,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<(Session, String), ApiError> {
    let access = auth::new_token();
    let refresh = auth::new_token();
    let refresh_hash = token_hash(&refresh);
    let access_expires_at = now + ACCESS_TTL;
    c.insert_access_token(&token_hash(&access), session_id, access_expires_at)?;
    c.insert_refresh_token(&refresh_hash, session_id, now + REFRESH_TTL)?;
    let session = Session {
        access_token: access,
        access_expires_at,
        refresh_token: refresh,
        user: User {
            email: account.email.clone(),
            name: account.name.clone(),
            role: account.role,
            customer: account.customer.as_ref().map(|c| CustomerRef {
                code: c.code.clone(),
                name: c.name.clone(),
            }),
        },
    };
    Ok((session, refresh_hash))
}

/// The cookie that makes a device known to the accounts it signed in to.
pub const DEVICE_COOKIE: &str = "retour_device";
/// How long a device stays known after its last sign-in.
const DEVICE_TTL: chrono::Duration = chrono::Duration::days(180);
/// The longest e-mail and password a login reads; longer ones are refused before anything else.
const MAX_EMAIL_BYTES: usize = 320;
const MAX_PASSWORD_BYTES: usize = 1024;

/// The value of the device cookie in a request's `Cookie` headers, if it has a sane one.
fn device_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| !value.is_empty() && value.len() <= 100)
}

/// Signs in with e-mail and password. Failed attempts make their source wait (growing delays,
/// `retour_domain::lockout`); a device that signed in to the account before (its
/// `retour_device` cookie, set by every successful login) is judged only by its own failures.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    params(("retour_device" = Option<String>, Cookie, description = "The device cookie a previous login set: this device is known to the account")),
    responses((status = 200, body = Session, headers(("Set-Cookie" = String, description = "retour_device: the device cookie to send with later logins"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_credentials", body = Problem, content_type = "application/problem+json"),
        (status = 423, description = "account_locked, with locked_until: this source must wait until then (also for unknown e-mails)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too_many_requests, with Retry-After", body = Problem, content_type = "application/problem+json")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    // Oversize fields are refused before they are counted or stored anywhere.
    if body.email.len() > MAX_EMAIL_BYTES || body.password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid_credentials());
    }
    let now = state.now();
    let config = state.config();
    if let Some(ip) = ip {
        state
            .throttle_address(Attempts::Login, ip, now, config.login_per_ip_per_minute)
            .await?;
    }
    let email = body.email.trim().to_owned();
    let email_key = hex::encode(auth::email_key(&email));
    let device = device_cookie(&headers).map(|cookie| token_hash(&cookie));
    let (account, known_device) = {
        let email = email.clone();
        let device = device.clone();
        state
            .read(move |c| {
                let account = c.account_by_email(&email)?;
                let known = match (&account, &device) {
                    (Some(account), Some(device)) => c.is_known_device(device, account.id, now)?,
                    _ => false,
                };
                Ok((account, known))
            })
            .await?
    };
    // A known device is counted on its own; the others share the account's counter per minute.
    let scopes = match (&device, known_device) {
        (Some(device), true) => vec![FailureScope::Device(device.clone())],
        _ => {
            state
                .throttle_account(
                    Attempts::Login,
                    auth::email_key(&email),
                    now,
                    config.login_per_account_per_minute,
                )
                .await?;
            let mut scopes = vec![FailureScope::Account];
            scopes.extend(ip.map(FailureScope::Address));
            scopes
        }
    };
    let waiting = {
        let (email_key, scopes) = (email_key.clone(), scopes.clone());
        state
            .read(move |c| Ok(c.login_wait(&email_key, &scopes, now)?))
            .await?
    };
    if let Some(until) = waiting {
        return Err(account_locked(until));
    }
    let hash = account.as_ref().map_or_else(
        || auth::dummy_hash().to_owned(),
        |a| a.password_hash.clone(),
    );
    let password = body.password;
    let ok = state
        .hash(move || auth::verify_password(&hash, &password))
        .await?;
    let device_name = body
        .device_name
        .map(|d| d.chars().take(100).collect::<String>());
    let cookie = match (&device, known_device) {
        (Some(_), true) => None,
        _ => Some(auth::new_token()),
    };
    let new_device = cookie.as_deref().map(token_hash);
    let session = state
        .write(move |c| {
            // Counted inside the transaction: concurrent failures all count.
            if let Some(until) = c.login_wait(&email_key, &scopes, now)? {
                return Ok(Err(account_locked(until)));
            }
            let account = match &account {
                Some(account) if ok => account,
                _ => {
                    let mut wait = None;
                    for scope in &scopes {
                        let failure = c.record_login_failure(&email_key, scope, now)?;
                        wait = wait.max(failure.wait_until);
                    }
                    return Ok(Err(wait.map_or_else(invalid_credentials, account_locked)));
                }
            };
            for scope in scopes.iter().filter(|s| **s != FailureScope::Account) {
                c.clear_login_failures(&email_key, scope)?;
            }
            let device_hash = new_device
                .as_ref()
                .or(device.as_ref())
                .cloned()
                .unwrap_or_default();
            c.insert_known_device(&device_hash, account.id, now + DEVICE_TTL)?;
            issue_session(c, account, device_name.as_deref(), now).map(Ok)
        })
        .await??;
    let mut headers = HeaderMap::new();
    if let Some(cookie) = cookie {
        let value = format!(
            "{DEVICE_COOKIE}={cookie}; Path=/api/v1/auth; Max-Age={}; HttpOnly; SameSite=Strict",
            DEVICE_TTL.num_seconds()
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(header::SET_COOKIE, value);
        }
    }
    Ok((headers, Json(session)))
}

/// How long after a refresh the token it replaced still works once more, for a client whose
/// answer was lost: it gets a fresh pair, and the pair it never received stops working.
pub const REFRESH_GRACE: chrono::Duration = chrono::Duration::seconds(30);

fn token_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::TokenReused,
        "Ce jeton a déjà été utilisé : la session de cet appareil est fermée, veuillez vous reconnecter",
    )
}

/// Exchanges a refresh token for a new session (the old one stops working). The token just
/// replaced may be presented again within [`REFRESH_GRACE`] while its successor is unused (the
/// answer was lost): it gets a fresh pair and the successor stops working. Any other reuse
/// revokes the session (`token_reused`).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = Session),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_token, or token_reused (the device's session is revoked)", body = Problem, content_type = "application/problem+json")))]
pub async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<Session>, ApiError> {
    let now = state.now();
    let hash = token_hash(&body.refresh_token);
    let session = state
        .write(move |c| {
            let Some(row) = c.refresh_token(&hash)? else {
                return Ok(Err(invalid_token()));
            };
            if row.session_revoked || row.expires_at <= now {
                return Ok(Err(invalid_token()));
            }
            if let Some(used_at) = row.used_at {
                let successor_unused = match &row.rotated_to {
                    Some(successor) => c.refresh_token_unused(successor)?,
                    None => false,
                };
                if now - used_at > REFRESH_GRACE || !successor_unused {
                    c.revoke_session(row.session_id, now)?;
                    return Ok(Err(token_reused()));
                }
                if let Some(successor) = &row.rotated_to {
                    c.delete_refresh_token(successor)?;
                }
            }
            let account = c.account_by_id(row.account_id)?.ok_or_else(invalid_token)?;
            let (session, successor) = issue_tokens(c, &account, row.session_id, now)?;
            c.mark_refresh_used(&hash, &successor, now)?;
            Ok(Ok(session))
        })
        .await?;
    // A reused token revoked a session: no cached check may outlive it.
    state.forget_sessions();
    session.map(Json)
}

/// Ends a session: the one of the refresh token in the body when one is given (this works with an
/// expired access token), else the one of the bearer token, if any.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security((), ("bearer" = [])),
    request_body(content = Option<RefreshRequest>, description = "Optional: the device's refresh token, whose session ends even when the access token has expired"),
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let refresh = serde_json::from_slice::<RefreshRequest>(&body)
        .ok()
        .map(|r| token_hash(&r.refresh_token));
    let access = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token_hash(token.trim()));
    if refresh.is_none() && access.is_none() {
        return Ok(StatusCode::NO_CONTENT);
    }
    let now = state.now();
    state
        .write(move |c| {
            if let Some(row) = refresh
                .as_deref()
                .map(|h| c.refresh_token(h))
                .transpose()?
                .flatten()
            {
                c.revoke_session(row.session_id, now)?;
            }
            if let Some(principal) = access
                .as_deref()
                .map(|h| c.principal(h, now))
                .transpose()?
                .flatten()
            {
                c.revoke_session(principal.session_id, now)?;
            }
            Ok(())
        })
        .await?;
    state.forget_sessions();
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a link token for an account, if it exists, and queues the mail with the link in the
/// same transaction; same answer otherwise, in the same time: the outbox's sender sends it later. Requests are counted per address and
/// per e-mail (`429` with `Retry-After` past the limits).
async fn mail_link(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    email: String,
    purpose: &'static str,
) -> Result<StatusCode, ApiError> {
    if email.len() > MAX_EMAIL_BYTES {
        return Ok(StatusCode::ACCEPTED);
    }
    let now = state.now();
    let config = state.config();
    // The address first, and the account only when the address was let through, so that
    // refused attempts never count against the account.
    if let Some(ip) = ip {
        state
            .throttle_address(Attempts::Link, ip, now, config.links_per_ip_per_minute)
            .await?;
    }
    state
        .throttle_account(
            Attempts::Link,
            auth::email_key(&email),
            now,
            config.links_per_account_per_minute,
        )
        .await?;
    let token = auth::new_token();
    let hash = token_hash(&token);
    state
        .write(move |c| {
            let Some(account) = c.account_by_email(email.trim())? else {
                return Ok(());
            };
            c.insert_link_token(&hash, account.id, purpose, now + LINK_TTL)?;
            let (to, token) = (account.email, token.clone());
            let mail = match purpose {
                "reset" => OutgoingMail::Reset { to, token },
                _ => OutgoingMail::Unlock { to, token },
            };
            c.enqueue_mail(&mail.to_json()?, now)?;
            Ok(())
        })
        .await?;
    state.wake_mail();
    Ok(StatusCode::ACCEPTED)
}

/// Sends a password-reset link (202 whether or not the e-mail is known).
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "auth", request_body = EmailRequest,
    responses((status = 202, description = "Accepted, whether or not the account exists"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too_many_requests, with Retry-After", body = Problem, content_type = "application/problem+json")))]
pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<EmailRequest>,
) -> Result<StatusCode, ApiError> {
    mail_link(&state, ip, body.email, "reset").await
}

/// Sends an unlock link (202 whether or not the e-mail is known).
#[utoipa::path(post, path = "/api/v1/auth/unlock/request", tag = "auth", request_body = EmailRequest,
    responses((status = 202, description = "Accepted, whether or not the account exists"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too_many_requests, with Retry-After", body = Problem, content_type = "application/problem+json")))]
pub async fn unlock_request(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<EmailRequest>,
) -> Result<StatusCode, ApiError> {
    mail_link(&state, ip, body.email, "unlock").await
}

/// Sets a new password with a reset link's token; also unlocks the account, ends the account's
/// other reset links and signs out every device.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 204, description = "Password changed"),
        (status = 400, description = "invalid_token or weak_password", body = Problem, content_type = "application/problem+json")))]
pub async fn reset(
    State(state): State<AppState>,
    Json(body): Json<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    if let Err(weak) = check_new_password(&body.new_password) {
        return Err(ApiError::bad_request(weak.code(), weak.message()));
    }
    let now = state.now();
    let hash = token_hash(&body.token);
    let account = state
        .read(move |c| Ok(c.link_token_account(&hash, "reset", now)?))
        .await?;
    if account.is_none() {
        return Err(invalid_link());
    }
    let password = body.new_password.clone();
    let password_hash = state.hash(move || auth::hash_password(&password)).await?;
    let hash = token_hash(&body.token);
    let done = state
        .write(move |c| {
            let account = c
                .link_token_account(&hash, "reset", now)?
                .ok_or_else(invalid_link)?;
            c.use_link_token(&hash, now)?;
            c.use_other_links(account, "reset", now)?;
            c.set_password_hash(account, &password_hash)?;
            clear_failures_of(c, account)?;
            c.revoke_account_sessions(account, now)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await?;
    state.forget_sessions();
    Ok(done)
}

/// Forgets every failed login of an account, from every source.
fn clear_failures_of(c: &Conn<'_>, account_id: i64) -> Result<(), ApiError> {
    if let Some(account) = c.account_by_id(account_id)? {
        c.clear_all_login_failures(&hex::encode(auth::email_key(&account.email)))?;
    }
    Ok(())
}

/// Unlocks an account with an unlock link's token: every failed login of the account is
/// forgotten, from every source, so the owner (who proved they read the mailbox) can sign in at
/// once from any device, including a new one.
#[utoipa::path(post, path = "/api/v1/auth/unlock", tag = "auth", request_body = TokenRequest,
    responses((status = 204, description = "Unlocked"),
        (status = 400, description = "invalid_token", body = Problem, content_type = "application/problem+json")))]
pub async fn unlock(
    State(state): State<AppState>,
    Json(body): Json<TokenRequest>,
) -> Result<StatusCode, ApiError> {
    let now = state.now();
    let hash = token_hash(&body.token);
    state
        .write(move |c| {
            let account = c
                .link_token_account(&hash, "unlock", now)?
                .ok_or_else(invalid_link)?;
            c.use_link_token(&hash, now)?;
            clear_failures_of(c, account)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

/// Signs in with a token signed by the Autossimo portal (HS256, at most 5 minutes, single use).
#[utoipa::path(post, path = "/api/v1/auth/sso", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = Session),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_token", body = Problem, content_type = "application/problem+json")))]
pub async fn sso(
    State(state): State<AppState>,
    Json(body): Json<TokenRequest>,
) -> Result<Json<Session>, ApiError> {
    let now = state.now();
    let claims = auth::decode_sso(&body.token, state.config().sso_secret.as_deref(), now).map_err(
        |error| {
            tracing::info!(%error, "SSO token refused");
            invalid_token()
        },
    )?;
    let expires = DateTime::<Utc>::from_timestamp(claims.exp, 0).unwrap_or(now);
    state
        .write(move |c| {
            if !c.insert_sso_jti(&claims.jti, expires)? {
                return Err(invalid_token());
            }
            let account = c
                .account_by_email(claims.sub.trim())?
                .ok_or_else(invalid_token)?;
            issue_session(c, &account, Some("SSO Autossimo"), now)
        })
        .await
        .map(Json)
}
