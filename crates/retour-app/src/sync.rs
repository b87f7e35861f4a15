//! Syncing with the server: a full sync now, the sync state and its changes (for the shell's
//! events), and the background task that syncs every 30 s and soon after each edit.

use chrono::Utc;
use retour_sync::{Backoff, SyncState};
use tokio::sync::watch;

use crate::{App, AppError, AppResult};

impl App {
    /// A full sync now: waiting requests, cart ops both ways, BLs, reasons, schedule.
    pub async fn sync_now(&self) -> AppResult<SyncState> {
        let account = self.account()?;
        let result = account.engine.sync_all().await;
        match &result {
            Ok(report) => self.log(&format!(
                "synchronisation : {} envoyées, {} refusées, {} reçues",
                report.pushed, report.rejected, report.pulled
            )),
            Err(e) => self.log(&format!(
                "synchronisation échouée : {}",
                AppError::from(e.clone()).code
            )),
        }
        result?;
        Ok(self.sync_state())
    }

    /// Online?, pending ops and sends, last sync.
    pub fn sync_state(&self) -> SyncState {
        if let Some(account) = self.account_opt() {
            account.engine.refresh_counts();
        }
        self.inner.status.borrow().clone()
    }

    /// A receiver that sees every change of the sync state (for the shell's events).
    pub fn subscribe(&self) -> watch::Receiver<SyncState> {
        self.inner.status.subscribe()
    }

    /// Starts a background task (on the current tokio runtime) that syncs every 30 s and a
    /// moment after each cart edit, backing off while offline. Returns its handle.
    pub fn spawn_background_sync(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut failures: u32 = 0;
            loop {
                let ok = match app.account_opt() {
                    Some(account) if account.session.signed_in() => {
                        account.engine.sync_all().await.is_ok()
                    }
                    _ => true,
                };
                failures = if ok { 0 } else { failures.saturating_add(1) };
                let wait = if ok {
                    std::time::Duration::from_secs(30)
                } else {
                    Backoff::BACKGROUND.delay(failures - 1, None, rand_unit())
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = app.inner.edited.notified() => {
                        // Let a burst of edits settle before syncing.
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                }
            }
        })
    }
}

fn rand_unit() -> f64 {
    // A cheap jitter source without another dependency: the sub-second clock.
    f64::from(Utc::now().timestamp_subsec_nanos() % 1_000_000) / 1_000_000.0
}
