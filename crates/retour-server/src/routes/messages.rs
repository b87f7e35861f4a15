//! Messages on a return file, between the garage and the returns service (v1.1): written once
//! whatever the retries (`message_id`), each one an event of the file's timeline; also used by
//! `retour-server staff reply` and `staff messages`. A reply of the returns service notifies
//! the garage (and e-mails it, as its preferences say) in the same transaction.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use retour_domain::api::{Message, MessageBody, Problem};
use retour_domain::notification::{self, NotificationKind};
use retour_domain::photo::check_photo_ids;
use retour_domain::timeline::{self, Author};
use retour_domain::webhook::EventType;
use retour_domain::ErrorCode;

use super::dossiers::valid_number;
use super::{Customer, Json, Path, Staff};
use crate::db::{Conn, Db, NewMessage};
use crate::problem::ApiError;
use crate::AppState;

/// The name a message from the returns service is signed with when its account has none.
pub const STAFF_NAME: &str = "Service retours";

/// Writes a message on a file in one transaction: the file must exist (and be the customer's when
/// `customer` is given, else the 404 of a missing one), the text 1–2,000 characters, at most 5
/// photos, each uploaded by the file's customer (else `photo_missing`). A `message_id` the file
/// already has answers the message recorded then and adds nothing. A new message queues the
/// webhook event `dossier.message`.
pub(crate) fn write_message(
    c: &Conn<'_>,
    customer: Option<i64>,
    number: &str,
    author: Author,
    author_name: &str,
    body: &MessageBody,
    now: DateTime<Utc>,
) -> Result<Message, ApiError> {
    if !valid_number(number) {
        return Err(ApiError::not_found());
    }
    let Some(stored) = c.dossier(customer, number)? else {
        return Err(ApiError::not_found());
    };
    let message_id = body.message_id.to_string();
    if let Some(existing) = c.message(number, &message_id)? {
        return Ok(existing);
    }
    let text = timeline::message_body(&body.text)
        .map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    let photos = body.photos.clone().unwrap_or_default();
    check_photo_ids(&photos).map_err(|e| ApiError::unprocessable(e.code(), e.message()))?;
    // The photos are the file's customer's, uploaded first (staff show the garage's own).
    if !c.missing_photos(stored.customer_id, &photos)?.is_empty() {
        return Err(ApiError::of(ErrorCode::PhotoMissing));
    }
    let (message, added) = c.insert_message(
        number,
        &NewMessage {
            message_id: &message_id,
            at: now,
            author,
            author_name,
            text: &text,
            photos: &photos,
        },
    )?;
    if !added {
        return Ok(message);
    }
    let data = serde_json::json!({
        "customer": c.webhook_customer(stored.customer_id)?,
        "dossier": number,
        "message": message,
    });
    c.enqueue_webhook_event(EventType::DossierMessage, &data, now)?;
    // The garage is told of the returns service's replies, not of its own messages.
    if author == Author::Staff {
        let text = notification::message(number, author_name, &message.text);
        c.notify(
            stored.customer_id,
            NotificationKind::Message,
            Some(number),
            &text,
            now,
        )?;
    }
    Ok(message)
}

/// The writer's name: the account's, else `fallback`.
fn name_of(c: &Conn<'_>, account_id: i64, fallback: &str) -> Result<String, ApiError> {
    Ok(c.account_name(account_id)?
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| fallback.to_owned()))
}

/// The garage writes to the returns service about one of its files.
#[utoipa::path(post, path = "/api/v1/dossiers/{number}/messages", tag = "tracking", request_body = MessageBody,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The 8-digit tracking number")),
    responses((status = 201, body = Message, description = "The message (the same one again for a replayed message_id)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "message_empty, message_too_long, photo_missing or too_many_photos", body = Problem, content_type = "application/problem+json")))]
pub async fn customer_message(
    State(state): State<AppState>,
    Customer(principal, customer): Customer,
    Path(number): Path<String>,
    Json(body): Json<MessageBody>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let now = state.now();
    let message = state
        .write(move |c| {
            let name = name_of(c, principal.account_id, &principal.email)?;
            write_message(
                c,
                Some(customer),
                &number,
                Author::Customer,
                &name,
                &body,
                now,
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// The returns service writes to the garage about a file (staff only).
#[utoipa::path(post, path = "/api/v1/staff/dossiers/{number}/messages", tag = "staff", request_body = MessageBody,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The 8-digit tracking number")),
    responses((status = 201, body = Message, description = "The message (the same one again for a replayed message_id)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "message_empty, message_too_long, photo_missing or too_many_photos", body = Problem, content_type = "application/problem+json")))]
pub async fn staff_message(
    State(state): State<AppState>,
    Staff(principal): Staff,
    Path(number): Path<String>,
    Json(body): Json<MessageBody>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let now = state.now();
    let message = state
        .write(move |c| {
            let name = name_of(c, principal.account_id, STAFF_NAME)?;
            write_message(c, None, &number, Author::Staff, &name, &body, now)
        })
        .await?;
    state.wake_mail();
    Ok((StatusCode::CREATED, Json(message)))
}

/// `retour-server staff reply`: a message from the returns service, written directly to the
/// database (a new `message_id` each time).
pub fn staff_reply(
    db: &Db,
    number: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Message, ApiError> {
    let body = MessageBody {
        message_id: uuid::Uuid::new_v4(),
        text: text.to_owned(),
        photos: None,
    };
    db.write(|c| write_message(c, None, number, Author::Staff, STAFF_NAME, &body, now))
}

/// `retour-server staff messages`: a file's messages, oldest first.
pub fn staff_messages(db: &Db, number: &str) -> Result<Vec<Message>, ApiError> {
    db.read(|c| {
        if !valid_number(number) || c.dossier(None, number)?.is_none() {
            return Err(ApiError::not_found());
        }
        Ok(c.messages(number)?)
    })
}
