//! Signed-in devices and what proves them: sessions, access and refresh tokens (stored as
//! hashes), one-time link tokens (password reset, unlock) and the ids of SSO tokens already used.
//!
//! Every revocation also bumps the generation of revocations (the `revocations` row of
//! `counters`) in its own transaction: the session caches of every instance
//! ([`crate::session_cache`]) trust a token they checked only while the generation it was checked
//! under is still the stored one.

use chrono::{DateTime, Utc};
use retour_domain::api::Role;

use super::values::{instant, parse_instant, parse_role};
use super::{Conn, DbResult, FromRow, Row};

/// Who an access token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account.
    pub account_id: i64,
    /// The session (one per signed-in device).
    pub session_id: i64,
    /// The account's e-mail.
    pub email: String,
    /// Customer or staff.
    pub role: Role,
    /// The garage, for customer accounts.
    pub customer_id: Option<i64>,
    /// When the access token stops working.
    pub expires_at: DateTime<Utc>,
}

impl FromRow for Principal {
    fn from_row(row: &Row<'_>) -> DbResult<Principal> {
        Ok(Principal {
            account_id: row.get("account_id")?,
            session_id: row.get("session_id")?,
            email: row.get("email")?,
            role: parse_role(&row.get::<String>("role")?),
            customer_id: row.get("customer_id")?,
            expires_at: parse_instant(&row.get::<String>("expires_at")?)?,
        })
    }
}

/// An access token checked against the database, with the generation of revocations of the
/// same snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalCheck {
    /// The generation of revocations when the token was checked.
    pub generation: i64,
    /// Who holds the token, if it is valid and its session is not revoked.
    pub principal: Option<Principal>,
}

impl FromRow for PrincipalCheck {
    fn from_row(row: &Row<'_>) -> DbResult<PrincipalCheck> {
        let principal = match row.get::<Option<i64>>("account_id")? {
            Some(_) => Some(Principal::from_row(row)?),
            None => None,
        };
        Ok(PrincipalCheck {
            generation: row.get("generation")?,
            principal,
        })
    }
}

/// A refresh token as stored.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    /// Its session.
    pub session_id: i64,
    /// The session's account.
    pub account_id: i64,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged, if it was.
    pub used_at: Option<DateTime<Utc>>,
    /// The hash of the refresh token it was exchanged for.
    pub rotated_to: Option<String>,
    /// Whether its session was revoked.
    pub session_revoked: bool,
}

impl FromRow for RefreshRow {
    fn from_row(row: &Row<'_>) -> DbResult<RefreshRow> {
        Ok(RefreshRow {
            session_id: row.get("session_id")?,
            account_id: row.get("account_id")?,
            expires_at: parse_instant(&row.get::<String>("expires_at")?)?,
            used_at: row
                .get::<Option<String>>("used_at")?
                .as_deref()
                .map(parse_instant)
                .transpose()?,
            rotated_to: row.get("rotated_to")?,
            session_revoked: row.get("session_revoked")?,
        })
    }
}

impl Conn<'_> {
    /// Opens a session for a device.
    pub fn insert_session(
        &self,
        account_id: i64,
        device_name: Option<&str>,
        now: DateTime<Utc>,
    ) -> DbResult<i64> {
        self.value(
            "INSERT INTO sessions (account_id, device_name, created_at) VALUES (?1, ?2, ?3)
             RETURNING id",
            &[&account_id, &device_name, &instant(now)],
        )
    }

    /// Stores an access token's hash.
    pub fn insert_access_token(
        &self,
        hash: &str,
        session_id: i64,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
            &[&hash, &session_id, &instant(expires_at)],
        )?;
        Ok(())
    }

    /// Stores a refresh token's hash.
    pub fn insert_refresh_token(
        &self,
        hash: &str,
        session_id: i64,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES (?1, ?2, ?3)",
            &[&hash, &session_id, &instant(expires_at)],
        )?;
        Ok(())
    }

    /// Who holds this access token, if it is valid at `now` and its session is not revoked.
    pub fn principal(&self, hash: &str, now: DateTime<Utc>) -> DbResult<Option<Principal>> {
        self.query_first(
            "SELECT a.id AS account_id, s.id AS session_id, a.email, a.role, a.customer_id,
                    t.expires_at
               FROM access_tokens t JOIN sessions s ON s.id = t.session_id
               JOIN accounts a ON a.id = s.account_id
              WHERE t.token_hash = ?1 AND t.expires_at > ?2 AND s.revoked_at IS NULL",
            &[&hash, &instant(now)],
        )
    }

    /// [`Conn::principal`] and the generation of revocations, in one query (one snapshot).
    pub fn check_principal(&self, hash: &str, now: DateTime<Utc>) -> DbResult<PrincipalCheck> {
        self.query_first(
            "SELECT g.value AS generation, p.account_id, p.session_id, p.email, p.role,
                    p.customer_id, p.expires_at
               FROM counters g LEFT JOIN (
                    SELECT a.id AS account_id, s.id AS session_id, a.email, a.role, a.customer_id,
                           t.expires_at
                      FROM access_tokens t JOIN sessions s ON s.id = t.session_id
                      JOIN accounts a ON a.id = s.account_id
                     WHERE t.token_hash = ?1 AND t.expires_at > ?2 AND s.revoked_at IS NULL
                    ) p ON 1 = 1
              WHERE g.name = 'revocations'",
            &[&hash, &instant(now)],
        )?
        .ok_or_else(|| super::DbError::NoRow("counters: revocations".into()))
    }

    /// The generation of revocations: bumped by every transaction that revokes a session.
    pub fn revocation_generation(&self) -> DbResult<i64> {
        self.value("SELECT value FROM counters WHERE name = 'revocations'", &[])
    }

    /// Bumps the generation of revocations (every revocation does, in its transaction).
    fn bump_revocations(&self) -> DbResult<()> {
        self.execute(
            "UPDATE counters SET value = value + 1 WHERE name = 'revocations'",
            &[],
        )?;
        Ok(())
    }

    /// A refresh token by hash.
    pub fn refresh_token(&self, hash: &str) -> DbResult<Option<RefreshRow>> {
        self.query_first(
            "SELECT t.session_id, s.account_id, t.expires_at, t.used_at, t.rotated_to,
                    s.revoked_at IS NOT NULL AS session_revoked
               FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?1",
            &[&hash],
        )
    }

    /// Marks a refresh token exchanged for the one of hash `successor`; the first exchange's
    /// instant is kept, so that the grace window of a lost answer never grows.
    pub fn mark_refresh_used(
        &self,
        hash: &str,
        successor: &str,
        now: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "UPDATE refresh_tokens SET used_at = COALESCE(used_at, ?2), rotated_to = ?3
              WHERE token_hash = ?1",
            &[&hash, &instant(now), &successor],
        )?;
        Ok(())
    }

    /// Whether a refresh token exists and was never exchanged.
    pub fn refresh_token_unused(&self, hash: &str) -> DbResult<bool> {
        self.value(
            "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE token_hash = ?1 AND used_at IS NULL)",
            &[&hash],
        )
    }

    /// Deletes a refresh token (the successor replaced within the grace window).
    pub fn delete_refresh_token(&self, hash: &str) -> DbResult<()> {
        self.execute("DELETE FROM refresh_tokens WHERE token_hash = ?1", &[&hash])?;
        Ok(())
    }

    /// Ends a session: its access and refresh tokens stop working (on every instance: the
    /// generation of revocations is bumped).
    pub fn revoke_session(&self, session_id: i64, now: DateTime<Utc>) -> DbResult<()> {
        self.bump_revocations()?;
        self.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            &[&session_id, &instant(now)],
        )?;
        self.execute(
            "DELETE FROM access_tokens WHERE session_id = ?1",
            &[&session_id],
        )?;
        Ok(())
    }

    /// Ends every session of an account (after a password reset), on every instance (the
    /// generation of revocations is bumped).
    pub fn revoke_account_sessions(&self, account_id: i64, now: DateTime<Utc>) -> DbResult<()> {
        self.bump_revocations()?;
        self.execute(
            "DELETE FROM access_tokens WHERE session_id IN (SELECT id FROM sessions WHERE account_id = ?1)",
            &[&account_id],
        )?;
        self.execute(
            "UPDATE sessions SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at IS NULL",
            &[&account_id, &instant(now)],
        )?;
        Ok(())
    }

    /// Stores a one-time link token (`reset` or `unlock`).
    pub fn insert_link_token(
        &self,
        hash: &str,
        account_id: i64,
        purpose: &str,
        expires_at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO link_tokens (token_hash, account_id, purpose, expires_at) VALUES (?1, ?2, ?3, ?4)",
            &[&hash, &account_id, &purpose, &instant(expires_at)],
        )?;
        Ok(())
    }

    /// The account of a valid, unused link token for `purpose`, without using it.
    pub fn link_token_account(
        &self,
        hash: &str,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> DbResult<Option<i64>> {
        self.value_opt(
            "SELECT account_id FROM link_tokens
              WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
            &[&hash, &purpose, &instant(now)],
        )
    }

    /// Uses up every other unused link of an account for `purpose` (a reset ends the others).
    pub fn use_other_links(
        &self,
        account_id: i64,
        purpose: &str,
        now: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "UPDATE link_tokens SET used_at = ?3
              WHERE account_id = ?1 AND purpose = ?2 AND used_at IS NULL",
            &[&account_id, &purpose, &instant(now)],
        )?;
        Ok(())
    }

    /// Uses up a link token.
    pub fn use_link_token(&self, hash: &str, now: DateTime<Utc>) -> DbResult<()> {
        self.execute(
            "UPDATE link_tokens SET used_at = ?2 WHERE token_hash = ?1",
            &[&hash, &instant(now)],
        )?;
        Ok(())
    }

    /// Records an SSO token id; `false` when it was already used.
    pub fn insert_sso_jti(&self, jti: &str, expires_at: DateTime<Utc>) -> DbResult<bool> {
        let inserted = self.execute(
            "INSERT INTO sso_jtis (jti, expires_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            &[&jti, &instant(expires_at)],
        )?;
        Ok(inserted == 1)
    }
}
