//! The sync engine: pushes the outbox (cart ops, then return requests with their idempotency key,
//! then messages with their `message_id`, warranty claims with their key and the driver's
//! confirmations with their scan time — `handovers`), pulls the ops the backend accepted, the BLs, reasons
//! and schedule, the detail of the files a message was sent on, then the notifications (after
//! sending the read mark made here); reports its state, and announces each notification newly
//! pulled and unread on a broadcast channel (the shell raises the OS notifications).
//!
//! The cart's push and pull are [`CartSync`]'s decisions (sans-IO); the engine makes the requests
//! it asks for and records the answers. The store is shared behind a mutex and only locked for
//! short, synchronous steps, never across a request. Transient failures are retried with
//! [`Backoff`]; a 401 refreshes the session once.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use retour_domain::api::{
    DeliveryNote, Dossier, Message, MessageBody, Notification, Problem, ReturnRequest, Role,
    ServiceInfo,
};
use retour_store::{OutboxMessage, Store, Submission};
use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::cart_sync::{self, CartSync, Next};
use crate::client::{ApiClient, ApiError};
use crate::retry::{is_final_refusal, verdict, Backoff, Verdict};
use crate::session::{not_signed_in, SessionKeeper};

pub use crate::cart_sync::CartSyncReport;
pub use handovers::Outcome;

mod handovers;
/// Days of delivery notes kept for offline use.
pub const CACHED_DAYS: u32 = 31;
/// Cache key of the reasons table.
pub const CACHE_REASONS: &str = "reasons";
/// Cache key of the service answer.
pub const CACHE_SERVICE: &str = "service";
/// Meta key of the server clock's offset from ours, in milliseconds.
pub const META_CLOCK_OFFSET: &str = "server_clock_offset_ms";
/// Meta key of the last successful sync.
pub const META_LAST_SYNC: &str = "last_sync_at";
/// Notifications per pulled page.
pub const NOTIFICATIONS_PAGE: u32 = 50;
/// Most notifications announced by one sync (the newest): a device's first sync of an account
/// with many unread ones raises a few, not a flood; all are kept and counted.
pub const MAX_ANNOUNCED: usize = 5;

/// Cache key of a return file's detail (with its timeline), for offline reading.
pub fn dossier_cache_key(number: &str) -> String {
    format!("dossier:{number}")
}

/// What the UI shows about sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncState {
    /// Whether the last exchange with the server worked (`None` before any).
    pub online: Option<bool>,
    /// Whether a sync is running.
    pub syncing: bool,
    /// Cart ops not yet acknowledged.
    pub pending_ops: u64,
    /// Return requests not yet answered definitively.
    pub pending_sends: u64,
    /// Messages written on files and not yet recorded by the server (v1.1).
    pub pending_messages: u64,
    /// Warranty claims not yet answered definitively (v1.1).
    pub pending_claims: u64,
    /// Driver's confirmations not yet answered (v1.1, staff accounts).
    pub pending_handovers: u64,
    /// When the last full sync ended well.
    pub last_sync: Option<DateTime<Utc>>,
    /// The last failure's French message.
    pub last_error: Option<String>,
    /// Notifications kept on the device and unread (the badge on "SUIVRE VOS RETOURS").
    pub unread_notifications: u64,
}

/// How a submission ended (for now).
#[derive(Debug, Clone)]
pub enum SendOutcome {
    /// Created (or replayed) by the backend.
    Accepted(Box<ReturnRequest>),
    /// Refused definitively, with the problem.
    Refused(Problem),
    /// No definitive answer yet: it will be sent again with the same key.
    Pending(ApiError),
}

/// How sending a message ended (for now).
#[derive(Debug, Clone)]
pub enum MessageOutcome {
    /// Recorded by the server (or replayed: the same message).
    Sent(Box<Message>),
    /// Refused definitively, with the problem.
    Refused(Problem),
    /// No definitive answer yet: it will be sent again with the same `message_id`.
    Pending(ApiError),
}

/// Locks the store, whatever a panicking holder left.
pub fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// The sync engine of one account.
pub struct SyncEngine {
    session: Arc<SessionKeeper>,
    store: Arc<Mutex<Store>>,
    status: Arc<watch::Sender<SyncState>>,
    run: tokio::sync::Mutex<()>,
    backoff: Mutex<Backoff>,
    /// Set when the app leaves this account: nothing more is written or reported.
    stopped: AtomicBool,
    /// Where newly pulled unread notifications are announced.
    announce: Option<Arc<broadcast::Sender<Notification>>>,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("state", &*self.status.borrow())
            .finish_non_exhaustive()
    }
}

impl SyncEngine {
    /// An engine for the account whose store and session are given, reporting its state on
    /// `status` (which may outlive it, so that the UI keeps one subscription across accounts).
    pub fn new(
        session: Arc<SessionKeeper>,
        store: Arc<Mutex<Store>>,
        status: Arc<watch::Sender<SyncState>>,
    ) -> SyncEngine {
        let last_sync = lock(&store)
            .meta(META_LAST_SYNC)
            .ok()
            .flatten()
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&Utc));
        status.send_modify(|s| {
            *s = SyncState {
                last_sync,
                ..SyncState::default()
            }
        });
        let engine = SyncEngine {
            session,
            store,
            status,
            run: tokio::sync::Mutex::new(()),
            backoff: Mutex::new(Backoff::INTERACTIVE),
            stopped: AtomicBool::new(false),
            announce: None,
        };
        engine.refresh_counts();
        engine
    }

    /// Announces each notification newly pulled and unread on `channel` (shared across the
    /// app's accounts, like the state; nothing is announced once the engine is stopped).
    pub fn with_announcements(mut self, channel: Arc<broadcast::Sender<Notification>>) -> Self {
        self.announce = Some(channel);
        self
    }

    /// Stops the engine for good (the app switched to another account or signed out): a sync
    /// running now ends at its next step without writing anything more to the store, and no
    /// later call reaches the server or changes the shared state.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// Whether [`stop`](SyncEngine::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// The store, to record an answer: refused once the engine is stopped.
    fn store_to_write(&self) -> Result<MutexGuard<'_, Store>, ApiError> {
        if self.is_stopped() {
            return Err(not_signed_in());
        }
        Ok(lock(&self.store))
    }

    /// Changes the shared state, unless the engine is stopped (another account owns it now).
    fn publish(&self, change: impl FnOnce(&mut SyncState) -> bool) {
        if !self.is_stopped() {
            self.status.send_if_modified(change);
        }
    }

    /// Sets how requests are retried.
    pub fn set_backoff(&self, backoff: Backoff) {
        *self.backoff.lock().unwrap_or_else(|p| p.into_inner()) = backoff;
    }

    fn backoff(&self) -> Backoff {
        *self.backoff.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session used.
    pub fn session(&self) -> &Arc<SessionKeeper> {
        &self.session
    }

    /// The store synced.
    pub fn store(&self) -> &Arc<Mutex<Store>> {
        &self.store
    }

    /// The current state.
    pub fn state(&self) -> SyncState {
        self.status.borrow().clone()
    }

    /// A receiver that sees every state change.
    pub fn subscribe(&self) -> watch::Receiver<SyncState> {
        self.status.subscribe()
    }

    /// Recounts the outbox (after a local edit) and tells subscribers.
    pub fn refresh_counts(&self) {
        let (ops, sends, unread, messages, claims, handovers) = {
            let store = lock(&self.store);
            (
                store.pending_op_count().unwrap_or(0),
                store.pending_submission_count().unwrap_or(0),
                store.unread_notification_count().unwrap_or(0),
                store.pending_message_count().unwrap_or(0),
                store.pending_warranty_claim_count().unwrap_or(0),
                store.pending_handover_count().unwrap_or(0),
            )
        };
        self.publish(|s| {
            let changed = s.pending_ops != ops
                || s.pending_sends != sends
                || s.unread_notifications != unread
                || s.pending_messages != messages
                || s.pending_claims != claims
                || s.pending_handovers != handovers;
            s.pending_ops = ops;
            s.pending_sends = sends;
            s.unread_notifications = unread;
            s.pending_messages = messages;
            s.pending_claims = claims;
            s.pending_handovers = handovers;
            changed
        });
    }

    /// Sends the read mark made on the device, then pulls the notifications after the store's
    /// cursor, page by page; announces the newest of those new and unread. Returns how many
    /// were new.
    pub async fn sync_notifications(&self) -> Result<usize, ApiError> {
        let pending = lock(&self.store)
            .pending_notifications_read()
            .map_err(store_error)?;
        if let Some(up_to) = pending {
            self.call(
                |client, token| async move { client.read_notifications(&token, up_to).await },
            )
            .await?;
            self.store_to_write()?
                .notifications_read_sent(up_to)
                .map_err(store_error)?;
        }
        let mut after = lock(&self.store)
            .notification_cursor()
            .map_err(store_error)?;
        let mut fresh = Vec::new();
        loop {
            let page = self
                .call(|client, token| async move {
                    client
                        .notifications(&token, after, NOTIFICATIONS_PAGE)
                        .await
                })
                .await?;
            let full = page.items.len() >= NOTIFICATIONS_PAGE as usize;
            let new = self
                .store_to_write()?
                .merge_notifications(&page.items, page.cursor)
                .map_err(store_error)?;
            fresh.extend(new);
            if !full || page.cursor <= after {
                break;
            }
            after = page.cursor;
        }
        self.refresh_counts();
        if let Some(channel) = &self.announce {
            let skip = fresh.len().saturating_sub(MAX_ANNOUNCED);
            for notification in fresh.iter().skip(skip) {
                if self.is_stopped() {
                    break;
                }
                // No receiver (no shell, or the CLI) is not an error.
                let _ = channel.send(notification.clone());
            }
        }
        Ok(fresh.len())
    }

    fn note_result<T>(&self, result: &Result<T, ApiError>) {
        let (online, error) = match result {
            Ok(_) => (true, None),
            Err(ApiError::Unreachable(m)) => (false, Some(format!("Hors ligne : {m}"))),
            Err(e) => (true, Some(e.to_string())),
        };
        self.publish(|s| {
            s.online = Some(online);
            s.last_error = error;
            true
        });
    }

    /// Makes an authenticated call, retrying transient failures with backoff and jitter.
    pub async fn call<T, F, Fut>(&self, f: F) -> Result<T, ApiError>
    where
        F: Fn(ApiClient, String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let backoff = self.backoff();
        let mut attempt = 0;
        loop {
            if self.is_stopped() {
                return Err(not_signed_in());
            }
            let result = self.session.call(&f).await;
            match &result {
                Err(e) if attempt + 1 < backoff.attempts => match verdict(e) {
                    Verdict::Retry(after) => {
                        let wait = backoff.delay(attempt, after, rand::random::<f64>());
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    Verdict::GiveUp => {}
                },
                _ => {}
            }
            self.note_result(&result);
            return result;
        }
    }

    /// Pushes every pending cart op, then pulls every op the backend accepted since the cursor.
    pub async fn sync_cart(&self) -> Result<CartSyncReport, ApiError> {
        let (after, epoch) = self.cursor()?;
        self.drive_cart(CartSync::new(after, epoch)).await
    }

    /// Pulls the ops the backend accepted after the store's cursor, page by page.
    pub async fn pull_ops(&self) -> Result<usize, ApiError> {
        let (after, epoch) = self.cursor()?;
        let report = self.drive_cart(CartSync::pull(after, epoch)).await?;
        Ok(report.pulled)
    }

    /// The store's pull cursor and the epoch of the backend's log it belongs to.
    fn cursor(&self) -> Result<(u64, Option<String>), ApiError> {
        let store = lock(&self.store);
        Ok((
            store.pull_cursor().map_err(store_error)?,
            store.cart_epoch().map_err(store_error)?,
        ))
    }

    /// Runs a cart sync over HTTP and the store: every request it asks for is made (with
    /// retries), every answer is recorded in the store before the next step.
    async fn drive_cart(&self, mut sync: CartSync) -> Result<CartSyncReport, ApiError> {
        let out_of_turn = |e: cart_sync::OutOfTurn| ApiError::Decode(e.to_string());
        loop {
            match sync.poll() {
                Next::ReadOutbox { limit } => {
                    let ops = lock(&self.store).outbox_ops(limit).map_err(store_error)?;
                    sync.outbox(ops).map_err(out_of_turn)?;
                }
                Next::Push(ops) => {
                    let answer = self
                        .call(|client, token| {
                            let ops = ops.clone();
                            async move { client.push_ops(&token, &ops).await }
                        })
                        .await?;
                    let ack = sync
                        .pushed(answer.rejected, answer.epoch)
                        .map_err(out_of_turn)?;
                    self.store_to_write()?
                        .acknowledge(&ack.sent, &ack.rejected)
                        .map_err(store_error)?;
                    self.refresh_counts();
                }
                Next::Pull { after } => {
                    let page = self
                        .call(|client, token| async move { client.pull_ops(&token, after).await })
                        .await?;
                    let Some(merge) = sync.pulled(page).map_err(out_of_turn)? else {
                        continue;
                    };
                    let new = self
                        .store_to_write()?
                        .merge_remote(&merge.ops, Some(merge.cursor))
                        .map_err(store_error)?;
                    sync.merged(new).map_err(out_of_turn)?;
                }
                Next::NewEpoch(epoch) => {
                    self.store_to_write()?
                        .start_cart_epoch(&epoch)
                        .map_err(store_error)?;
                    sync.epoch_recorded().map_err(out_of_turn)?;
                    self.refresh_counts();
                }
                Next::Awaiting => {
                    return Err(ApiError::Decode(
                        "cart sync: an answer is missing".to_owned(),
                    ))
                }
                Next::Done(report) => {
                    self.refresh_counts();
                    return Ok(report);
                }
            }
        }
    }

    /// Pulls what the app shows offline: reasons, the service and its schedule with the server's
    /// clock offset, and the delivery notes of the last 31 days with their lines.
    pub async fn pull_caches(&self) -> Result<(), ApiError> {
        self.pull_service().await?;
        let reasons = self
            .call(|client, token| async move { client.reasons(&token).await })
            .await?;
        self.store_to_write()?
            .cache_put(CACHE_REASONS, &reasons, Utc::now())
            .map_err(store_error)?;
        let list = self
            .call(|client, token| async move { client.delivery_notes(&token, CACHED_DAYS).await })
            .await?;
        {
            let mut store = self.store_to_write()?;
            store
                .save_delivery_note_list(&list.items, Utc::now())
                .map_err(store_error)?;
            if let Some(oldest) = list.items.iter().map(|i| i.delivered_on).min() {
                store.prune_delivery_notes(oldest).map_err(store_error)?;
            }
        }
        for item in &list.items {
            self.fetch_delivery_note(&item.number).await?;
        }
        Ok(())
    }

    /// Fetches one delivery note and keeps it.
    pub async fn fetch_delivery_note(&self, number: &str) -> Result<DeliveryNote, ApiError> {
        let number = number.to_owned();
        let note = self
            .call(|client, token| {
                let number = number.clone();
                async move { client.delivery_note(&token, &number).await }
            })
            .await?;
        self.store_to_write()?
            .save_delivery_note(&note, Utc::now())
            .map_err(store_error)?;
        Ok(note)
    }

    /// Fetches the service state and keeps it with the server clock's offset.
    pub async fn pull_service(&self) -> Result<ServiceInfo, ApiError> {
        let before = Utc::now();
        let backoff = self.backoff();
        let client = self.session.client().clone();
        let mut attempt = 0;
        let info = loop {
            let result = client.service().await;
            match result {
                Err(e) if attempt + 1 < backoff.attempts && verdict(&e) != Verdict::GiveUp => {
                    let after = match verdict(&e) {
                        Verdict::Retry(a) => a,
                        Verdict::GiveUp => None,
                    };
                    tokio::time::sleep(backoff.delay(attempt, after, rand::random::<f64>())).await;
                    attempt += 1;
                }
                other => {
                    self.note_result(&other);
                    break other?;
                }
            }
        };
        let after = Utc::now();
        let local_mid = before + (after - before) / 2;
        let offset = (info.now - local_mid).num_milliseconds();
        let mut store = self.store_to_write()?;
        store
            .cache_put(CACHE_SERVICE, &info, Utc::now())
            .map_err(store_error)?;
        store
            .set_meta(META_CLOCK_OFFSET, &offset.to_string())
            .map_err(store_error)?;
        Ok(info)
    }

    /// Uploads every photo taken on this device that the backend does not have yet (its file
    /// read from the store's photo folder), oldest first, and records each one the backend
    /// confirms (`201`, or `200` when it already had it: an upload cut after the server stored it
    /// costs one more request, never a second copy). A photo the backend refuses for good is left
    /// for the request naming it to be refused with `photo_missing`. Returns how many were sent.
    pub async fn upload_photos(&self) -> Result<usize, ApiError> {
        self.upload_kept_files(KeptFile::Photo).await
    }

    /// Uploads every PDF kept on this device (a warranty claim's fitting invoice) that the
    /// backend does not have yet, as [`SyncEngine::upload_photos`] does photos. Returns how many
    /// were sent.
    pub async fn upload_documents(&self) -> Result<usize, ApiError> {
        self.upload_kept_files(KeptFile::Pdf).await
    }

    /// The upload of [`SyncEngine::upload_photos`] and [`SyncEngine::upload_documents`]: the
    /// same store records, one route each.
    async fn upload_kept_files(&self, kind: KeptFile) -> Result<usize, ApiError> {
        let pending = {
            let store = lock(&self.store);
            match kind {
                KeptFile::Photo => store.photos_to_upload(),
                KeptFile::Pdf => store.documents_to_upload(),
            }
        }
        .map_err(store_error)?;
        let mut sent = 0;
        for hash in pending {
            let path = {
                let store = lock(&self.store);
                match kind {
                    KeptFile::Photo => store.photo_path(&hash),
                    KeptFile::Pdf => store.document_path(&hash),
                }
            };
            // A file gone from the disk cannot be sent: the request naming it is refused with
            // `photo_missing`, in words, rather than every sync stopping here.
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let result = self
                .call(|client, token| {
                    let bytes = bytes.clone();
                    let hash = hash.clone();
                    async move {
                        match kind {
                            KeptFile::Photo => {
                                client.put_photo(&token, &hash, bytes).await.map(drop)
                            }
                            KeptFile::Pdf => {
                                client.put_document(&token, &hash, bytes).await.map(drop)
                            }
                        }
                    }
                })
                .await;
            match result {
                Ok(()) => {
                    self.store_to_write()?
                        .mark_photo_uploaded(&hash, Utc::now())
                        .map_err(store_error)?;
                    sent += 1;
                }
                Err(e) if is_final_refusal(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }

    /// A photo's JPEG: the device's file when it has one, else the backend's copy (which the app
    /// keeps in the photo folder for next time).
    pub async fn photo(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let path = lock(&self.store).photo_path(id);
        if let Ok(bytes) = std::fs::read(&path) {
            return Ok(bytes);
        }
        let id = id.to_owned();
        let bytes = self
            .call(|client, token| {
                let id = id.clone();
                async move { client.photo(&token, &id).await }
            })
            .await?;
        Ok(bytes)
    }

    /// Sends every pending submission with its own key; returns each outcome.
    pub async fn send_pending(&self) -> Vec<(String, SendOutcome)> {
        let pending = lock(&self.store).pending_submissions().unwrap_or_default();
        let mut outcomes = Vec::new();
        for submission in pending {
            let key = submission.idempotency_key.clone();
            outcomes.push((key, self.send_submission(&submission).await));
        }
        outcomes
    }

    /// Sends one submission with its idempotency key, retrying transient failures and
    /// `request_in_progress`; records a definitive answer. After acceptance, the sent lines
    /// leave the local cart.
    pub async fn send_submission(&self, submission: &Submission) -> SendOutcome {
        // The photos it names first: the backend refuses a line whose photo it does not have.
        if let Err(e) = self.upload_photos().await {
            return SendOutcome::Pending(e);
        }
        let key = submission.idempotency_key.clone();
        let backoff = self.backoff();
        let mut attempt = 0;
        let result = loop {
            let counted = self
                .store_to_write()
                .and_then(|mut store| store.count_submission_attempt(&key).map_err(store_error));
            if let Err(e) = counted {
                return SendOutcome::Pending(e);
            }
            let body = submission.body.clone();
            let key2 = key.clone();
            let result = self
                .session
                .call(|client, token| {
                    let body = body.clone();
                    let key = key2.clone();
                    async move { client.send_return_request(&token, &key, &body).await }
                })
                .await;
            let in_progress = matches!(&result, Err(e) if e.code() == Some("request_in_progress"));
            let retry = match &result {
                Err(e) if in_progress => Some(match e {
                    ApiError::Status { retry_after, .. } => *retry_after,
                    _ => None,
                }),
                Err(e) => match verdict(e) {
                    Verdict::Retry(after) => Some(after),
                    Verdict::GiveUp => None,
                },
                Ok(_) => None,
            };
            match retry {
                Some(after) if attempt + 1 < backoff.attempts => {
                    tokio::time::sleep(backoff.delay(attempt, after, rand::random::<f64>())).await;
                    attempt += 1;
                }
                _ => break result,
            }
        };
        self.note_result(&result);
        let now = Utc::now();
        let mut store = match self.store_to_write() {
            Ok(store) => store,
            // Stopped while the request was out: the answer is left for this account's next
            // sync, which re-sends with the same key and gets the same answer.
            Err(e) => return SendOutcome::Pending(e),
        };
        let outcome = match result {
            Ok(answer) => {
                // The backend took the sent lines out of the cart; so does the store, in the
                // transaction that records the answer.
                let lines: Vec<(&str, u32)> = submission
                    .body
                    .lines
                    .iter()
                    .map(|l| (l.delivery_note.as_str(), l.line_no))
                    .collect();
                if let Err(e) = store.finish_submission_accepted(&key, &answer, &lines, now) {
                    return SendOutcome::Pending(store_error(e));
                }
                SendOutcome::Accepted(Box::new(answer))
            }
            Err(e) if is_final_refusal(&e) && e.code() != Some("request_in_progress") => {
                let ApiError::Status { problem, .. } = e else {
                    return SendOutcome::Pending(e);
                };
                if let Err(e) =
                    store.finish_submission_refused(&key, &problem.code, &problem.detail, now)
                {
                    return SendOutcome::Pending(store_error(e));
                }
                SendOutcome::Refused(*problem)
            }
            Err(e) => SendOutcome::Pending(e),
        };
        drop(store);
        self.refresh_counts();
        outcome
    }

    /// Sends every pending message with its own `message_id`, then fetches again and keeps the
    /// detail of each file a message reached; returns each outcome.
    pub async fn send_pending_messages(&self) -> Vec<(uuid::Uuid, MessageOutcome)> {
        let pending = lock(&self.store).pending_messages().unwrap_or_default();
        let mut outcomes = Vec::new();
        let mut reached: Vec<String> = Vec::new();
        for message in pending {
            let outcome = self.send_message(&message).await;
            if matches!(outcome, MessageOutcome::Sent(_)) && !reached.contains(&message.dossier) {
                reached.push(message.dossier.clone());
            }
            outcomes.push((message.message_id, outcome));
        }
        for number in reached {
            // Best effort: the app shows a sent message until the kept detail has it.
            let _ = self.refresh_dossier(&number).await;
        }
        outcomes
    }

    /// Fetches a file's detail and keeps it for offline reading.
    pub async fn refresh_dossier(&self, number: &str) -> Result<Dossier, ApiError> {
        let n = number.to_owned();
        let dossier = self
            .call(|client, token| {
                let n = n.clone();
                async move { client.dossier(&token, &n).await }
            })
            .await?;
        self.store_to_write()?
            .cache_put(&dossier_cache_key(number), &dossier, Utc::now())
            .map_err(store_error)?;
        Ok(dossier)
    }

    /// Sends one message with its `message_id`, retrying transient failures with backoff, and
    /// records a definitive answer: sent, or refused with the server's code and French message
    /// (the rule of return requests: [`is_final_refusal`]). The server records a `message_id`
    /// once, so however many attempts reach it, the message is written once.
    pub async fn send_message(&self, message: &OutboxMessage) -> MessageOutcome {
        let id = message.message_id;
        // Its photos first: the backend refuses a message naming a photo it does not have.
        if !message.photos.is_empty() {
            if let Err(e) = self.upload_photos().await {
                return MessageOutcome::Pending(e);
            }
        }
        let body = MessageBody {
            message_id: id,
            text: message.text.clone(),
            photos: (!message.photos.is_empty()).then(|| message.photos.clone()),
        };
        let backoff = self.backoff();
        let mut attempt = 0;
        let result = loop {
            let counted = self
                .store_to_write()
                .and_then(|mut store| store.count_message_attempt(&id).map_err(store_error));
            if let Err(e) = counted {
                return MessageOutcome::Pending(e);
            }
            let result = self
                .session
                .call(|client, token| {
                    let body = body.clone();
                    let number = message.dossier.clone();
                    async move { client.send_message(&token, &number, &body).await }
                })
                .await;
            let retry = match &result {
                Err(e) => match verdict(e) {
                    Verdict::Retry(after) => Some(after),
                    Verdict::GiveUp => None,
                },
                Ok(_) => None,
            };
            match retry {
                Some(after) if attempt + 1 < backoff.attempts => {
                    tokio::time::sleep(backoff.delay(attempt, after, rand::random::<f64>())).await;
                    attempt += 1;
                }
                _ => break result,
            }
        };
        self.note_result(&result);
        let now = Utc::now();
        let mut store = match self.store_to_write() {
            Ok(store) => store,
            Err(e) => return MessageOutcome::Pending(e),
        };
        let outcome = match result {
            Ok(sent) => match store.finish_message_sent(&id, now) {
                Ok(()) => MessageOutcome::Sent(Box::new(sent)),
                Err(e) => MessageOutcome::Pending(store_error(e)),
            },
            Err(e) if is_final_refusal(&e) => {
                let ApiError::Status { problem, .. } = e else {
                    return MessageOutcome::Pending(e);
                };
                match store.finish_message_refused(&id, &problem.code, &problem.detail, now) {
                    Ok(()) => MessageOutcome::Refused(*problem),
                    Err(e) => MessageOutcome::Pending(store_error(e)),
                }
            }
            Err(e) => MessageOutcome::Pending(e),
        };
        drop(store);
        self.refresh_counts();
        outcome
    }

    /// A full sync: photos, pending submissions and messages, then the cart, then the caches,
    /// then the notifications. Records the time of the last good sync.
    pub async fn sync_all(&self) -> Result<CartSyncReport, ApiError> {
        let _running = self.run.lock().await;
        if self.is_stopped() {
            return Err(not_signed_in());
        }
        self.publish(|s| {
            s.syncing = true;
            true
        });
        let result = async {
            // A request still waiting does not hold back the cart: both go on, and the first
            // failure is reported.
            let mut waiting = None;
            if self.session.user().is_some_and(|u| u.role == Role::Staff) {
                // A staff account (the driver's "Mode chauffeur") has no cart, BLs nor files:
                // only its confirmations leave.
                for (_, outcome) in self.send_pending_handovers().await {
                    if let Outcome::Pending(e) = outcome {
                        waiting.get_or_insert(e);
                    }
                }
                return match waiting {
                    Some(e) => Err(e),
                    None => Ok(CartSyncReport::default()),
                };
            }
            // Photos before the cart ops and requests that name them.
            if let Err(e) = self.upload_photos().await {
                waiting.get_or_insert(e);
            }
            for (_, outcome) in self.send_pending().await {
                if let SendOutcome::Pending(e) = outcome {
                    waiting.get_or_insert(e);
                }
            }
            for (_, outcome) in self.send_pending_messages().await {
                if let MessageOutcome::Pending(e) = outcome {
                    waiting.get_or_insert(e);
                }
            }
            for (_, outcome) in self.send_pending_warranty_claims().await {
                if let Outcome::Pending(e) = outcome {
                    waiting.get_or_insert(e);
                }
            }
            for (_, outcome) in self.send_pending_handovers().await {
                if let Outcome::Pending(e) = outcome {
                    waiting.get_or_insert(e);
                }
            }
            let report = self.sync_cart().await?;
            self.pull_caches().await?;
            self.sync_notifications().await?;
            match waiting {
                Some(e) => Err(e),
                None => Ok(report),
            }
        }
        .await;
        if result.is_ok() {
            let now = Utc::now();
            if let Ok(mut store) = self.store_to_write() {
                let _ = store.set_meta(META_LAST_SYNC, &now.to_rfc3339());
            }
            self.publish(|s| {
                s.last_sync = Some(now);
                s.online = Some(true);
                s.last_error = None;
                true
            });
        }
        self.publish(|s| {
            s.syncing = false;
            true
        });
        self.refresh_counts();
        result
    }

    /// Only the cart part of a sync, serialised with full syncs (for "Enregistrer le panier").
    pub async fn sync_cart_now(&self) -> Result<CartSyncReport, ApiError> {
        let _running = self.run.lock().await;
        self.sync_cart().await
    }

    /// The server clock's offset from ours, as last measured.
    pub fn clock_offset(&self) -> ChronoDuration {
        let ms = lock(&self.store)
            .meta(META_CLOCK_OFFSET)
            .ok()
            .flatten()
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0);
        ChronoDuration::milliseconds(ms)
    }
}

/// A store failure seen by the engine, as an API-shaped error for the caller.
pub fn store_error(error: retour_store::StoreError) -> ApiError {
    ApiError::LocalStorage(error.to_string())
}

/// What a file kept on the device until uploaded is: a photo, or a PDF (a fitting invoice).
#[derive(Debug, Clone, Copy)]
enum KeptFile {
    Photo,
    Pdf,
}
