//! Return files: the customer's list and detail (with its timeline), and the staff's status
//! events and decisions (also used by `retour-server staff advance` and `staff decide`).

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use retour_domain::api::{
    Dossier, DossierCounts, DossierKind, DossierList, DossierStatus, Problem, StaffEvent,
};
use retour_domain::closing::{self, Decision, DecisionError};
use retour_domain::hours::paris_today;
use retour_domain::notification::{self, NotificationKind};
use retour_domain::reason::ReasonTable;
use retour_domain::status::{Progress, TransitionError};
use retour_domain::timeline::{self, Actor, EventKind};
use retour_domain::webhook::EventType;
use retour_domain::ErrorCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{Customer, Json, Path, Query, Staff};
use crate::convert;
use crate::db::{Conn, Db, DossierFilter};
use crate::problem::{field_error, ApiError};
use crate::AppState;

/// Most files per page.
pub const MAX_PER_PAGE: u32 = 100;

/// The `state` filter of the list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateFilter {
    /// Not closed.
    Open,
    /// Closed.
    Closed,
}

/// `GET /dossiers` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Open or closed files only.
    #[param(inline)]
    state: Option<StateFilter>,
    /// One status only.
    #[param(value_type = Option<String>, pattern = "^(sent|received|inspecting|closed)$")]
    status: Option<DossierStatus>,
    /// One kind only (v1.1): `return` or `warranty`.
    #[param(inline)]
    kind: Option<DossierKind>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Files per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

fn out_of_range(field: &str, message: &str) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, message.to_owned())
        .with_errors(vec![field_error(field, ErrorCode::OutOfRange, message)])
}

/// The customer's files, newest first, with the counts of the tracking tabs.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "tracking", params(ListQuery), security(("bearer" = [])),
    responses((status = 200, body = DossierList),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Query(query): Query<ListQuery>,
) -> Result<Json<DossierList>, ApiError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(20);
    if page == 0 || page > 1_000_000 {
        return Err(out_of_range(
            "page",
            "La page doit être comprise entre 1 et 1 000 000",
        ));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(out_of_range(
            "per_page",
            "Le nombre de dossiers par page doit être compris entre 1 et 100",
        ));
    }
    let filter = DossierFilter {
        open: query.state.map(|s| matches!(s, StateFilter::Open)),
        status: query.status,
        kind: query.kind,
    };
    let offset = u64::from(page - 1) * u64::from(per_page);
    let found = state
        .read(move |c| Ok(c.dossier_page(customer, filter, offset, per_page)?))
        .await?;
    Ok(Json(DossierList {
        items: found
            .items
            .iter()
            .map(|d| convert::dossier(d, None))
            .collect(),
        total: found.total,
        counts: DossierCounts {
            open: found.open,
            closed: found.closed,
        },
    }))
}

/// Whether a path's number can be a tracking number (anything else answers the 404 of a missing
/// file).
pub(crate) fn valid_number(number: &str) -> bool {
    number.len() == 8 && number.bytes().all(|b| b.is_ascii_digit())
}

/// One of the customer's files, with its history.
#[utoipa::path(get, path = "/api/v1/dossiers/{number}", tag = "tracking", security(("bearer" = [])),
    params(("number" = String, Path, description = "The 8-digit tracking number")),
    responses((status = 200, body = Dossier),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn one(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Path(number): Path<String>,
) -> Result<Json<Dossier>, ApiError> {
    if !valid_number(&number) {
        return Err(ApiError::not_found());
    }
    let dossier = state
        .read(move |c| {
            let Some(stored) = c.dossier(Some(customer), &number)? else {
                return Ok(None);
            };
            Ok(Some(detail(c, &stored)?))
        })
        .await?;
    dossier.map(Json).ok_or_else(ApiError::not_found)
}

/// Moves a file forward (staff only).
#[utoipa::path(post, path = "/api/v1/staff/dossiers/{number}/events", tag = "staff", request_body = StaffEvent,
    security(("bearer" = [])),
    params(("number" = String, Path, description = "The 8-digit tracking number")),
    responses((status = 200, body = Dossier),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "invalid_transition", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "outcome_required, invalid_line, refusal_reason_required or comment_too_long", body = Problem, content_type = "application/problem+json")))]
pub async fn staff_event(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    Path(number): Path<String>,
    Json(event): Json<StaffEvent>,
) -> Result<Json<Dossier>, ApiError> {
    if !valid_number(&number) {
        return Err(ApiError::not_found());
    }
    let now = state.now();
    let reasons = state.reasons().clone();
    let dossier = state
        .write(move |c| apply_event(c, &number, &event, now, &reasons))
        .await?;
    state.wake_mail();
    Ok(Json(dossier))
}

/// Applies a staff event to a file in a transaction and returns the file with its history; queues
/// the webhook events `dossier.status_changed` (any change of status, closing included) and
/// `dossier.closed` (with the whole file as now).
pub(crate) fn apply_event(
    c: &Conn<'_>,
    number: &str,
    event: &StaffEvent,
    now: DateTime<Utc>,
    reasons: &ReasonTable,
) -> Result<Dossier, ApiError> {
    let stored = c.dossier(None, number)?.ok_or_else(ApiError::not_found)?;
    let progress = Progress {
        status: stored.status,
        closure: stored.closure.clone(),
    };
    let lines: Vec<_> = stored.lines.iter().map(convert::file_line).collect();
    let Decision {
        progress: next,
        accepted,
        lines: decided,
    } = closing::decide(&progress, &lines, event, reasons, paris_today(now)).map_err(|e| {
        let status = match e {
            DecisionError::Transition(TransitionError::NotForward { .. })
            | DecisionError::Transition(TransitionError::NotClosed) => StatusCode::CONFLICT,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::new(status, e.code(), e.to_string())
    })?;
    c.update_dossier(number, next.status, next.closure.as_ref(), &accepted)?;
    c.record_decisions(number, &decided)?;
    if next.status != stored.status {
        c.insert_history(number, next.status, now)?;
    }
    match (&next.closure, &stored.closure) {
        (Some(closure), None) => {
            let text = timeline::decision_text(closure.outcome, &decided, closure.credited_ht);
            c.insert_event(number, now, EventKind::Decision, Actor::Staff, &text, None)?;
        }
        (Some(closure), Some(before)) => {
            if let Some(note) = closure
                .credit_note_number
                .as_deref()
                .filter(|n| before.credit_note_number.as_deref() != Some(*n))
            {
                let text = timeline::credit_note_text(note);
                c.insert_event(
                    number,
                    now,
                    EventKind::CreditNote,
                    Actor::Staff,
                    &text,
                    None,
                )?;
            }
        }
        _ => {}
    }
    notify_progress(c, &stored, &next, &decided, now)?;
    let updated = c.dossier(None, number)?.ok_or_else(ApiError::not_found)?;
    let dossier = detail(c, &updated)?;
    let customer = c.webhook_customer(stored.customer_id)?;
    if next.status != stored.status {
        let data = serde_json::json!({
            "customer": customer,
            "dossier": number,
            "from": stored.status,
            "to": next.status,
            "status_label": next.status.label(),
        });
        c.enqueue_webhook_event(EventType::DossierStatusChanged, &data, now)?;
    }
    if next.closure.is_some() && stored.closure.is_none() {
        let data = serde_json::json!({"customer": customer, "dossier": dossier});
        c.enqueue_webhook_event(EventType::DossierClosed, &data, now)?;
    }
    Ok(dossier)
}

/// The garage's notifications of a staff event, in its transaction: a new status (a closing is
/// told by its decision alone), a decision, a new credit-note number.
fn notify_progress(
    c: &Conn<'_>,
    stored: &crate::db::StoredDossier,
    next: &Progress,
    decided: &[retour_domain::decision::LineDecision],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let number = stored.number.as_str();
    let customer = stored.customer_id;
    match (&next.closure, &stored.closure) {
        (Some(closure), None) => {
            let text =
                notification::decision(number, closure.outcome, decided, closure.credited_ht);
            c.notify(
                customer,
                NotificationKind::Decision,
                Some(number),
                &text,
                now,
            )?;
        }
        (Some(closure), Some(before)) => {
            if let Some(note) = closure
                .credit_note_number
                .as_deref()
                .filter(|n| before.credit_note_number.as_deref() != Some(*n))
            {
                let text = notification::credit_note(number, note, Some(closure.credited_ht));
                c.notify(
                    customer,
                    NotificationKind::CreditNote,
                    Some(number),
                    &text,
                    now,
                )?;
            }
        }
        (None, _) => {
            if next.status != stored.status && notification::notifies_status(next.status) {
                let text = notification::status(number, next.status);
                c.notify(customer, NotificationKind::Status, Some(number), &text, now)?;
            }
        }
    }
    Ok(())
}

/// A file on the wire with its history and its timeline.
pub(crate) fn detail(c: &Conn<'_>, stored: &crate::db::StoredDossier) -> Result<Dossier, ApiError> {
    let mut dossier = convert::dossier(stored, Some(convert::history(c.history(&stored.number)?)));
    dossier.timeline = Some(c.events(&stored.number)?);
    if stored.kind == DossierKind::Warranty {
        dossier.warranty = c.warranty_claim(&stored.number)?;
    }
    Ok(dossier)
}

/// `retour-server staff decide`: closes a file with a decision per line (lines not given accept
/// none), its outcome following from the units accepted.
pub fn staff_decide(
    db: &Db,
    number: &str,
    lines: Vec<retour_domain::api::AcceptedLine>,
    credit_note_number: Option<String>,
    now: DateTime<Utc>,
) -> Result<Dossier, ApiError> {
    let reasons = ReasonTable::default();
    db.write(|c| {
        let stored = c.dossier(None, number)?.ok_or_else(ApiError::not_found)?;
        let returned: u32 = stored.lines.iter().map(|l| l.qty).sum();
        let accepted: u32 = stored
            .lines
            .iter()
            .filter_map(|l| lines.iter().find(|g| g.line_no == l.line_no))
            .map(|g| g.accepted_qty)
            .sum();
        let event = StaffEvent {
            status: DossierStatus::Closed,
            outcome: Some(retour_domain::decision::outcome(accepted, returned)),
            credited_ht: None,
            credit_note_number: credit_note_number.clone(),
            lines: Some(lines.clone()),
        };
        apply_event(c, number, &event, now, &reasons)
    })
}

/// `retour-server staff advance`: applies a staff event directly to the database.
pub fn staff_advance(
    db: &Db,
    number: &str,
    event: &StaffEvent,
    now: DateTime<Utc>,
) -> Result<Dossier, ApiError> {
    let reasons = ReasonTable::default();
    db.write(|c| apply_event(c, number, event, now, &reasons))
}
