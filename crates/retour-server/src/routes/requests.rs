//! Return requests: `POST /return-requests` (idempotent, atomic: eligibility, the request's
//! number, one file per BL, sent lines out of the cart, all in one transaction) and the pré-accord
//! PDF.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use retour_domain::api::{
    CustomerRef, Problem, RequestRef, ReturnRequest, ReturnRequestBody, ReturnRequestLine,
};
use retour_domain::cart_line::{EditRefusal, LineEdit};
use retour_domain::grouping::{check_line_count, group_by_delivery_note};
use retour_domain::photo::check_line_photos;
use retour_domain::reason::{total, ReasonCode, ReasonTable};
use retour_domain::webhook::EventType;
use retour_domain::BlNumber;
use retour_domain::ErrorCode;
use sha2::{Digest, Sha256};

use super::cart::remove_lines;
use super::catalog::rules;
use super::{Customer, Json, Path};
use crate::convert::{self, prices};
use crate::db::{Conn, StoredDossier, StoredDossierLine, StoredRequest};
use crate::mail::OutgoingMail;
use crate::problem::{field_error, ApiError};
use crate::{pdf, AppState};

/// The longest idempotency key.
pub const MAX_KEY_LEN: usize = 64;

pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers.get("idempotency-key").ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::IdempotencyKeyRequired,
            "L'en-tête Idempotency-Key est obligatoire",
        )
    })?;
    let key = value.to_str().map(str::trim).unwrap_or("");
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidIdempotencyKey,
            "L'en-tête Idempotency-Key doit contenir de 1 à 64 caractères imprimables",
        ));
    }
    Ok(key.to_owned())
}

/// The request answered, and whether it was a replay of an earlier one.
struct Submitted {
    request: ReturnRequest,
    replayed: bool,
}

fn created(request: &ReturnRequest) -> Response {
    (StatusCode::CREATED, axum::Json(request)).into_response()
}

/// Sends a return request: one file per BL.
#[utoipa::path(post, path = "/api/v1/return-requests", tag = "returns", request_body = ReturnRequestBody,
    security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, pattern = "^[!-~]{1,64}$", description = "Required, 1–64 printable ASCII characters; a replay answers the same 201")),
    responses((status = 201, body = ReturnRequest),
        (status = 400, description = "idempotency_key_required or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "service_closed (with next_change) or forbidden", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "quantity_exceeded (per-line errors) or request_in_progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "idempotency_mismatch, reason_required, reason_not_allowed, photo_required, photo_missing, too_many_photos, empty_request, too_many_lines (more than 500 lines), duplicate_line, unknown_line, invalid_quantity", body = Problem, content_type = "application/problem+json")))]
pub async fn submit(
    State(state): State<AppState>,
    Customer(principal, customer): Customer,
    headers: HeaderMap,
    Json(body): Json<ReturnRequestBody>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let body_hash = hex_sha256(&serde_json::to_vec(&body).map_err(ApiError::internal)?);
    // Every rule that needs no stored data, before the write transaction: an invalid or huge
    // request is answered without waiting for, nor holding, the writer.
    let wanted = check_lines(body.lines, state.reasons())?;
    let Some(_in_flight) = state.begin_idempotent(principal.account_id, &key) else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::RequestInProgress,
            "Cette demande est déjà en cours de traitement, veuillez patienter",
        ));
    };
    let now = state.now();
    let st = state.clone();
    let account_id = principal.account_id;
    let preaccord_email = principal.email.clone();
    let submitted = state
        .write(move |c| {
            if let Some((stored_hash, response)) = c.idempotency_record(account_id, &key)? {
                if stored_hash != body_hash {
                    return Err(ApiError::unprocessable(
                        ErrorCode::IdempotencyMismatch,
                        "Cette clé d'idempotence a déjà servi pour une autre demande",
                    ));
                }
                let request: ReturnRequest =
                    serde_json::from_str(&response).map_err(ApiError::internal)?;
                return Ok(Submitted {
                    request,
                    replayed: true,
                });
            }
            let schedule = &st.config().schedule;
            if !schedule.is_open(now) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::ServiceClosed,
                    "Désolé — LE SERVICE EST ACTUELLEMENT FERMÉ",
                )
                .with_next_change(schedule.next_change(now)));
            }
            let request = create_request(
                c,
                &st,
                Sender {
                    customer,
                    account_id,
                    // The account's pré-accord address (`PUT /me/preferences`), else its login.
                    preaccord_email: c
                        .preaccord_address(account_id)?
                        .unwrap_or_else(|| preaccord_email.clone()),
                },
                wanted.clone(),
                now,
            )?;
            let response = serde_json::to_string(&request).map_err(ApiError::internal)?;
            c.insert_idempotency_record(account_id, &key, &body_hash, &request.id, &response, now)?;
            let customer = c
                .account_by_id(account_id)?
                .and_then(|a| a.customer)
                .map(|c| CustomerRef {
                    code: c.code,
                    name: c.name,
                });
            // The pré-accord is queued with the request: it is sent even if the mail server is
            // away now or the process stops right after the commit.
            if let Some(customer) = &customer {
                let mail = OutgoingMail::Preaccord {
                    to: request.preaccord_email.clone(),
                    customer: customer.clone(),
                    request: request.clone(),
                };
                c.enqueue_mail(&mail.to_json()?, now)?;
            }
            let data = serde_json::json!({"customer": customer, "request": request});
            c.enqueue_webhook_event(EventType::ReturnRequestCreated, &data, now)?;
            Ok(Submitted {
                request,
                replayed: false,
            })
        })
        .await?;
    if !submitted.replayed {
        state.wake_mail();
    }
    Ok(created(&submitted.request))
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn line_field(index: usize, field: &str) -> String {
    format!("lines[{index}].{field}")
}

/// Who sends a request: the customer, the account, and where its pré-accord goes.
struct Sender {
    customer: i64,
    account_id: i64,
    preaccord_email: String,
}

/// A line that passed the checks needing no stored data, with its index in the body.
#[derive(Clone)]
struct Wanted {
    index: usize,
    line_no: u32,
    qty: u32,
    reason: ReasonCode,
    photos: Vec<String>,
}

/// The lines of one future return file.
#[derive(Clone)]
struct WantedFile {
    delivery_note: String,
    lines: Vec<Wanted>,
}

fn fail<T>(
    status: StatusCode,
    code: ErrorCode,
    detail: &str,
    errors: Vec<retour_domain::api::FieldError>,
) -> Result<T, ApiError> {
    Err(ApiError::new(status, code, detail).with_errors(errors))
}

/// Checks a request's lines against every rule that needs no stored data, and groups them by BL:
/// 1 to 500 lines, well-formed BL numbers (normalised, so that "２５０…" and "250…" are the same
/// line), no line twice, a reason for each line that the reason table knows, at least one unit.
fn check_lines(
    lines: Vec<ReturnRequestLine>,
    reasons: &ReasonTable,
) -> Result<Vec<WantedFile>, ApiError> {
    check_line_count(lines.len()).map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    let mut errors = Vec::new();
    let mut normalised = Vec::with_capacity(lines.len());
    for (i, mut line) in lines.into_iter().enumerate() {
        match BlNumber::parse(&line.delivery_note) {
            Ok(bl) => line.delivery_note = bl.as_str().to_owned(),
            Err(e) => errors.push(field_error(
                line_field(i, "delivery_note"),
                e.code(),
                e.message(),
            )),
        }
        normalised.push(Indexed(i, line));
    }
    if !errors.is_empty() {
        return Err(
            ApiError::unprocessable(ErrorCode::UnknownLine, "Numéro de BL invalide")
                .with_errors(errors),
        );
    }
    let groups = group_by_delivery_note(normalised)
        .map_err(|e| ApiError::unprocessable(e.code(), e.to_string()))?;
    let mut missing_reason = Vec::new();
    let mut bad_qty = Vec::new();
    let mut not_allowed = Vec::new();
    let mut bad_photos: Vec<(ErrorCode, retour_domain::api::FieldError)> = Vec::new();
    let mut files = Vec::with_capacity(groups.len());
    for group in groups {
        let mut wanted = Vec::with_capacity(group.lines.len());
        for Indexed(i, line) in group.lines {
            let Some(reason) = line.reason else {
                missing_reason.push(field_error(
                    line_field(i, "reason"),
                    ErrorCode::ReasonRequired,
                    "Veuillez choisir un motif de retour",
                ));
                continue;
            };
            if line.qty == 0 {
                let refusal = EditRefusal::InvalidQuantity;
                bad_qty.push(field_error(
                    line_field(i, "qty"),
                    refusal.code(),
                    refusal.message(),
                ));
                continue;
            }
            if reasons.get(reason.as_str()).is_none() {
                let refusal = EditRefusal::ReasonNotAllowed;
                not_allowed.push(field_error(
                    line_field(i, "reason"),
                    refusal.code(),
                    refusal.message(),
                ));
                continue;
            }
            if let Err(refusal) =
                check_line_photos(&line.photos, reasons.photo_rule(reason.as_str()))
            {
                bad_photos.push((
                    refusal.code(),
                    field_error(line_field(i, "photos"), refusal.code(), refusal.message()),
                ));
                continue;
            }
            wanted.push(Wanted {
                index: i,
                line_no: line.line_no,
                qty: line.qty,
                reason,
                photos: line.photos,
            });
        }
        files.push(WantedFile {
            delivery_note: group.delivery_note,
            lines: wanted,
        });
    }
    for (errors, code, detail) in [
        (
            missing_reason,
            ErrorCode::ReasonRequired,
            "Chaque ligne doit avoir un motif de retour",
        ),
        (bad_qty, ErrorCode::InvalidQuantity, "Quantité invalide"),
        (
            not_allowed,
            ErrorCode::ReasonNotAllowed,
            "Ce motif n'est pas autorisé pour cette ligne",
        ),
    ] {
        if !errors.is_empty() {
            return fail(StatusCode::UNPROCESSABLE_ENTITY, code, detail, errors);
        }
    }
    if let Some((code, _)) = bad_photos.first() {
        let code = code.clone();
        let detail = code.french();
        let errors = bad_photos.into_iter().map(|(_, e)| e).collect();
        return fail(StatusCode::UNPROCESSABLE_ENTITY, code, detail, errors);
    }
    Ok(files)
}

/// Checks the checked lines against the stored BLs (the customer's, eligible quantities, reasons
/// the line allows) and records the request with its number, its files and their lines.
fn create_request(
    c: &Conn<'_>,
    state: &AppState,
    sender: Sender,
    groups: Vec<WantedFile>,
    now: DateTime<Utc>,
) -> Result<ReturnRequest, ApiError> {
    let Sender {
        customer,
        account_id,
        preaccord_email,
    } = sender;
    let rules = rules(state);
    let mut bad_qty = Vec::new();
    let mut unknown = Vec::new();
    let mut not_allowed = Vec::new();
    let mut exceeded = Vec::new();
    let mut missing_photos = Vec::new();
    let mut checked = Vec::new();
    for group in &groups {
        for line in &group.lines {
            let i = line.index;
            let reason = &line.reason;
            if !c.missing_photos(customer, &line.photos)?.is_empty() {
                let code = ErrorCode::PhotoMissing;
                missing_photos.push(field_error(
                    line_field(i, "photos"),
                    code.clone(),
                    code.french(),
                ));
            }
            let stored = c.delivery_line(customer, &group.delivery_note, line.line_no)?;
            let edit = LineEdit {
                qty: Some(line.qty),
                reason: Some(reason.as_str()),
                current_qty: None,
            };
            let checked_line = rules.check_edit(&edit, stored.as_ref()).and_then(|()| {
                let stored = stored.ok_or(EditRefusal::UnknownLine)?;
                let estimate = rules
                    .reasons
                    .estimate(reason.as_str(), &prices(&stored), line.qty)
                    .map_err(|_| EditRefusal::ReasonNotAllowed)?;
                Ok((stored, estimate))
            });
            let (stored, estimate) = match checked_line {
                Ok(checked_line) => checked_line,
                Err(refusal) => {
                    let (list, field) = match refusal {
                        EditRefusal::InvalidQuantity => (&mut bad_qty, "qty"),
                        EditRefusal::UnknownLine => (&mut unknown, "line_no"),
                        EditRefusal::ReasonNotAllowed => (&mut not_allowed, "reason"),
                        EditRefusal::QuantityExceeded { .. } => (&mut exceeded, "qty"),
                    };
                    list.push(field_error(
                        line_field(i, field),
                        refusal.code(),
                        refusal.message(),
                    ));
                    continue;
                }
            };
            checked.push((
                group.delivery_note.clone(),
                stored,
                line.qty,
                reason.clone(),
                estimate,
                line.photos.clone(),
            ));
        }
    }
    if !bad_qty.is_empty() {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidQuantity,
            "Quantité invalide",
            bad_qty,
        );
    }
    if !unknown.is_empty() {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnknownLine,
            "Une ligne de la demande est introuvable",
            unknown,
        );
    }
    if !not_allowed.is_empty() {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ReasonNotAllowed,
            "Ce motif n'est pas autorisé pour cette ligne",
            not_allowed,
        );
    }
    if !missing_photos.is_empty() {
        return fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::PhotoMissing,
            ErrorCode::PhotoMissing.french(),
            missing_photos,
        );
    }
    if !exceeded.is_empty() {
        return fail(
            StatusCode::CONFLICT,
            ErrorCode::QuantityExceeded,
            "Quantité supérieure à la quantité éligible",
            exceeded,
        );
    }

    let reference = RequestRef {
        id: uuid::Uuid::new_v4().to_string(),
        number: c.next_request_number(now)?,
        preaccord_email,
    };
    let mut dossiers = Vec::new();
    for group in &groups {
        let lines: Vec<_> = checked
            .iter()
            .filter(|(bl, ..)| *bl == group.delivery_note)
            .collect();
        let Some((_, first, ..)) = lines.first() else {
            continue;
        };
        let stored_lines: Vec<StoredDossierLine> = lines
            .iter()
            .map(
                |(_, stored, qty, reason, estimate, photos)| StoredDossierLine {
                    line_no: stored.line_no,
                    reference: stored.reference.clone(),
                    designation: stored.designation.clone(),
                    qty: *qty,
                    reason: reason.as_str().to_owned(),
                    estimated_credit: *estimate,
                    unit_price: stored.unit_price,
                    deposit: stored.deposit,
                    accepted_qty: None,
                    decision: None,
                    photos: photos.clone(),
                },
            )
            .collect();
        let dossier = StoredDossier {
            kind: retour_domain::api::DossierKind::Return,
            number: c.next_dossier_number()?,
            customer_id: customer,
            request: Some(reference.clone()),
            delivery_note: group.delivery_note.clone(),
            sale_date: first.delivered_on,
            created_at: now,
            status: retour_domain::status::DossierStatus::Sent,
            estimated_credit: total(stored_lines.iter().map(|l| l.estimated_credit)),
            piece_count: stored_lines.iter().map(|l| l.qty).sum(),
            closure: None,
            lines: stored_lines,
        };
        dossiers.push(dossier);
    }
    let estimated_total = dossiers.iter().map(|d| d.estimated_credit).sum();
    c.insert_return_request(&reference, customer, account_id, now, estimated_total)?;
    for dossier in &dossiers {
        c.insert_dossier(dossier)?;
        c.insert_history(&dossier.number, dossier.status, now)?;
        let photos = dossier.lines.iter().map(|l| l.photos.len()).sum();
        c.insert_photos_event(&dossier.number, now, photos)?;
    }
    let sent: Vec<(String, u32)> = checked
        .iter()
        .map(|(bl, stored, ..)| (bl.clone(), stored.line_no))
        .collect();
    let now_ms = u64::try_from(now.timestamp_millis()).unwrap_or(0);
    remove_lines(c, customer, &sent, now_ms)?;
    Ok(convert::return_request(&StoredRequest {
        reference,
        created_at: now,
        estimated_total,
        dossiers,
    }))
}

/// A request line with its index in the body, for per-line errors.
struct Indexed(usize, ReturnRequestLine);

impl retour_domain::grouping::RequestLine for Indexed {
    fn delivery_note(&self) -> &str {
        &self.1.delivery_note
    }

    fn line_no(&self) -> u32 {
        self.1.line_no
    }
}

/// The pré-accord de retour of a request, as a PDF.
#[utoipa::path(get, path = "/api/v1/return-requests/{id}/preaccord.pdf", tag = "returns", security(("bearer" = [])),
    params(("id" = String, Path, description = "The request id")),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn preaccord(
    State(state): State<AppState>,
    Customer(principal, customer): Customer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if id.len() > 64 {
        return Err(ApiError::not_found());
    }
    let account_id = principal.account_id;
    let (stored, account) = state
        .read(move |c| {
            Ok((
                c.return_request(customer, &id)?,
                c.account_by_id(account_id)?,
            ))
        })
        .await?;
    let stored = stored.ok_or_else(ApiError::not_found)?;
    let customer = account
        .and_then(|a| a.customer)
        .map(|c| CustomerRef {
            code: c.code,
            name: c.name,
        })
        .ok_or_else(ApiError::not_found)?;
    let request = convert::return_request(&stored);
    let reasons = state.reasons().clone();
    let (bytes, file_name) =
        tokio::task::spawn_blocking(move || pdf::preaccord(&customer, &request, &reasons))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{file_name}\""))
        .map_err(ApiError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
