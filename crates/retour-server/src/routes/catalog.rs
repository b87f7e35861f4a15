//! Public and read-only routes: health, service hours, reasons, BLs and code lookup.

use axum::extract::State;
use retour_domain::api::{
    CodeKind, DeliveryNote, DeliveryNoteList, DeliveryNoteSummary, Health, Lookup, LookupMatch,
    Problem, RefusalReason, RefusalReasonInfo, ServiceInfo,
};
use retour_domain::code::{classify, normalize_reference, ScannedCode};
use retour_domain::eligibility::Delays;
use retour_domain::hours::paris_today;
use retour_domain::reason::Reason;
use retour_domain::BlNumber;
use retour_domain::ErrorCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Customer, Json, Path, Query};
use crate::convert::Rules;
use crate::db::LineKey;
use crate::problem::{field_error, ApiError};
use crate::AppState;

/// Builds the rules of the state at its current time.
pub(crate) fn rules(state: &AppState) -> Rules<'_> {
    Rules {
        reasons: state.reasons(),
        today: paris_today(state.now()),
        delays: Delays {
            window_days: state.config().return_window_days,
            deposit_days: state.config().deposit_days,
        },
    }
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "service", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// Whether declaring is open now, by the backend's clock and schedule.
#[utoipa::path(get, path = "/api/v1/service", tag = "service", responses((status = 200, body = ServiceInfo)))]
pub async fn service(State(state): State<AppState>) -> Json<ServiceInfo> {
    let now = state.now();
    let schedule = &state.config().schedule;
    Json(ServiceInfo {
        open: schedule.is_open(now),
        now,
        timezone: "Europe/Paris".to_owned(),
        schedule: schedule.to_api_days(),
        next_change: schedule.next_change(now),
    })
}

/// The reasons and how each one estimates the credit.
#[utoipa::path(get, path = "/api/v1/reasons", tag = "returns", security(("bearer" = [])),
    responses((status = 200, body = Vec<Reason>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn reasons(State(state): State<AppState>, _auth: super::Auth) -> Json<Vec<Reason>> {
    Json(state.reasons().0.clone())
}

/// The fixed table of the reasons a line's units can be refused for (v1.1).
#[utoipa::path(get, path = "/api/v1/refusal-reasons", tag = "returns", security(("bearer" = [])),
    responses((status = 200, body = Vec<RefusalReasonInfo>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn refusal_reasons(_auth: super::Auth) -> Json<Vec<RefusalReasonInfo>> {
    Json(
        RefusalReason::ALL
            .into_iter()
            .map(|code| RefusalReasonInfo {
                code,
                label: code.label().to_owned(),
            })
            .collect(),
    )
}

/// `GET /delivery-notes` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotesQuery {
    /// How many days back, 1–31 (default 7).
    #[param(minimum = 1, maximum = 31)]
    days: Option<u32>,
}

/// The customer's recent BLs, newest first.
#[utoipa::path(get, path = "/api/v1/delivery-notes", tag = "returns", params(NotesQuery), security(("bearer" = [])),
    responses((status = 200, body = DeliveryNoteList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn delivery_notes(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Query(query): Query<NotesQuery>,
) -> Result<Json<DeliveryNoteList>, ApiError> {
    let days = query.days.unwrap_or(7);
    if !(1..=31).contains(&days) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "Le nombre de jours doit être compris entre 1 et 31",
        )
        .with_errors(vec![field_error(
            "days",
            ErrorCode::OutOfRange,
            "Entre 1 et 31",
        )]));
    }
    let since = paris_today(state.now()) - chrono::Days::new(u64::from(days));
    let rows = state
        .read(move |c| Ok(c.delivery_note_summaries(customer, since)?))
        .await?;
    Ok(Json(DeliveryNoteList {
        items: rows
            .into_iter()
            .map(|(number, delivered_on, total_ht)| DeliveryNoteSummary {
                number,
                delivered_on,
                total_ht,
            })
            .collect(),
    }))
}

/// Parses a BL number from a path or a body, with the specified French messages.
pub(crate) fn parse_bl(number: &str) -> Result<BlNumber, ApiError> {
    BlNumber::parse(number).map_err(|e| {
        ApiError::bad_request(e.code(), e.message()).with_errors(vec![field_error(
            "number",
            e.code(),
            e.message(),
        )])
    })
}

/// A BL with what can still be returned of each line.
#[utoipa::path(get, path = "/api/v1/delivery-notes/{number}", tag = "returns", security(("bearer" = [])),
    params(("number" = String, Path, description = "The BL number, up to 9 digits", pattern = "^[0-9]{1,9}$")),
    responses((status = 200, body = DeliveryNote),
        (status = 400, description = "invalid_format or too_long", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn delivery_note(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Path(number): Path<String>,
) -> Result<Json<DeliveryNote>, ApiError> {
    let number = parse_bl(&number)?;
    let rules = rules(&state);
    let (today, delays) = (rules.today, rules.delays);
    let note = state
        .read(move |c| Ok(c.delivery_note(customer, number.as_str())?))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let rules = Rules {
        reasons: state.reasons(),
        today,
        delays,
    };
    Ok(Json(DeliveryNote {
        number: note.number,
        delivered_on: note.delivered_on,
        total_ht: note.total,
        lines: note.lines.iter().map(|l| rules.note_line(l)).collect(),
    }))
}

/// `GET /lookup` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// Any scanned or typed code.
    #[param(min_length = 1, max_length = 512)]
    code: String,
}

/// What a scanned or typed code is, and the customer's recent BLs that contain it.
#[utoipa::path(get, path = "/api/v1/lookup", tag = "returns", params(LookupQuery), security(("bearer" = [])),
    responses((status = 200, body = Lookup),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn lookup(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Query(query): Query<LookupQuery>,
) -> Result<Json<Lookup>, ApiError> {
    if query.code.is_empty() || query.code.chars().count() > 512 {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidCode,
            "Veuillez saisir un code de 1 à 512 caractères",
        ));
    }
    let Some(scanned) = classify(&query.code) else {
        // Nothing that can be a BL, a product code or a reference: it matches nothing.
        return Ok(Json(Lookup {
            kind: CodeKind::Reference,
            normalized: normalize_reference(&query.code).chars().take(64).collect(),
            matches: Vec::new(),
        }));
    };
    let rules = rules(&state);
    let since = rules.today - chrono::Days::new(u64::from(rules.delays.window_days));
    let normalized = scanned.normalized();
    let (kind, matches) = match scanned {
        ScannedCode::DeliveryNote(bl) => {
            let note = state
                .read(move |c| Ok(c.delivery_note(customer, bl.as_str())?))
                .await?;
            let matches = note
                .map(|n| LookupMatch {
                    number: n.number,
                    delivered_on: n.delivered_on,
                    line_nos: n.lines.iter().map(|l| l.line_no).collect(),
                })
                .into_iter()
                .collect();
            (CodeKind::DeliveryNote, matches)
        }
        other => {
            let kind = match other {
                ScannedCode::Gtin(_) => CodeKind::Gtin,
                _ => CodeKind::Reference,
            };
            let key = normalized.clone();
            let rows = state
                .read(move |c| {
                    let key = match kind {
                        CodeKind::Gtin => LineKey::Gtin(&key),
                        _ => LineKey::Reference(&key),
                    };
                    Ok(c.lines_with_code(customer, since, key)?)
                })
                .await?;
            let mut matches: Vec<LookupMatch> = Vec::new();
            for (number, delivered_on, line_no) in rows {
                match matches.last_mut() {
                    Some(last) if last.number == number => last.line_nos.push(line_no),
                    _ => matches.push(LookupMatch {
                        number,
                        delivered_on,
                        line_nos: vec![line_no],
                    }),
                }
            }
            (kind, matches)
        }
    };
    Ok(Json(Lookup {
        kind,
        normalized,
        matches,
    }))
}
