//! Idempotency keys being processed: a second request with the same key, while the first is
//! still running, is told so (`409 request_in_progress`) instead of being processed twice. The
//! stored answers of finished keys live in the database ([`crate::db::Conn::idempotency_record`]).

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use crate::state::AppState;

/// An account and one of its idempotency keys.
type AccountKey = (i64, String);

/// The keys being processed, across all accounts.
#[derive(Default)]
pub(crate) struct InFlightKeys {
    keys: Mutex<HashSet<AccountKey>>,
}

impl InFlightKeys {
    fn lock(&self) -> MutexGuard<'_, HashSet<AccountKey>> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An idempotency key being processed; released on drop.
pub struct InFlight {
    state: AppState,
    entry: AccountKey,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.state.in_flight().lock().remove(&self.entry);
    }
}

impl AppState {
    /// Marks an idempotency key of an account as being processed; `None` when it already is.
    /// The mark goes when the guard is dropped. Public so tests can hold a key and observe
    /// `409 request_in_progress` without racing.
    pub fn begin_idempotent(&self, account_id: i64, key: &str) -> Option<InFlight> {
        let entry = (account_id, key.to_owned());
        let newly_marked = self.in_flight().lock().insert(entry.clone());
        newly_marked.then(|| InFlight {
            state: self.clone(),
            entry,
        })
    }
}
