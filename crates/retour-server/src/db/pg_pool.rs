//! PostgreSQL's connections of one instance: at most [`MAX_CONNECTIONS`] open, idle ones kept for
//! the next transaction, a caller waiting for one when all are busy (never a "too many clients"
//! from the server because a burst of requests opened one each).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use super::DbResult;

/// How many connections one instance opens at most. PostgreSQL's default `max_connections` is
/// 100: four instances fit with room for the operators' tools.
pub(super) const MAX_CONNECTIONS: usize = 16;

/// A PostgreSQL connection and the statements prepared on it (by their SQLite text).
pub(super) struct PgConnection {
    pub(super) client: postgres::Client,
    pub(super) statements: RefCell<HashMap<String, postgres::Statement>>,
}

impl PgConnection {
    /// Opens a connection.
    pub(super) fn open(url: &str) -> DbResult<PgConnection> {
        Ok(PgConnection {
            client: postgres::Client::connect(url, postgres::NoTls)?,
            statements: RefCell::new(HashMap::new()),
        })
    }
}

/// The pool.
pub(super) struct PgPool {
    url: String,
    state: Mutex<PoolState>,
    freed: Condvar,
}

struct PoolState {
    idle: Vec<PgConnection>,
    /// Connections open, idle or lent.
    open: usize,
}

impl PgPool {
    /// A pool over `url` holding `first`, already open.
    pub(super) fn new(url: &str, first: PgConnection) -> PgPool {
        PgPool {
            url: url.to_owned(),
            state: Mutex::new(PoolState {
                idle: vec![first],
                open: 1,
            }),
            freed: Condvar::new(),
        }
    }

    /// An idle connection, a new one while fewer than [`MAX_CONNECTIONS`] are open, else the
    /// first one given back. Blocking.
    pub(super) fn take(&self) -> DbResult<PgConnection> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            while let Some(conn) = state.idle.pop() {
                if !conn.client.is_closed() {
                    return Ok(conn);
                }
                state.open -= 1;
            }
            if state.open < MAX_CONNECTIONS {
                state.open += 1;
                drop(state);
                return PgConnection::open(&self.url).inspect_err(|_| self.forget());
            }
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Gives a connection back: kept for the next transaction when `reusable`, else closed.
    pub(super) fn give_back(&self, conn: PgConnection, reusable: bool) {
        if reusable && !conn.client.is_closed() {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            state.idle.push(conn);
            self.freed.notify_one();
        } else {
            drop(conn);
            self.forget();
        }
    }

    /// One connection fewer is open.
    fn forget(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.open = state.open.saturating_sub(1);
        self.freed.notify_one();
    }
}

impl Drop for PgPool {
    /// The blocking client's connections say goodbye to the server when dropped, which must not
    /// happen on an async runtime's thread (the last `Db` may be dropped on one): elsewhere.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        let idle = std::mem::take(&mut state.idle);
        if !idle.is_empty() {
            std::thread::spawn(move || drop(idle));
        }
    }
}
