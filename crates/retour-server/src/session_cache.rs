//! The session cache: recently checked access tokens, so that most requests skip the session
//! lookup, and the [`AppState`] methods the authentication extractor and the revoking handlers
//! call on it.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::db::Principal;
use crate::state::AppState;

/// How long a checked access token is trusted without asking the database again.
const SESSION_CACHE_TTL: chrono::Duration = chrono::Duration::seconds(30);

/// How many checked tokens the cache holds before it starts over.
const SESSION_CACHE_CAPACITY: usize = 50_000;

/// Recently checked access tokens. Entries live at most [`SESSION_CACHE_TTL`] and never past the
/// token's expiry; every revocation clears the cache and bumps a generation, and a lookup that
/// began before a revocation does not fill it.
#[derive(Default)]
pub(crate) struct SessionCache {
    inner: Mutex<CheckedTokens>,
}

/// The cache's content under its lock.
#[derive(Default)]
struct CheckedTokens {
    /// Bumped by every revocation.
    generation: u64,
    /// Token hash → the principal and until when the check is trusted.
    tokens: HashMap<String, (Principal, DateTime<Utc>)>,
}

impl SessionCache {
    fn lock(&self) -> MutexGuard<'_, CheckedTokens> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl AppState {
    /// A principal checked less than [`SESSION_CACHE_TTL`] ago, still valid at `now`.
    pub(crate) fn cached_principal(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Option<Principal> {
        self.sessions()
            .lock()
            .tokens
            .get(token_hash)
            .filter(|(principal, until)| now < *until && now < principal.expires_at)
            .map(|(principal, _)| principal.clone())
    }

    /// The cache's generation, read before a lookup.
    pub(crate) fn session_generation(&self) -> u64 {
        self.sessions().lock().generation
    }

    /// Remembers a looked-up principal, unless a revocation happened since `generation`.
    pub(crate) fn remember_principal(
        &self,
        token_hash: String,
        principal: Principal,
        now: DateTime<Utc>,
        generation: u64,
    ) {
        let mut cache = self.sessions().lock();
        if cache.generation != generation {
            return;
        }
        if cache.tokens.len() >= SESSION_CACHE_CAPACITY {
            cache.tokens.clear();
        }
        cache
            .tokens
            .insert(token_hash, (principal, now + SESSION_CACHE_TTL));
    }

    /// Forgets every checked token: call after a session is revoked (logout, token reuse,
    /// password reset).
    pub(crate) fn forget_sessions(&self) {
        let mut cache = self.sessions().lock();
        cache.generation += 1;
        cache.tokens.clear();
    }
}
