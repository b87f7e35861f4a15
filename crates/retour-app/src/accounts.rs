//! The data folder and the account open in it: one SQLite store, session and sync engine per
//! server and account, the name of the last account of each server, the app's opening (which
//! restores that account and its kept session without the network), switching accounts, and the
//! small event log.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use retour_domain::api::User;
use retour_store::Store;
use retour_sync::engine::lock;
use retour_sync::{ApiClient, SessionKeeper, SyncEngine, SyncState, TokenStore};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::cart_view::CachedCartView;
use crate::files::{create_private_dir, make_private, remove_durably, write_atomically};
use crate::{App, AppError, AppResult, Config, ErrorCode, Inner, TokenStoreChoice};

/// Turns a server URL or an e-mail into a file name.
pub(crate) fn slug(text: &str) -> String {
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

/// The store file's name of an account: a hash of the server and the e-mail, so that e-mails a
/// slug would confuse (`a+b@…`, `a_b@…`) never share a store.
fn store_file_name(server: &str, email: &str) -> String {
    let digest = Sha256::digest(format!("{}\n{}", slug(server), email.to_lowercase()));
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.sqlite")
}

/// Moves an earlier version's store (named by the e-mail's slug) to its hashed name, with its
/// WAL files, unless it holds another account (two e-mails with the same slug).
fn migrate_legacy_store(legacy: &Path, path: &Path, email: &str) -> AppResult<()> {
    if path.exists() || !legacy.exists() {
        return Ok(());
    }
    let owner: Option<User> = Store::open(legacy)?
        .meta(META_USER)?
        .and_then(|json| serde_json::from_str(&json).ok());
    if owner.is_some_and(|user| !user.email.eq_ignore_ascii_case(email)) {
        return Ok(());
    }
    for suffix in ["-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", legacy.display()));
        if from.exists() {
            std::fs::rename(&from, format!("{}{suffix}", path.display()))
                .map_err(AppError::local)?;
        }
    }
    std::fs::rename(legacy, path).map_err(AppError::local)?;
    Ok(())
}

/// Refuses a plain `http://` server that is not this device: tokens and passwords would cross
/// the network in clear.
fn check_server_url(url: &str) -> AppResult<()> {
    let Some(rest) = url.trim().strip_prefix("http://") else {
        return Ok(());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(AppError::of(ErrorCode::InsecureServer))
    }
}

pub(crate) const META_USER: &str = "user";

/// The signed-in (or last) account: its store, session and sync engine.
pub(crate) struct Account {
    pub(crate) email: String,
    /// This account's session only.
    pub(crate) session: Arc<SessionKeeper>,
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) engine: Arc<SyncEngine>,
    /// The cart screen as last built. Only touched with the store locked (store first).
    pub(crate) cart_view: Mutex<Option<CachedCartView>>,
}

impl App {
    /// Opens the app: the data folder, the last account of this server and its kept session.
    /// Never needs the network. A keychain that cannot be read leaves a French warning in
    /// [`App::session`] (a login is then needed).
    pub fn open(config: Config) -> AppResult<App> {
        check_server_url(&config.server_url)?;
        create_private_dir(&config.data_dir).map_err(|e| {
            AppError::new(
                ErrorCode::DataDir,
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
        let (status, _) = watch::channel(SyncState::default());
        let app = App {
            inner: Arc::new(Inner {
                config,
                client,
                tokens,
                account: Mutex::new(None),
                status: Arc::new(status),
                announce: Arc::new(tokio::sync::broadcast::channel(64).0),
                language: Arc::default(),
                warning: Mutex::new(None),
                edited: tokio::sync::Notify::new(),
                log: Mutex::new(()),
                camera: Mutex::new(None),
                webview_scan: Mutex::new(None),
                pending_sso: Mutex::new(None),
            }),
        };
        if let Some(email) = app.current_account_name() {
            let account = app.open_account(&email)?;
            let user: Option<User> = lock(&account.store)
                .meta(META_USER)?
                .and_then(|json| serde_json::from_str(&json).ok());
            if let Err(e) = account.session.restore(&email, user) {
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
            .join(slug(self.inner.config.server_id()))
    }

    /// The store file of an account of this server.
    pub fn store_path(&self, email: &str) -> PathBuf {
        self.server_dir()
            .join(store_file_name(self.inner.config.server_id(), email))
    }

    /// The folder of an account's files (its pré-accord PDFs), beside its store.
    pub(crate) fn account_files_dir(&self, email: &str) -> PathBuf {
        self.store_path(email).with_extension("files")
    }

    /// A session keeper for a login in progress: bound to no account until it is handed over.
    pub(crate) fn login_session(&self) -> SessionKeeper {
        SessionKeeper::new(self.inner.client.clone(), self.inner.tokens.clone())
            .with_server_id(self.inner.config.server_id())
    }

    fn current_account_name(&self) -> Option<String> {
        std::fs::read_to_string(self.server_dir().join("current"))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// Keeps (or, with `None`, forgets) the e-mail the login screen starts with.
    pub(crate) fn remember_email(&self, email: Option<&str>) -> AppResult<()> {
        let path = self.server_dir().join("remembered");
        match email {
            Some(email) => {
                create_private_dir(&self.server_dir()).map_err(AppError::local)?;
                write_atomically(&path, email.as_bytes()).map_err(AppError::local)
            }
            None => remove_durably(&path).map_err(AppError::local),
        }
    }

    /// The e-mail kept by the last "Se souvenir de moi" sign-in on this server.
    pub(crate) fn remembered_email(&self) -> Option<String> {
        std::fs::read_to_string(self.server_dir().join("remembered"))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn open_account(&self, email: &str) -> AppResult<Arc<Account>> {
        let email = email.to_lowercase();
        if let Some(current) = self.account_opt() {
            if current.email == email {
                return Ok(current);
            }
        }
        create_private_dir(&self.server_dir()).map_err(AppError::local)?;
        let path = self.store_path(&email);
        let legacy = self.server_dir().join(format!("{}.sqlite", slug(&email)));
        migrate_legacy_store(&legacy, &path, &email)?;
        let store = Arc::new(Mutex::new(Store::open(&path)?));
        let session = Arc::new(
            SessionKeeper::for_account(
                self.inner.client.clone(),
                self.inner.tokens.clone(),
                &email,
            )
            .with_server_id(self.inner.config.server_id()),
        );
        let engine = Arc::new(
            SyncEngine::new(session.clone(), store.clone(), self.inner.status.clone())
                .with_announcements(self.inner.announce.clone()),
        );
        engine.set_backoff(self.inner.config.backoff);
        let account = Arc::new(Account {
            email: email.clone(),
            session,
            store,
            engine,
            cart_view: Mutex::new(None),
        });
        write_atomically(&self.current_path(), email.as_bytes()).map_err(AppError::local)?;
        let previous = self
            .inner
            .account
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(account.clone());
        if let Some(previous) = previous {
            previous.leave();
        }
        Ok(account)
    }

    /// Opens the account `from` just signed in to and hands it that session.
    pub(crate) fn switch_to(&self, from: &SessionKeeper, email: &str) -> AppResult<Arc<Account>> {
        let account = self.open_account(email)?;
        if !account.session.take_over(from) {
            return Err(AppError::not_signed_in());
        }
        Ok(account)
    }

    /// Closes the current account (at logout): its engine stops, and nothing of it is reachable
    /// until it signs in again (the next start opens no account).
    pub(crate) fn close_account(&self) -> AppResult<()> {
        let previous = self
            .inner
            .account
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(previous) = previous {
            previous.leave();
        }
        remove_durably(&self.current_path()).map_err(AppError::local)
    }

    fn current_path(&self) -> PathBuf {
        self.server_dir().join("current")
    }

    pub(crate) fn account_opt(&self) -> Option<Arc<Account>> {
        self.inner
            .account
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn account(&self) -> AppResult<Arc<Account>> {
        self.account_opt().ok_or_else(AppError::not_signed_in)
    }

    /// The current account's store (for tests and support tools).
    pub fn store(&self) -> AppResult<Arc<Mutex<Store>>> {
        Ok(self.account()?.store.clone())
    }

    pub(crate) fn set_warning(&self, warning: Option<String>) {
        *self.inner.warning.lock().unwrap_or_else(|p| p.into_inner()) = warning;
    }

    /// Appends a line to the event log. Never given a token or a password.
    pub(crate) fn log(&self, event: &str) {
        let _guard = self.inner.log.lock().unwrap_or_else(|p| p.into_inner());
        let path = self.inner.config.data_dir.join("retour.log");
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        if let Ok(mut file) = options.open(&path) {
            let _ = make_private(&path, 0o600);
            let _ = writeln!(file, "{} {event}", Utc::now().to_rfc3339());
        }
    }
}

impl Account {
    /// The app leaves this account: its engine stops and its session is forgotten in memory
    /// (the keychain keeps it for the next login).
    fn leave(&self) {
        self.engine.stop();
        self.session.forget();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_names_never_collide_and_say_nothing_of_the_email() {
        let a = store_file_name("https://retour.example", "a+b@garage.fr");
        let b = store_file_name("https://retour.example", "a_b@garage.fr");
        assert_ne!(a, b);
        assert!(!a.contains("garage"));
        assert_eq!(
            a,
            store_file_name("https://retour.example/", "A+B@Garage.fr")
        );
        assert_ne!(a, store_file_name("https://other.example", "a+b@garage.fr"));
    }

    #[test]
    fn plain_http_only_for_this_device() {
        for ok in [
            "https://retour.example",
            "http://127.0.0.1:8080",
            "http://localhost:3000/",
            "http://[::1]:80",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://retour.example",
            "http://192.168.1.10:8080",
            "http://127.0.0.1.evil.example",
            "http://localhost@evil.example",
        ] {
            assert_eq!(
                check_server_url(bad).unwrap_err().code,
                "insecure_server",
                "{bad}"
            );
        }
    }

    #[test]
    fn file_names_from_urls_and_emails() {
        assert_eq!(slug("http://127.0.0.1:8080/"), "127.0.0.1_8080");
        assert_eq!(slug("Garage@Exemple.fr"), "garage@exemple.fr");
    }
}
