//! The money of v1.1: the staff's credit notes (also `retour-server staff credit-note`), the
//! customer's credit notes, "Où est mon avoir ?" and its CSV, the deposits wallet and the
//! returns report. Every rule is in `retour-domain` (`credits`, `deposits`, `report`); these
//! handlers read and write.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Days, NaiveDate, Utc};
use retour_domain::api::{
    CreditNote, CreditNoteBody, CreditNoteLine, CreditNoteList, Credits, Deposits, Problem,
    ReturnReport,
};
use retour_domain::credits::{self, credits_csv};
use retour_domain::deposits::{self, DepositLine};
use retour_domain::hours::paris_today;
use retour_domain::money::Money;
use retour_domain::notification::{self, NotificationKind};
use retour_domain::reason::LinePrices;
use retour_domain::report::{self, ReportLine};
use retour_domain::status::DossierStatus;
use retour_domain::timeline::{self, Actor, EventKind};
use retour_domain::webhook::EventType;
use retour_domain::ErrorCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Customer, Json, Path, Query, Staff};
use crate::db::{Conn, Db, StoredCreditNote, StoredCreditNoteLine, StoredDossier, StoredLine};
use crate::mail::OutgoingMail;
use crate::problem::{field_error, ApiError};
use crate::AppState;

/// A credit note on the wire.
fn wire(note: &StoredCreditNote) -> CreditNote {
    CreditNote {
        number: note.number.clone(),
        issued_on: note.issued_on,
        total_ht: note.total,
        lines: note
            .lines
            .iter()
            .map(|l| CreditNoteLine {
                dossier: l.dossier.clone(),
                line_no: l.line_no,
                reference: l.reference.clone(),
                amount_ht: l.amount,
            })
            .collect(),
    }
}

fn invalid(field: String, message: &str) -> ApiError {
    ApiError::unprocessable(ErrorCode::InvalidCreditNote, message.to_owned()).with_errors(vec![
        field_error(field, ErrorCode::InvalidCreditNote, message),
    ])
}

/// Records a credit note in a write transaction, idempotent on its number: the same body again
/// answers the note recorded, another body `409 credit_note_conflict`. Sets each file's credit
/// note number, adds the event to its timeline and queues the e-mail to the garage.
pub(crate) fn record_credit_note(
    c: &Conn<'_>,
    body: &CreditNoteBody,
    now: DateTime<Utc>,
) -> Result<(CreditNote, bool), ApiError> {
    body.check(paris_today(now))
        .map_err(|e| invalid(e.field(), &e.to_string()))?;
    if let Some(existing) = c.credit_note(&body.number)? {
        let lines: Vec<_> = existing
            .lines
            .iter()
            .map(|l| (l.dossier.clone(), l.line_no, l.amount))
            .collect();
        if body.same_as(&existing.customer_code, existing.issued_on, &lines) {
            return Ok((wire(&existing), false));
        }
        return Err(ApiError::of(ErrorCode::CreditNoteConflict));
    }
    let (customer_id, customer_name) = c
        .customer_by_code(&body.customer_code)?
        .map(|(id, _, name)| (id, name))
        .ok_or_else(|| invalid("customer_code".to_owned(), "Client inconnu"))?;
    let mut files: HashMap<&str, StoredDossier> = HashMap::new();
    let mut lines = Vec::with_capacity(body.lines.len());
    for (index, line) in body.lines.iter().enumerate() {
        if !files.contains_key(line.dossier.as_str()) {
            let found = super::dossiers::valid_number(&line.dossier)
                .then(|| c.dossier(Some(customer_id), &line.dossier))
                .transpose()?
                .flatten()
                .ok_or_else(|| {
                    invalid(
                        format!("lines[{index}].dossier"),
                        "Dossier introuvable pour ce client",
                    )
                })?;
            if found.status != DossierStatus::Closed {
                return Err(ApiError::of(ErrorCode::DossierNotClosed).with_errors(vec![
                    field_error(
                        format!("lines[{index}].dossier"),
                        ErrorCode::DossierNotClosed,
                        ErrorCode::DossierNotClosed.french(),
                    ),
                ]));
            }
            files.insert(line.dossier.as_str(), found);
        }
        let file = &files[line.dossier.as_str()];
        let reference = file
            .lines
            .iter()
            .find(|l| l.line_no == line.line_no)
            .map(|l| l.reference.clone())
            .ok_or_else(|| {
                invalid(
                    format!("lines[{index}].line_no"),
                    "Cette ligne n'existe pas dans ce dossier",
                )
            })?;
        lines.push(StoredCreditNoteLine {
            dossier: line.dossier.clone(),
            line_no: line.line_no,
            reference,
            amount: line.amount_ht,
        });
    }
    let note = StoredCreditNote {
        number: body.number.clone(),
        customer_id,
        customer_code: body.customer_code.clone(),
        issued_on: body.issued_on,
        total: lines.iter().map(|l| l.amount).sum(),
        lines,
    };
    c.insert_credit_note(&note, now)?;
    let mut told: Vec<&str> = Vec::new();
    for line in &note.lines {
        if told.contains(&line.dossier.as_str()) {
            continue;
        }
        told.push(&line.dossier);
        c.set_credit_note_number(&line.dossier, &note.number)?;
        let text = timeline::credit_note_text(&note.number);
        c.insert_event(
            &line.dossier,
            now,
            EventKind::CreditNote,
            Actor::Staff,
            &text,
            None,
        )?;
    }
    // The customer is told in the app (one notification per file), by e-mail queued in this
    // transaction (`credit_notes.notified_at`), and the distributor's systems by webhook.
    for dossier in &told {
        let amount: Money = note
            .lines
            .iter()
            .filter(|l| l.dossier == *dossier)
            .map(|l| l.amount)
            .sum();
        let text = notification::credit_note(dossier, &note.number, Some(amount));
        c.record_notification(
            customer_id,
            NotificationKind::CreditNote,
            Some(dossier),
            &text,
            now,
        )?;
    }
    let wire = wire(&note);
    let data = serde_json::json!({
        "customer": c.webhook_customer(customer_id)?,
        "credit_note": wire,
    });
    c.enqueue_webhook_event(EventType::CreditNoteIssued, &data, now)?;
    let (subject, text) = credits::credit_note_mail(&customer_name, &wire);
    for to in c.addresses_wanting(customer_id, NotificationKind::CreditNote)? {
        let mail = OutgoingMail::Notice {
            to,
            subject: subject.clone(),
            text: text.clone(),
        };
        c.enqueue_mail(&mail.to_json()?, now)?;
    }
    Ok((wire, true))
}

/// Records a credit note (staff only).
#[utoipa::path(post, path = "/api/v1/staff/credit-notes", tag = "staff", request_body = CreditNoteBody,
    security(("bearer" = [])),
    responses((status = 201, body = CreditNote, description = "recorded, or the same body again"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden for customers", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "credit_note_conflict or dossier_not_closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_credit_note", body = Problem, content_type = "application/problem+json")))]
pub async fn staff_credit_note(
    State(state): State<AppState>,
    Staff(_staff): Staff,
    Json(body): Json<CreditNoteBody>,
) -> Result<(StatusCode, Json<CreditNote>), ApiError> {
    let now = state.now();
    let (note, created) = state
        .write(move |c| record_credit_note(c, &body, now))
        .await?;
    if created {
        state.wake_mail();
    }
    Ok((StatusCode::CREATED, Json(note)))
}

/// `retour-server staff credit-note`: records a credit note directly in the database.
pub fn staff_credit_note_now(
    db: &Db,
    body: &CreditNoteBody,
    now: DateTime<Utc>,
) -> Result<CreditNote, ApiError> {
    db.write(|c| record_credit_note(c, body, now).map(|(note, _)| note))
}

/// The customer's credit notes, newest first.
#[utoipa::path(get, path = "/api/v1/credit-notes", tag = "money", security(("bearer" = [])),
    responses((status = 200, body = CreditNoteList),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn credit_notes(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
) -> Result<Json<CreditNoteList>, ApiError> {
    let notes = state
        .read(move |c| Ok(c.credit_notes_of(customer)?))
        .await?;
    Ok(Json(CreditNoteList {
        items: notes.iter().map(wire).collect(),
    }))
}

/// One of the customer's credit notes.
#[utoipa::path(get, path = "/api/v1/credit-notes/{number}", tag = "money", security(("bearer" = [])),
    params(("number" = String, Path, description = "The credit note's number")),
    responses((status = 200, body = CreditNote),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn credit_note(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Path(number): Path<String>,
) -> Result<Json<CreditNote>, ApiError> {
    if !credits::valid_number(&number) {
        return Err(ApiError::not_found());
    }
    let note = state.read(move |c| Ok(c.credit_note(&number)?)).await?;
    note.filter(|n| n.customer_id == customer)
        .map(|n| Json(wire(&n)))
        .ok_or_else(ApiError::not_found)
}

async fn reconcile(state: &AppState, customer: i64) -> Result<Credits, ApiError> {
    let today = paris_today(state.now());
    let (decided, credited) = state
        .read(move |c| Ok((c.decided_lines(customer)?, c.credited_lines(customer)?)))
        .await?;
    Ok(credits::reconcile(&decided, &credited, today))
}

/// "Où est mon avoir ?": every decided line, what it expects and what was credited.
#[utoipa::path(get, path = "/api/v1/credits", tag = "money", security(("bearer" = [])),
    responses((status = 200, body = Credits),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn credits(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
) -> Result<Json<Credits>, ApiError> {
    Ok(Json(reconcile(&state, customer).await?))
}

/// The same as CSV for French spreadsheet software: UTF-8 with a BOM, `;`, decimal commas.
#[utoipa::path(get, path = "/api/v1/credits.csv", tag = "money", security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String,
            description = "UTF-8 with BOM, `;` separator, decimal comma, French headers"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn credits_csv_file(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
) -> Result<Response, ApiError> {
    let credits = reconcile(&state, customer).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"avoirs.csv\"",
            ),
        ],
        credits_csv(&credits),
    )
        .into_response())
}

/// A deposit line as the domain wants it.
fn deposit_line(line: &StoredLine) -> Option<DepositLine> {
    Some(DepositLine {
        delivery_note: line.delivery_note.clone(),
        line_no: line.line_no,
        reference: line.reference.clone(),
        designation: line.designation.clone(),
        delivered_on: line.delivered_on,
        delivered: line.delivered,
        returned: line.returned_before.saturating_add(line.in_closed),
        in_return: line.in_open,
        deposit: line.deposit?,
    })
}

/// The customer's deposit lines listed on `today`.
pub(crate) fn deposit_lines(
    c: &Conn<'_>,
    customer: i64,
    today: NaiveDate,
    deposit_days: u32,
    to: NaiveDate,
) -> Result<Vec<DepositLine>, ApiError> {
    let from = deposits::listed_since(today, deposit_days);
    Ok(c.deposit_lines(customer, from, to)?
        .iter()
        .filter_map(deposit_line)
        .collect())
}

/// "Mes consignes": the deposits on exchange parts, by due date.
#[utoipa::path(get, path = "/api/v1/deposits", tag = "money", security(("bearer" = [])),
    responses((status = 200, body = Deposits),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn deposits(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
) -> Result<Json<Deposits>, ApiError> {
    let today = paris_today(state.now());
    let days = state.config().deposit_days;
    // BLs dated ahead of today (a clock behind) are listed too.
    let to = today + Days::new(366);
    let lines = state
        .read(move |c| deposit_lines(c, customer, today, days, to))
        .await?;
    Ok(Json(deposits::wallet(&lines, today, days)))
}

/// `GET /reports/returns` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The first day (Paris), `2026-01-01`.
    #[param(value_type = String, format = Date)]
    from: NaiveDate,
    /// The last day (Paris), at most 366 days after `from`'s.
    #[param(value_type = String, format = Date)]
    to: NaiveDate,
}

/// "Mon bilan": the customer's returns over a period of files created from `from` to `to`.
#[utoipa::path(get, path = "/api/v1/reports/returns", tag = "money", params(ReportQuery), security(("bearer" = [])),
    responses((status = 200, body = ReturnReport),
        (status = 400, description = "invalid_query or invalid_period", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn returns_report(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Query(query): Query<ReportQuery>,
) -> Result<Json<ReturnReport>, ApiError> {
    let (from, to) = (query.from, query.to);
    report::check_period(from, to).map_err(|e| {
        ApiError::bad_request(e.code(), e.to_string()).with_errors(vec![field_error(
            "to",
            e.code(),
            e.to_string(),
        )])
    })?;
    // Files are kept by their instant; the Paris day of each is decided by the rules, from
    // a day on either side.
    let start = from
        .checked_sub_days(Days::new(1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let end = to
        .checked_add_days(Days::new(2))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let rows = state
        .read(move |c| Ok(c.report_rows(customer, start, end)?))
        .await?;
    let lines: Vec<ReportLine> = rows
        .into_iter()
        .map(|r| ReportLine {
            dossier: r.dossier,
            created_on: paris_today(r.created_at),
            reference: r.reference,
            designation: r.designation,
            reason: r.reason,
            qty: r.qty,
            estimated: r.estimated,
            prices: LinePrices {
                unit_price: r.unit_price,
                deposit: r.deposit,
            },
            decision: r.decision,
        })
        .collect();
    Ok(Json(report::report(&lines, from, to, state.reasons())))
}
