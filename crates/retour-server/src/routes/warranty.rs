//! Warranty claims (v1.1): `POST /warranty-claims` makes one file of kind `warranty` from one BL
//! line, idempotent on its key like a return request, with its request number and pré-accord
//! ("Garantie"). Every rule is `retour_domain::warranty`'s; this handler reads the line and
//! writes the claim in one transaction.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use retour_domain::api::{
    CustomerRef, Dossier, DossierKind, Problem, RequestRef, ReturnRequest, WarrantyClaimBody,
    WarrantyInfo,
};
use retour_domain::status::DossierStatus;
use retour_domain::warranty::{check_claim, ClaimInput, ClaimLine, FieldIssue};
use retour_domain::webhook::EventType;
use retour_domain::{BlNumber, ErrorCode, Money};

use super::requests::{hex_sha256, idempotency_key};
use super::{Customer, Json};
use crate::convert::WARRANTY_REASON;
use crate::db::{Conn, StoredDossier, StoredDossierLine};
use crate::mail::OutgoingMail;
use crate::problem::{field_error, ApiError};
use crate::AppState;

/// Sends a warranty claim: one file of kind `warranty`.
#[utoipa::path(post, path = "/api/v1/warranty-claims", tag = "warranty", request_body = WarrantyClaimBody,
    security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, pattern = "^[!-~]{1,64}$", description = "Required, 1–64 printable ASCII characters; a replay answers the same 201")),
    responses((status = 201, body = Dossier, description = "The file, kind warranty, with its claim"),
        (status = 400, description = "idempotency_key_required or malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "service_closed (with next_change) or forbidden", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such BL line for this customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "request_in_progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "per-field errors: invalid_vin, invalid_registration, invalid_vehicle, date_order, km_order, warranty_expired, invalid_symptom, photo_required, photo_missing, too_many_photos, invalid_quantity, quantity_exceeded, invalid_format; or idempotency_mismatch", body = Problem, content_type = "application/problem+json")))]
pub async fn submit(
    State(state): State<AppState>,
    Customer(principal, customer): Customer,
    headers: HeaderMap,
    Json(body): Json<WarrantyClaimBody>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let mut hashed = b"warranty-claim\n".to_vec();
    hashed.extend(serde_json::to_vec(&body).map_err(ApiError::internal)?);
    let body_hash = hex_sha256(&hashed);
    let delivery_note = BlNumber::parse(&body.delivery_note).map_err(|e| {
        ApiError::unprocessable(e.code(), e.message()).with_errors(vec![field_error(
            "delivery_note",
            e.code(),
            e.message(),
        )])
    })?;
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
    let (dossier, replayed) = state
        .write(move |c| {
            if let Some((stored_hash, response)) = c.idempotency_record(account_id, &key)? {
                if stored_hash != body_hash {
                    return Err(ApiError::unprocessable(
                        ErrorCode::IdempotencyMismatch,
                        "Cette clé d'idempotence a déjà servi pour une autre demande",
                    ));
                }
                let dossier: Dossier =
                    serde_json::from_str(&response).map_err(ApiError::internal)?;
                return Ok((dossier, true));
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
            let claim = Claim {
                customer,
                account_id,
                // The account's pré-accord address (`PUT /me/preferences`), else its login.
                preaccord_email: c
                    .preaccord_address(account_id)?
                    .unwrap_or_else(|| preaccord_email.clone()),
                delivery_note: delivery_note.as_str().to_owned(),
                warranty_months: st.config().warranty_months,
            };
            let dossier = create_claim(c, &claim, &body, now)?;
            let response = serde_json::to_string(&dossier).map_err(ApiError::internal)?;
            let request_id = dossier.request.as_ref().map_or("", |r| r.id.as_str());
            c.insert_idempotency_record(account_id, &key, &body_hash, request_id, &response, now)?;
            if let (Some(customer), Some(request)) =
                (c.customer_by_id(customer)?, dossier.request.as_ref())
            {
                // The pré-accord ("Garantie") is queued with the claim, as for a return request.
                let mail = OutgoingMail::Preaccord {
                    to: request.preaccord_email.clone(),
                    customer: CustomerRef {
                        code: customer.1,
                        name: customer.2,
                    },
                    request: ReturnRequest {
                        id: request.id.clone(),
                        number: request.number.clone(),
                        preaccord_email: request.preaccord_email.clone(),
                        created_at: dossier.created_at,
                        estimated_total_ht: dossier.estimated_credit_ht,
                        dossiers: vec![dossier.clone()],
                    },
                };
                c.enqueue_mail(&mail.to_json()?, now)?;
            }
            let data = serde_json::json!({
                "customer": c.webhook_customer(customer)?,
                "dossier": dossier,
            });
            c.enqueue_webhook_event(EventType::WarrantyClaimCreated, &data, now)?;
            Ok((dossier, false))
        })
        .await?;
    if !replayed {
        state.wake_mail();
    }
    Ok((StatusCode::CREATED, axum::Json(dossier)).into_response())
}

/// Who claims, on which BL, and the warranty window.
struct Claim {
    customer: i64,
    account_id: i64,
    preaccord_email: String,
    delivery_note: String,
    warranty_months: u32,
}

/// Checks the claim against its BL line and records the file, its request, its claim and its
/// first event.
fn create_claim(
    c: &Conn<'_>,
    claim: &Claim,
    body: &WarrantyClaimBody,
    now: DateTime<Utc>,
) -> Result<Dossier, ApiError> {
    let line = c
        .delivery_line(claim.customer, &claim.delivery_note, body.line_no)?
        .ok_or_else(ApiError::not_found)?;
    let window = ClaimLine {
        delivered_on: line.delivered_on,
        delivered: line.delivered,
        taken: line
            .returned_before
            .saturating_add(line.in_closed)
            .saturating_add(line.in_open),
        warranty_months: claim.warranty_months,
    };
    let documents = body.documents.clone().unwrap_or_default();
    let input = ClaimInput {
        qty: body.qty,
        vin: &body.vin,
        registration: body.registration.as_deref(),
        vehicle: body.vehicle.as_deref(),
        fitted_on: body.fitted_on,
        fitted_km: body.fitted_km,
        failed_on: body.failed_on,
        failed_km: body.failed_km,
        symptom: &body.symptom,
        photos: &body.photos,
        documents: &documents,
    };
    // Photos and documents are checked as ids here; that each document is one of this
    // customer's documents (`PUT /documents`) or photos (`PUT /photos`), below.
    let mut checked = check_claim(&input, Some(&window), now);
    if !c.missing_documents(claim.customer, &documents)?.is_empty() {
        let issue = FieldIssue::new(
            "documents",
            ErrorCode::PhotoMissing,
            "Document introuvable : envoyez-le de nouveau.",
        );
        checked = match checked {
            Ok(_) => Err(vec![issue]),
            Err(mut issues) => {
                if !issues.iter().any(|i| i.field == "documents") {
                    issues.push(issue);
                }
                Err(issues)
            }
        };
    }
    let checked = checked.map_err(|issues| {
        let first = issues
            .first()
            .map(|i| (i.code.clone(), i.message.clone()))
            .unwrap_or((ErrorCode::InvalidBody, String::new()));
        let errors = issues
            .into_iter()
            .map(|i| field_error(i.field, i.code, i.message))
            .collect();
        let detail = if first.1.is_empty() {
            "Vérifiez les champs signalés".to_owned()
        } else {
            first.1
        };
        ApiError::unprocessable(first.0, detail).with_errors(errors)
    })?;
    let reference = RequestRef {
        id: uuid::Uuid::new_v4().to_string(),
        number: c.next_request_number(now)?,
        preaccord_email: claim.preaccord_email.clone(),
    };
    let stored = StoredDossier {
        kind: DossierKind::Warranty,
        number: c.next_dossier_number()?,
        customer_id: claim.customer,
        request: Some(reference.clone()),
        delivery_note: claim.delivery_note.clone(),
        sale_date: line.delivered_on,
        created_at: now,
        status: DossierStatus::Sent,
        estimated_credit: Money::ZERO,
        piece_count: body.qty,
        closure: None,
        lines: vec![StoredDossierLine {
            line_no: line.line_no,
            reference: line.reference.clone(),
            designation: line.designation.clone(),
            qty: body.qty,
            reason: WARRANTY_REASON.to_owned(),
            estimated_credit: None,
            unit_price: line.unit_price,
            deposit: line.deposit,
            accepted_qty: None,
            decision: None,
            photos: Vec::new(),
        }],
    };
    let info = WarrantyInfo {
        line_no: line.line_no,
        qty: body.qty,
        vin: checked.vin.as_str().to_owned(),
        registration: checked.registration.map(|r| r.as_str().to_owned()),
        vehicle: checked.vehicle,
        fitted_on: body.fitted_on,
        fitted_km: body.fitted_km,
        failed_on: body.failed_on,
        failed_km: body.failed_km,
        symptom: checked.symptom,
        photos: body.photos.clone(),
        documents,
        warranty_ends_on: window.warranty_ends_on(),
        warnings: checked
            .warnings
            .into_iter()
            .map(|w| field_error(w.field, w.code, w.message))
            .collect(),
    };
    c.insert_return_request(
        &reference,
        claim.customer,
        claim.account_id,
        now,
        Money::ZERO,
    )?;
    c.insert_dossier(&stored)?;
    c.insert_warranty_claim(
        &stored.number,
        claim.customer,
        &claim.delivery_note,
        &info,
        now,
    )?;
    c.insert_claim_history(
        &stored.number,
        now,
        &retour_domain::warranty::claim_text(&info.vin),
    )?;
    c.insert_photos_event(
        &stored.number,
        now,
        info.photos.len() + info.documents.len(),
    )?;
    let stored = c
        .dossier(Some(claim.customer), &stored.number)?
        .ok_or_else(ApiError::not_found)?;
    super::dossiers::detail(c, &stored)
}
