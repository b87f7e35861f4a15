//! Failed logins counted per account and per source (see `retour_domain::lockout`), the devices
//! an account signed in from (the hash of their device cookie), and the purge of every row whose
//! life is over (tokens, links, SSO ids, idempotency answers, old failure counts, the throttles'
//! counts of past minutes).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use retour_domain::lockout::{self, FORGET_AFTER};

use super::values::{instant, parse_instant};
use super::{Conn, DbResult};

/// Who a failure count is about, for one e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureScope {
    /// Every unknown source together.
    Account,
    /// One client address.
    Address(IpAddr),
    /// One known device (the hash of its cookie).
    Device(String),
}

impl FailureScope {
    fn key(&self) -> String {
        match self {
            FailureScope::Account => "account".to_owned(),
            FailureScope::Address(ip) => format!("ip:{ip}"),
            FailureScope::Device(hash) => format!("device:{hash}"),
        }
    }

    /// The failures this scope gets before it must wait.
    pub fn free_failures(&self) -> u32 {
        match self {
            FailureScope::Account => lockout::FREE_FAILURES_PER_ACCOUNT,
            FailureScope::Address(_) | FailureScope::Device(_) => lockout::FREE_FAILURES_PER_SOURCE,
        }
    }
}

/// A count of failed logins after one more failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailure {
    /// Failures so far.
    pub failures: u32,
    /// Until when the source must wait, when it must.
    pub wait_until: Option<DateTime<Utc>>,
}

/// How long idempotency answers are kept (a client retries within minutes; a week is generous).
pub const IDEMPOTENCY_TTL: Duration = Duration::days(7);

/// How many rows a purge removed, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Expired access and refresh tokens.
    pub tokens: usize,
    /// Expired or used e-mailed links.
    pub links: usize,
    /// Ids of SSO tokens past their expiry (they can no longer be replayed).
    pub sso_ids: usize,
    /// Idempotency answers older than [`IDEMPOTENCY_TTL`].
    pub idempotency: usize,
    /// Failure counts and known devices past their life.
    pub logins: usize,
    /// Throttle counts of past minutes.
    pub throttles: usize,
}

impl Conn<'_> {
    /// The latest instant until which any of `scopes` of this e-mail must wait, if one must now.
    pub fn login_wait(
        &self,
        email_key: &str,
        scopes: &[FailureScope],
        now: DateTime<Utc>,
    ) -> DbResult<Option<DateTime<Utc>>> {
        let mut latest: Option<DateTime<Utc>> = None;
        let now = instant(now);
        for scope in scopes {
            let until: Option<String> = self.value_opt(
                "SELECT locked_until FROM login_failures
                  WHERE email_key = ?1 AND scope = ?2 AND locked_until > ?3",
                &[&email_key, &scope.key(), &now],
            )?;
            if let Some(until) = until {
                let until = parse_instant(&until)?;
                latest = Some(latest.map_or(until, |l| l.max(until)));
            }
        }
        Ok(latest)
    }

    /// Counts one more failure of `scope` and sets the wait it leads to.
    pub fn record_login_failure(
        &self,
        email_key: &str,
        scope: &FailureScope,
        now: DateTime<Utc>,
    ) -> DbResult<LoginFailure> {
        let key = scope.key();
        let failures: u32 = self.value(
            "INSERT INTO login_failures (email_key, scope, failures, last_failure_at)
                  VALUES (?1, ?2, 1, ?3)
             ON CONFLICT (email_key, scope)
                DO UPDATE SET failures = login_failures.failures + 1, last_failure_at = ?3
             RETURNING failures",
            &[&email_key, &key, &instant(now)],
        )?;
        let wait_until = lockout::wait_until(failures, scope.free_failures(), now);
        self.execute(
            "UPDATE login_failures SET locked_until = ?3 WHERE email_key = ?1 AND scope = ?2",
            &[&email_key, &key, &wait_until.map(instant)],
        )?;
        Ok(LoginFailure {
            failures,
            wait_until,
        })
    }

    /// Forgets the failures of one scope (after a success from it).
    pub fn clear_login_failures(&self, email_key: &str, scope: &FailureScope) -> DbResult<()> {
        self.execute(
            "DELETE FROM login_failures WHERE email_key = ?1 AND scope = ?2",
            &[&email_key, &scope.key()],
        )?;
        Ok(())
    }

    /// Forgets every failure of an e-mail (unlock link, password reset).
    pub fn clear_all_login_failures(&self, email_key: &str) -> DbResult<()> {
        self.execute(
            "DELETE FROM login_failures WHERE email_key = ?1",
            &[&email_key],
        )?;
        Ok(())
    }

    /// Remembers a device of an account by the hash of its cookie.
    pub fn insert_known_device(
        &self,
        hash: &str,
        account_id: i64,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO known_devices (token_hash, account_id, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (token_hash) DO UPDATE SET expires_at = ?3",
            &[&hash, &account_id, &instant(expires_at)],
        )?;
        Ok(())
    }

    /// Whether this cookie's hash is a known device of the account at `now`.
    pub fn is_known_device(
        &self,
        hash: &str,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> DbResult<bool> {
        self.value(
            "SELECT EXISTS (SELECT 1 FROM known_devices
                             WHERE token_hash = ?1 AND account_id = ?2 AND expires_at > ?3)",
            &[&hash, &account_id, &instant(now)],
        )
    }

    /// Deletes every row whose life is over at `now`.
    pub fn purge_expired(&self, now: DateTime<Utc>) -> DbResult<Purged> {
        let now_text = instant(now);
        let tokens = self.execute(
            "DELETE FROM access_tokens WHERE expires_at <= ?1",
            &[&now_text],
        )? + self.execute(
            "DELETE FROM refresh_tokens WHERE expires_at <= ?1",
            &[&now_text],
        )?;
        let links = self.execute(
            "DELETE FROM link_tokens WHERE expires_at <= ?1 OR used_at IS NOT NULL",
            &[&now_text],
        )?;
        let sso_ids = self.execute("DELETE FROM sso_jtis WHERE expires_at <= ?1", &[&now_text])?;
        let idempotency = self.execute(
            "DELETE FROM idempotency_keys WHERE created_at <= ?1",
            &[&instant(now - IDEMPOTENCY_TTL)],
        )?;
        let logins = self.execute(
            "DELETE FROM login_failures WHERE last_failure_at <= ?1",
            &[&instant(now - FORGET_AFTER)],
        )? + self.execute(
            "DELETE FROM known_devices WHERE expires_at <= ?1",
            &[&now_text],
        )?;
        let throttles = self.purge_attempts(now.timestamp().div_euclid(60))?;
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Ok(Purged {
            tokens: count(tokens),
            links: count(links),
            sso_ids: count(sso_ids),
            idempotency: count(idempotency),
            logins: count(logins),
            throttles: count(throttles),
        })
    }
}
