//! The driver's handover (v1.1): the garage's pending pickup (one signed, single-use token for
//! every file in `sent`, and its QR code's text), the printable manifest with the same QR, and
//! the staff's confirmation (`POST /staff/pickups`, also `retour-server staff pickup`), which
//! moves each file to `received` by the driver. The token's content and rules are
//! `retour_domain::pickup`'s; its HMAC is [`crate::pickup::PickupKey`]'s.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SubsecRound, Utc};
use chrono_tz::Europe::Paris;
use rand::RngCore;
use retour_domain::api::{
    DossierKind, PendingPickup, PickupConfirmation, Problem, StaffPickupBody,
};
use retour_domain::notification::{self, NotificationKind};
use retour_domain::pickup::{self, PickupError, PickupFile, PickupToken, TokenUse, QR_PREFIX};
use retour_domain::status::DossierStatus;
use retour_domain::webhook::EventType;
use retour_domain::ErrorCode;

use super::requests::hex_sha256;
use super::{Customer, Json, Staff};
use crate::db::{Conn, Db, StoredDossier};
use crate::pickup::PickupKey;
use crate::problem::{field_error, ApiError};
use crate::AppState;

/// What the garage hands the driver: the token, the files it covers, and the customer's code and
/// name (for the manifest).
type Pending = (PendingPickup, Vec<StoredDossier>, (String, String));

/// The files waiting for the driver and a new token over them, or `404 nothing_to_pickup`.
fn pending(
    c: &Conn<'_>,
    key: &PickupKey,
    customer: i64,
    now: DateTime<Utc>,
) -> Result<Pending, ApiError> {
    let files = c.files_to_pick_up(customer)?;
    if files.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NothingToPickup,
            "Aucun dossier n'attend l'enlèvement : les pièces déjà envoyées ont toutes été prises en charge.",
        ));
    }
    let (_, code, name) = c
        .customer_by_id(customer)?
        .ok_or_else(ApiError::not_found)?;
    let mut id = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let token = PickupToken::new(
        hex::encode(id),
        code.clone(),
        files
            .iter()
            .map(|d| PickupFile {
                number: d.number.clone(),
                pieces: d.piece_count,
            })
            .collect(),
        now,
    );
    let text = token.token(&key.sign(&token.payload()));
    let answer = PendingPickup {
        dossiers: token.files.iter().map(|f| f.number.clone()).collect(),
        pieces: token.pieces(),
        qr: format!("{QR_PREFIX}{text}"),
        token: text,
        expires_at: token.expires_at,
    };
    Ok((answer, files, (code, name)))
}

/// The garage's pending pickup: one token for every file waiting for the driver.
#[utoipa::path(get, path = "/api/v1/pickups/pending", tag = "pickup", security(("bearer" = [])),
    responses((status = 200, body = PendingPickup),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "nothing_to_pickup", body = Problem, content_type = "application/problem+json")))]
pub async fn pending_pickup(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
) -> Result<Json<PendingPickup>, ApiError> {
    let now = state.now();
    let key = state.pickup_key().clone();
    let (answer, ..) = state.read(move |c| pending(c, &key, customer, now)).await?;
    Ok(Json(answer))
}

/// The printable manifest of the pending pickup: the files, their pieces, the QR code.
#[utoipa::path(get, path = "/api/v1/pickups/pending/manifest.pdf", tag = "pickup", security(("bearer" = [])),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "nothing_to_pickup", body = Problem, content_type = "application/problem+json")))]
pub async fn manifest(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
) -> Result<Response, ApiError> {
    let now = state.now();
    let key = state.pickup_key().clone();
    let (answer, files, (code, name)) =
        state.read(move |c| pending(c, &key, customer, now)).await?;
    let doc = retour_preaccord::Manifest {
        customer_name: name,
        customer_code: code,
        made_at: now.with_timezone(&Paris).naive_local(),
        expires_at: answer.expires_at.with_timezone(&Paris).naive_local(),
        files: files
            .iter()
            .map(|d| retour_preaccord::ManifestFile {
                tracking_number: d.number.clone(),
                delivery_note: d.delivery_note.clone(),
                kind_label: match d.kind {
                    DossierKind::Return => "Retour",
                    DossierKind::Warranty => "Garantie",
                }
                .to_owned(),
                lines: d
                    .lines
                    .iter()
                    .map(|l| (l.reference.clone(), l.designation.clone(), l.qty))
                    .collect(),
            })
            .collect(),
        qr_text: answer.qr,
    };
    let bytes = tokio::task::spawn_blocking(move || retour_preaccord::render_manifest(&doc))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"bon-enlevement.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The driver confirms the handover (staff only): every file of the token still waiting moves
/// to `received`, by the driver.
#[utoipa::path(post, path = "/api/v1/staff/pickups", tag = "staff", request_body = StaffPickupBody,
    security(("bearer" = [])),
    responses((status = 200, body = PickupConfirmation, description = "The pickup; a replay of the same token and body answers the same"),
        (status = 400, description = "invalid_token (expired, forged, or already used with another body), or a malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_driver_name or invalid_parcels", body = Problem, content_type = "application/problem+json")))]
pub async fn staff_pickup_route(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    Json(body): Json<StaffPickupBody>,
) -> Result<Json<PickupConfirmation>, ApiError> {
    let now = state.now();
    let key = state.pickup_key().clone();
    let confirmation = state
        .write(move |c| apply_pickup(c, &key, &body, now))
        .await?;
    state.wake_mail();
    Ok(Json(confirmation))
}

fn refused(e: PickupError) -> ApiError {
    ApiError::bad_request(e.code(), e.message()).with_errors(vec![field_error(
        "token",
        e.code(),
        e.message(),
    )])
}

/// Applies a driver's confirmation in a transaction: the token authentic, used once (a replay of
/// the same body answers the first answer again), then each of its files still in `sent` moves
/// to `received` with the driver's event.
pub(crate) fn apply_pickup(
    c: &Conn<'_>,
    key: &PickupKey,
    body: &StaffPickupBody,
    now: DateTime<Utc>,
) -> Result<PickupConfirmation, ApiError> {
    // To the millisecond, as the timeline stores its instants: the answer and the events agree.
    let now = now.trunc_subsecs(3);
    let driver = pickup::driver_name(&body.driver_name);
    let parcels = pickup::parcels(body.parcels);
    let errors: Vec<_> = [driver.as_ref().err(), parcels.as_ref().err()]
        .into_iter()
        .flatten()
        .map(|e| field_error(e.field(), e.code(), e.to_string()))
        .collect();
    let (Ok(driver), Ok(parcels)) = (driver, parcels) else {
        let first = errors.first().cloned();
        let (code, detail) = first.map_or((ErrorCode::InvalidBody, String::new()), |e| {
            (ErrorCode::parse(&e.code), e.message)
        });
        return Err(ApiError::unprocessable(code, detail).with_errors(errors));
    };
    let token = PickupToken::authentic(&body.token, |payload, signature| {
        key.verify(payload, signature)
    })
    .map_err(refused)?;
    // The scan time (a confirmation made offline) is not part of the body's identity: the
    // device sending it again later is the same handover.
    let body_hash = hex_sha256(format!("{}\n{driver}\n{parcels}", token.id).as_bytes());
    let previous = c.pickup(&token.id)?;
    let used_before = previous.as_ref().map(|(hash, _)| *hash == body_hash);
    // Recorded at the driver's scan (within the token's life), and checked against expiry then.
    let now = token.handover_at(body.scanned_at, now).trunc_subsecs(3);
    match token.use_at(used_before, now).map_err(refused)? {
        TokenUse::Replay => {
            let (_, response) =
                previous.ok_or_else(|| ApiError::internal("replay without a pickup"))?;
            return serde_json::from_str(&response).map_err(ApiError::internal);
        }
        TokenUse::First => {}
    }
    let (customer_id, ..) = c
        .customer_by_code(&token.customer)?
        .ok_or_else(|| refused(PickupError::Forged))?;
    let text = pickup::event_text(&driver, parcels);
    let mut moved = Vec::new();
    for file in &token.files {
        let Some(stored) = c.dossier(Some(customer_id), &file.number)? else {
            continue;
        };
        // A file taken meanwhile (another token, the staff) stays as it is.
        if stored.status == DossierStatus::Sent {
            c.receive_by_driver(&file.number, now, &text)?;
            moved.push(file.number.clone());
        }
    }
    let confirmation = PickupConfirmation {
        pickup_id: token.id.clone(),
        at: now,
        dossiers: moved,
        driver_name: driver.clone(),
        parcels,
    };
    let response = serde_json::to_string(&confirmation).map_err(ApiError::internal)?;
    c.insert_pickup(
        &token.id,
        customer_id,
        &body_hash,
        &driver,
        parcels,
        now,
        &response,
        &confirmation.dossiers,
    )?;
    notify_customer_of_pickup(c, customer_id, &confirmation)?;
    Ok(confirmation)
}

/// "The customer is notified" of a pickup (API v1.1), in the pickup's transaction: one
/// notification (and its e-mail, by the account's preferences), and the webhook event
/// `pickup.confirmed` for the distributor's systems.
fn notify_customer_of_pickup(
    c: &Conn<'_>,
    customer_id: i64,
    pickup: &PickupConfirmation,
) -> Result<(), ApiError> {
    if pickup.dossiers.is_empty() {
        return Ok(());
    }
    let text = notification::pickup(&pickup.driver_name, pickup.parcels, &pickup.dossiers);
    let first = pickup.dossiers.first().map(String::as_str);
    c.notify(
        customer_id,
        NotificationKind::Pickup,
        first,
        &text,
        pickup.at,
    )?;
    let data = serde_json::json!({
        "customer": c.webhook_customer(customer_id)?,
        "pickup": pickup,
    });
    c.enqueue_webhook_event(EventType::PickupConfirmed, &data, pickup.at)?;
    Ok(())
}

/// `retour-server staff pickup`: the driver's confirmation applied directly to the database,
/// with the server's pickup key.
pub fn staff_pickup(
    db: &Db,
    key: &PickupKey,
    body: &StaffPickupBody,
    now: DateTime<Utc>,
) -> Result<PickupConfirmation, ApiError> {
    db.write(|c| apply_pickup(c, key, body, now))
}
