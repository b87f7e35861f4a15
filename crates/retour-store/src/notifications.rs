//! The account's notifications as pulled from the server (`GET /notifications?after=`): kept by
//! `seq` with the pull cursor, read here at once and on the server at the next sync (the greatest
//! `up_to` marked waits in `meta`, inclusive like the server's).

use retour_domain::api::{Notification, NotificationKind};
use rusqlite::params;

use crate::{get_meta, parse_instant, set_meta, Result, Store, StoreError};

const META_NOTIFICATIONS_CURSOR: &str = "notifications_cursor";
const META_NOTIFICATIONS_READ: &str = "notifications_read_up_to";

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A stored notification's columns, in order.
type Row = (i64, String, String, String, String, Option<String>, bool);

fn notification_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
    ))
}

fn notification(row: Row) -> Result<Notification> {
    let (seq, at, kind, title, body, dossier, read) = row;
    Ok(Notification {
        seq: seq.unsigned_abs(),
        at: parse_instant(&at)?,
        kind: NotificationKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("notification kind {kind:?}")))?,
        title,
        body,
        dossier,
        read,
    })
}

impl Store {
    /// The `after` of the next notifications pull.
    pub fn notification_cursor(&self) -> Result<u64> {
        Ok(get_meta(&self.conn, META_NOTIFICATIONS_CURSOR)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    /// Keeps a pulled page and its cursor in one transaction; returns the notifications new to
    /// this device and still unread (what the app announces). A notification read here and not
    /// yet on the server stays read.
    pub fn merge_notifications(
        &mut self,
        items: &[Notification],
        cursor: u64,
    ) -> Result<Vec<Notification>> {
        self.changed();
        let read_here = self.pending_notifications_read()?.unwrap_or(0);
        let tx = self.conn.transaction()?;
        let mut fresh = Vec::new();
        for item in items {
            let read = item.read || item.seq <= read_here;
            let added = tx
                .prepare_cached(
                    "INSERT INTO notifications (seq, at, kind, title, body, dossier, read)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (seq) DO NOTHING",
                )?
                .execute(params![
                    to_i64(item.seq),
                    item.at.to_rfc3339(),
                    item.kind.code(),
                    item.title,
                    item.body,
                    item.dossier,
                    read
                ])?;
            if added == 1 && !read {
                fresh.push(item.clone());
            } else if added == 0 && item.read {
                tx.execute(
                    "UPDATE notifications SET read = 1 WHERE seq = ?1",
                    [to_i64(item.seq)],
                )?;
            }
        }
        let current: u64 = get_meta(&tx, META_NOTIFICATIONS_CURSOR)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        set_meta(
            &tx,
            META_NOTIFICATIONS_CURSOR,
            &current.max(cursor).to_string(),
        )?;
        tx.commit()?;
        Ok(fresh)
    }

    /// The notifications kept, newest first, at most `limit`.
    pub fn notifications(&self, limit: usize) -> Result<Vec<Notification>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, kind, title, body, dossier, read FROM notifications
              ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([to_i64(limit as u64)], notification_row)?;
        rows.map(|r| notification(r?)).collect()
    }

    /// How many of the kept notifications are unread.
    pub fn unread_notification_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM notifications WHERE read = 0")?
            .query_row([], |row| row.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// Marks the notifications up to `up_to` (inclusive) read here, and keeps the mark for the
    /// server, in one transaction. Returns how many were unread.
    pub fn mark_notifications_read(&mut self, up_to: u64) -> Result<usize> {
        self.changed();
        let pending = self.pending_notifications_read()?.unwrap_or(0);
        let tx = self.conn.transaction()?;
        let marked = tx.execute(
            "UPDATE notifications SET read = 1 WHERE seq <= ?1 AND read = 0",
            [to_i64(up_to)],
        )?;
        set_meta(
            &tx,
            META_NOTIFICATIONS_READ,
            &pending.max(up_to).to_string(),
        )?;
        tx.commit()?;
        Ok(marked)
    }

    /// The `up_to` marked here and not yet sent to the server.
    pub fn pending_notifications_read(&self) -> Result<Option<u64>> {
        Ok(get_meta(&self.conn, META_NOTIFICATIONS_READ)?
            .and_then(|s| s.parse().ok())
            .filter(|n| *n > 0))
    }

    /// The server took the mark `up_to`: it no longer waits (unless a greater one was made
    /// meanwhile).
    pub fn notifications_read_sent(&mut self, up_to: u64) -> Result<()> {
        self.changed();
        if self.pending_notifications_read()? == Some(up_to) {
            set_meta(&self.conn, META_NOTIFICATIONS_READ, "0")?;
        }
        Ok(())
    }
}
