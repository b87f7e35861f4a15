//! Retour's business rules, pure: no IO, no async, no clock (`now` is always a parameter).
//!
//! Every rule of the product specification lives here once, so that the app, the CLI and the
//! reference backend agree: BL numbers, scanned-code classification, money, reasons and the credit
//! estimate, eligibility, grouping into return files, the return request's number, file statuses and staff decisions, the per-line decision (refusal reasons, dispositions, credited amounts), the timeline's sentences and messages, the notifications' kinds, texts and e-mail preferences, opening
//! estimate, eligibility, grouping into return files, the return request's number, file statuses and staff decisions, the per-line decision (refusal reasons, dispositions, credited amounts), the timeline's sentences and messages, photos (ids, how many, a reason's requirement, upload limits), opening
//! hours, the cart as a merge of operations and the edit check of its lines, the new-password
//! policy, the delays of failed logins, and the return API's wire types; and the money of v1.1:
//! credit notes and their reconciliation, the deposits wallet and its reminders, fees, the
//! returns report, CSV for French spreadsheets; warranty claims (VIN, plates, dates, the window)
//! and the driver's pickup token.

pub mod api;
pub mod bl;
pub mod cart;
pub mod cart_line;
pub mod closing;
pub mod code;
pub mod credits;
pub mod decision;
pub mod deposits;
pub mod eligibility;
pub mod error_code;
pub mod french_csv;
pub mod grouping;
pub mod hours;
pub mod lockout;
pub mod money;
pub mod notification;
#[cfg(feature = "openapi")]
mod openapi;
pub mod password;
pub mod photo;
pub mod pickup;
pub mod reason;
pub mod report;
pub mod request_number;
pub mod status;
pub mod timeline;
pub mod warranty;
pub mod webhook;
pub mod whole_number;

pub use bl::{BlError, BlNumber};
pub use code::{classify, Gtin, ScannedCode, SupplierReference};
pub use error_code::ErrorCode;
pub use money::Money;
