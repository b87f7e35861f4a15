//! The signed-in session: tokens in the OS keychain (one entry per server and account), never in
//! SQLite, files or logs; a single refresh on a 401; "remember me" off keeps tokens in memory only.
//!
//! When no secure store is available (no Secret Service on Linux, or a platform where keyring
//! would only offer its in-process mock), the session still works for this run, and the caller
//! gets a French warning saying that a login will be needed at each start. Nothing ever falls
//! back to a file or to keyring's mock store. Tests that are not about the keychain may use
//! [`TokenStore::in_memory_for_tests`], which only exists with the `test-token-store` feature
//! that only the test package enables.

use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use retour_domain::api::{LoginRequest, Problem, Session, User};
use serde::{Deserialize, Serialize};

use crate::client::{ApiClient, ApiError};

/// The keychain service name under which every entry is kept.
pub const KEYCHAIN_SERVICE: &str = "retour";

/// The French warning shown when tokens cannot be kept.
pub const NO_SECURE_STORE: &str = "Aucun trousseau sécurisé n'est disponible sur cet appareil : \
     votre session n'est pas conservée et vous devrez vous reconnecter à chaque démarrage.";

/// Tokens as kept between runs. Its `Debug` never shows them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTokens {
    /// Sent as `Authorization: Bearer …`.
    pub access_token: String,
    /// When the access token stops working.
    pub access_expires_at: DateTime<Utc>,
    /// Exchanged once for new tokens.
    pub refresh_token: String,
}

impl std::fmt::Debug for SavedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedTokens")
            .field("access_expires_at", &self.access_expires_at)
            .finish_non_exhaustive()
    }
}

impl From<&Session> for SavedTokens {
    fn from(s: &Session) -> SavedTokens {
        SavedTokens {
            access_token: s.access_token.clone(),
            access_expires_at: s.access_expires_at,
            refresh_token: s.refresh_token.clone(),
        }
    }
}

/// The keychain could not be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{NO_SECURE_STORE} ({detail})")]
pub struct KeychainError {
    /// What the platform said.
    pub detail: String,
}

/// Where tokens are kept between runs.
#[derive(Clone)]
pub struct TokenStore {
    kind: TokenStoreKind,
}

#[derive(Clone)]
enum TokenStoreKind {
    Keychain,
    #[cfg_attr(not(feature = "test-token-store"), allow(dead_code))]
    Memory(Arc<Mutex<std::collections::HashMap<String, String>>>),
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            TokenStoreKind::Keychain => f.write_str("TokenStore::Keychain"),
            TokenStoreKind::Memory(_) => f.write_str("TokenStore::InMemoryForTests"),
        }
    }
}

impl TokenStore {
    /// The OS keychain (Secret Service on Linux, Keychain on Apple systems, Credential Manager
    /// on Windows).
    pub fn keychain() -> TokenStore {
        TokenStore {
            kind: TokenStoreKind::Keychain,
        }
    }

    /// A store that keeps tokens in this process's memory, shared by its clones: for tests that
    /// are not about the keychain. Only built with the `test-token-store` feature.
    #[cfg(feature = "test-token-store")]
    pub fn in_memory_for_tests() -> TokenStore {
        TokenStore {
            kind: TokenStoreKind::Memory(Arc::default()),
        }
    }

    fn account_key(server: &str, email: &str) -> String {
        format!("{}|{}", server.trim_end_matches('/'), email.to_lowercase())
    }

    fn entry(server: &str, email: &str) -> Result<keyring::Entry, KeychainError> {
        use keyring::credential::CredentialPersistence;
        let persistence = keyring::default::default_credential_builder().persistence();
        if matches!(
            persistence,
            CredentialPersistence::EntryOnly | CredentialPersistence::ProcessOnly
        ) || cfg!(target_os = "android")
        {
            return Err(KeychainError {
                detail: "pas de trousseau sur cette plateforme".into(),
            });
        }
        keyring::Entry::new(KEYCHAIN_SERVICE, &Self::account_key(server, email)).map_err(platform)
    }

    /// Tells whether the store works here, by reading an entry that need not exist.
    pub fn check(&self) -> Result<(), KeychainError> {
        self.load("retour-probe", "probe").map(|_| ())
    }

    /// Reads the tokens of an account, if kept.
    pub fn load(&self, server: &str, email: &str) -> Result<Option<SavedTokens>, KeychainError> {
        let text = match &self.kind {
            TokenStoreKind::Keychain => match Self::entry(server, email)?.get_password() {
                Ok(text) => Some(text),
                Err(keyring::Error::NoEntry) => None,
                Err(e) => return Err(platform(e)),
            },
            TokenStoreKind::Memory(map) => map
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&Self::account_key(server, email))
                .cloned(),
        };
        // An entry we cannot read is as good as none: the user signs in again.
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Keeps the tokens of an account, replacing what was kept.
    pub fn save(
        &self,
        server: &str,
        email: &str,
        tokens: &SavedTokens,
    ) -> Result<(), KeychainError> {
        let text = serde_json::to_string(tokens).map_err(|e| KeychainError {
            detail: e.to_string(),
        })?;
        match &self.kind {
            TokenStoreKind::Keychain => Self::entry(server, email)?
                .set_password(&text)
                .map_err(platform),
            TokenStoreKind::Memory(map) => {
                map.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(Self::account_key(server, email), text);
                Ok(())
            }
        }
    }

    /// Forgets the tokens of an account.
    pub fn delete(&self, server: &str, email: &str) -> Result<(), KeychainError> {
        match &self.kind {
            TokenStoreKind::Keychain => match Self::entry(server, email)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(platform(e)),
            },
            TokenStoreKind::Memory(map) => {
                map.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&Self::account_key(server, email));
                Ok(())
            }
        }
    }
}

fn platform(error: keyring::Error) -> KeychainError {
    KeychainError {
        detail: error.to_string(),
    }
}

/// The live session of one account.
#[derive(Clone)]
struct Live {
    email: String,
    user: Option<User>,
    tokens: SavedTokens,
    remember: bool,
}

/// The result of a login.
#[derive(Debug, Clone)]
pub struct LoginResult {
    /// Who signed in.
    pub user: User,
    /// Whether the session is kept for the next start.
    pub remembered: bool,
    /// A French warning, when "remember me" was asked but no secure store is available.
    pub warning: Option<String>,
}

/// Keeps the session of one account and makes authenticated calls, refreshing the tokens once
/// on a 401. A keeper made [`for_account`](SessionKeeper::for_account) only ever holds that
/// account's tokens: a login or a hand-over for another account is refused, so a sync running
/// for one account can never use another's token.
pub struct SessionKeeper {
    client: ApiClient,
    server: String,
    store: TokenStore,
    /// The account this keeper is bound to (lowercase), if any.
    account: Option<String>,
    live: Mutex<Option<Live>>,
    refresh_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for SessionKeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKeeper")
            .field("server", &self.server)
            .field("email", &self.email())
            .finish_non_exhaustive()
    }
}

/// The error of a call made without a session.
pub fn not_signed_in() -> ApiError {
    ApiError::Status {
        status: 401,
        problem: Box::new(Problem::new(
            401,
            "not_signed_in",
            "Vous n'êtes pas connecté : veuillez vous connecter.",
        )),
        retry_after: None,
        from_problem_document: false,
    }
}

/// The error of a login whose account is not the one the keeper is bound to.
fn other_account() -> ApiError {
    ApiError::Status {
        status: 401,
        problem: Box::new(Problem::new(
            401,
            "not_signed_in",
            "Cette session appartient à un autre compte : veuillez vous reconnecter.",
        )),
        retry_after: None,
        from_problem_document: false,
    }
}

impl SessionKeeper {
    /// A keeper with no session yet, for whichever account signs in (a login in progress).
    pub fn new(client: ApiClient, store: TokenStore) -> SessionKeeper {
        SessionKeeper {
            server: client.base_url().to_owned(),
            client,
            store,
            account: None,
            live: Mutex::new(None),
            refresh_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// A keeper with no session yet, bound to the account `email`.
    pub fn for_account(client: ApiClient, store: TokenStore, email: &str) -> SessionKeeper {
        SessionKeeper {
            account: Some(email.to_lowercase()),
            ..SessionKeeper::new(client, store)
        }
    }

    /// Names the server in the keychain `id` instead of its URL: for a backend whose address
    /// changes at each start (the embedded demo one), so that its kept sessions are found again.
    pub fn with_server_id(mut self, id: &str) -> SessionKeeper {
        id.clone_into(&mut self.server);
        self
    }

    /// The account this keeper is bound to, if any.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    fn accepts(&self, email: &str) -> bool {
        self.account
            .as_deref()
            .is_none_or(|bound| bound == email.to_lowercase())
    }

    /// Takes the session `from` holds (a login just made with an unbound keeper), if it is this
    /// keeper's account; `false` otherwise, and nothing changes.
    pub fn take_over(&self, from: &SessionKeeper) -> bool {
        match from.live() {
            Some(live) if self.accepts(&live.email) => {
                self.set_live(Some(live));
                true
            }
            _ => false,
        }
    }

    /// Forgets the session in this process only (the keychain keeps it): for an account the
    /// app switched away from, so that nothing still running for it can call the server.
    pub fn forget(&self) {
        self.set_live(None);
    }

    /// The API client.
    pub fn client(&self) -> &ApiClient {
        &self.client
    }

    /// Where tokens are kept.
    pub fn token_store(&self) -> &TokenStore {
        &self.store
    }

    fn live(&self) -> Option<Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_live(&self, live: Option<Live>) {
        *self.live.lock().unwrap_or_else(|p| p.into_inner()) = live;
    }

    /// The signed-in account's e-mail.
    pub fn email(&self) -> Option<String> {
        self.live().map(|l| l.email)
    }

    /// The signed-in user, when known (after a login in this run).
    pub fn user(&self) -> Option<User> {
        self.live().and_then(|l| l.user)
    }

    /// Whether a session (possibly expired, to be refreshed) is held.
    pub fn signed_in(&self) -> bool {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Whether the session is kept in the keychain for the next start.
    pub fn remembered(&self) -> bool {
        self.live().is_some_and(|l| l.remember)
    }

    /// Restores the session kept in the keychain for `email`; `Ok(false)` when none is kept.
    pub fn restore(&self, email: &str, user: Option<User>) -> Result<bool, KeychainError> {
        if !self.accepts(email) {
            return Ok(false);
        }
        match self.store.load(&self.server, email)? {
            Some(tokens) => {
                self.set_live(Some(Live {
                    email: email.to_owned(),
                    user,
                    tokens,
                    remember: true,
                }));
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Signs in with e-mail and password.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        device_name: &str,
        remember: bool,
    ) -> Result<LoginResult, ApiError> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            device_name: Some(device_name.to_owned()),
        };
        let session = self.client.login(&body).await?;
        self.adopt(session, remember)
    }

    /// Signs in with a single sign-on token from the Autossimo portal.
    pub async fn login_sso(&self, token: &str, remember: bool) -> Result<LoginResult, ApiError> {
        self.exchange_sso(token).await?;
        self.keep(remember)
    }

    /// Trades a single sign-on token for a session held in memory only, the keychain untouched
    /// (neither saved nor forgotten): a login to be confirmed, then [`keep`](Self::keep) or
    /// [`discard`](Self::discard). Answers who it signs in.
    pub async fn exchange_sso(&self, token: &str) -> Result<User, ApiError> {
        let session = self.client.login_sso(token).await?;
        self.hold(&session)?;
        Ok(session.user)
    }

    fn adopt(&self, session: Session, remember: bool) -> Result<LoginResult, ApiError> {
        self.hold(&session)?;
        self.keep(remember)
    }

    /// Holds a session of this account in memory (neither saved nor forgotten yet).
    fn hold(&self, session: &Session) -> Result<(), ApiError> {
        let email = session.user.email.clone();
        if !self.accepts(&email) {
            return Err(other_account());
        }
        self.set_live(Some(Live {
            email,
            user: Some(session.user.clone()),
            tokens: SavedTokens::from(session),
            remember: false,
        }));
        Ok(())
    }

    /// Applies the "remember me" choice to the session held: kept in the keychain, or any
    /// earlier kept session of that account forgotten there.
    pub fn keep(&self, remember: bool) -> Result<LoginResult, ApiError> {
        let Some(live) = self.live() else {
            return Err(not_signed_in());
        };
        let mut warning = None;
        let mut remembered = false;
        if remember {
            match self.store.save(&self.server, &live.email, &live.tokens) {
                Ok(()) => remembered = true,
                Err(e) => warning = Some(e.to_string()),
            }
        } else {
            // A previous "remember me" must not outlive this choice.
            let _ = self.store.delete(&self.server, &live.email);
        }
        let user = live.user.clone().ok_or_else(not_signed_in)?;
        self.set_live(Some(Live {
            remember: remembered,
            ..live
        }));
        Ok(LoginResult {
            user,
            remembered,
            warning,
        })
    }

    /// Ends the session held without touching the keychain: the server revokes it (best
    /// effort) and it is forgotten here. For a login the user declined.
    pub async fn discard(&self, now: DateTime<Utc>) {
        self.revoke(now).await;
    }

    /// Tells the server to revoke the session held (best effort), forgets it in memory and
    /// answers what it was.
    async fn revoke(&self, now: DateTime<Utc>) -> Option<Live> {
        let live = self.live()?;
        let access = if live.tokens.access_expires_at <= now {
            self.refresh_after(&live.tokens.access_token)
                .await
                .unwrap_or(live.tokens.access_token.clone())
        } else {
            live.tokens.access_token.clone()
        };
        let refresh = self.live().map_or(live.tokens.refresh_token.clone(), |l| {
            l.tokens.refresh_token
        });
        let _ = self.client.logout(&access, &refresh).await;
        self.set_live(None);
        Some(live)
    }

    /// Signs out: tells the server (best effort), forgets the tokens here and in the keychain.
    /// An expired access token is refreshed first, so that the server revokes the session (and
    /// its refresh token) even after a long time offline.
    pub async fn logout(&self, now: DateTime<Utc>) -> Result<(), KeychainError> {
        let Some(live) = self.revoke(now).await else {
            return Ok(());
        };
        self.store.delete(&self.server, &live.email)
    }

    /// Makes an authenticated call; on a 401, refreshes the tokens once and calls again.
    pub async fn call<T, F, Fut>(&self, f: F) -> Result<T, ApiError>
    where
        F: Fn(ApiClient, String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let Some(live) = self.live() else {
            return Err(not_signed_in());
        };
        let used = live.tokens.access_token.clone();
        match f(self.client.clone(), used.clone()).await {
            Err(ApiError::Status { status: 401, .. }) => {
                let fresh = self.refresh_after(&used).await?;
                f(self.client.clone(), fresh).await
            }
            other => other,
        }
    }

    /// Gets a fresh access token after `used` was refused, refreshing at most once for all the
    /// calls that failed with it (a refresh token is single-use: a second refresh would revoke
    /// the session).
    async fn refresh_after(&self, used: &str) -> Result<String, ApiError> {
        let _guard = self.refresh_lock.lock().await;
        let Some(live) = self.live() else {
            return Err(not_signed_in());
        };
        if live.tokens.access_token != used {
            return Ok(live.tokens.access_token);
        }
        match self.client.refresh(&live.tokens.refresh_token).await {
            Ok(session) => {
                let tokens = SavedTokens::from(&session);
                if live.remember {
                    // If the keychain fails now, the session goes on in memory.
                    let _ = self.store.save(&self.server, &live.email, &tokens);
                }
                let access = tokens.access_token.clone();
                self.set_live(Some(Live {
                    user: Some(session.user),
                    tokens,
                    ..live
                }));
                Ok(access)
            }
            Err(e) if ends_session(&e) => {
                // The refresh token is dead: sign out here too.
                self.set_live(None);
                let _ = self.store.delete(&self.server, &live.email);
                Err(ApiError::Status {
                    status: 401,
                    problem: Box::new(Problem::new(
                        401,
                        "session_expired",
                        "Votre session a expiré : veuillez vous reconnecter.",
                    )),
                    retry_after: None,
                    from_problem_document: false,
                })
            }
            Err(other) => Err(other),
        }
    }
}

/// Whether a refresh failure means the session is over: only the server's own `invalid_token`
/// or `token_reused`. Anything else (a lost answer, a proxy's page, a 5xx, a 429) keeps the
/// session, to be refreshed at the next call.
fn ends_session(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Status { problem, from_problem_document: true, .. }
            if matches!(problem.code.as_str(), "invalid_token" | "token_reused")
    )
}
