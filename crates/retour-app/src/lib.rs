//! The one façade every front end calls — the Tauri shell, the `retour` CLI and the tests.
//!
//! # Façade API
//!
//! Build one [`App`] per process from a [`Config`] and share it (it is `Send + Sync + Clone`;
//! in Tauri: `app.manage(retour_app::App::open(config)?)`). Every operation returns
//! `Result<_, AppError>`; [`AppError`] serialises as `{"code", "message"}` with a French message
//! ready to show and one of the stable [`ErrorCode`]s (`retour-domain`'s vocabulary, shared with
//! the server's problem documents; `local_storage` when the device's own store fails, and
//! [`AppError::exit_code`] for command lines: 1 refused, 2 unreachable). Network operations
//! are `async` (run them from a Tauri `async` command or any tokio runtime); local ones are
//! plain functions and never touch the network. A Tauri command calls the method itself:
//! `app.cart_add(&args).map_err(Into::into)`.
//!
//! | operation | returns | network |
//! |---|---|---|
//! | `App::open(Config)` | `App` (restores the last account and its kept session) | no |
//! | `login(&LoginArgs{email, password, remember})` | [`SessionView`] (+ French `warning` when no keychain) | yes |
//! | `login_sso(token, remember)` | [`SsoLoginView`]: `signed_in` with the session, or, when another account is open on the device, `confirm` with the target user and the current session (nothing changed yet) | yes |
//! | `confirm_sso_login()` / `cancel_sso_login()` | [`SessionView`] (the link's account becomes the current one) / `()` (the held session revoked, nothing changed); `no_pending_login` when none waits | yes |
//! | `logout()` | `()` (the server revokes the session, even with an expired access token; tokens forgotten here and in the keychain; the account's cart, BLs and files stay on disk but are unreachable through the app until it signs in again) | best effort |
//! | `session()` | [`SessionView`] | no |
//! | `service()` | [`ServiceView`]: open?, schedule rows in French, `next_change`; from cache + server clock offset when offline | yes, falls back to cache |
//! | `delivery_notes(days)` | [`DeliveryNotesView`] | yes, falls back to cache |
//! | `delivery_note(number)` | [`DeliveryNoteView`]; BL number checked with `BlNumber` (French messages) | yes, falls back to cache |
//! | `lookup(code)` | [`LookupView`]: `open_delivery_note` for a BL, else `matches` (BLs with that reference/GTIN) and `under_warranty` (their matching lines still under warranty, each offering "Garantie") | yes, falls back to cache |
//! | `cart()` | [`CartView`]: count, estimated total, lines with allowed reasons and eligible qty, `can_send` | no |
//! | `cart_add(CartEdit)` / `cart_set(CartEdit)` / `cart_remove(CartLineRef)` | [`CartView`] (committed before return) | no |
//! | `add_line_photo(delivery_note, line_no, bytes)` / `remove_line_photo(delivery_note, line_no, photo_id)` | [`CartView`]: the photo (a file's or a camera capture's bytes, JPEG or PNG) stripped of its metadata on the device (re-encoded JPEG, ≤ 2048 px), kept in `<hash>.photos/<sha256>.jpg` and put on the line (≤ 5; committed before return); uploaded by the next sync, before the ops and request naming it; `photo_required` blocks `send` when the reason requires one | no |
//! | `photo_thumbnail(photo_id)` | a JPEG of at most 256 px (the device's copy, else the backend's, kept) | only when not on the device |
//! | `save()` | [`SaveOutcome`] with a French message (commit + one sync attempt) | tries |
//! | `send()` | `api::ReturnRequest` (its `number` is what people read), or the server's French refusal (cart unchanged); offline: code `send_pending`, re-sent with the same key later | yes |
//! | `dossiers(DossiersArgs{state, status, page})` / `dossier(number)` | [`DossiersView`] / [`DossierView`] (the API's `Dossier` with its timeline and decisions, plus `outbox`: the messages written here not yet in its timeline, `pending` / `sent` / `refused`) | yes, falls back to cache |
//! | `send_message(number, text, photos)` | [`DossierView`] with the message in it; the text checked first (`message_empty` / `message_too_long`, nothing queued); its photos (≤ 5, bytes) stripped and kept on the device, uploaded before it leaves; written to the message outbox with its `message_id` before it is sent; offline it waits (`pending`) and leaves once with the next sync; another customer's file: `not_found` like a missing one | tries, then outbox |
//! | `preaccord_pdf(request_id)` (a file names its request: `Dossier.request`) | `PathBuf` of the PDF in the signed-in account's folder (an id it does not have: `not_found`, like a missing one), to open with the system viewer | yes, then cached (downloaded at send) |
//! | `sync_now()` | [`SyncState`] after a full sync | yes |
//! | `unseen_refusals()` / `acknowledge_refusals(&ids)` | `Vec<`[`RefusalView`]`>`: the requests refused and cart edits rejected (in any sync, background included) not yet seen, with the code's French text, what to do and the BL lines / how many were marked seen | no |
//! | `sync_state()` / `subscribe()` | [`SyncState`] / `tokio::sync::watch::Receiver<SyncState>` (online, pending ops and sends, last sync) | no |
//! | `scan_file(path)` / `scan_bytes(bytes)` (free functions) | `Vec<ScanRead>` (format, text, classification) of an image file or of its bytes | no |
//! | `validate_bl_number(input)` (free function) | the normalised number, or `invalid_format` / `too_long` with the French messages (live validation while typing) | no |
//! | `reasons()` | `Vec<api::Reason>`: the return reasons with their labels | yes, falls back to cache |
//! | `request_password_reset(email)` / `reset_password(token, new_password)` | `()`; the token is the e-mailed code or the whole link; `invalid_token` / `weak_password` in French | yes |
//! | `request_unlock(email)` / `unlock_account(token)` | `()`; `invalid_token` in French | yes |
//! | `cameras()` | `Vec<CameraInfo{id, name}>` (the still picture of `Config::camera_image` when set) | no |
//! | `camera_start(device, on_frame, on_read, on_lost)` / `camera_stop()` | `()`: preview JPEGs, code reads and a camera lost while filming (`camera_lost`) go to the callbacks from the camera's thread; one camera at a time; `no_camera`, `camera_unavailable`… in French | no |
//! | `camera_scan_frame(width, height, luma)` | `Vec<ScanRead>`: one WebView camera frame through the live pipeline (two-frame agreement, cooldown); `camera_stop()` ends its session | no |
//! | `notifications()` / `mark_notifications_read(up_to)` | [`NotificationsView`]: the notifications the sync pulled, newest first, and the unread count / the same after marking read up to that `seq` (inclusive; sent to the server at the next sync, asked for at once) | no |
//! | `preferences()` / `save_preferences(&PreferencesArgs{emails, preaccord_email})` | `api::Preferences` (e-mail switches per kind, pré-accord address; `invalid_email` in French, checked before asking) | yes (read falls back to cache) |
//! | `credits()` | [`CreditsView`] (v1.1, "Où est mon avoir ?"): the API's `Credits` (totals expected / credited / awaiting / short, every decided line with its state, those waiting longest first) and `claims`, the latest claim made here of each line with its message's state | yes, falls back to cache |
//! | `claim_credit(dossier, line_no)` | [`CreditClaimView`]: "Réclamer" writes the domain's prefilled French message on that file through the message outbox (committed first; offline `pending`, it leaves once with the next sync); a line with nothing to claim: `not_found` | tries, then outbox |
//! | `credits_csv()` | `PathBuf` of `avoirs-<day>.csv` in the account's folder (the server's CSV, offline the same made from the kept answer: BOM, `;`, decimal commas), for the system's spreadsheet | yes, falls back to cache |
//! | `deposits()` | [`DepositsView`] (v1.1, "Mes consignes"): the API's `Deposits` by due date | yes, falls back to cache |
//! | `deposit_to_cart(delivery_note, line_no)` | [`CartView`]: the BL line (read again, else the kept one) in the cart with the reason Consigne and every open unit (committed before return) | tries, then cache |
//! | `returns_report(&ReportArgs{from, to})` / `report_csv(&ReportArgs)` | [`ReportView`] (v1.1, "Mon bilan", by default the twelve months up to today; `invalid_period` in French before asking) / `PathBuf` of `bilan-<from>-<to>.csv` in the account's folder | yes, falls back to cache (a period already read) |
//! | `subscribe_notifications()` | [`NotificationFeed`] (`next().await`): each notification a sync pulls new and unread (at most 5 a sync), for OS notifications | no |
//! | `set_language(Language)` | the window's language: the notifications' titles follow it (English ones are the app's own; bodies stay the server's French) | no |
//! | `spawn_background_sync()` | starts a task syncing every 30 s and soon after each edit (needs a tokio runtime) | yes |
//! | `warranty_form(delivery_note, line_no)` / `save_warranty_draft(&WarrantyDraft)` | [`WarrantyFormView`]: the claim's draft of a BL line (kept on the device across restarts), its line, each field's refusal from the domain's `check_claim` in French (`invalid_vin`, `invalid_registration`, `date_order`, `km_order`, `warranty_expired`, `photo_required`…), `can_send` | the form fetches the BL (else the device's copy); saving is local |
//! | `vin_from_scan(text)` | the VIN in a code scanned for the form's VIN field (Code 39 label with its `I` marker or `*`, Data Matrix; spaces, hyphens, lower case); anything else `not_a_vin`, "Ce code n'est pas un VIN : …" | no |
//! | `add_warranty_photo(delivery_note, line_no, documents, bytes)` / `remove_warranty_photo(…, photo_id)` | [`WarrantyFormView`]: a photo of the part, or (`documents`) the fitting invoice as a photo or a PDF, kept on the device like a cart line's photo (a PDF as it is, listed in `pdfs`) and uploaded before the claim; a PDF as a part photo is `invalid_image` | no |
//! | `send_warranty_claim(delivery_note, line_no)` / `warranty_outbox()` | the `Dossier` of kind `warranty` the server made; checked first, then queued with an idempotency key (its draft removed in the same transaction), photos uploaded first; offline `send_pending`, sent once by the next sync / the claims waiting or refused | tries, then outbox |
//! | `pending_pickup()` / `pickup_manifest_pdf()` | [`PendingPickupView`]: the files waiting for the driver and the QR code drawn here ([`QrView`], SVG from rxing's writer); `nothing_to_pickup` / the manifest PDF's path in the account's folder | yes |
//! | `driver_scan(text)` / `confirm_handover(&HandoverArgs)` / `handovers()` | staff ("Mode chauffeur"): [`DriverScanView`], what a pickup QR code says, read offline, with the scan time / [`HandoverView`]: name and parcels checked by the domain, kept in the store with the scan time before it is sent; offline `pending`, confirmed once by the next sync / the device's confirmations | the confirmation tries, then waits |
//!
//! With the `demo-backend` feature, [`demo::start_demo_backend`] starts the reference backend
//! in-process with demo data; its `config(data_dir)` is the [`Config`] to open the app with (its URL, and the stable server name [`DEMO_SERVER_ID`]).
//!
//! # What is where
//! One SQLite store per server and account under `data_dir/accounts/<server>/<hash>.sqlite`
//! (the hash of the server and the e-mail, so that no two accounts share a file; stores of
//! earlier versions, named after the e-mail, are renamed on first open); the name of the last
//! account of a server in `data_dir/accounts/<server>/current` (removed at logout); an account's
//! photos beside its store in `<hash>.photos/<sha256>.jpg` (stripped, content-addressed); its
//! PDFs beside its store in `<hash>.files/`, named by a hash of the request id (the window never
//! names a path: the shell's `open_preaccord(request_id)` opens what `preaccord_pdf` resolves);
//! `<server>` is the URL's slug, or the configured `server_id` (`demo` for the embedded demo
//! backend, whose port changes at each start); a small event log `data_dir/retour.log`. Every folder is private to the
//! user (0700) and every file too (0600); files other than the stores are replaced atomically
//! (temporary file, fsync, rename) and only when their content changes.
//!
//! Each account has its own session and sync engine: switching accounts (a login as someone
//! else, a single sign-on link) stops the previous account's engine and forgets its session in
//! memory, so nothing running for one account ever uses another's token or store. Tokens only ever go to the OS
//! keychain (entry `retour` / `<server>|<email>`), and only with "remember me".
//!
//! # Modules
//! | module | holds |
//! |---|---|
//! | `config` | [`Config`], [`TokenStoreChoice`], [`default_data_dir`] |
//! | `accounts` | the data folder: `App::open`, one store, session and engine per server and account, the event log |
//! | `files` | atomic, private writes of the files beside the stores |
//! | `session` | `login`, `login_sso`, `confirm_sso_login`, `cancel_sso_login`, `logout`, `session` |
//! | `online` | "ask the server, else answer from the cache", for every read that works offline |
//! | `catalog` | `service`, `delivery_notes`, `delivery_note`, `lookup`, `reasons`, [`validate_bl_number`] |
//! | `cart` | `cart`, `cart_api`, `cart_add`, `cart_set`, `cart_remove`, `save` |
//! | `cart_view` | building the [`CartView`] and patching it after a local edit |
//! | `send` | `send` |
//! | `photos` | `add_line_photo`, `remove_line_photo`, `photo_thumbnail`, [`strip_photo`] (the device's re-encode), [`photo_id`] |
//! | `tracking` | `dossiers`, `dossier`, `send_message`, `preaccord_pdf` |
//! | `warranty` | `warranty_form`, `save_warranty_draft`, `vin_from_scan`, `add_warranty_photo`, `remove_warranty_photo`, `send_warranty_claim`, `warranty_outbox` |
//! | `pickups` | `pending_pickup`, `pickup_manifest_pdf`, `driver_scan`, `confirm_handover`, `handovers` |
//! | `qr` | [`qr_code`]: a QR code as an SVG path (rxing's writer) |
//! | `refusals` | `unseen_refusals`, `acknowledge_refusals` |
//! | `money` | `credits`, `claim_credit`, `credits_csv`, `deposits`, `deposit_to_cart`, `returns_report`, `report_csv` |
//! | `sync` | `sync_now`, `sync_state`, `subscribe`, `spawn_background_sync` |
//! | `notifications` | `notifications`, `mark_notifications_read`, `preferences`, `save_preferences`, `subscribe_notifications`, `set_language` |
//! | `account` | the e-mailed links: `request_password_reset`, `reset_password`, `request_unlock`, `unlock_account` |
//! | `camera` | `cameras`, `camera_start`, `camera_stop`, `camera_scan_frame` |
//! | `scan` | [`scan_file`], [`scan_bytes`] |
//! | `error` | [`AppError`] over the domain's [`ErrorCode`] |
//! | `views` | the views and arguments the operations take and return |

#![forbid(unsafe_code)]

mod account;
mod accounts;
mod camera;
mod cart;
mod cart_view;
mod catalog;
mod config;
mod error;
pub mod files;
mod money;
mod notifications;
mod online;
mod photos;
mod pickups;
mod qr;
mod refusals;
mod scan;
mod send;
mod session;
mod sync;
mod tracking;
mod views;
mod warranty;

#[cfg(feature = "demo-backend")]
pub mod demo;

use std::sync::{Arc, Mutex};

use retour_sync::{ApiClient, SyncState, TokenStore};
use tokio::sync::watch;

pub use camera::{CameraInfo, STILL_IMAGE_CAMERA_ID};
pub use catalog::validate_bl_number;
pub use config::{default_data_dir, Config, TokenStoreChoice, DEMO_SERVER_ID};
pub use error::{AppError, AppResult, ErrorCode};
pub use notifications::{
    Language, NotificationFeed, NotificationsView, PreferencesArgs, NOTIFICATIONS_SHOWN,
};
pub use photos::{photo_id, strip_photo};
pub use pickups::{DriverScanView, HandoverArgs, HandoverView, PendingPickupView, PickupFileView};
pub use qr::{qr_code, QrView};
pub use retour_camera::{camera_image_from_env, CAMERA_IMAGE_ENV};
pub use retour_scan::ScanRead;
pub use retour_store::RefusalKind;
pub use retour_sync::SyncState as SyncStateView;
pub use scan::{scan_bytes, scan_file};
pub use views::*;
pub use warranty::{
    WarrantyDraft, WarrantyFormView, WarrantyIssueView, WarrantyLineView, WarrantyOutboxView,
    WarrantyPdfView,
};

/// The API's wire types, for front ends that name what the façade returns without depending on
/// `retour-domain`.
pub use retour_domain::api;
pub use retour_domain::api::{Dossier, Reason, ReturnRequest};

struct Inner {
    config: Config,
    /// The server's client, shared by every account's session.
    client: ApiClient,
    /// Where sessions are kept between runs.
    tokens: TokenStore,
    account: Mutex<Option<Arc<accounts::Account>>>,
    status: Arc<watch::Sender<SyncState>>,
    /// Each notification a sync pulls new and unread, for the shell.
    announce: Arc<tokio::sync::broadcast::Sender<api::Notification>>,
    /// The window's language: what the notifications' titles are written in.
    language: Arc<Mutex<Language>>,
    warning: Mutex<Option<String>>,
    edited: tokio::sync::Notify,
    log: Mutex<()>,
    camera: Mutex<Option<camera::CameraRun>>,
    webview_scan: Mutex<Option<camera::WebviewScan>>,
    /// A single sign-on login into another account, waiting for the user's yes or no.
    pending_sso: Mutex<Option<session::PendingSso>>,
}

/// The app's core, shared by every front end. Cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("server", &self.inner.config.server_url)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_is_shareable_across_commands() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<App>();
        fn assert_serialize<T: serde::Serialize>() {}
        assert_serialize::<AppError>();
        assert_serialize::<CartView>();
    }
}
