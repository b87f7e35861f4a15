//! The one façade every front end calls — the Tauri shell, the `retour` CLI and the tests.
//!
//! # Façade API
//!
//! Build one [`App`] per process from a [`Config`] and share it (it is `Send + Sync + Clone`;
//! in Tauri: `app.manage(retour_app::App::open(config)?)`). Every operation returns
//! `Result<_, AppError>`; [`AppError`] serialises as `{"code", "message"}` with a French message
//! ready to show. Network operations are `async` (run them from a Tauri `async` command or any
//! tokio runtime); local ones are plain functions and never touch the network. Each operation
//! also exists as a free function taking `&App`, for one-line Tauri commands:
//! `retour_app::cart_add(&state, args).map_err(Into::into)`.
//!
//! | operation | returns | network |
//! |---|---|---|
//! | `App::open(Config)` | `App` (restores the last account and its kept session) | no |
//! | `login(&LoginArgs{email, password, remember})` | [`SessionView`] (+ French `warning` when no keychain) | yes |
//! | `login_sso(token, remember)` | [`SessionView`] | yes |
//! | `logout()` | `()` (tokens forgotten here and in the keychain; the cart stays on disk) | best effort |
//! | `session()` | [`SessionView`] | no |
//! | `service()` | [`ServiceView`]: open?, schedule rows in French, `next_change`; from cache + server clock offset when offline | yes, falls back to cache |
//! | `delivery_notes(days)` | [`DeliveryNotesView`] | yes, falls back to cache |
//! | `delivery_note(number)` | [`DeliveryNoteView`]; BL number checked with `BlNumber` (French messages) | yes, falls back to cache |
//! | `lookup(code)` | [`LookupView`]: `open_delivery_note` for a BL, else `matches` (BLs with that reference/GTIN) | yes, falls back to cache |
//! | `cart()` | [`CartView`]: count, estimated total, lines with allowed reasons and eligible qty, `can_send` | no |
//! | `cart_add(CartEdit)` / `cart_set(CartEdit)` / `cart_remove(CartLineRef)` | [`CartView`] (committed before return) | no |
//! | `save()` | [`SaveOutcome`] with a French message (commit + one sync attempt) | tries |
//! | `send()` | `api::ReturnRequest`, or the server's French refusal (cart unchanged); offline: code `send_pending`, re-sent with the same key later | yes |
//! | `dossiers(DossiersArgs{state, status, page})` / `dossier(number)` | [`DossiersView`] / `api::Dossier` | yes, falls back to cache |
//! | `preaccord_pdf(request_id)` | `PathBuf` of the PDF in the data dir, to open with the system viewer | yes, then cached |
//! | `sync_now()` | [`SyncState`] after a full sync | yes |
//! | `sync_state()` / `subscribe()` | [`SyncState`] / `tokio::sync::watch::Receiver<SyncState>` (online, pending ops and sends, last sync) | no |
//! | `scan_file(path)` / `scan_bytes(bytes)` (free functions) | `Vec<ScanRead>` (format, text, classification) of an image file or of its bytes | no |
//! | `validate_bl_number(input)` (free function) | the normalised number, or `invalid_format` / `too_long` with the French messages (live validation while typing) | no |
//! | `reasons()` | `Vec<api::Reason>`: the return reasons with their labels | yes, falls back to cache |
//! | `request_password_reset(email)` / `reset_password(token, new_password)` | `()`; the token is the e-mailed code or the whole link; `invalid_token` / `weak_password` in French | yes |
//! | `request_unlock(email)` / `unlock_account(token)` | `()`; `invalid_token` in French | yes |
//! | `cameras()` | `Vec<CameraInfo{id, name}>` (the still picture of `Config::camera_image` when set) | no |
//! | `camera_start(device, on_frame, on_read)` / `camera_stop()` | `()`: preview JPEGs and code reads go to the callbacks from the camera's thread; one camera at a time; `no_camera`, `camera_unavailable`… in French | no |
//! | `spawn_background_sync()` | starts a task syncing every 30 s and soon after each edit (needs a tokio runtime) | yes |
//!
//! With the `demo-backend` feature, [`demo::start_demo_backend`] starts the reference backend
//! in-process with demo data and returns its URL, to put in [`Config::server_url`].
//!
//! # What is where
//! One SQLite store per server and account under `data_dir/accounts/<server>/<email>.sqlite`;
//! the name of the last account of a server in `data_dir/accounts/<server>/current`; PDFs in
//! `data_dir/files/`; a small event log `data_dir/retour.log`. Tokens only ever go to the OS
//! keychain (entry `retour` / `<server>|<email>`), and only with "remember me".

#![forbid(unsafe_code)]

mod account;
mod camera;
mod error;
mod views;

#[cfg(feature = "demo-backend")]
pub mod demo;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{Duration as ChronoDuration, Utc};
use retour_domain::api::{
    CodeKind, DeliveryNote, DossierList, Lookup, LookupMatch, ReturnRequestBody, ReturnRequestLine,
    ServiceInfo, User,
};
use retour_domain::hours::{day_label_fr, day_name, format_hours_fr, paris_today, Schedule, WEEK};
use retour_domain::reason::{total, LinePrices, ReasonCode, ReasonTable};
use retour_domain::{classify, BlNumber, ScannedCode};
use retour_store::Store;
use retour_sync::engine::{lock, CACHE_REASONS, CACHE_SERVICE};
use retour_sync::{
    ApiClient, ApiError, Backoff, DossierQuery, SendOutcome, SessionKeeper, SyncEngine, SyncState,
    Timeouts, TokenStore,
};
use tokio::sync::watch;

pub use account::{INVALID_TOKEN, WEAK_PASSWORD};
pub use camera::{CameraInfo, STILL_IMAGE_CAMERA_ID};
pub use error::{AppError, AppResult};
pub use retour_camera::{camera_image_from_env, CAMERA_IMAGE_ENV};
pub use views::*;

/// The API's wire types, for front ends that name what the façade returns without depending on
/// `retour-domain`.
pub use retour_domain::api;
pub use retour_domain::api::{Dossier, Reason, ReturnRequest};

/// Where tokens are kept.
#[derive(Debug, Clone)]
pub enum TokenStoreChoice {
    /// The OS keychain: what the app and the CLI always use.
    Keychain,
    /// Tokens in this process's memory, for tests that are not about the keychain. Only built
    /// with the `test-token-store` feature, which only the test package enables.
    #[cfg(feature = "test-token-store")]
    InMemoryForTests(TokenStore),
}

/// How to build an [`App`].
#[derive(Debug, Clone)]
pub struct Config {
    /// The backend, such as `https://retour.example` or `http://127.0.0.1:8080`.
    pub server_url: String,
    /// Where the stores, files and log live.
    pub data_dir: PathBuf,
    /// This device's name, shown in the account's session list.
    pub device_name: String,
    /// Where tokens are kept.
    pub tokens: TokenStoreChoice,
    /// How long to wait for the server.
    pub timeouts: Timeouts,
    /// How patiently to retry.
    pub backoff: Backoff,
    /// A PNG or JPEG picture to film in place of a camera (demos, tests on machines without a
    /// camera); the shell takes it from `RETOUR_CAMERA_IMAGE`.
    pub camera_image: Option<PathBuf>,
}

impl Config {
    /// A configuration with the keychain, default timeouts and interactive retries.
    pub fn new(server_url: impl Into<String>, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            server_url: server_url.into(),
            data_dir: data_dir.into(),
            device_name: default_device_name(),
            tokens: TokenStoreChoice::Keychain,
            timeouts: Timeouts::default(),
            backoff: Backoff::INTERACTIVE,
            camera_image: None,
        }
    }
}

/// The OS's per-user application data folder for Retour (used when no `--data-dir` or
/// `RETOUR_DATA_DIR` is given).
pub fn default_data_dir() -> PathBuf {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(target_os = "windows") {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
    };
    base.unwrap_or_else(std::env::temp_dir).join("retour")
}

fn default_device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| format!("retour-{}", std::env::consts::OS))
}

/// Turns a server URL or an e-mail into a file name.
fn slug(text: &str) -> String {
    let text = text
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_lowercase();
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

const META_USER: &str = "user";

/// The signed-in (or last) account: its store and sync engine.
struct Account {
    email: String,
    store: Arc<Mutex<Store>>,
    engine: Arc<SyncEngine>,
    /// The cart screen as last built. Only touched with the store locked (store first).
    cart_view: Mutex<Option<CachedCartView>>,
}

/// The cart screen kept between calls, with the store revision it matches: a local edit updates
/// its one line instead of joining every line with its BL again; any other change to the store
/// (sync, caches) makes the next call build it anew.
struct CachedCartView {
    revision: u64,
    reasons: ReasonTable,
    view: CartView,
}

struct Inner {
    config: Config,
    session: Arc<SessionKeeper>,
    account: Mutex<Option<Arc<Account>>>,
    status: Arc<watch::Sender<SyncState>>,
    warning: Mutex<Option<String>>,
    edited: tokio::sync::Notify,
    log: Mutex<()>,
    camera: Mutex<Option<camera::CameraRun>>,
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

fn now_ms_with(offset: ChronoDuration) -> u64 {
    (Utc::now() + offset).timestamp_millis().max(0) as u64
}

impl App {
    /// Opens the app: the data folder, the last account of this server and its kept session.
    /// Never needs the network. A keychain that cannot be read leaves a French warning in
    /// [`App::session`] (a login is then needed).
    pub fn open(config: Config) -> AppResult<App> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            AppError::new(
                "data_dir",
                format!(
                    "Impossible de créer le dossier de données {} : {e}",
                    config.data_dir.display()
                ),
            )
        })?;
        let client = ApiClient::new(&config.server_url, config.timeouts)?;
        let tokens = match &config.tokens {
            TokenStoreChoice::Keychain => TokenStore::keychain(),
            #[cfg(feature = "test-token-store")]
            TokenStoreChoice::InMemoryForTests(store) => store.clone(),
        };
        let session = Arc::new(SessionKeeper::new(client, tokens));
        let (status, _) = watch::channel(SyncState::default());
        let app = App {
            inner: Arc::new(Inner {
                config,
                session,
                account: Mutex::new(None),
                status: Arc::new(status),
                warning: Mutex::new(None),
                edited: tokio::sync::Notify::new(),
                log: Mutex::new(()),
                camera: Mutex::new(None),
            }),
        };
        if let Some(email) = app.current_account_name() {
            let account = app.open_account(&email)?;
            let user: Option<User> = lock(&account.store)
                .meta(META_USER)?
                .and_then(|json| serde_json::from_str(&json).ok());
            if let Err(e) = app.inner.session.restore(&email, user) {
                app.set_warning(Some(e.to_string()));
            }
        }
        Ok(app)
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    fn server_dir(&self) -> PathBuf {
        self.inner
            .config
            .data_dir
            .join("accounts")
            .join(slug(&self.inner.config.server_url))
    }

    /// The store file of an account of this server.
    pub fn store_path(&self, email: &str) -> PathBuf {
        self.server_dir().join(format!("{}.sqlite", slug(email)))
    }

    fn current_account_name(&self) -> Option<String> {
        std::fs::read_to_string(self.server_dir().join("current"))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    fn open_account(&self, email: &str) -> AppResult<Arc<Account>> {
        let email = email.to_lowercase();
        if let Some(current) = self.account_opt() {
            if current.email == email {
                return Ok(current);
            }
        }
        let store = Arc::new(Mutex::new(Store::open(&self.store_path(&email))?));
        let engine = Arc::new(SyncEngine::new(
            self.inner.session.clone(),
            store.clone(),
            self.inner.status.clone(),
        ));
        engine.set_backoff(self.inner.config.backoff);
        let account = Arc::new(Account {
            email: email.clone(),
            store,
            engine,
            cart_view: Mutex::new(None),
        });
        std::fs::create_dir_all(self.server_dir()).map_err(AppError::local)?;
        std::fs::write(self.server_dir().join("current"), &email).map_err(AppError::local)?;
        *self.inner.account.lock().unwrap_or_else(|p| p.into_inner()) = Some(account.clone());
        Ok(account)
    }

    fn account_opt(&self) -> Option<Arc<Account>> {
        self.inner
            .account
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn account(&self) -> AppResult<Arc<Account>> {
        self.account_opt().ok_or_else(AppError::not_signed_in)
    }

    /// The current account's store (for tests and support tools).
    pub fn store(&self) -> AppResult<Arc<Mutex<Store>>> {
        Ok(self.account()?.store.clone())
    }

    fn set_warning(&self, warning: Option<String>) {
        *self.inner.warning.lock().unwrap_or_else(|p| p.into_inner()) = warning;
    }

    /// Appends a line to the event log. Never given a token or a password.
    fn log(&self, event: &str) {
        let _guard = self.inner.log.lock().unwrap_or_else(|p| p.into_inner());
        let path = self.inner.config.data_dir.join("retour.log");
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{} {event}", Utc::now().to_rfc3339());
        }
    }

    // ----- session -----

    /// Signs in with e-mail and password; with `remember`, the session is kept in the keychain.
    /// Then syncs once (best effort).
    pub async fn login(&self, args: &LoginArgs) -> AppResult<SessionView> {
        if args.email.trim().is_empty() {
            return Err(AppError::new(
                "email_required",
                "Veuillez entrer un nom d'utilisateur",
            ));
        }
        if args.password.is_empty() {
            return Err(AppError::new(
                "password_required",
                "Veuillez entrer un mot de passe",
            ));
        }
        let result = self
            .inner
            .session
            .login(
                args.email.trim(),
                &args.password,
                &self.inner.config.device_name,
                args.remember,
            )
            .await?;
        self.after_login(result).await
    }

    /// Signs in with a single sign-on token from the Autossimo portal.
    pub async fn login_sso(&self, token: &str, remember: bool) -> AppResult<SessionView> {
        let result = self.inner.session.login_sso(token.trim(), remember).await?;
        self.after_login(result).await
    }

    async fn after_login(&self, result: retour_sync::LoginResult) -> AppResult<SessionView> {
        let account = self.open_account(&result.user.email)?;
        lock(&account.store).set_meta(
            META_USER,
            &serde_json::to_string(&result.user).map_err(AppError::local)?,
        )?;
        self.set_warning(result.warning.clone());
        self.log(&format!("connexion de {}", result.user.email));
        let _ = account.engine.sync_all().await;
        Ok(self.session())
    }

    /// Signs out: the server is told (best effort), the tokens are forgotten here and in the
    /// keychain. The account's cart stays on the device.
    pub async fn logout(&self) -> AppResult<()> {
        let result = self.inner.session.logout().await;
        self.log("déconnexion");
        result.map_err(|e| AppError::new("keychain", e.to_string()))
    }

    /// Who is signed in, and any warning about the keychain.
    pub fn session(&self) -> SessionView {
        let session = &self.inner.session;
        let account = self.account_opt();
        let user = session.user().or_else(|| {
            account.as_ref().and_then(|a| {
                lock(&a.store)
                    .meta(META_USER)
                    .ok()
                    .flatten()
                    .and_then(|json| serde_json::from_str(&json).ok())
            })
        });
        SessionView {
            signed_in: session.signed_in(),
            email: session.email().or_else(|| account.map(|a| a.email.clone())),
            user,
            remembered: session.remembered(),
            warning: self
                .inner
                .warning
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    // ----- service -----

    /// Whether declaring is open, with the weekly hours: from the server, or offline from the
    /// cached schedule and the server clock's offset.
    pub async fn service(&self) -> AppResult<ServiceView> {
        let account = self.account_opt();
        let fetched = match &account {
            Some(a) => a.engine.pull_service().await,
            None => self.inner.session.client().service().await,
        };
        match fetched {
            Ok(info) => Ok(service_view(info, false)),
            Err(e @ ApiError::Unreachable(_)) => {
                let Some(account) = account else {
                    return Err(e.into());
                };
                let cached: Option<(ServiceInfo, _)> =
                    lock(&account.store).cache_get(CACHE_SERVICE)?;
                let Some((info, _)) = cached else {
                    return Err(e.into());
                };
                let now = Utc::now() + account.engine.clock_offset();
                let schedule = Schedule::from_api_days(&info.schedule)
                    .map_err(|e| AppError::new("server_error", e.to_string()))?;
                let info = ServiceInfo {
                    open: schedule.is_open(now),
                    now,
                    next_change: schedule.next_change(now),
                    ..info
                };
                Ok(service_view(info, true))
            }
            Err(e) => Err(e.into()),
        }
    }

    // ----- delivery notes -----

    /// The delivery notes of the last `days` days (1–31), newest first.
    pub async fn delivery_notes(&self, days: u32) -> AppResult<DeliveryNotesView> {
        let days = days.clamp(1, 31);
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.delivery_notes(&token, days).await })
            .await;
        match fetched {
            Ok(list) => {
                lock(&account.store).save_delivery_note_list(&list.items, Utc::now())?;
                Ok(DeliveryNotesView {
                    items: list.items,
                    from_cache: false,
                })
            }
            Err(ApiError::Unreachable(_)) => {
                let today = paris_today(Utc::now() + account.engine.clock_offset());
                let since = today - ChronoDuration::days(i64::from(days) - 1);
                let items = lock(&account.store).delivery_notes_since(since)?;
                Ok(DeliveryNotesView {
                    items,
                    from_cache: true,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One delivery note with its lines. The number is checked first (French messages); a
    /// printed or scanned number with its two leading zeros is accepted.
    pub async fn delivery_note(&self, number: &str) -> AppResult<DeliveryNoteView> {
        let number = bl_number(number)?;
        let account = self.account()?;
        match account.engine.fetch_delivery_note(&number).await {
            Ok(note) => Ok(DeliveryNoteView {
                note,
                from_cache: false,
            }),
            Err(ApiError::Unreachable(m)) => match lock(&account.store).delivery_note(&number)? {
                Some((note, _)) => Ok(DeliveryNoteView {
                    note,
                    from_cache: true,
                }),
                None => Err(ApiError::Unreachable(m).into()),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Resolves a scanned or typed code: a BL number gives the BL to open; a product code or a
    /// supplier reference gives the recent BLs that contain it.
    pub async fn lookup(&self, code: &str) -> AppResult<LookupView> {
        let scanned = classify(code).ok_or_else(|| {
            AppError::new(
                "invalid_code",
                "Code non reconnu : scannez ou saisissez un BL, un code produit ou une référence.",
            )
        })?;
        let account = self.account()?;
        let code_owned = code.to_owned();
        let fetched = account
            .engine
            .call(|client, token| {
                let code = code_owned.clone();
                async move { client.lookup(&token, &code).await }
            })
            .await;
        let (lookup, from_cache) = match fetched {
            Ok(lookup) => (lookup, false),
            Err(ApiError::Unreachable(_)) => {
                (lookup_offline(&lock(&account.store), &scanned)?, true)
            }
            Err(e) => return Err(e.into()),
        };
        let open_delivery_note = match lookup.kind {
            CodeKind::DeliveryNote => Some(lookup.normalized.clone()),
            _ => None,
        };
        Ok(LookupView {
            kind: lookup.kind,
            normalized: lookup.normalized,
            matches: lookup.matches,
            open_delivery_note,
            from_cache,
        })
    }

    // ----- cart -----

    /// The cart as the cart screen shows it. Local only.
    pub fn cart(&self) -> AppResult<CartView> {
        let account = self.account()?;
        let store = lock(&account.store);
        current_cart_view(&account, &store)
    }

    /// The cart in the API's `Cart` shape.
    pub fn cart_api(&self) -> AppResult<api::Cart> {
        let account = self.account()?;
        let store = lock(&account.store);
        let view = current_cart_view(&account, &store)?;
        Ok(view.to_api(store.op_count()?))
    }

    /// Puts a BL line in the cart (or updates it), checked against the cached BL: quantity
    /// 1 … eligible, reason among the line's. Committed before it returns; works offline once
    /// the BL is cached (fetched if not and the server is reachable).
    pub async fn cart_add(&self, edit: &CartEdit) -> AppResult<CartView> {
        let number = bl_number(&edit.delivery_note)?;
        let account = self.account()?;
        let cached = lock(&account.store).delivery_note(&number)?;
        if cached.is_none() {
            match account.engine.fetch_delivery_note(&number).await {
                Ok(_) => {}
                Err(ApiError::Unreachable(_)) => {
                    return Err(AppError::new(
                        "not_cached",
                        format!(
                            "Le BL {number} n'est pas disponible hors ligne : ouvrez-le une fois \
                             connecté pour pouvoir l'ajouter sans réseau."
                        ),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.edit(&account, &number, edit, false)
    }

    /// Changes the quantity or reason of a line already in the cart. Local only.
    pub fn cart_set(&self, edit: &CartEdit) -> AppResult<CartView> {
        let number = bl_number(&edit.delivery_note)?;
        let account = self.account()?;
        self.edit(&account, &number, edit, true)
    }

    fn edit(
        &self,
        account: &Account,
        number: &str,
        edit: &CartEdit,
        must_exist: bool,
    ) -> AppResult<CartView> {
        let now_ms = now_ms_with(account.engine.clock_offset());
        let view = {
            let mut store = lock(&account.store);
            let existing = store.cart().line(number, edit.line_no);
            if must_exist && existing.is_none() {
                return Err(AppError::new(
                    "not_in_cart",
                    format!(
                        "La ligne {} du BL {number} n'est pas dans le panier.",
                        edit.line_no
                    ),
                ));
            }
            let note = store.delivery_note_shared(number)?.ok_or_else(|| {
                AppError::new(
                    "not_cached",
                    format!("Le BL {number} n'est pas disponible hors ligne."),
                )
            })?;
            let line = note
                .0
                .lines
                .iter()
                .find(|l| l.line_no == edit.line_no)
                .ok_or_else(|| {
                    AppError::new(
                        "unknown_line",
                        format!("Le BL {number} n'a pas de ligne {}.", edit.line_no),
                    )
                })?;
            if line.eligible_qty == 0 && existing.is_none() {
                return Err(AppError::new(
                    "not_eligible",
                    "Cette ligne n'a plus de quantité éligible au retour.",
                ));
            }
            if let Some(qty) = edit.qty {
                if qty == 0 {
                    return Err(AppError::new(
                        "invalid_quantity",
                        "La quantité doit être d'au moins 1 : pour retirer la ligne, supprimez-la.",
                    ));
                }
                if qty > line.eligible_qty {
                    return Err(AppError::new(
                        "quantity_exceeded",
                        format!(
                            "Quantité supérieure à la quantité éligible ({}).",
                            line.eligible_qty
                        ),
                    ));
                }
            }
            let reason = match &edit.reason {
                Some(code) if code.trim().is_empty() => None,
                Some(code) => {
                    let code = code.trim();
                    if !line.allowed_reasons.iter().any(|r| r.as_str() == code) {
                        return Err(AppError::new(
                            "reason_not_allowed",
                            retour_domain::reason::ReasonError::NotAllowed.to_string(),
                        ));
                    }
                    Some(code.to_owned())
                }
                None => None,
            };
            let revision = store.revision();
            store.put(number, edit.line_no, edit.qty, reason, now_ms)?;
            cart_view_after_edit(account, &store, revision, number, edit.line_no)?
        };
        account.engine.refresh_counts();
        self.inner.edited.notify_one();
        Ok(view)
    }

    /// Takes a line out of the cart (as far as this device has seen it: an edit made meanwhile
    /// on another device keeps it). Local only.
    pub fn cart_remove(&self, line: &CartLineRef) -> AppResult<CartView> {
        let number = bl_number(&line.delivery_note)?;
        let account = self.account()?;
        let now_ms = now_ms_with(account.engine.clock_offset());
        let view = {
            let mut store = lock(&account.store);
            let revision = store.revision();
            if store.remove(&number, line.line_no, now_ms)?.is_none() {
                return Err(AppError::new(
                    "not_in_cart",
                    format!(
                        "La ligne {} du BL {number} n'est pas dans le panier.",
                        line.line_no
                    ),
                ));
            }
            cart_view_after_edit(&account, &store, revision, &number, line.line_no)?
        };
        account.engine.refresh_counts();
        self.inner.edited.notify_one();
        Ok(view)
    }

    /// "Enregistrer le panier": everything is already committed on the device; this tries one
    /// sync and says so in French.
    pub async fn save(&self) -> AppResult<SaveOutcome> {
        let account = self.account()?;
        let synced = account.engine.sync_cart_now().await.is_ok();
        let count = self.cart()?.count;
        let message = if synced {
            "Votre panier est enregistré et synchronisé avec vos autres appareils.".to_owned()
        } else {
            "Votre panier est enregistré sur cet appareil ; il sera synchronisé dès que le \
             réseau le permettra."
                .to_owned()
        };
        Ok(SaveOutcome {
            message,
            synced,
            count,
        })
    }

    // ----- send -----

    /// "Envoyer la demande": writes the request with a fresh idempotency key to the outbox,
    /// then sends it. A refusal (403 service closed, 409 quantity, 422 reason…) comes back with
    /// the server's French message and the cart unchanged. Without network the request stays
    /// in the outbox (code `send_pending`) and is re-sent with the same key by the next sync.
    /// A request already waiting is re-sent first, and its answer returned.
    pub async fn send(&self) -> AppResult<ReturnRequest> {
        let account = self.account()?;
        let pending = lock(&account.store).pending_submissions()?;
        let submission = match pending.into_iter().next() {
            Some(waiting) => waiting,
            None => {
                let view = current_cart_view(&account, &lock(&account.store))?;
                if view.lines.is_empty() {
                    return Err(AppError::new("empty_request", "Votre panier est vide."));
                }
                if !view.can_send {
                    return Err(AppError::new(
                        "reason_required",
                        "Choisissez un motif pour chaque ligne avant d'envoyer la demande.",
                    ));
                }
                let body = ReturnRequestBody {
                    lines: view
                        .lines
                        .iter()
                        .map(|l| ReturnRequestLine {
                            delivery_note: l.line.delivery_note.clone(),
                            line_no: l.line.line_no,
                            qty: l.line.qty,
                            reason: l.line.reason.clone(),
                        })
                        .collect(),
                };
                let submission = lock(&account.store).create_submission(&body, Utc::now())?;
                self.log(&format!(
                    "demande écrite dans la file d'envoi (clé {})",
                    submission.idempotency_key
                ));
                account.engine.refresh_counts();
                submission
            }
        };
        let outcome = account.engine.send_submission(&submission).await;
        match outcome {
            SendOutcome::Accepted(request) => {
                self.log(&format!(
                    "demande {} acceptée (clé {})",
                    request.id, submission.idempotency_key
                ));
                // Tell the other devices the sent lines left the cart; best effort.
                let _ = account.engine.sync_cart_now().await;
                Ok(*request)
            }
            SendOutcome::Refused(problem) => {
                self.log(&format!(
                    "demande refusée : {} (clé {})",
                    problem.code, submission.idempotency_key
                ));
                Err(ApiError::Status {
                    status: problem.status,
                    problem: Box::new(problem),
                    retry_after: None,
                }
                .into())
            }
            SendOutcome::Pending(e) => {
                self.log(&format!(
                    "demande en attente de réseau (clé {})",
                    submission.idempotency_key
                ));
                match AppError::from(e) {
                    e if e.code == "unreachable" => Err(AppError::new(
                        "send_pending",
                        "Pas de réseau : votre demande est enregistrée sur l'appareil et sera \
                         envoyée automatiquement dès que possible.",
                    )),
                    other => Err(other),
                }
            }
        }
    }

    // ----- tracking -----

    /// The return files, newest first ("EN COURS" / "CLÔTURÉS", status filter, page).
    pub async fn dossiers(&self, args: &DossiersArgs) -> AppResult<DossiersView> {
        let account = self.account()?;
        let query = DossierQuery {
            state: args.state.clone(),
            status: args.status.clone(),
            page: args.page,
            per_page: None,
        };
        let key = format!(
            "dossiers:{}:{}:{}",
            args.state.as_deref().unwrap_or(""),
            args.status.as_deref().unwrap_or(""),
            args.page.unwrap_or(1)
        );
        let q = query.clone();
        let fetched = account
            .engine
            .call(|client, token| {
                let q = q.clone();
                async move { client.dossiers(&token, &q).await }
            })
            .await;
        match fetched {
            Ok(list) => {
                lock(&account.store).cache_put(&key, &list, Utc::now())?;
                Ok(DossiersView {
                    list,
                    from_cache: false,
                })
            }
            Err(e @ ApiError::Unreachable(_)) => {
                let cached: Option<(DossierList, _)> = lock(&account.store).cache_get(&key)?;
                match cached {
                    Some((list, _)) => Ok(DossiersView {
                        list,
                        from_cache: true,
                    }),
                    None => Err(e.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One return file with its history.
    pub async fn dossier(&self, number: &str) -> AppResult<Dossier> {
        let number = number.trim().to_owned();
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            return Err(AppError::new(
                "invalid_format",
                "Numéro de suivi incorrect : il ne contient que des chiffres.",
            ));
        }
        let account = self.account()?;
        let key = format!("dossier:{number}");
        let n = number.clone();
        let fetched = account
            .engine
            .call(|client, token| {
                let n = n.clone();
                async move { client.dossier(&token, &n).await }
            })
            .await;
        match fetched {
            Ok(dossier) => {
                lock(&account.store).cache_put(&key, &dossier, Utc::now())?;
                Ok(dossier)
            }
            Err(e @ ApiError::Unreachable(_)) => {
                let cached: Option<(Dossier, _)> = lock(&account.store).cache_get(&key)?;
                cached.map(|(d, _)| d).ok_or_else(|| e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The pré-accord PDF of a sent request, downloaded once into the data folder; returns its
    /// path for the system viewer.
    pub async fn preaccord_pdf(&self, request_id: &str) -> AppResult<PathBuf> {
        let account = self.account()?;
        let name = format!("preaccord-{}", slug(request_id));
        if let Some(file) = lock(&account.store).file(&name)? {
            return Ok(file.path);
        }
        let id = request_id.to_owned();
        let bytes = account
            .engine
            .call(|client, token| {
                let id = id.clone();
                async move { client.preaccord_pdf(&token, &id).await }
            })
            .await?;
        let dir = self.inner.config.data_dir.join("files");
        std::fs::create_dir_all(&dir).map_err(AppError::local)?;
        let path = dir.join(format!("{name}.pdf"));
        write_atomically(&path, &bytes).map_err(AppError::local)?;
        lock(&account.store).save_file(&name, &path, "application/pdf", Utc::now())?;
        Ok(path)
    }

    // ----- reasons -----

    /// The return reasons with their labels (the server's table), kept for offline use.
    pub async fn reasons(&self) -> AppResult<Vec<Reason>> {
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.reasons(&token).await })
            .await;
        match fetched {
            Ok(reasons) => {
                lock(&account.store).cache_put(CACHE_REASONS, &reasons, Utc::now())?;
                Ok(reasons)
            }
            Err(e @ ApiError::Unreachable(_)) => {
                let cached: Option<(Vec<Reason>, _)> =
                    lock(&account.store).cache_get(CACHE_REASONS)?;
                cached.map(|(reasons, _)| reasons).ok_or_else(|| e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    // ----- sync -----

    /// A full sync now: waiting requests, cart ops both ways, BLs, reasons, schedule.
    pub async fn sync_now(&self) -> AppResult<SyncState> {
        let account = self.account()?;
        let result = account.engine.sync_all().await;
        match &result {
            Ok(report) => self.log(&format!(
                "synchronisation : {} envoyées, {} refusées, {} reçues",
                report.pushed, report.rejected, report.pulled
            )),
            Err(e) => self.log(&format!(
                "synchronisation échouée : {}",
                AppError::from(e.clone()).code
            )),
        }
        result?;
        Ok(self.sync_state())
    }

    /// Online?, pending ops and sends, last sync.
    pub fn sync_state(&self) -> SyncState {
        if let Some(account) = self.account_opt() {
            account.engine.refresh_counts();
        }
        self.inner.status.borrow().clone()
    }

    /// A receiver that sees every change of the sync state (for the shell's events).
    pub fn subscribe(&self) -> watch::Receiver<SyncState> {
        self.inner.status.subscribe()
    }

    /// Starts a background task (on the current tokio runtime) that syncs every 30 s and a
    /// moment after each cart edit, backing off while offline. Returns its handle.
    pub fn spawn_background_sync(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut failures: u32 = 0;
            loop {
                let ok = match app.account_opt() {
                    Some(account) if app.inner.session.signed_in() => {
                        account.engine.sync_all().await.is_ok()
                    }
                    _ => true,
                };
                failures = if ok { 0 } else { failures.saturating_add(1) };
                let wait = if ok {
                    std::time::Duration::from_secs(30)
                } else {
                    Backoff::BACKGROUND.delay(failures - 1, None, rand_unit())
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = app.inner.edited.notified() => {
                        // Let a burst of edits settle before syncing.
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
            }
        })
    }
}

fn rand_unit() -> f64 {
    // A cheap jitter source without another dependency: the sub-second clock.
    f64::from(Utc::now().timestamp_subsec_nanos() % 1_000_000) / 1_000_000.0
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("part");
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(tmp, path)
}

/// Checks a BL number as typed or scanned: digits only, at most 9, the printed two leading zeros
/// dropped from an 11-digit number.
fn bl_number(input: &str) -> AppResult<String> {
    let trimmed = input.trim();
    if trimmed.len() == 11
        && trimmed.starts_with("00")
        && trimmed.bytes().all(|b| b.is_ascii_digit())
    {
        if let Some(ScannedCode::DeliveryNote(number)) = classify(trimmed) {
            return Ok(number.as_str().to_owned());
        }
    }
    Ok(BlNumber::parse(input)?.as_str().to_owned())
}

fn service_view(info: ServiceInfo, from_cache: bool) -> ServiceView {
    let schedule = Schedule::from_api_days(&info.schedule).unwrap_or_default();
    let rows = WEEK
        .iter()
        .map(|&day| ScheduleRow {
            day: day_name(day).to_owned(),
            label: day_label_fr(day).to_owned(),
            hours: format_hours_fr(schedule.hours(day)),
        })
        .collect();
    ServiceView {
        info,
        rows,
        from_cache,
    }
}

fn reason_table(store: &Store) -> AppResult<ReasonTable> {
    let cached: Option<(Vec<Reason>, _)> = store.cache_get(CACHE_REASONS)?;
    Ok(cached
        .map(|(reasons, _)| ReasonTable(reasons))
        .unwrap_or_default())
}

/// The cart screen: the kept one if the store has not changed since it was built, else built
/// anew (and kept). Called with the store locked.
fn current_cart_view(account: &Account, store: &Store) -> AppResult<CartView> {
    let mut kept = account.cart_view.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(kept) = kept.as_ref().filter(|k| k.revision == store.revision()) {
        return Ok(kept.view.clone());
    }
    let built = build_cart_view(store)?;
    let view = built.view.clone();
    *kept = Some(built);
    Ok(view)
}

/// The cart screen after a local edit of one line, the store's only change since `revision`:
/// that line is rebuilt in the kept screen, the rest is reused. Called with the store locked.
fn cart_view_after_edit(
    account: &Account,
    store: &Store,
    revision: u64,
    delivery_note: &str,
    line_no: u32,
) -> AppResult<CartView> {
    let mut kept = account.cart_view.lock().unwrap_or_else(|p| p.into_inner());
    let Some(cached) = kept
        .as_mut()
        .filter(|k| k.revision == revision && store.revision() == revision + 1)
    else {
        drop(kept);
        return current_cart_view(account, store);
    };
    let lines = &mut cached.view.lines;
    let at = lines.binary_search_by(|l| {
        (l.line.delivery_note.as_str(), l.line.line_no).cmp(&(delivery_note, line_no))
    });
    match (store.cart().line(delivery_note, line_no), at) {
        (Some(line), found) => {
            let note = store.delivery_note_shared(delivery_note)?;
            let view = Arc::new(line_view(
                &cached.reasons,
                &line,
                note.as_ref().map(|n| &n.0),
            ));
            match found {
                Ok(i) => lines[i] = view,
                Err(i) => lines.insert(i, view),
            }
        }
        (None, Ok(i)) => {
            lines.remove(i);
        }
        (None, Err(_)) => {}
    }
    cached.view.count = lines.len() as u32;
    cached.view.estimated_total_ht = total(lines.iter().map(|l| l.line.estimated_credit_ht));
    cached.view.can_send = !lines.is_empty() && lines.iter().all(|l| l.line.reason.is_some());
    cached.view.pending_ops = store.pending_op_count()?;
    cached.revision = store.revision();
    Ok(cached.view.clone())
}

/// One line of the cart screen, joined with its cached BL line (`note`) and the reasons.
fn line_view(
    table: &ReasonTable,
    line: &retour_domain::cart::CartLine,
    note: Option<&DeliveryNote>,
) -> CartLineView {
    let bl_line = note.and_then(|n| n.lines.iter().find(|l| l.line_no == line.line_no));
    let (reference, designation, eligible, allowed, prices) = match bl_line {
        Some(l) => (
            l.reference.clone(),
            l.designation.clone(),
            l.eligible_qty,
            l.allowed_reasons.as_slice(),
            Some(LinePrices {
                unit_price: l.unit_price_ht,
                deposit: l.deposit_ht,
            }),
        ),
        None => (String::new(), String::new(), 0, &[][..], None),
    };
    let estimate = match (&line.reason, &prices) {
        (Some(reason), Some(prices)) => table.estimate(reason, prices, line.qty).ok().flatten(),
        _ => None,
    };
    let label = |code: &str| {
        table
            .0
            .iter()
            .find(|r| r.code.as_str() == code)
            .map_or(code, |r| r.label.as_str())
            .to_owned()
    };
    CartLineView {
        allowed_reasons: allowed
            .iter()
            .map(|c| ReasonChoice {
                code: c.as_str().to_owned(),
                label: label(c.as_str()),
            })
            .collect(),
        reason_label: line.reason.as_deref().map(label),
        line: api::CartLine {
            delivery_note: line.delivery_note.clone(),
            line_no: line.line_no,
            reference,
            designation,
            qty: line.qty,
            reason: line.reason.as_deref().and_then(ReasonCode::parse),
            eligible_qty: eligible,
            estimated_credit_ht: estimate,
            updated_at: line.updated_at.clone(),
        },
    }
}

/// Builds the cart screen from the merged cart and the cached BLs and reasons.
fn build_cart_view(store: &Store) -> AppResult<CachedCartView> {
    let reasons = reason_table(store)?;
    let cart_lines = store.cart_lines();
    let mut notes: std::collections::HashMap<&str, Option<retour_store::SharedNote>> =
        Default::default();
    let mut lines = Vec::with_capacity(cart_lines.len());
    for line in &cart_lines {
        let note = match notes.get(line.delivery_note.as_str()) {
            Some(note) => note.clone(),
            None => {
                let note = store.delivery_note_shared(&line.delivery_note)?;
                notes.insert(line.delivery_note.as_str(), note.clone());
                note
            }
        };
        lines.push(Arc::new(line_view(
            &reasons,
            line,
            note.as_ref().map(|n| &n.0),
        )));
    }
    let estimated_total_ht = total(lines.iter().map(|l| l.line.estimated_credit_ht));
    let can_send = !lines.is_empty() && lines.iter().all(|l| l.line.reason.is_some());
    Ok(CachedCartView {
        revision: store.revision(),
        reasons,
        view: CartView {
            count: lines.len() as u32,
            estimated_total_ht,
            can_send,
            pending_ops: store.pending_op_count()?,
            lines,
        },
    })
}

/// Resolves a code against the cached BLs (offline lookup).
fn lookup_offline(store: &Store, scanned: &ScannedCode) -> AppResult<Lookup> {
    let kind = match scanned {
        ScannedCode::DeliveryNote(_) => CodeKind::DeliveryNote,
        ScannedCode::Gtin(_) => CodeKind::Gtin,
        ScannedCode::Reference(_) => CodeKind::Reference,
    };
    let normalized = scanned.normalized();
    let since = chrono::NaiveDate::MIN;
    let mut matches = Vec::new();
    for summary in store.delivery_notes_since(since)? {
        let Some((note, _)) = store.delivery_note(&summary.number)? else {
            continue;
        };
        let line_nos: Vec<u32> = match scanned {
            ScannedCode::DeliveryNote(n) if n.as_str() == note.number => {
                note.lines.iter().map(|l| l.line_no).collect()
            }
            ScannedCode::DeliveryNote(_) => Vec::new(),
            ScannedCode::Gtin(gtin) => note
                .lines
                .iter()
                .filter(|l| {
                    l.gtin
                        .as_deref()
                        .and_then(retour_domain::Gtin::parse)
                        .is_some_and(|g| g.gtin14() == gtin.gtin14())
                })
                .map(|l| l.line_no)
                .collect(),
            ScannedCode::Reference(reference) => note
                .lines
                .iter()
                .filter(|l| {
                    retour_domain::code::normalize_reference(&l.reference) == reference.normalized()
                })
                .map(|l| l.line_no)
                .collect(),
        };
        if !line_nos.is_empty() {
            matches.push(LookupMatch {
                number: note.number.clone(),
                delivered_on: note.delivered_on,
                line_nos,
            });
        }
    }
    Ok(Lookup {
        kind,
        normalized,
        matches,
    })
}

// ----- free functions for one-line Tauri commands -----

/// See [`App::login`].
pub async fn login(app: &App, args: LoginArgs) -> AppResult<SessionView> {
    app.login(&args).await
}
/// See [`App::login_sso`].
pub async fn login_sso(app: &App, token: String, remember: bool) -> AppResult<SessionView> {
    app.login_sso(&token, remember).await
}
/// See [`App::logout`].
pub async fn logout(app: &App) -> AppResult<()> {
    app.logout().await
}
/// See [`App::session`].
pub fn session(app: &App) -> AppResult<SessionView> {
    Ok(app.session())
}
/// See [`App::service`].
pub async fn service(app: &App) -> AppResult<ServiceView> {
    app.service().await
}
/// See [`App::delivery_notes`].
pub async fn delivery_notes(app: &App, days: u32) -> AppResult<DeliveryNotesView> {
    app.delivery_notes(days).await
}
/// See [`App::delivery_note`].
pub async fn delivery_note(app: &App, number: String) -> AppResult<DeliveryNoteView> {
    app.delivery_note(&number).await
}
/// See [`App::lookup`].
pub async fn lookup(app: &App, code: String) -> AppResult<LookupView> {
    app.lookup(&code).await
}
/// See [`App::cart`].
pub fn cart(app: &App) -> AppResult<CartView> {
    app.cart()
}
/// See [`App::cart_add`].
pub async fn cart_add(app: &App, args: CartEdit) -> AppResult<CartView> {
    app.cart_add(&args).await
}
/// See [`App::cart_set`].
pub fn cart_set(app: &App, args: CartEdit) -> AppResult<CartView> {
    app.cart_set(&args)
}
/// See [`App::cart_remove`].
pub fn cart_remove(app: &App, args: CartLineRef) -> AppResult<CartView> {
    app.cart_remove(&args)
}
/// See [`App::save`].
pub async fn save(app: &App) -> AppResult<SaveOutcome> {
    app.save().await
}
/// See [`App::send`].
pub async fn send(app: &App) -> AppResult<ReturnRequest> {
    app.send().await
}
/// See [`App::dossiers`].
pub async fn dossiers(app: &App, args: DossiersArgs) -> AppResult<DossiersView> {
    app.dossiers(&args).await
}
/// See [`App::dossier`].
pub async fn dossier(app: &App, number: String) -> AppResult<Dossier> {
    app.dossier(&number).await
}
/// See [`App::preaccord_pdf`].
pub async fn preaccord_pdf(app: &App, request_id: String) -> AppResult<PathBuf> {
    app.preaccord_pdf(&request_id).await
}
/// See [`App::sync_now`].
pub async fn sync_now(app: &App) -> AppResult<SyncState> {
    app.sync_now().await
}
/// Every code in an image file (a photo of a BL): format, exact text and classification; an
/// empty list when there is none.
pub fn scan_file(path: &Path) -> AppResult<Vec<ScanRead>> {
    retour_scan::decode_image_file(path).map_err(|e| AppError::new("scan_failed", e.to_string()))
}
/// Every code in an encoded image given as bytes (PNG, JPEG or GIF: what the window's file
/// input gives); an empty list when there is none. No file is written.
pub fn scan_bytes(bytes: &[u8]) -> AppResult<Vec<ScanRead>> {
    retour_scan::decode_image_bytes(bytes).map_err(|e| AppError::new("scan_failed", e.to_string()))
}
/// A BL number as the user types it, checked without the network: `Ok` with the normalised
/// number, or `invalid_format` / `too_long` with the French messages of the spec.
pub fn validate_bl_number(input: &str) -> AppResult<String> {
    Ok(BlNumber::parse(input)?.as_str().to_owned())
}
/// See [`App::reasons`].
pub async fn reasons(app: &App) -> AppResult<Vec<Reason>> {
    app.reasons().await
}
/// See [`App::request_password_reset`].
pub async fn request_password_reset(app: &App, email: String) -> AppResult<()> {
    app.request_password_reset(&email).await
}
/// See [`App::reset_password`].
pub async fn reset_password(app: &App, token: String, new_password: String) -> AppResult<()> {
    app.reset_password(&token, &new_password).await
}
/// See [`App::request_unlock`].
pub async fn request_unlock(app: &App, email: String) -> AppResult<()> {
    app.request_unlock(&email).await
}
/// See [`App::unlock_account`].
pub async fn unlock_account(app: &App, token: String) -> AppResult<()> {
    app.unlock_account(&token).await
}
/// See [`App::cameras`].
pub fn cameras(app: &App) -> AppResult<Vec<CameraInfo>> {
    app.cameras()
}
/// See [`App::camera_start`].
pub fn camera_start(
    app: &App,
    device: Option<String>,
    on_frame: impl Fn(Vec<u8>) + Send + 'static,
    on_read: impl Fn(ScanRead) + Send + 'static,
) -> AppResult<()> {
    app.camera_start(device.as_deref(), on_frame, on_read)
}
/// See [`App::camera_stop`].
pub fn camera_stop(app: &App) -> AppResult<()> {
    app.camera_stop()
}

pub use retour_scan::ScanRead;

/// See [`App::sync_state`].
pub fn sync_state(app: &App) -> AppResult<SyncState> {
    Ok(app.sync_state())
}

pub use retour_sync::SyncState as SyncStateView;

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

    #[test]
    fn bl_numbers_use_the_specified_messages_and_drop_printed_zeros() {
        assert_eq!(bl_number("250001106").unwrap(), "250001106");
        assert_eq!(bl_number("00250001106").unwrap(), "250001106");
        let e = bl_number("12a").unwrap_err();
        assert_eq!(e.code, "invalid_format");
        assert_eq!(
            e.message,
            "Format incorrect, veuillez saisir uniquement des caractères numériques"
        );
        let e = bl_number("1234567890").unwrap_err();
        assert_eq!(e.code, "too_long");
    }

    #[test]
    fn live_bl_validation_gives_the_two_french_messages() {
        assert_eq!(validate_bl_number(" 250001106 ").unwrap(), "250001106");
        let e = validate_bl_number("25A").unwrap_err();
        assert_eq!(e.code, "invalid_format");
        assert_eq!(
            e.message,
            "Format incorrect, veuillez saisir uniquement des caractères numériques"
        );
        let e = validate_bl_number("2551290621").unwrap_err();
        assert_eq!(e.code, "too_long");
        assert_eq!(
            e.message,
            "Nombre de caractère supérieur à 9, Veuillez vérifier votre N° de bon de livraison"
        );
    }

    #[test]
    fn file_names_from_urls_and_emails() {
        assert_eq!(slug("http://127.0.0.1:8080/"), "127.0.0.1_8080");
        assert_eq!(slug("Garage@Exemple.fr"), "garage@exemple.fr");
    }

    #[test]
    fn a_local_edit_updates_the_kept_cart_screen_exactly_as_a_full_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Config::new("http://127.0.0.1:9", dir.path())).unwrap();
        let account = app.open_account("garage@exemple.fr").unwrap();
        let reasons = ReasonTable::default();
        let line = |line_no: u32, deposit: Option<&str>| api::DeliveryNoteLine {
            line_no,
            reference: format!("REF-{line_no}"),
            brand: "Marque".into(),
            designation: format!("Pièce {line_no}"),
            gtin: None,
            delivered_qty: 5,
            returned_qty: 0,
            eligible_qty: 5,
            unit_price_ht: "12.35".parse().unwrap(),
            deposit_ht: deposit.map(|d| d.parse().unwrap()),
            allowed_reasons: reasons.allowed_for(&LinePrices {
                unit_price: "12.35".parse().unwrap(),
                deposit: deposit.map(|d| d.parse().unwrap()),
            }),
        };
        for number in ["250000001", "250000002"] {
            let note = DeliveryNote {
                number: number.into(),
                delivered_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                total_ht: "100.00".parse().unwrap(),
                lines: vec![line(1, None), line(2, Some("30.00")), line(3, None)],
            };
            let mut store = lock(&account.store);
            store.save_delivery_note(&note, Utc::now()).unwrap();
            store
                .cache_put(CACHE_REASONS, &reasons.0, Utc::now())
                .unwrap();
        }
        let full = || build_cart_view(&lock(&account.store)).unwrap().view;
        let edit = |number: &str, line_no: u32, qty: Option<u32>, reason: Option<&str>| {
            let edit = CartEdit {
                delivery_note: number.into(),
                line_no,
                qty,
                reason: reason.map(str::to_owned),
            };
            app.edit(&account, number, &edit, false).unwrap()
        };
        // The first call builds the screen; each later edit patches the kept one.
        assert_eq!(edit("250000002", 3, Some(2), None), full());
        assert_eq!(edit("250000001", 1, Some(1), Some("new_part")), full());
        assert_eq!(edit("250000002", 1, None, Some("defective")), full());
        assert_eq!(edit("250000001", 2, Some(4), None), full());
        assert_eq!(edit("250000002", 3, Some(5), Some("new_part")), full());
        let removed = app
            .cart_remove(&CartLineRef {
                delivery_note: "250000001".into(),
                line_no: 1,
            })
            .unwrap();
        assert_eq!(removed, full());
        assert_eq!(removed.count, 3);
        assert_eq!(removed.pending_ops, 6);
        // A change made elsewhere (a sync's caches) is seen: the screen is built anew.
        lock(&account.store)
            .cache_put(CACHE_REASONS, &Vec::<Reason>::new(), Utc::now())
            .unwrap();
        let rebuilt = app.cart().unwrap();
        assert_eq!(rebuilt, full());
        assert_ne!(
            rebuilt, removed,
            "labels and estimates follow the reasons table"
        );
    }

    #[test]
    fn cart_works_offline_without_any_server() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Config::new("http://127.0.0.1:9", dir.path())).unwrap();
        assert_eq!(app.cart().unwrap_err().code, "not_signed_in");
        assert!(!app.session().signed_in);
    }
}
