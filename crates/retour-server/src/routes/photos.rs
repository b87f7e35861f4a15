//! Photos (v1.1): `PUT /photos/{sha256}` (raw JPEG or PNG, at most 8 MiB, idempotent by its
//! hash: each customer its own copy, re-encoded without any metadata) and `GET /photos/{id}`
//! (the stored JPEG, to its customer and to staff; 404 to anyone else).

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use image::ImageFormat;
use retour_domain::api::{PhotoInfo, Problem, Role};
use retour_domain::photo::{is_photo_id, MAX_PHOTO_BYTES};
use retour_domain::ErrorCode;
use sha2::{Digest, Sha256};

use super::{Auth, Customer, Json, Path};
use crate::db::StoredPhoto;
use crate::problem::ApiError;
use crate::reencode::{reencode, ReencodeError};
use crate::AppState;

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        "La photo dépasse la taille maximale (8 Mio) : réduisez-la ou prenez-en une autre",
    )
}

/// The image format the `Content-Type` names: JPEG or PNG, else `415`.
fn declared_format(headers: &HeaderMap) -> Result<ImageFormat, ApiError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/jpeg" => Ok(ImageFormat::Jpeg),
        "image/png" => Ok(ImageFormat::Png),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Envoyez la photo telle quelle, en image/jpeg ou image/png",
        )),
    }
}

/// Uploads a photo: the body's SHA-256 must be the address's; stored re-encoded as JPEG (long
/// side at most 2048 px, every metadata block removed). `200` when the customer already has it.
#[utoipa::path(put, path = "/api/v1/photos/{id}", tag = "returns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The SHA-256 of the body, lowercase hex (64 digits): the photo's id")),
    request_body(content = Vec<u8>, description = "The photo as taken: a JPEG (image/jpeg) or a PNG (image/png, with that Content-Type), at most 8 MiB", content_type = "image/jpeg"),
    responses((status = 201, body = PhotoInfo, description = "Stored"),
        (status = 200, body = PhotoInfo, description = "The customer already had it"),
        (status = 400, description = "hash_mismatch", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for staff", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "more than 8 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type: not image/jpeg nor image/png", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_image", body = Problem, content_type = "application/problem+json")))]
pub async fn put_photo(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let format = declared_format(&headers)?;
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > MAX_PHOTO_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_PHOTO_BYTES)
        .await
        .map_err(|_| too_large())?;
    if !is_photo_id(&sha256) || hex::encode(Sha256::digest(&bytes)) != sha256 {
        return Err(ApiError::of(ErrorCode::HashMismatch));
    }
    let id = sha256.clone();
    if let Some(info) = state
        .read(move |c| Ok(c.photo_info(customer, &id)?))
        .await?
    {
        return Ok((StatusCode::OK, Json(info)).into_response());
    }
    let reencoded = tokio::task::spawn_blocking(move || reencode(&bytes, format))
        .await
        .map_err(ApiError::internal)?
        .map_err(|ReencodeError::Invalid(why)| {
            tracing::debug!(%why, "photo refused");
            ApiError::of(ErrorCode::InvalidImage)
        })?;
    let photo = StoredPhoto {
        id: sha256,
        width: reencoded.width,
        height: reencoded.height,
        data: reencoded.jpeg,
    };
    let now = state.now();
    let (added, info) = state
        .write(move |c| {
            let added = c.insert_photo(customer, &photo, now)?;
            let info = c
                .photo_info(customer, &photo.id)?
                .ok_or_else(|| ApiError::internal("photo not stored"))?;
            Ok::<_, ApiError>((added, info))
        })
        .await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(info)).into_response())
}

/// A photo as stored (JPEG, no metadata): to the customer that uploaded it and to staff.
#[utoipa::path(get, path = "/api/v1/photos/{id}", tag = "returns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The photo's id")),
    responses((status = 200, description = "The JPEG", content_type = "image/jpeg", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "unknown, or another customer's", body = Problem, content_type = "application/problem+json")))]
pub async fn get_photo(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !is_photo_id(&id) {
        return Err(ApiError::not_found());
    }
    let customer = owner_scope(principal.role, principal.customer_id)?;
    let data = state
        .read(move |c| Ok(c.photo_data(customer, &id)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(stored_file("image/jpeg", data))
}

/// Whose stored files a reader may read: staff every customer's (`None`), a customer its own; an
/// account with no customer reads nothing (the 404 of a missing id). Photos and documents alike.
pub(super) fn owner_scope(role: Role, customer_id: Option<i64>) -> Result<Option<i64>, ApiError> {
    match (role, customer_id) {
        (Role::Staff, _) => Ok(None),
        (Role::Customer, Some(customer)) => Ok(Some(customer)),
        (Role::Customer, None) => Err(ApiError::not_found()),
    }
}

/// A stored file (a photo, a document) as answered: its type, cached privately for good (its id
/// is the hash of its bytes).
pub(super) fn stored_file(content_type: &'static str, data: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        data,
    )
        .into_response()
}
