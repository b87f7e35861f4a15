//! Notifications (schema v7): one row per customer and event, its `seq` strictly increasing and
//! never reused, written in the transaction of the change it tells of by [`Conn::notify`], which
//! also queues its e-mail for each account of the customer whose preferences want that kind;
//! reading them after a cursor, marking them read up to a `seq` (inclusive); each account's
//! preferences.

use chrono::{DateTime, Utc};
use retour_domain::api::{EmailPreferences, Notification, NotificationKind, Preferences};
use retour_domain::notification::NotificationText;

use super::values::{instant, parse_instant};
use super::{Conn, DbError, DbResult, FromRow, Row};
use crate::mail::OutgoingMail;

struct NotificationRow(Notification);

impl FromRow for NotificationRow {
    fn from_row(row: &Row<'_>) -> DbResult<NotificationRow> {
        let kind: String = row.get("kind")?;
        Ok(NotificationRow(Notification {
            seq: row.get::<i64>("seq")?.unsigned_abs(),
            at: parse_instant(&row.get::<String>("at")?)?,
            kind: NotificationKind::parse(&kind)
                .ok_or_else(|| DbError::Corrupt(format!("notification kind {kind:?}")))?,
            title: row.get("title")?,
            body: row.get("body")?,
            dossier: row.get("dossier")?,
            read: row.get("read")?,
        }))
    }
}

/// An account's preferences with its login e-mail.
struct PreferenceRow {
    email: String,
    preferences: Preferences,
}

impl FromRow for PreferenceRow {
    fn from_row(row: &Row<'_>) -> DbResult<PreferenceRow> {
        let flag =
            |name: &str| -> DbResult<bool> { Ok(row.get::<Option<bool>>(name)?.unwrap_or(true)) };
        Ok(PreferenceRow {
            email: row.get("email")?,
            preferences: Preferences {
                emails: EmailPreferences {
                    status: flag("email_status")?,
                    messages: flag("email_messages")?,
                    credits: flag("email_credits")?,
                    deposits: flag("email_deposits")?,
                },
                preaccord_email: row.get("preaccord_email")?,
            },
        })
    }
}

impl PreferenceRow {
    /// Where this account's e-mails go.
    fn address(&self) -> &str {
        self.preferences
            .preaccord_email
            .as_deref()
            .unwrap_or(&self.email)
    }
}

const PREFERENCE_COLUMNS: &str = "a.email, p.email_status, p.email_messages, p.email_credits,
    p.email_deposits, p.preaccord_email
    FROM accounts a LEFT JOIN account_preferences p ON p.account_id = a.id";

impl Conn<'_> {
    /// Records a notification for a customer, in the caller's transaction, and queues its e-mail
    /// to each of the customer's accounts whose preferences want this kind (at its pré-accord
    /// address, else its login e-mail). `text` comes from `retour_domain::notification`; the
    /// mail sender is woken by the handler after the commit (`AppState::wake_mail`), or finds
    /// the e-mails within a minute. Returns the notification's `seq`.
    pub fn notify(
        &self,
        customer_id: i64,
        kind: NotificationKind,
        dossier: Option<&str>,
        text: &NotificationText,
        now: DateTime<Utc>,
    ) -> DbResult<u64> {
        let seq = self.record_notification(customer_id, kind, dossier, text, now)?;
        for to in self.addresses_wanting(customer_id, kind)? {
            let mail = OutgoingMail::Notification {
                to,
                title: text.title.clone(),
                body: text.body.clone(),
                dossier: dossier.map(str::to_owned),
            };
            let json = serde_json::to_string(&mail)
                .map_err(|e| DbError::Corrupt(format!("notification mail: {e}")))?;
            self.enqueue_mail(&json, now)?;
        }
        Ok(seq)
    }

    /// Where a customer's e-mails of this kind go: each of its accounts that has not switched the
    /// kind off, at its pré-accord address when it set one, else its login e-mail.
    pub fn addresses_wanting(
        &self,
        customer_id: i64,
        kind: NotificationKind,
    ) -> DbResult<Vec<String>> {
        let sql = format!(
            "SELECT {PREFERENCE_COLUMNS}
              WHERE a.customer_id = ?1 AND a.role = 'customer' ORDER BY a.id"
        );
        let accounts: Vec<PreferenceRow> = self.query(&sql, &[&customer_id])?;
        Ok(accounts
            .iter()
            .filter(|a| a.preferences.emails.wants(kind))
            .map(|a| a.address().to_owned())
            .collect())
    }

    /// Records a notification without e-mailing it (the demo's past notifications); returns its
    /// `seq` (taken in commit order: [`Conn::hold_customer_logs`]). Use [`Conn::notify`] for a
    /// change happening now.
    pub fn record_notification(
        &self,
        customer_id: i64,
        kind: NotificationKind,
        dossier: Option<&str>,
        text: &NotificationText,
        at: DateTime<Utc>,
    ) -> DbResult<u64> {
        self.hold_customer_logs(customer_id)?;
        let seq: i64 = self.value(
            "INSERT INTO notifications (customer_id, at, kind, title, body, dossier)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
            &[
                &customer_id,
                &instant(at),
                &kind.code(),
                &text.title,
                &text.body,
                &dossier,
            ],
        )?;
        Ok(seq.unsigned_abs())
    }

    /// A customer's notifications after `after`, oldest first, at most `limit`.
    pub fn notifications_after(
        &self,
        customer_id: i64,
        after: u64,
        limit: u32,
    ) -> DbResult<Vec<Notification>> {
        let rows: Vec<NotificationRow> = self.query(
            "SELECT seq, at, kind, title, body, dossier, read FROM notifications
              WHERE customer_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            &[&customer_id, &(after.min(i64::MAX as u64) as i64), &limit],
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// How many of a customer's notifications are unread.
    pub fn unread_notifications(&self, customer_id: i64) -> DbResult<u64> {
        let n: i64 = self.value(
            "SELECT COUNT(*) AS n FROM notifications WHERE customer_id = ?1 AND read = 0",
            &[&customer_id],
        )?;
        Ok(n.unsigned_abs())
    }

    /// Marks a customer's notifications up to `up_to` (inclusive) read; returns how many changed.
    pub fn mark_notifications_read(&self, customer_id: i64, up_to: u64) -> DbResult<usize> {
        let changed = self.execute(
            "UPDATE notifications SET read = 1 WHERE customer_id = ?1 AND seq <= ?2 AND read = 0",
            &[&customer_id, &(up_to.min(i64::MAX as u64) as i64)],
        )?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    /// An account's preferences (everything e-mailed, no pré-accord address, when never set).
    pub fn preferences(&self, account_id: i64) -> DbResult<Option<Preferences>> {
        let sql = format!("SELECT {PREFERENCE_COLUMNS} WHERE a.id = ?1");
        let row: Option<PreferenceRow> = self.query_first(&sql, &[&account_id])?;
        Ok(row.map(|r| r.preferences))
    }

    /// Where an account's pré-accords and e-mails go: its pré-accord address, else its login
    /// e-mail.
    pub fn preaccord_address(&self, account_id: i64) -> DbResult<Option<String>> {
        let sql = format!("SELECT {PREFERENCE_COLUMNS} WHERE a.id = ?1");
        let row: Option<PreferenceRow> = self.query_first(&sql, &[&account_id])?;
        Ok(row.map(|r| r.address().to_owned()))
    }

    /// Stores an account's preferences (the address already checked).
    pub fn save_preferences(&self, account_id: i64, preferences: &Preferences) -> DbResult<()> {
        let e = &preferences.emails;
        self.execute(
            "INSERT INTO account_preferences (account_id, email_status, email_messages,
                email_credits, email_deposits, preaccord_email)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (account_id) DO UPDATE SET email_status = excluded.email_status,
                email_messages = excluded.email_messages, email_credits = excluded.email_credits,
                email_deposits = excluded.email_deposits, preaccord_email = excluded.preaccord_email",
            &[
                &account_id,
                &e.status,
                &e.messages,
                &e.credits,
                &e.deposits,
                &preferences.preaccord_email,
            ],
        )?;
        Ok(())
    }
}
