//! How values are stored as text and read back: instants, dates, amounts, file statuses and
//! outcomes, roles. A stored value that does not parse back is [`DbError::Corrupt`].

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use retour_domain::api::Role;
use retour_domain::status::{DossierStatus, Outcome};
use retour_domain::Money;

use super::{DbError, DbResult};

/// Writes an instant the way it is stored: RFC 3339, UTC, milliseconds (sorts as text).
pub fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(super) fn parse_instant(text: &str) -> DbResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| DbError::Corrupt(format!("instant {text:?}")))
}

pub(super) fn parse_date(text: &str) -> DbResult<NaiveDate> {
    NaiveDate::from_str(text).map_err(|_| DbError::Corrupt(format!("date {text:?}")))
}

pub(super) fn parse_money(text: &str) -> DbResult<Money> {
    Money::parse(text).map_err(|_| DbError::Corrupt(format!("amount {text:?}")))
}

pub(super) fn parse_opt_money(text: Option<String>) -> DbResult<Option<Money>> {
    text.as_deref().map(parse_money).transpose()
}

pub(super) fn parse_status(text: &str) -> DbResult<DossierStatus> {
    DossierStatus::parse(text).ok_or_else(|| DbError::Corrupt(format!("status {text:?}")))
}

pub(super) fn outcome_code(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Accepted => "accepted",
        Outcome::Partial => "partial",
        Outcome::Refused => "refused",
    }
}

pub(super) fn parse_outcome(text: &str) -> DbResult<Outcome> {
    match text {
        "accepted" => Ok(Outcome::Accepted),
        "partial" => Ok(Outcome::Partial),
        "refused" => Ok(Outcome::Refused),
        _ => Err(DbError::Corrupt(format!("outcome {text:?}"))),
    }
}

pub(super) fn role_code(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Staff => "staff",
    }
}

/// A stored role: `staff`, anything else is a customer (as the server always read it).
pub(super) fn parse_role(text: &str) -> Role {
    match text {
        "staff" => Role::Staff,
        _ => Role::Customer,
    }
}
