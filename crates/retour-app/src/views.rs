//! What the façade hands the front ends: serialisable views and the arguments of its operations.
//!
//! Views carry what a screen shows (French labels included) and, where the API has a shape for
//! it, that shape inside (`#[serde(flatten)]`), so that the CLI's `--json` prints the API's shapes.

use retour_domain::api::{
    self, DeliveryNote, DeliveryNoteSummary, DossierList, LookupMatch, ServiceInfo, User,
};
use retour_domain::eligibility::{line_availability, line_window, note_availability};
pub use retour_domain::eligibility::{Availability, LineWindow};
pub use retour_domain::reason::Fee;
use retour_domain::{ErrorCode, Money};
use retour_store::RefusalKind;
use retour_sync::SyncState;
use std::sync::Arc;

use serde::{Deserialize, Serialize, Serializer};

/// `login` arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginArgs {
    /// The account's e-mail.
    pub email: String,
    /// The password (never stored).
    pub password: String,
    /// "Se souvenir de moi": keep the session in the OS keychain.
    #[serde(default)]
    pub remember: bool,
}

/// What a login gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    /// Whether calls to the server can be made.
    pub signed_in: bool,
    /// The account whose data is on screen (also when signed out but its cart is kept).
    pub email: Option<String>,
    /// The signed-in person, when known.
    pub user: Option<User>,
    /// Whether the session is kept in the keychain for the next start.
    pub remembered: bool,
    /// The e-mail of the last sign-in made with "Se souvenir de moi" on this server: the login
    /// screen starts with it (not a secret; the tokens stay in the keychain).
    pub remembered_email: Option<String>,
    /// A French warning (no secure store: a login at each start).
    pub warning: Option<String>,
}

/// What a single sign-on link did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SsoLoginView {
    /// Signed in (no account was open, or the link was for the open one).
    SignedIn {
        /// The new session.
        session: SessionView,
    },
    /// Another account is open: nothing changed; the user is to confirm
    /// (`confirm_sso_login`) or decline (`cancel_sso_login`).
    Confirm {
        /// Who the link signs in (e-mail, name, garage), as the server said.
        target: User,
        /// Who is here now.
        current: SessionView,
    },
}

/// One row of the opening-hours table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRow {
    /// `monday` … `sunday`.
    pub day: String,
    /// `Lundi` … `Dimanche`.
    pub label: String,
    /// `05:00 – 22:00` or `Fermé`.
    pub hours: String,
}

/// Whether declaring is open, from the server's schedule and clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceView {
    /// The API's answer (`open`, `now`, `timezone`, `schedule`, `next_change`), recomputed from
    /// the cached schedule and the server clock's offset when offline.
    #[serde(flatten)]
    pub info: ServiceInfo,
    /// The weekly hours, in French.
    pub rows: Vec<ScheduleRow>,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
}

/// Recent delivery notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryNotesView {
    /// Newest first.
    pub items: Vec<DeliveryNoteSummary>,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
}

/// One delivery note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryNoteView {
    /// The API's `DeliveryNote`.
    #[serde(flatten)]
    pub note: DeliveryNote,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
    /// Whether anything of it can be returned, else why not (`window_passed` with `since`,
    /// `all_returned`, `not_eligible`).
    pub availability: Availability,
    /// The same for each line, in the order of `lines`.
    pub line_availability: Vec<LineAvailability>,
}

impl DeliveryNoteView {
    /// The view of a BL, with what the domain says of its lines; their windows count from
    /// `today` (Paris).
    pub fn new(note: DeliveryNote, from_cache: bool, today: chrono::NaiveDate) -> DeliveryNoteView {
        let line_availability = note
            .lines
            .iter()
            .map(|line| LineAvailability {
                line_no: line.line_no,
                availability: line_availability(line),
                window: line_window(line.return_deadline, line.deposit_due_on, today),
            })
            .collect();
        DeliveryNoteView {
            availability: note_availability(&note.lines),
            line_availability,
            note,
            from_cache,
        }
    }
}

/// Whether one BL line can be returned, else why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineAvailability {
    /// The line number within the BL.
    pub line_no: u32,
    /// Its state.
    #[serde(flatten)]
    pub availability: Availability,
    /// The last day it can be returned and the days left (v1.1: "À retourner avant le 28/12
    /// (J-3)"), counted from today; `None` once past.
    pub window: Option<LineWindow>,
}

/// What a scanned or typed code leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LookupView {
    /// `delivery_note`, `gtin` or `reference`.
    pub kind: api::CodeKind,
    /// The matching form.
    pub normalized: String,
    /// The customer's recent BLs containing it, newest first.
    pub matches: Vec<LookupMatch>,
    /// For a BL number: the BL to open.
    pub open_delivery_note: Option<String>,
    /// For a part (GTIN or reference): its matching lines still under warranty, each offering
    /// "Garantie" (the claim's form of that line).
    pub under_warranty: Vec<WarrantyMatch>,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
}

/// A BL line a scanned part matched that is still under warranty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyMatch {
    /// The BL number.
    pub number: String,
    /// The line.
    pub line_no: u32,
    /// The warranty's last day.
    pub warranty_ends_on: chrono::NaiveDate,
}

/// A reason offered for a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonChoice {
    /// The stable code.
    pub code: String,
    /// The French label.
    pub label: String,
}

/// A cart line as the cart screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartLineView {
    /// The API's `CartLine`.
    #[serde(flatten)]
    pub line: api::CartLine,
    /// The reasons this line allows.
    pub allowed_reasons: Vec<ReasonChoice>,
    /// The chosen reason's French label.
    pub reason_label: Option<String>,
    /// Whether the chosen reason asks for photos (`none` without a reason).
    pub photo_rule: retour_domain::photo::PhotoRule,
    /// The line cannot be sent yet: its reason requires a photo and it has none.
    pub photo_missing: bool,
    /// The last day it can be returned and the days left, from its cached BL line and today.
    pub window: Option<LineWindow>,
    /// The chosen reason's fee (rate and French label), already taken out of the estimate
    /// (`fee_ht`).
    pub fee: Option<Fee>,
}

impl CartLineView {
    /// Whether the line can be sent: it has a reason, and a photo when its reason requires one.
    pub fn ready(&self) -> bool {
        self.line.reason.is_some() && !self.photo_missing
    }
}

/// The cart screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartView {
    /// "Nombre d'articles".
    pub count: u32,
    /// "Avoir estimé HT".
    pub estimated_total_ht: Money,
    /// The lines, by BL then line number; shared, so that handing the screen back after an edit
    /// does not copy every line.
    #[serde(serialize_with = "serialize_shared")]
    pub lines: Vec<Arc<CartLineView>>,
    /// "Envoyer la demande" is enabled: at least one line, every line has a reason, and a photo
    /// when its reason requires one.
    pub can_send: bool,
    /// Edits not yet acknowledged by the server.
    pub pending_ops: u64,
}

impl CartView {
    /// The API's `Cart` shape (what `retour cart show --json` prints). `version` is the number
    /// of ops merged locally.
    pub fn to_api(&self, version: u64) -> api::Cart {
        api::Cart {
            version,
            count: self.count,
            estimated_total_ht: self.estimated_total_ht,
            lines: self.lines.iter().map(|l| l.line.clone()).collect(),
        }
    }
}

/// Serialises shared items as the items themselves.
fn serialize_shared<T: Serialize, S: Serializer>(
    items: &[Arc<T>],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(items.iter().map(|item| &**item))
}

/// `cart_add` / `cart_set` arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartEdit {
    /// The BL number (as typed or scanned: validated with the BL rules).
    pub delivery_note: String,
    /// The line number within the BL.
    pub line_no: u32,
    /// The quantity, 1 … eligible.
    #[serde(default)]
    pub qty: Option<u32>,
    /// A reason code among the line's allowed reasons.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `cart_remove` arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLineRef {
    /// The BL number.
    pub delivery_note: String,
    /// The line number within the BL.
    pub line_no: u32,
}

/// A refusal the user has not seen yet (a request refused, a cart edit rejected in a sync).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalView {
    /// What acknowledges it (`acknowledge_refusals`).
    pub id: String,
    /// `send` (a return request) or `cart_edit` (a cart op).
    pub kind: RefusalKind,
    /// The server's stable code.
    pub code: ErrorCode,
    /// The French text of the code.
    pub message: String,
    /// What to do, in French.
    pub advice: String,
    /// The BL lines concerned.
    pub lines: Vec<CartLineRef>,
}

/// What "Enregistrer le panier" did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaveOutcome {
    /// The French confirmation.
    pub message: String,
    /// Whether the server has every edit.
    pub synced: bool,
    /// The cart's line count (the home badge).
    pub count: u32,
}

/// `dossiers` arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossiersArgs {
    /// `open` ("EN COURS") or `closed` ("CLÔTURÉS"); both when absent.
    #[serde(default)]
    pub state: Option<String>,
    /// A status code to filter on (`sent`, `received`, `inspecting`, `closed`).
    #[serde(default)]
    pub status: Option<String>,
    /// The page, from 1.
    #[serde(default)]
    pub page: Option<u32>,
    /// `return` or `warranty` ("Garantie"); both when absent (v1.1).
    #[serde(default)]
    pub kind: Option<String>,
}

/// The tracking screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossiersView {
    /// The API's `DossierList`.
    #[serde(flatten)]
    pub list: DossierList,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
}

/// A return file as its screen shows it (v1.1): the API's `Dossier` (timeline, each line's
/// decision), and the messages written on this device that its timeline does not have yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DossierView {
    /// The API's `Dossier`.
    #[serde(flatten)]
    pub dossier: api::Dossier,
    /// Messages written here and not yet in the file's timeline, oldest first: `pending` (in the
    /// outbox, "En attente d'envoi"), `sent` (recorded, the kept detail not yet fetched again) or
    /// `refused` (with the server's code and French message).
    pub outbox: Vec<OutboxMessageView>,
    /// Whether the file comes from the cache (offline).
    pub from_cache: bool,
}

/// A message of the outbox in a file's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessageView {
    /// Its `message_id`.
    pub id: String,
    /// When it was written on this device.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The text.
    pub text: String,
    /// The ids of its photos (on the device: `photo_thumbnail` shows them).
    pub photos: Vec<String>,
    /// `pending`, `sent` or `refused`.
    pub state: String,
    /// The refusal's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// The refusal's French message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The sync state, with when it was taken.
pub type SyncView = SyncState;

/// "Où est mon avoir ?" (v1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditsView {
    /// The API's `Credits`: the totals and every decided line, those waiting longest first.
    #[serde(flatten)]
    pub credits: api::Credits,
    /// The latest claim made on this device of each line claimed.
    pub claims: Vec<CreditClaimView>,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
}

/// A claim ("Réclamer") made on this device about one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditClaimView {
    /// The return file.
    pub dossier: String,
    /// The line number within the file.
    pub line_no: u32,
    /// When it was made.
    pub claimed_at: chrono::DateTime<chrono::Utc>,
    /// Its message: `pending` (waiting for the network), `sent` or `refused`.
    pub state: String,
    /// The message written to the returns service.
    pub text: String,
}

/// "Mes consignes" (v1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepositsView {
    /// The API's `Deposits`: money at stake, due within 14 days, each deposit by due date.
    #[serde(flatten)]
    pub deposits: api::Deposits,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
}

/// `returns_report` arguments: the period (Paris dates); by default the twelve months up to
/// today.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportArgs {
    /// The first day.
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    /// The last day (at most 366 days after `from`).
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
}

/// "Mon bilan" (v1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView {
    /// The API's `ReturnReport`.
    #[serde(flatten)]
    pub report: api::ReturnReport,
    /// Whether this comes from the cache (offline).
    pub from_cache: bool,
}
