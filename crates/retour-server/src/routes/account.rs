//! The `/auth/*` routes: login with lockout and throttling, refresh-token rotation with reuse
//! detection, logout, the e-mailed reset and unlock links, and the portal's SSO.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use retour_domain::api::{
    CustomerRef, EmailRequest, LoginRequest, Problem, RefreshRequest, ResetRequest, Session,
    TokenRequest, User,
};
use retour_domain::password::check_new_password;
use retour_domain::ErrorCode;

use super::{ClientIp, Json};
use crate::auth::{self, token_hash, ACCESS_TTL, LINK_TTL, LOCK_TTL, MAX_FAILURES, REFRESH_TTL};
use crate::db::{AccountRow, Conn};
use crate::mail;
use crate::problem::ApiError;
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
    issue_tokens(c, account, session_id, now)
}

fn issue_tokens(
    c: &Conn<'_>,
    account: &AccountRow,
    session_id: i64,
    now: DateTime<Utc>,
) -> Result<Session, ApiError> {
    let access = auth::new_token();
    let refresh = auth::new_token();
    let access_expires_at = now + ACCESS_TTL;
    c.insert_access_token(&token_hash(&access), session_id, access_expires_at)?;
    c.insert_refresh_token(&token_hash(&refresh), session_id, now + REFRESH_TTL)?;
    Ok(Session {
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
    })
}

/// Signs in with e-mail and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Session),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_credentials", body = Problem, content_type = "application/problem+json"),
        (status = 423, description = "account_locked, with locked_until", body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<LoginRequest>,
) -> Result<Json<Session>, ApiError> {
    let now = state.now();
    let config = state.config();
    if !state.throttle().allow(
        ip,
        &body.email,
        now,
        config.login_per_ip_per_minute,
        config.login_per_account_per_minute,
    ) {
        return Err(ApiError::for_status(StatusCode::TOO_MANY_REQUESTS));
    }
    if body.email.len() > 320 || body.password.len() > 1024 {
        return Err(invalid_credentials());
    }
    let email = body.email.trim().to_owned();
    let lookup = email.clone();
    let account = state
        .read(move |c| Ok(c.account_by_email(&lookup)?))
        .await?;
    if let Some(until) = account
        .as_ref()
        .and_then(|a| a.locked_until)
        .filter(|&until| until > now)
    {
        return Err(account_locked(until));
    }
    let hash = account.as_ref().map_or_else(
        || auth::dummy_hash().to_owned(),
        |a| a.password_hash.clone(),
    );
    let password = body.password.clone();
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&hash, &password))
        .await
        .map_err(ApiError::internal)?;
    let Some(account) = account else {
        return Err(invalid_credentials());
    };
    let device = body
        .device_name
        .map(|d| d.chars().take(100).collect::<String>());
    state
        .write(move |c| {
            // Re-read inside the transaction: concurrent failures must all count.
            let current = c
                .account_by_id(account.id)?
                .ok_or_else(invalid_credentials)?;
            if let Some(until) = current.locked_until.filter(|&until| until > now) {
                return Err(account_locked(until));
            }
            if !ok {
                let failed = current.failed_logins + 1;
                if failed >= MAX_FAILURES {
                    let until = now + LOCK_TTL;
                    c.set_login_failures(current.id, 0, Some(until))?;
                    return Ok(Err(account_locked(until)));
                }
                c.set_login_failures(current.id, failed, None)?;
                return Ok(Err(invalid_credentials()));
            }
            c.set_login_failures(current.id, 0, None)?;
            issue_session(c, &current, device.as_deref(), now).map(Ok)
        })
        .await?
        .map(Json)
}

/// Exchanges a refresh token for a new session (the old one stops working).
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
            if row.used {
                c.revoke_session(row.session_id, now)?;
                return Ok(Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::TokenReused,
                    "Ce jeton a déjà été utilisé : la session de cet appareil est fermée, veuillez vous reconnecter",
                )));
            }
            c.mark_refresh_used(&hash, now)?;
            let account = c.account_by_id(row.account_id)?.ok_or_else(invalid_token)?;
            issue_tokens(c, &account, row.session_id, now).map(Ok)
        })
        .await?;
    // A reused token revoked a session: no cached check may outlive it.
    state.forget_sessions();
    session.map(Json)
}

/// Ends the session of the bearer token, if any.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security((), ("bearer" = [])),
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    parts: axum::http::HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = parts
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    if let Some(token) = token {
        let now = state.now();
        let hash = token_hash(&token);
        state
            .write(move |c| {
                if let Some(principal) = c.principal(&hash, now)? {
                    c.revoke_session(principal.session_id, now)?;
                }
                Ok(())
            })
            .await?;
        state.forget_sessions();
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a link token for an account, if it exists, and mails the link; same answer otherwise.
async fn mail_link(
    state: &AppState,
    email: String,
    purpose: &'static str,
) -> Result<StatusCode, ApiError> {
    if email.len() > 320 {
        return Ok(StatusCode::ACCEPTED);
    }
    let now = state.now();
    let token = auth::new_token();
    let hash = token_hash(&token);
    let found = state
        .write(move |c| {
            let Some(account) = c.account_by_email(email.trim())? else {
                return Ok(None);
            };
            c.insert_link_token(&hash, account.id, purpose, now + LINK_TTL)?;
            Ok(Some(account.email))
        })
        .await?;
    if let Some(to) = found {
        let mailer = state.mailer().clone();
        let sent = tokio::task::spawn_blocking(move || match purpose {
            "reset" => mail::send_reset(&mailer, &to, &token),
            _ => mail::send_unlock(&mailer, &to, &token),
        })
        .await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "cannot send the {purpose} e-mail"),
            Err(error) => tracing::error!(%error, "cannot send the {purpose} e-mail"),
        }
    }
    Ok(StatusCode::ACCEPTED)
}

/// Sends a password-reset link (202 whether or not the e-mail is known).
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "auth", request_body = EmailRequest,
    responses((status = 202, description = "Accepted, whether or not the account exists"),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn forgot(
    State(state): State<AppState>,
    Json(body): Json<EmailRequest>,
) -> Result<StatusCode, ApiError> {
    mail_link(&state, body.email, "reset").await
}

/// Sends an unlock link (202 whether or not the e-mail is known).
#[utoipa::path(post, path = "/api/v1/auth/unlock/request", tag = "auth", request_body = EmailRequest,
    responses((status = 202, description = "Accepted, whether or not the account exists"),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn unlock_request(
    State(state): State<AppState>,
    Json(body): Json<EmailRequest>,
) -> Result<StatusCode, ApiError> {
    mail_link(&state, body.email, "unlock").await
}

/// Sets a new password with a reset link's token; also unlocks the account and signs out every
/// device.
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
    let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?;
    let hash = token_hash(&body.token);
    let done = state
        .write(move |c| {
            let account = c
                .link_token_account(&hash, "reset", now)?
                .ok_or_else(invalid_link)?;
            c.use_link_token(&hash, now)?;
            c.set_password_hash(account, &password_hash)?;
            c.set_login_failures(account, 0, None)?;
            c.revoke_account_sessions(account, now)?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await?;
    state.forget_sessions();
    Ok(done)
}

/// Unlocks an account with an unlock link's token.
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
            c.set_login_failures(account, 0, None)?;
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
