//! The garage's notifications (v1.1): read after a cursor with the unread count, marked read up
//! to a `seq` (inclusive); and the account's preferences: which kinds are also e-mailed and the
//! pré-accord address. Notifications are recorded by [`crate::db::Conn::notify`] in the
//! transaction of the change they tell of.

use axum::extract::State;
use axum::http::StatusCode;
use retour_domain::api::{NotificationsPage, Preferences, Problem, ReadNotifications};
use retour_domain::notification::email_address;
use retour_domain::ErrorCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Customer, Json, Query};
use crate::problem::ApiError;
use crate::AppState;

/// Notifications per page when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most notifications per page.
pub const MAX_LIMIT: u32 = 100;

/// `GET /notifications` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationsQuery {
    /// The cursor of the last page read (0 or absent: from the start).
    #[param(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    after: Option<u64>,
    /// Most items (1–100, default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The customer's notifications after a cursor, oldest first, with how many are unread.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationsQuery),
    security(("bearer" = [])),
    responses((status = 200, body = NotificationsPage),
        (status = 400, description = "invalid_query", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "staff accounts have none", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Query(query): Query<NotificationsQuery>,
) -> Result<Json<NotificationsPage>, ApiError> {
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if after > retour_domain::whole_number::MAX_CURSOR || !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "Paramètres invalides : after est un curseur, limit va de 1 à 100",
        ));
    }
    let page = state
        .read(move |c| {
            let items = c.notifications_after(customer, after, limit)?;
            let unread = c.unread_notifications(customer)?;
            Ok(NotificationsPage {
                cursor: items.last().map_or(after, |n| n.seq),
                items,
                unread,
            })
        })
        .await?;
    Ok(Json(page))
}

/// Marks the customer's notifications read up to `up_to`, inclusive.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", request_body = ReadNotifications,
    security(("bearer" = [])),
    responses((status = 204, description = "Read up to that seq"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "staff accounts have none", body = Problem, content_type = "application/problem+json")))]
pub async fn read(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Json(body): Json<ReadNotifications>,
) -> Result<StatusCode, ApiError> {
    state
        .write(move |c| Ok(c.mark_notifications_read(customer, body.up_to)?))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's preferences (everything e-mailed to the login e-mail until changed).
#[utoipa::path(get, path = "/api/v1/me/preferences", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = Preferences),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "customer accounts only", body = Problem, content_type = "application/problem+json")))]
pub async fn get_preferences(
    State(state): State<AppState>,
    Customer(principal, _customer): Customer,
) -> Result<Json<Preferences>, ApiError> {
    let account = principal.account_id;
    let preferences = state
        .read(move |c| Ok(c.preferences(account)?))
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    Ok(Json(preferences))
}

/// Sets the account's preferences; `preaccord_email` absent or `null` goes back to the login
/// e-mail.
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "notifications", request_body = Preferences,
    security(("bearer" = [])),
    responses((status = 200, body = Preferences, description = "The preferences as stored"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "customer accounts only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_email", body = Problem, content_type = "application/problem+json")))]
pub async fn put_preferences(
    State(state): State<AppState>,
    Customer(principal, _customer): Customer,
    Json(body): Json<Preferences>,
) -> Result<Json<Preferences>, ApiError> {
    let preaccord_email = body
        .preaccord_email
        .as_deref()
        .map(email_address)
        .transpose()
        .map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    let preferences = Preferences {
        emails: body.emails,
        preaccord_email,
    };
    let account = principal.account_id;
    let saved = preferences.clone();
    state
        .write(move |c| Ok(c.save_preferences(account, &saved)?))
        .await?;
    Ok(Json(preferences))
}
