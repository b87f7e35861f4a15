//! Attempt counters per one-minute window: per client address and per account (the SHA-256 of
//! its e-mail, [`crate::auth::email_key`]), for logins and for the e-mailed links.
//!
//! Each attempt is counted twice, and refused when either count is over the limit:
//!
//! 1. In this instance's memory ([`Throttle`]), a first line. Its memory is bounded by age and by
//!    size: only the current minute's counts are kept (the map is emptied when the minute
//!    changes), every key has a fixed small size, and at most [`MAX_KEYS`] keys are counted in a
//!    minute — past that, a new key is let through uncounted (the other limits still hold: the
//!    per-address counter, the failed-login delays, the bounded number of password hashes at a
//!    time), so that a flood of made-up e-mails can neither grow the memory nor lock real users
//!    out. An address or account already over the limit here is refused without a write to the
//!    database.
//! 2. In the database ([`crate::db::Conn::count_attempt`]), shared by every instance over it, so
//!    that N instances behind a load balancer give an attacker the same attempts as one: an
//!    upsert per attempt, in its own transaction, so that concurrent attempts on any instance all
//!    count. Only a key the first line counted is counted here, so the table holds at most
//!    [`MAX_KEYS`] subjects per counter, minute and instance — a flood cannot grow it without
//!    bound either — and the rows of past minutes are deleted with the other expired rows
//!    ([`crate::db::Conn::purge_expired`], every ten minutes).
//!
//! What stays per instance: the first line only, which is safe. It never refuses what the shared
//! count would let through (its count of a key is at most the shared one, under the same limit),
//! and when full it lets a new key through uncounted, exactly as a single instance did; the
//! shared count is what bounds the attempts of a key across instances. The minute is the instance's clock's: instances whose
//! clocks differ by a few seconds may count an attempt near a minute's end in the next one, as a
//! single instance would a moment later.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::problem::ApiError;
use crate::state::AppState;

/// The most keys one counter holds in a minute.
pub const MAX_KEYS: usize = 20_000;

/// Seconds until the current window ends: the client may try again then (`Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl RetryAfter {
    /// The seconds left in the minute of `now` (at least 1).
    pub fn rest_of_minute(now: DateTime<Utc>) -> RetryAfter {
        RetryAfter((60 - now.timestamp().rem_euclid(60)).max(1) as u64)
    }
}

/// One counter: attempts per key in the current minute.
#[derive(Debug)]
pub struct Window<K> {
    inner: Mutex<Counts<K>>,
}

#[derive(Debug)]
struct Counts<K> {
    minute: i64,
    counts: HashMap<K, u32>,
}

impl<K> Default for Window<K> {
    fn default() -> Self {
        Window {
            inner: Mutex::new(Counts {
                minute: i64::MIN,
                counts: HashMap::new(),
            }),
        }
    }
}

impl<K: Hash + Eq> Window<K> {
    /// Counts an attempt of `key` at `now`; refused when it is over `limit` this minute. `false`
    /// when the attempt was let through uncounted: the window holds [`MAX_KEYS`] other keys.
    pub fn hit(&self, key: K, now: DateTime<Utc>, limit: u32) -> Result<bool, RetryAfter> {
        let minute = now.timestamp().div_euclid(60);
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.minute != minute {
            inner.minute = minute;
            inner.counts = HashMap::new();
        }
        let full = inner.counts.len() >= MAX_KEYS;
        let count = match inner.counts.get_mut(&key) {
            Some(count) => count,
            None if full => return Ok(false),
            None => inner.counts.entry(key).or_insert(0),
        };
        *count = count.saturating_add(1);
        if *count <= limit {
            Ok(true)
        } else {
            Err(RetryAfter::rest_of_minute(now))
        }
    }

    /// How many keys are counted now.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .counts
            .len()
    }

    /// Whether no key is counted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The counters of one kind of request: per client address and per account.
#[derive(Debug, Default)]
pub struct Throttle {
    /// Per client address.
    pub per_ip: Window<IpAddr>,
    /// Per account: the SHA-256 of the normalised e-mail.
    pub per_account: Window<[u8; 32]>,
}

impl Throttle {
    /// Counts an attempt from `ip` (when known) on the account of `email_key` (when given) in
    /// this instance's memory only: the address first, and the account only when the address
    /// was let through, so that refused attempts never count against the account.
    pub fn hit(
        &self,
        ip: Option<IpAddr>,
        email_key: Option<[u8; 32]>,
        now: DateTime<Utc>,
        per_ip: u32,
        per_account: u32,
    ) -> Result<(), RetryAfter> {
        if let Some(ip) = ip {
            self.per_ip.hit(ip, now, per_ip)?;
        }
        if let Some(key) = email_key {
            self.per_account.hit(key, now, per_account)?;
        }
        Ok(())
    }

    /// How many keys both counters hold now.
    pub fn len(&self) -> usize {
        self.per_ip.len() + self.per_account.len()
    }

    /// Whether both counters are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The kinds of attempts counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempts {
    /// Logins.
    Login,
    /// Requests for e-mailed links (password reset, unlock).
    Link,
}

impl Attempts {
    /// The kind of the shared counter of this kind's per-address or per-account counts.
    fn kind(self, per_address: bool) -> &'static str {
        match (self, per_address) {
            (Attempts::Login, true) => "login:ip",
            (Attempts::Login, false) => "login:account",
            (Attempts::Link, true) => "link:ip",
            (Attempts::Link, false) => "link:account",
        }
    }
}

impl AppState {
    fn throttle(&self, what: Attempts) -> &Throttle {
        match what {
            Attempts::Login => self.login_throttle(),
            Attempts::Link => self.link_throttle(),
        }
    }

    /// Counts an attempt of `what` from `ip` at `now`, in memory then across instances; `429`
    /// past `limit` this minute.
    pub(crate) async fn throttle_address(
        &self,
        what: Attempts,
        ip: IpAddr,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<(), ApiError> {
        let counted = self
            .throttle(what)
            .per_ip
            .hit(ip, now, limit)
            .map_err(ApiError::too_many_requests)?;
        if counted {
            self.count_shared(what.kind(true), ip.to_string(), now, limit)
                .await?;
        }
        Ok(())
    }

    /// Counts an attempt of `what` on the account of `email_key` at `now`, in memory then across
    /// instances; `429` past `limit` this minute.
    pub(crate) async fn throttle_account(
        &self,
        what: Attempts,
        email_key: [u8; 32],
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<(), ApiError> {
        let counted = self
            .throttle(what)
            .per_account
            .hit(email_key, now, limit)
            .map_err(ApiError::too_many_requests)?;
        if counted {
            self.count_shared(what.kind(false), hex::encode(email_key), now, limit)
                .await?;
        }
        Ok(())
    }

    /// Counts an attempt in the database's count of `kind` and `subject` for the minute of `now`.
    async fn count_shared(
        &self,
        kind: &'static str,
        subject: String,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<(), ApiError> {
        let minute = now.timestamp().div_euclid(60);
        let attempts = self
            .write(move |c| Ok(c.count_attempt(kind, &subject, minute)?))
            .await?;
        if attempts <= limit {
            Ok(())
        } else {
            Err(ApiError::too_many_requests(RetryAfter::rest_of_minute(now)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn counts_per_minute_and_forgets_past_minutes() {
        let throttle = Throttle::default();
        let now = DateTime::<Utc>::from_timestamp(1_700_000_030, 0).unwrap(); // hh:mm:50
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        assert!(throttle.hit(ip, Some([1; 32]), now, 2, 10).is_ok());
        assert!(throttle.hit(ip, Some([2; 32]), now, 2, 10).is_ok());
        assert_eq!(
            throttle.hit(ip, Some([3; 32]), now, 2, 10),
            Err(RetryAfter(10))
        );
        // The refused attempt did not count the third account.
        assert_eq!(throttle.per_account.len(), 2);
        let later = now + Duration::minutes(1);
        assert!(throttle.hit(ip, Some([3; 32]), later, 2, 10).is_ok());
        assert_eq!(throttle.len(), 2);
    }

    #[test]
    fn a_full_window_lets_new_keys_through_without_growing() {
        let window = Window::<u32>::default();
        let now = Utc::now();
        for key in 0..MAX_KEYS as u32 + 100 {
            assert!(window.hit(key, now, 1).is_ok());
        }
        assert_eq!(window.len(), MAX_KEYS);
        assert!(window.hit(0, now, 1).is_err());
    }
}
