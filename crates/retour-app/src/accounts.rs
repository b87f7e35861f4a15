//! The data folder and the account open in it: one SQLite store per server and account, the
//! name of the last account of each server, the app's opening (which restores that account and
//! its kept session without the network), and the small event log.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use retour_domain::api::User;
use retour_store::Store;
use retour_sync::engine::lock;
use retour_sync::{ApiClient, SessionKeeper, SyncEngine, SyncState, TokenStore};
use tokio::sync::watch;

use crate::cart_view::CachedCartView;
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

pub(crate) const META_USER: &str = "user";

/// The signed-in (or last) account: its store and sync engine.
pub(crate) struct Account {
    pub(crate) email: String,
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
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
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

    /// Keeps (or, with `None`, forgets) the e-mail the login screen starts with.
    pub(crate) fn remember_email(&self, email: Option<&str>) -> AppResult<()> {
        let path = self.server_dir().join("remembered");
        match email {
            Some(email) => {
                std::fs::create_dir_all(self.server_dir()).map_err(AppError::local)?;
                std::fs::write(path, email).map_err(AppError::local)
            }
            None => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(AppError::local(e)),
                _ => Ok(()),
            },
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
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{} {event}", Utc::now().to_rfc3339());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_urls_and_emails() {
        assert_eq!(slug("http://127.0.0.1:8080/"), "127.0.0.1_8080");
        assert_eq!(slug("Garage@Exemple.fr"), "garage@exemple.fr");
    }
}
