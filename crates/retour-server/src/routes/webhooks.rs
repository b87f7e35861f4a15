//! Webhooks in the staff API (v1.1): register a hook (its address, the event types it wants, its
//! signing secret, never shown again), list and delete hooks, read a hook's delivery log; also
//! used by `retour-server staff webhooks`. The deliveries themselves are `crate::webhook`'s.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use retour_domain::api::Problem;
use retour_domain::webhook::{
    self, DeliveryList, Webhook, WebhookBody, WebhookList, WebhookRefusal,
};

use super::{Json, Path, Staff};
use crate::db::{Conn, Db};
use crate::problem::{field_error, ApiError};
use crate::AppState;

/// The most deliveries a log shows.
pub const DELIVERY_LOG: u32 = 100;

/// Checks and registers a hook in the caller's transaction.
pub(crate) fn add(
    c: &Conn<'_>,
    body: &WebhookBody,
    now: DateTime<Utc>,
) -> Result<Webhook, ApiError> {
    let refused = |refusal: WebhookRefusal| {
        let message = refusal.to_string();
        ApiError::unprocessable(refusal.code(), message.clone()).with_errors(vec![field_error(
            refusal.field(),
            refusal.code(),
            message,
        )])
    };
    let checked = webhook::check_webhook(body).map_err(refused)?;
    // The sender's own parser must take it too (a host it cannot read, a bad port…).
    if reqwest::Url::parse(&checked.url).is_err() {
        return Err(refused(WebhookRefusal::InvalidUrl));
    }
    Ok(c.insert_webhook(&uuid::Uuid::new_v4().to_string(), &checked, now)?)
}

/// Whether a path's id can be a hook's (anything else answers the 404 of a missing hook).
fn valid_id(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

/// A hook's delivery log, newest first; `None` for a missing hook.
fn log(c: &Conn<'_>, id: &str) -> Result<Option<DeliveryList>, ApiError> {
    if !valid_id(id) || c.webhook(id)?.is_none() {
        return Ok(None);
    }
    Ok(Some(DeliveryList {
        items: c.deliveries(id, DELIVERY_LOG)?,
    }))
}

/// Registers a hook (staff only).
#[utoipa::path(post, path = "/api/v1/staff/webhooks", tag = "staff", request_body = WebhookBody,
    security(("bearer" = [])),
    responses((status = 201, body = Webhook, description = "The hook, without its secret"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_webhook_url, invalid_event_type or invalid_webhook_secret", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    Json(body): Json<WebhookBody>,
) -> Result<(StatusCode, Json<Webhook>), ApiError> {
    let now = state.now();
    let hook = state.write(move |c| add(c, &body, now)).await?;
    Ok((StatusCode::CREATED, Json(hook)))
}

/// Every hook, oldest first, without their secrets (staff only).
#[utoipa::path(get, path = "/api/v1/staff/webhooks", tag = "staff", security(("bearer" = [])),
    responses((status = 200, body = WebhookList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Staff(_staff): Staff,
) -> Result<Json<WebhookList>, ApiError> {
    let items = state.read(|c| Ok(c.webhooks()?)).await?;
    Ok(Json(WebhookList { items }))
}

/// Deletes a hook with its queue and log: nothing more is sent to it (staff only).
#[utoipa::path(delete, path = "/api/v1/staff/webhooks/{id}", tag = "staff", security(("bearer" = [])),
    params(("id" = String, Path, description = "The hook's id")),
    responses((status = 204, description = "Deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if !valid_id(&id) {
        return Err(ApiError::not_found());
    }
    let deleted = state.write(move |c| Ok(c.delete_webhook(&id)?)).await?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found())
    }
}

/// A hook's latest 100 deliveries, newest first, each with its tries (staff only).
#[utoipa::path(get, path = "/api/v1/staff/webhooks/{id}/deliveries", tag = "staff", security(("bearer" = [])),
    params(("id" = String, Path, description = "The hook's id")),
    responses((status = 200, body = DeliveryList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn deliveries(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    Path(id): Path<String>,
) -> Result<Json<DeliveryList>, ApiError> {
    let found = state.read(move |c| log(c, &id)).await?;
    found.map(Json).ok_or_else(ApiError::not_found)
}

/// `retour-server staff webhooks add`.
pub fn staff_webhook_add(
    db: &Db,
    body: &WebhookBody,
    now: DateTime<Utc>,
) -> Result<Webhook, ApiError> {
    db.write(|c| add(c, body, now))
}

/// `retour-server staff webhooks list`.
pub fn staff_webhooks(db: &Db) -> Result<Vec<Webhook>, ApiError> {
    db.read(|c| Ok(c.webhooks()?))
}

/// `retour-server staff webhooks delete`.
pub fn staff_webhook_delete(db: &Db, id: &str) -> Result<(), ApiError> {
    if !valid_id(id) || !db.write::<_, ApiError>(|c| Ok(c.delete_webhook(id)?))? {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// `retour-server staff webhooks deliveries`.
pub fn staff_webhook_deliveries(db: &Db, id: &str) -> Result<DeliveryList, ApiError> {
    db.read(|c| log(c, id))?.ok_or_else(ApiError::not_found)
}
