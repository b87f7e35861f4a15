//! The session cache: recently checked access tokens, so that most requests skip the session
//! lookup (a join of tokens, sessions and accounts), and the [`AppState`] methods the
//! authentication extractor and the revoking handlers call on it.
//!
//! Several instances may serve one database, and a session revoked through one of them (logout,
//! a refresh token reused, a password reset) must stop working on all of them at once. So every
//! revocation bumps a generation kept in the database, in the revoking transaction
//! ([`crate::db::Conn::revoke_session`], [`crate::db::Conn::revoke_account_sessions`]); each
//! entry of the cache remembers the generation read in the same snapshot as its check, and is
//! trusted only while the stored generation is still that one.
//!
//! Reading the stored generation is one read of a one-row table, where a lookup joins three; it
//! is shared by the requests of an instance: a request may use a read of the generation that
//! *began after the request arrived* (its snapshot then holds every revocation committed before
//! that, on any instance), and at most one such read is in flight per instance — the requests
//! that arrive meanwhile all wait for the next one. So under load an instance reads the
//! generation about once per round trip to the database, whatever the rate of requests, and the
//! bound on staleness is zero: a revocation whose answer a client has seen is refused by every
//! instance on the next request.
//!
//! What stays per instance: the cache itself (entries live at most [`SESSION_CACHE_TTL`], never
//! past the token's expiry, at most [`SESSION_CACHE_CAPACITY`] of them) — safe because no entry is
//! used without the check of the shared generation above.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::db::Principal;
use crate::problem::ApiError;
use crate::state::AppState;

/// How long a checked access token is trusted (while no session is revoked) without asking the
/// database again.
const SESSION_CACHE_TTL: chrono::Duration = chrono::Duration::seconds(30);

/// How many checked tokens the cache holds before it starts over.
const SESSION_CACHE_CAPACITY: usize = 50_000;

/// Recently checked access tokens, and the latest read of the stored generation of revocations.
#[derive(Default)]
pub(crate) struct SessionCache {
    inner: Mutex<CheckedTokens>,
    /// Held while the stored generation is read: one read at a time per instance.
    fence: tokio::sync::Mutex<Fence>,
}

/// The cache's content under its lock.
#[derive(Default)]
struct CheckedTokens {
    /// The newest stored generation seen: entries of older ones are gone.
    generation: i64,
    /// Token hash → what its check found.
    tokens: HashMap<String, Checked>,
}

/// One checked token.
struct Checked {
    principal: Principal,
    /// Until when the check is trusted.
    until: DateTime<Utc>,
    /// The stored generation of revocations when it was checked.
    generation: i64,
}

/// The latest read of the stored generation.
#[derive(Default)]
struct Fence {
    /// When that read began (before its snapshot did); `None` before the first read.
    began: Option<Instant>,
    /// What it read.
    generation: i64,
}

impl SessionCache {
    fn lock(&self) -> MutexGuard<'_, CheckedTokens> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a stored generation read: entries checked under an older one are forgotten.
    fn saw(cache: &mut CheckedTokens, generation: i64) {
        if generation > cache.generation {
            cache.generation = generation;
            cache.tokens.clear();
        }
    }
}

impl AppState {
    /// Who holds the access token of hash `token_hash` at `now`, if it is valid and its session
    /// is not revoked: from the cache when the token was checked less than [`SESSION_CACHE_TTL`]
    /// ago and no session was revoked since (on any instance), else from the database.
    pub(crate) async fn authenticate(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Principal>, ApiError> {
        let arrived = Instant::now();
        let cached = self
            .sessions()
            .lock()
            .tokens
            .get(token_hash)
            .filter(|c| now < c.until && now < c.principal.expires_at)
            .map(|c| (c.principal.clone(), c.generation));
        if let Some((principal, generation)) = cached {
            if self.revocation_generation_since(arrived).await? == generation {
                return Ok(Some(principal));
            }
        }
        let key = token_hash.to_owned();
        let check = self
            .read(move |c| Ok(c.check_principal(&key, now)?))
            .await?;
        let mut cache = self.sessions().lock();
        SessionCache::saw(&mut cache, check.generation);
        if let Some(principal) = &check.principal {
            // A check of an older snapshot than the newest generation seen is not kept.
            if check.generation == cache.generation {
                if cache.tokens.len() >= SESSION_CACHE_CAPACITY {
                    cache.tokens.clear();
                }
                cache.tokens.insert(
                    token_hash.to_owned(),
                    Checked {
                        principal: principal.clone(),
                        until: now + SESSION_CACHE_TTL,
                        generation: check.generation,
                    },
                );
            }
        }
        Ok(check.principal)
    }

    /// The stored generation of revocations, from a read that began at or after `arrived`: the
    /// latest one when it did, else a new one (one at a time; those who waited for it share it).
    async fn revocation_generation_since(&self, arrived: Instant) -> Result<i64, ApiError> {
        let mut fence = self.sessions().fence.lock().await;
        if fence.began.is_some_and(|began| began >= arrived) {
            return Ok(fence.generation);
        }
        let began = Instant::now();
        let generation = self.read(|c| Ok(c.revocation_generation()?)).await?;
        *fence = Fence {
            began: Some(began),
            generation,
        };
        SessionCache::saw(&mut self.sessions().lock(), generation);
        Ok(generation)
    }

    /// Forgets every checked token of this instance at once, after a revocation through it (the
    /// other instances see the generation it bumped).
    pub(crate) fn forget_sessions(&self) {
        self.sessions().lock().tokens.clear();
    }
}
