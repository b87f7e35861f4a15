//! "Ask the server, else answer from the cache": the one rule of every read that works
//! offline. Only an unreachable server falls back to the cache; a refusal is the server's
//! answer and is never hidden by an older copy.

use std::sync::Mutex;

use chrono::Utc;
use retour_store::Store;
use retour_sync::engine::lock;
use retour_sync::ApiError;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::AppResult;

/// An answer and where it came from.
pub(crate) struct Answer<T> {
    pub(crate) value: T,
    /// Read from the device's cache because the server was out of reach.
    pub(crate) from_cache: bool,
}

/// The server's answer; when the server was out of reach, what `cached` finds on the device;
/// when that is nothing either, the `unreachable` error.
pub(crate) fn online_else_cached<T>(
    fetched: Result<T, ApiError>,
    cached: impl FnOnce() -> AppResult<Option<T>>,
) -> AppResult<Answer<T>> {
    match fetched {
        Ok(value) => Ok(Answer {
            value,
            from_cache: false,
        }),
        Err(error @ ApiError::Unreachable(_)) => match cached()? {
            Some(value) => Ok(Answer {
                value,
                from_cache: true,
            }),
            None => Err(error.into()),
        },
        Err(error) => Err(error.into()),
    }
}

/// [`online_else_cached`] over the store's key–value cache: a fresh answer is kept under `key`,
/// and offline the one kept there is the answer.
pub(crate) fn online_else_kept<T: Serialize + DeserializeOwned>(
    store: &Mutex<Store>,
    key: &str,
    fetched: Result<T, ApiError>,
) -> AppResult<Answer<T>> {
    if let Ok(value) = &fetched {
        lock(store).cache_put(key, value, Utc::now())?;
    }
    online_else_cached(fetched, || {
        let kept: Option<(T, _)> = lock(store).cache_get(key)?;
        Ok(kept.map(|(value, _)| value))
    })
}
