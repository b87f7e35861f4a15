//! Documents (v1.1): `PUT /documents/{sha256}` (a raw PDF, at most 8 MiB, idempotent by its hash:
//! each customer its own copy, written again without its metadata) and `GET /documents/{id}` (the
//! stored PDF, to its customer and to staff; 404 to anyone else). A warranty claim's fitting
//! invoice is one of these, or a photo.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use retour_domain::api::{DocumentInfo, Problem};
use retour_domain::photo::is_photo_id;
use retour_domain::warranty::MAX_DOCUMENT_BYTES;
use retour_domain::ErrorCode;
use sha2::{Digest, Sha256};

use super::{Auth, Customer, Json, Path};
use crate::db::StoredDocument;
use crate::problem::ApiError;
use crate::scrub_pdf::{scrub_pdf, ScrubError};
use crate::AppState;

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        "Le document dépasse la taille maximale (8 Mio) : photographiez plutôt la facture",
    )
}

/// `application/pdf` or `415`.
fn check_media_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/pdf") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "Envoyez le document tel quel, en application/pdf",
        ))
    }
}

/// Uploads a PDF: the body's SHA-256 must be the address's; stored written again without its
/// metadata (document information, XMP). `200` when the customer already has it.
#[utoipa::path(put, path = "/api/v1/documents/{id}", tag = "warranty",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The SHA-256 of the body, lowercase hex (64 digits): the document's id")),
    request_body(content = Vec<u8>, description = "The PDF as it is (application/pdf), at most 8 MiB", content_type = "application/pdf"),
    responses((status = 201, body = DocumentInfo, description = "Stored"),
        (status = 200, body = DocumentInfo, description = "The customer already had it"),
        (status = 400, description = "hash_mismatch", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for staff", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "more than 8 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type: not application/pdf", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_document: not a readable PDF with a page (or protected by a password)", body = Problem, content_type = "application/problem+json")))]
pub async fn put_document(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    check_media_type(&headers)?;
    let declared_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared_length.is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_DOCUMENT_BYTES)
        .await
        .map_err(|_| too_large())?;
    if !is_photo_id(&sha256) || hex::encode(Sha256::digest(&bytes)) != sha256 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::HashMismatch,
            "Le document reçu ne correspond pas à son empreinte : envoyez-le de nouveau",
        ));
    }
    let id = sha256.clone();
    if let Some(info) = state
        .read(move |c| Ok(c.document_info(customer, &id)?))
        .await?
    {
        return Ok((StatusCode::OK, Json(info)).into_response());
    }
    let scrubbed = tokio::task::spawn_blocking(move || scrub_pdf(&bytes))
        .await
        .map_err(ApiError::internal)?
        .map_err(|ScrubError::Invalid(why)| {
            tracing::debug!(%why, "document refused");
            ApiError::of(ErrorCode::InvalidDocument)
        })?;
    let document = StoredDocument {
        id: sha256,
        pages: scrubbed.pages,
        data: scrubbed.data,
    };
    let now = state.now();
    let (added, info) = state
        .write(move |c| {
            let added = c.insert_document(customer, &document, now)?;
            let info = c
                .document_info(customer, &document.id)?
                .ok_or_else(|| ApiError::internal("document not stored"))?;
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

/// A document as stored (PDF, no metadata): to the customer that uploaded it and to staff.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "warranty",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The document's id")),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "unknown, or another customer's", body = Problem, content_type = "application/problem+json")))]
pub async fn get_document(
    State(state): State<AppState>,
    Auth(principal): Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !is_photo_id(&id) {
        return Err(ApiError::not_found());
    }
    let customer = super::photos::owner_scope(principal.role, principal.customer_id)?;
    let data = state
        .read(move |c| Ok(c.document_data(customer, &id)?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(super::photos::stored_file("application/pdf", data))
}
