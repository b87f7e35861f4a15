//! The return API v1's wire types, exactly as `API.md` names them.
//!
//! Both the reference backend and the app's sync client use these, so neither can drift from the
//! other. Money is a two-decimal string ([`Money`]), dates are ISO 8601, instants RFC 3339.
//! Request bodies refuse unknown fields, so a client that sends `customer_id` or `status` learns
//! at once that they are not its to set.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use crate::cart::{CartOp, Hlc, OpKind};
pub use crate::decision::{Disposition, RefusalReason};
pub use crate::hours::ScheduleDay;
pub use crate::notification::{EmailPreferences, NotificationKind};
pub use crate::reason::{Estimate, Reason, ReasonCode};
pub use crate::status::{Closure as ClosedInfo, DossierStatus, Outcome};
pub use crate::timeline::{Actor, Author, EventKind};

// v1.1 money: credit notes and reconciliation, deposits, the returns report.
pub use crate::credits::{
    CreditItem, CreditNote, CreditNoteBody, CreditNoteBodyLine, CreditNoteLine, CreditNoteList,
    CreditState, Credits,
};
pub use crate::deposits::{DepositItem, DepositState, Deposits};
pub use crate::report::{MonthRow, ReasonRow, ReferenceRow, RefusalRow, ReturnReport};

use crate::money::Money;

/// An RFC 9457 problem document: `code` is stable for programs, `detail` and each
/// `errors[].message` are French, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    /// A short summary.
    #[serde(default)]
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The stable machine code.
    pub code: String,
    /// The French explanation.
    #[serde(default)]
    pub detail: String,
    /// Per-field errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// With `account_locked`: until when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<DateTime<Utc>>,
    /// With `service_closed`: when the service opens again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_change: Option<DateTime<Utc>>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

impl Problem {
    /// The stable code as the shared vocabulary (an unknown one kept as received).
    pub fn error_code(&self) -> crate::ErrorCode {
        crate::ErrorCode::parse(&self.code)
    }

    /// A problem with a status, a stable code and a French detail.
    pub fn new(status: u16, code: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("https://retour.example/problems/{code}"),
            title: code.replace('_', " "),
            status,
            code: code.to_owned(),
            detail: detail.into(),
            errors: Vec::new(),
            locked_until: None,
            next_change: None,
        }
    }

    /// Adds per-field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Problem {
        self.errors = errors;
        self
    }
}

/// One field's error inside a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Where: a field name or a path such as `lines[2].qty`.
    pub field: String,
    /// The stable machine code.
    pub code: String,
    /// The French message.
    pub message: String,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// `GET /api/v1/service`: whether declaring is open now, by the backend's clock and schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceInfo {
    /// Open now.
    pub open: bool,
    /// The backend's clock.
    pub now: DateTime<Utc>,
    /// Always `Europe/Paris`.
    pub timezone: String,
    /// The weekly hours.
    pub schedule: Vec<ScheduleDay>,
    /// When `open` flips next; absent when the service never closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_change: Option<DateTime<Utc>>,
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The account's e-mail.
    pub email: String,
    /// The password.
    pub password: String,
    /// A name for the device, shown in session lists.
    #[serde(default)]
    pub device_name: Option<String>,
}

/// `POST /api/v1/auth/refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The current refresh token.
    pub refresh_token: String,
}

/// `POST /api/v1/auth/password/forgot` and `/auth/unlock/request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    /// The account's e-mail.
    pub email: String,
}

/// `POST /api/v1/auth/password/reset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The one-time token from the e-mailed link.
    pub token: String,
    /// The new password.
    pub new_password: String,
}

/// `POST /api/v1/auth/unlock` and `/auth/sso`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The one-time or signed token.
    pub token: String,
}

/// A signed-in session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// Sent as `Authorization: Bearer …`.
    pub access_token: String,
    /// When the access token stops working.
    pub access_expires_at: DateTime<Utc>,
    /// Exchanged for a new session at `/auth/refresh`; single use.
    pub refresh_token: String,
    /// Who is signed in.
    pub user: User,
}

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Their e-mail.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Customer or staff.
    pub role: Role,
    /// The garage they work for (absent for staff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerRef>,
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A garage's account.
    Customer,
    /// The distributor's returns staff.
    Staff,
}

/// A trade customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerRef {
    /// The customer's account code.
    pub code: String,
    /// The garage's name.
    pub name: String,
}

/// `GET /api/v1/delivery-notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryNoteList {
    /// Newest first.
    pub items: Vec<DeliveryNoteSummary>,
}

/// A BL in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryNoteSummary {
    /// The 9-digit number.
    pub number: String,
    /// The delivery day.
    pub delivered_on: NaiveDate,
    /// Its total HT.
    pub total_ht: Money,
}

/// `GET /api/v1/delivery-notes/{number}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryNote {
    /// The 9-digit number.
    pub number: String,
    /// The delivery day.
    pub delivered_on: NaiveDate,
    /// Its total HT.
    pub total_ht: Money,
    /// Its lines.
    pub lines: Vec<DeliveryNoteLine>,
}

/// A delivered line and what can still be returned of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryNoteLine {
    /// The line number within the BL.
    pub line_no: u32,
    /// The supplier reference as printed.
    pub reference: String,
    /// The brand.
    pub brand: String,
    /// The designation.
    pub designation: String,
    /// The product code, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// Units delivered.
    pub delivered_qty: u32,
    /// Units already returned or in open requests.
    pub returned_qty: u32,
    /// Units that can still be returned.
    pub eligible_qty: u32,
    /// Unit net price HT.
    pub unit_price_ht: Money,
    /// Deposit per unit, for exchange parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_ht: Option<Money>,
    /// The reasons this line allows.
    pub allowed_reasons: Vec<ReasonCode>,
    /// The last day it can be returned (v1.1; absent from older backends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_deadline: Option<NaiveDate>,
    /// Paris calendar days left until `return_deadline`; absent once it has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<u32>,
    /// The last day the deposit can be claimed back (v1.1; lines with a deposit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_due_on: Option<NaiveDate>,
}

/// What a looked-up code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A BL number.
    DeliveryNote,
    /// A product code.
    Gtin,
    /// A supplier reference.
    Reference,
}

/// `GET /api/v1/lookup?code=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lookup {
    /// What the code is.
    pub kind: CodeKind,
    /// Its matching form.
    pub normalized: String,
    /// The customer's recent BLs that contain it, newest first.
    pub matches: Vec<LookupMatch>,
}

/// A BL that contains a looked-up code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LookupMatch {
    /// The BL number.
    pub number: String,
    /// Its delivery day.
    pub delivered_on: NaiveDate,
    /// The lines that carry the code (all of them for a BL).
    pub line_nos: Vec<u32>,
}

/// `GET /api/v1/cart`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cart {
    /// Grows with every change the backend applies.
    pub version: u64,
    /// Number of lines.
    pub count: u32,
    /// Sum of the lines' rounded estimates.
    pub estimated_total_ht: Money,
    /// The lines, by BL then line number.
    pub lines: Vec<CartLine>,
}

/// A cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartLine {
    /// The BL number.
    pub delivery_note: String,
    /// The line number within the BL.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// Units to return.
    pub qty: u32,
    /// The chosen reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonCode>,
    /// Units that can still be returned.
    pub eligible_qty: u32,
    /// Absent until a reason is chosen, and for reasons known only after inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_credit_ht: Option<Money>,
    /// The reason's fee already taken out of `estimated_credit_ht` (v1.1; reasons with a fee).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_ht: Option<Money>,
    /// The greatest clock of the line's operations.
    pub updated_at: Hlc,
    /// The line's photo ids (v1.1; absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
}

/// `POST /api/v1/cart/ops`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CartOpsRequest {
    /// At most 500 operations.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub ops: Vec<CartOp>,
}

/// The answer to `POST /api/v1/cart/ops`: the cart after applying, plus the refused ops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartOpsResponse {
    /// The cart.
    #[serde(flatten)]
    pub cart: Cart,
    /// Operations not applied, with why.
    #[serde(default)]
    pub rejected: Vec<RejectedOp>,
    /// The epoch of the backend's cart log (see [`CartOpsPage::epoch`]); absent from backends
    /// that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
}

/// An operation the backend refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedOp {
    /// Which op.
    pub op_id: uuid::Uuid,
    /// `unknown_line`, `quantity_exceeded`, `reason_not_allowed`, `invalid_op`, or `clock_ahead`
    /// (an `at` more than 24 h ahead of the backend's clock: the device's date is wrong).
    pub code: String,
    /// The French message.
    pub message: String,
}

/// `GET /api/v1/cart/ops?after=N` (an addition to the contract): the account's accepted
/// operations after a cursor, so that every device can merge exactly what the backend merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CartOpsPage {
    /// Operations in acceptance order.
    pub ops: Vec<CartOp>,
    /// Pass it as `after` next time.
    pub cursor: u64,
    /// An opaque id of the backend's cart log: cursors are only valid within one epoch. When it
    /// changes (the backend restarted, possibly on a database restored from a backup that lost
    /// recent ops), a device reads the log again from 0 and pushes again every op it holds that
    /// the backend accepted. Absent from backends that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
}

/// `POST /api/v1/return-requests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnRequestBody {
    /// The lines to return.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub lines: Vec<ReturnRequestLine>,
}

/// A line of a return request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnRequestLine {
    /// The BL number.
    pub delivery_note: String,
    /// The line number within the BL.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub line_no: u32,
    /// Units to return.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub qty: u32,
    /// The reason; the backend answers `reason_required` when it is missing.
    #[serde(default)]
    pub reason: Option<ReasonCode>,
    /// Photos of the part, uploaded first (v1.1; at most 5): `photo_missing` when one is
    /// unknown or another customer's, `photo_required` when the reason requires one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub photos: Vec<String>,
}

impl crate::grouping::RequestLine for ReturnRequestLine {
    fn delivery_note(&self) -> &str {
        &self.delivery_note
    }

    fn line_no(&self) -> u32 {
        self.line_no
    }
}

/// A sent request: one return file per BL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRequest {
    /// The request's id, the API's key.
    pub id: String,
    /// Its number as people read it, in place of the id: `R-2026-000123` (v1.1; see
    /// [`crate::request_number`]).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^R-[0-9]{4}-[0-9]{6,}$", example = "R-2026-000123")
    )]
    pub number: String,
    /// The address its pré-accord is e-mailed to (an addition to the contract).
    pub preaccord_email: String,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Sum of the lines' rounded estimates.
    pub estimated_total_ht: Money,
    /// The files it made.
    pub dossiers: Vec<Dossier>,
}

/// A return file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dossier {
    /// The tracking number ("numéro de suivi"), 8 digits.
    pub number: String,
    /// A return file or a warranty claim (v1.1).
    #[serde(default)]
    pub kind: DossierKind,
    /// The BL it returns parts of.
    pub delivery_note: String,
    /// The day of the original sale (the BL's delivery day).
    pub sale_date: NaiveDate,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Where it stands.
    pub status: DossierStatus,
    /// The status's French label.
    pub status_label: String,
    /// Sum of its lines' rounded estimates.
    pub estimated_credit_ht: Money,
    /// Units in it.
    pub piece_count: u32,
    /// Its lines.
    pub lines: Vec<DossierLine>,
    /// Once closed: outcome, validation day, credited amount, credit note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<ClosedInfo>,
    /// Status changes, oldest first (in `GET /dossiers/{number}` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryEntry>>,
    /// Every event of the file, oldest first: status changes, decisions, messages (v1.1; in
    /// `GET /dossiers/{number}` and the staff answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<Event>>,
    /// The return request that made it (an addition to the contract; absent for files that no
    /// request made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRef>,
    /// The claim, for a file of kind `warranty` (v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warranty: Option<WarrantyInfo>,
}

/// `POST /api/v1/warranty-claims` (v1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WarrantyClaimBody {
    /// The BL number.
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub delivery_note: String,
    /// The line number within the BL.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub line_no: u32,
    /// Units claimed: at most delivered − returned − already claimed.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub qty: u32,
    /// The vehicle identification number (upper-cased, spaces removed; never corrected).
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub vin: String,
    /// The French registration plate: SIV `AB-123-CD` or FNI `123 ABC 45`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 32))]
    pub registration: Option<String>,
    /// The vehicle, free text (≤ 100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub vehicle: Option<String>,
    /// The day the part was fitted.
    pub fitted_on: NaiveDate,
    /// The mileage then, in km.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub fitted_km: u32,
    /// The day the part failed.
    pub failed_on: NaiveDate,
    /// The mileage then, in km.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub failed_km: u32,
    /// What went wrong, 10–2,000 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 2000))]
    pub symptom: String,
    /// Photo ids of the part and its label (≥ 1).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10))]
    pub photos: Vec<String>,
    /// Document ids: the fitting invoice (photo or PDF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 5))]
    pub documents: Option<Vec<String>>,
}

/// The claim of a warranty file, as recorded (normalised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WarrantyInfo {
    /// The BL line claimed.
    pub line_no: u32,
    /// Units claimed.
    pub qty: u32,
    /// The VIN, 17 characters.
    pub vin: String,
    /// The registration plate, normalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<String>,
    /// The vehicle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<String>,
    /// The day the part was fitted.
    pub fitted_on: NaiveDate,
    /// The mileage then.
    pub fitted_km: u32,
    /// The day it failed.
    pub failed_on: NaiveDate,
    /// The mileage then.
    pub failed_km: u32,
    /// What went wrong.
    pub symptom: String,
    /// Photo ids.
    pub photos: Vec<String>,
    /// Document ids.
    #[serde(default)]
    pub documents: Vec<String>,
    /// The last day of the warranty (delivery + `RETOUR_WARRANTY_MONTHS`).
    pub warranty_ends_on: NaiveDate,
    /// What was accepted with a warning (a VIN check digit not verified): an addition to the
    /// contract.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FieldError>,
}

/// `GET /api/v1/pickups/pending` (v1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingPickup {
    /// The files waiting for the driver (status `sent`), oldest first.
    pub dossiers: Vec<String>,
    /// Pieces over those files.
    pub pieces: u32,
    /// The signed, single-use token.
    pub token: String,
    /// The QR code's text: `RETOUR-PICKUP:` + token.
    pub qr: String,
    /// When the token stops being valid (≤ 24 h).
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/staff/pickups` (v1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffPickupBody {
    /// The token read from the garage's QR code (with or without `RETOUR-PICKUP:`).
    #[cfg_attr(feature = "openapi", schema(max_length = 4096))]
    pub token: String,
    /// The driver's name (1–80 characters).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    pub driver_name: String,
    /// Parcels handed over (1–999).
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 999))]
    pub parcels: u32,
    /// When the driver scanned the QR code, for a confirmation made offline and sent later (an
    /// addition to the contract): the time recorded, within the token's life and not after the
    /// server's now; absent, the time the server receives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanned_at: Option<DateTime<Utc>>,
}

/// The answer of `POST /api/v1/staff/pickups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickupConfirmation {
    /// The pickup's id (the token's).
    pub pickup_id: String,
    /// When the files were taken.
    pub at: DateTime<Utc>,
    /// The files moved to `received`.
    pub dossiers: Vec<String>,
    /// The driver's name, as recorded (an addition to the contract).
    pub driver_name: String,
    /// Parcels handed over (an addition to the contract).
    pub parcels: u32,
}

/// The return request a file was sent with: enough to name it and to fetch its pré-accord.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestRef {
    /// The request's id (`GET /return-requests/{id}/preaccord.pdf`).
    pub id: String,
    /// Its number as people read it: `R-2026-000123`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^R-[0-9]{4}-[0-9]{6,}$", example = "R-2026-000123")
    )]
    pub number: String,
    /// The address its pré-accord was e-mailed to.
    pub preaccord_email: String,
}

/// A line of a return file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierLine {
    /// The line number within the BL.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// Units returned.
    pub qty: u32,
    /// The reason.
    pub reason: ReasonCode,
    /// The reason's French label (v1.1).
    #[serde(default)]
    pub reason_label: String,
    /// Absent for reasons known only after inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_credit_ht: Option<Money>,
    /// Units accepted at inspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_qty: Option<u32>,
    /// The line's photo ids (v1.1).
    #[serde(default)]
    pub photos: Vec<String>,
    /// The staff's decision, once the file is closed (v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<LineDecisionInfo>,
}

/// Whether a file returns parts or claims their warranty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DossierKind {
    /// A parts return.
    #[default]
    Return,
    /// A warranty claim.
    Warranty,
}

/// The decision on one line of a closed file, with its labels in French.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineDecisionInfo {
    /// Units accepted.
    pub accepted_qty: u32,
    /// Units refused.
    pub refused_qty: u32,
    /// The amount the line credits HT.
    pub credited_ht: Money,
    /// Why units were refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_reason: Option<RefusalReason>,
    /// The refusal reason's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_label: Option<String>,
    /// What becomes of the refused units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Disposition>,
    /// The disposition's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition_label: Option<String>,
    /// The staff's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An event of a file's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// The event's id, increasing over the server's events.
    pub id: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// What it records.
    pub kind: EventKind,
    /// Who made it.
    pub actor: Actor,
    /// A French sentence, ready to show.
    pub text: String,
    /// The status reached (status events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DossierStatus>,
    /// The message (message events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// A message on a file, from the garage or the returns service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// The id the writer's device made (`message_id`).
    pub id: String,
    /// When the server recorded it.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: Author,
    /// The writer's name.
    pub author_name: String,
    /// The text.
    pub text: String,
    /// Photo ids.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// `POST /api/v1/dossiers/{number}/messages` and its staff twin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    /// A UUID made by the writer's device: a replay answers the same message.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub message_id: uuid::Uuid,
    /// 1–2,000 characters (trimmed).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2000))]
    pub text: String,
    /// Photo ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photos: Option<Vec<String>>,
}

/// `PUT /api/v1/photos/{sha256}`: the photo as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoInfo {
    /// Its id: the SHA-256 of the bytes uploaded, lowercase hex.
    pub id: String,
    /// Its width as stored, in pixels.
    pub width: u32,
    /// Its height as stored, in pixels.
    pub height: u32,
    /// The size of the stored JPEG, in bytes.
    pub bytes: u64,
}

/// `PUT /api/v1/documents/{sha256}`: the document (a PDF) as stored, without its metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentInfo {
    /// Its id: the SHA-256 of the bytes uploaded, lowercase hex.
    pub id: String,
    /// The size of the stored PDF, in bytes.
    pub bytes: u64,
    /// Its number of pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
}

/// An entry of `GET /api/v1/refusal-reasons`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusalReasonInfo {
    /// The code.
    pub code: RefusalReason,
    /// The French label.
    pub label: String,
}

/// A status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    /// The status reached.
    pub status: DossierStatus,
    /// When.
    pub at: DateTime<Utc>,
}

/// `GET /api/v1/dossiers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierList {
    /// This page, newest first.
    pub items: Vec<Dossier>,
    /// How many match the filter, over all pages.
    pub total: u64,
    /// Open and closed files of the customer, whatever the filter.
    pub counts: DossierCounts,
}

/// The counts shown on the tracking tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierCounts {
    /// Not yet closed.
    pub open: u64,
    /// Closed.
    pub closed: u64,
}

/// `POST /api/v1/staff/dossiers/{number}/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffEvent {
    /// `received`, `inspecting` or `closed`.
    pub status: DossierStatus,
    /// Required to close.
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// The credited amount when closing.
    #[serde(default)]
    pub credited_ht: Option<Money>,
    /// The credit note number, when invoicing has run.
    #[serde(default)]
    pub credit_note_number: Option<String>,
    /// Accepted units per line.
    #[serde(default)]
    pub lines: Option<Vec<AcceptedLine>>,
}

/// Units accepted on one line at inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptedLine {
    /// The line number within the BL.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub line_no: u32,
    /// Units accepted.
    #[serde(deserialize_with = "crate::whole_number::deserialize")]
    pub accepted_qty: u32,
    /// Why the other units are refused: required when closing with `accepted_qty` < `qty`
    /// (v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_reason: Option<RefusalReason>,
    /// What becomes of the refused units (default `returned`; v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<Disposition>,
    /// A comment for the garage (v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The file name the backend and the e-mail give a pré-accord PDF:
/// `preaccord-<request number>.pdf`.
///
/// Characters other than ASCII letters, digits, `-` and `_` become `_`, so the name is safe in a
/// `Content-Disposition` header and on any file system.
pub fn preaccord_file_name(request_number: &str) -> String {
    let safe: String = request_number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("preaccord-{safe}.pdf")
}

/// A notification to the garage (`GET /api/v1/notifications`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Its place in the customer's notifications, strictly increasing.
    pub seq: u64,
    /// When the server recorded it.
    pub at: DateTime<Utc>,
    /// What it tells of.
    pub kind: NotificationKind,
    /// A French title, ready to show.
    pub title: String,
    /// A French sentence or two, ready to show.
    pub body: String,
    /// The file it is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dossier: Option<String>,
    /// Whether it was marked read (`POST /api/v1/notifications/read`).
    pub read: bool,
}

/// `GET /api/v1/notifications`: a page in `seq` order after the cursor given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationsPage {
    /// Oldest first.
    pub items: Vec<Notification>,
    /// The `seq` of the last item (the `after` given when there is none): the next page's `after`.
    pub cursor: u64,
    /// How many of the customer's notifications are unread, on every page.
    pub unread: u64,
}

/// `POST /api/v1/notifications/read`: every notification up to this `seq`, inclusive, is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReadNotifications {
    /// The greatest `seq` read.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)
    )]
    #[serde(deserialize_with = "crate::whole_number::cursor")]
    pub up_to: u64,
}

/// `GET`/`PUT /api/v1/me/preferences`: which notifications are also e-mailed, and where the
/// pré-accords and those e-mails go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// One switch per kind of e-mail.
    pub emails: EmailPreferences,
    /// Where the pré-accords and the e-mails go; absent or `null`: the login e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 254, format = Email))]
    pub preaccord_email: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preaccord_file_names_are_safe() {
        assert_eq!(
            preaccord_file_name("R-2026-000123"),
            "preaccord-R-2026-000123.pdf"
        );
        assert_eq!(preaccord_file_name("a/b c"), "preaccord-a_b_c.pdf");
    }

    #[test]
    fn request_bodies_refuse_injected_fields() {
        let body = r#"{"lines":[{"delivery_note":"250001106","line_no":1,"qty":1,"reason":"new_part","estimated_credit_ht":"999.00"}]}"#;
        assert!(serde_json::from_str::<ReturnRequestBody>(body).is_err());
        let body = r#"{"lines":[],"customer_id":"B"}"#;
        assert!(serde_json::from_str::<ReturnRequestBody>(body).is_err());
    }

    #[test]
    fn quantities_are_whole_non_negative_numbers() {
        for qty in ["-1", "1.5", "\"5\"", "9223372036854775808", "null"] {
            let body = format!(
                r#"{{"lines":[{{"delivery_note":"1","line_no":1,"qty":{qty},"reason":"new_part"}}]}}"#
            );
            assert!(
                serde_json::from_str::<ReturnRequestBody>(&body).is_err(),
                "{qty}"
            );
        }
    }

    #[test]
    fn problem_wire_form() {
        let p = Problem::new(404, "not_found", "Introuvable");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "https://retour.example/problems/not_found");
        assert_eq!(json["status"], 404);
        assert_eq!(json["code"], "not_found");
        assert!(json.get("errors").is_none());
    }

    #[test]
    fn dossier_round_trips_with_money_as_strings() {
        let json = serde_json::json!({
            "number": "10000001", "kind": "return", "delivery_note": "250001106", "sale_date": "2026-11-20",
            "created_at": "2026-11-28T09:30:00Z", "status": "closed",
            "status_label": "Dossier clôturé", "estimated_credit_ht": "17.27", "piece_count": 1,
            "lines": [{"line_no": 1, "reference": "0986424707", "designation": "PLAQ FREIN BP420",
                "qty": 1, "reason": "customer_cancellation", "reason_label": "Annulation client",
                "estimated_credit_ht": "17.27", "accepted_qty": 1, "photos": []}],
            "closed": {"outcome": "accepted", "validated_on": "2026-11-28", "credited_ht": "17.27"}
        });
        let dossier: Dossier = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(dossier.status, DossierStatus::Closed);
        assert_eq!(serde_json::to_value(&dossier).unwrap(), json);
    }
}
