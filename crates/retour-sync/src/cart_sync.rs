//! The cart's sync as a state machine, sans-IO (no network, no store, no clock): given the local
//! pending ops and the server's answers, it says which request comes next — push a batch of at
//! most [`MAX_OPS_PER_BATCH`] ops, then pull `GET /cart/ops?after=` pages until the log is read —
//! and what each answer changes (ops accepted or refused, ops to merge, the new cursor).
//!
//! Every answer carries the epoch of the backend's log: a cursor is only valid within one. When
//! an answer's epoch differs from the one the store last recorded (the backend restarted, maybe
//! on a database restored from a backup that lost recent ops), the sync says
//! [`Next::NewEpoch`]: the store marks every op the backend had accepted pending again and moves
//! the cursor to 0, then the sync pushes them all again (the backend ignores ops it has, and the
//! cart is a join-semilattice, so nothing changes but what was lost) and reads the log from 0.
//! [`SyncEngine`](crate::SyncEngine) drives it over HTTP and the store; the seeded simulation
//! drives it against the real server's router in-process.
//!
//! ```
//! use retour_sync::cart_sync::{CartSync, Next};
//! let mut sync = CartSync::new(0, None);
//! // The driver reads the outbox when asked…
//! assert_eq!(sync.poll(), Next::ReadOutbox { limit: 500 });
//! sync.outbox(Vec::new());
//! // …nothing to push, so it pulls from the cursor.
//! assert_eq!(sync.poll(), Next::Pull { after: 0 });
//! ```

use retour_domain::api::{CartOp, CartOpsPage, RejectedOp};
use retour_domain::cart::MAX_OPS_PER_BATCH;
use uuid::Uuid;

/// What a cart sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CartSyncReport {
    /// Ops pushed.
    pub pushed: usize,
    /// Ops the backend refused.
    pub rejected: usize,
    /// Ops pulled that were new here.
    pub pulled: usize,
    /// Times the backend's log had another epoch (the sync started over from cursor 0).
    pub new_epochs: usize,
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Read up to `limit` pending ops from the outbox (oldest first) and hand them to
    /// [`CartSync::outbox`].
    ReadOutbox {
        /// The batch limit.
        limit: usize,
    },
    /// Send `POST /cart/ops` with these ops and hand the answer's refusals to
    /// [`CartSync::pushed`].
    Push(Vec<CartOp>),
    /// Send `GET /cart/ops?after=` and hand the page to [`CartSync::pulled`].
    Pull {
        /// The cursor to read after.
        after: u64,
    },
    /// The backend's log has another epoch: in one store transaction, record it, mark every op
    /// the backend had accepted pending again and move the cursor to 0; then call
    /// [`CartSync::epoch_recorded`].
    NewEpoch(String),
    /// An answer is awaited: a push's, a page, or how many ops a merge found new.
    Awaiting,
    /// The sync is over.
    Done(CartSyncReport),
}

/// What a pushed batch's answer changes in the store: every sent op leaves the outbox, as
/// accepted unless it is among the refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledge {
    /// The ops sent.
    pub sent: Vec<Uuid>,
    /// Those the backend refused, with why.
    pub rejected: Vec<RejectedOp>,
}

/// What a pulled page changes in the store: ops to merge, and the cursor to move to (if further).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The ops the backend accepted, from any device (this one included).
    pub ops: Vec<CartOp>,
    /// The page's cursor.
    pub cursor: u64,
}

/// Where the sync is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// The outbox is to be read.
    ReadOutbox,
    /// A batch is to be pushed.
    Push(Vec<CartOp>),
    /// A push is in flight.
    Pushing(Vec<Uuid>),
    /// A page is to be read.
    Pull,
    /// A page read is in flight.
    Pulling,
    /// A page is being merged; `last` when it ends the log.
    Merging { cursor: u64, last: bool },
    /// The backend's log has another epoch, to be recorded.
    NewEpoch(String),
    /// The new epoch is being recorded.
    RecordingEpoch(String),
    /// Over.
    Done,
}

/// An input that does not fit the stage the sync is in: a driver bug, never a network failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cart sync: {input} while {stage}")]
pub struct OutOfTurn {
    input: &'static str,
    stage: &'static str,
}

/// One cart sync: push the whole outbox batch by batch, then pull the accepted log page by page.
/// A failed request simply ends it (drop it); the next sync starts over from the store, which
/// is where every answer was recorded.
#[derive(Debug, Clone)]
pub struct CartSync {
    stage: Stage,
    after: u64,
    epoch: Option<String>,
    batch_limit: usize,
    report: CartSyncReport,
}

impl CartSync {
    /// A sync from the store's pull cursor `after`, valid in the backend log's `epoch` (`None`
    /// when the store has none yet: the first answer's epoch then counts as a new one).
    pub fn new(after: u64, epoch: Option<String>) -> CartSync {
        CartSync {
            stage: Stage::ReadOutbox,
            after,
            epoch,
            batch_limit: MAX_OPS_PER_BATCH,
            report: CartSyncReport::default(),
        }
    }

    /// A sync that only pulls, from the store's pull cursor `after` in `epoch` (it pushes only
    /// after a new epoch).
    pub fn pull(after: u64, epoch: Option<String>) -> CartSync {
        CartSync {
            stage: Stage::Pull,
            ..CartSync::new(after, epoch)
        }
    }

    /// The same sync with smaller batches (at least 1, at most [`MAX_OPS_PER_BATCH`]).
    pub fn with_batch_limit(mut self, limit: usize) -> CartSync {
        self.batch_limit = limit.clamp(1, MAX_OPS_PER_BATCH);
        self
    }

    /// What the sync has done so far.
    pub fn report(&self) -> &CartSyncReport {
        &self.report
    }

    /// The cursor the next pull reads after.
    pub fn cursor(&self) -> u64 {
        self.after
    }

    /// What to do next. A request is handed out once; until its answer comes, this says
    /// [`Next::Awaiting`].
    pub fn poll(&mut self) -> Next {
        let (stage, next) = match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::ReadOutbox => (
                Stage::ReadOutbox,
                Next::ReadOutbox {
                    limit: self.batch_limit,
                },
            ),
            Stage::Push(ops) => (
                Stage::Pushing(ops.iter().map(|op| op.op_id).collect()),
                Next::Push(ops),
            ),
            Stage::Pull => (Stage::Pulling, Next::Pull { after: self.after }),
            Stage::NewEpoch(epoch) => (Stage::RecordingEpoch(epoch.clone()), Next::NewEpoch(epoch)),
            Stage::Done => (Stage::Done, Next::Done(self.report.clone())),
            in_flight => (in_flight, Next::Awaiting),
        };
        self.stage = stage;
        next
    }

    /// The outbox's oldest pending ops (the first `limit` are pushed): a batch to push, or, when
    /// there are none, the pull begins.
    pub fn outbox(&mut self, mut ops: Vec<CartOp>) -> Result<(), OutOfTurn> {
        self.expect(matches!(self.stage, Stage::ReadOutbox), "the outbox")?;
        self.stage = if ops.is_empty() {
            Stage::Pull
        } else {
            ops.truncate(self.batch_limit);
            Stage::Push(ops)
        };
        Ok(())
    }

    /// The pushed batch's answer (the ops it refused, the log's epoch): what to record. The
    /// outbox is read again afterwards, or, if the epoch is new, the new epoch is recorded first.
    pub fn pushed(
        &mut self,
        rejected: Vec<RejectedOp>,
        epoch: Option<String>,
    ) -> Result<Acknowledge, OutOfTurn> {
        let Stage::Pushing(sent) = &mut self.stage else {
            return Err(self.out_of_turn("a push answer"));
        };
        let sent = std::mem::take(sent);
        self.stage = match self.new_epoch(epoch) {
            Some(epoch) => Stage::NewEpoch(epoch),
            None => Stage::ReadOutbox,
        };
        self.report.pushed += sent.len();
        self.report.rejected += rejected.len();
        Ok(Acknowledge { sent, rejected })
    }

    /// A pulled page: what to merge. An empty page, or one that does not move the cursor, ends
    /// the pull (it is still merged, for its cursor); after any other the next page follows.
    /// A page of another epoch is not merged (`None`: its cursor means nothing here); the new
    /// epoch is recorded next.
    pub fn pulled(&mut self, page: CartOpsPage) -> Result<Option<Merge>, OutOfTurn> {
        self.expect(matches!(self.stage, Stage::Pulling), "a pulled page")?;
        if let Some(epoch) = self.new_epoch(page.epoch) {
            self.stage = Stage::NewEpoch(epoch);
            return Ok(None);
        }
        let last = page.ops.is_empty() || page.cursor <= self.after;
        self.stage = Stage::Merging {
            cursor: page.cursor,
            last,
        };
        Ok(Some(Merge {
            ops: page.ops,
            cursor: page.cursor,
        }))
    }

    /// The new epoch was recorded (every accepted op pending again, the cursor at 0): the sync
    /// starts over, pushing the outbox then reading the log from 0.
    pub fn epoch_recorded(&mut self) -> Result<(), OutOfTurn> {
        let Stage::RecordingEpoch(epoch) = &mut self.stage else {
            return Err(self.out_of_turn("a recorded epoch"));
        };
        self.epoch = Some(std::mem::take(epoch));
        self.after = 0;
        self.report.new_epochs += 1;
        self.stage = Stage::ReadOutbox;
        Ok(())
    }

    /// The epoch of the log as the sync knows it (the store's, or the last recorded).
    pub fn epoch(&self) -> Option<&str> {
        self.epoch.as_deref()
    }

    /// An answer's epoch if it differs from the known one (an answer without one, from a backend
    /// that predates epochs, never does).
    fn new_epoch(&self, answered: Option<String>) -> Option<String> {
        answered.filter(|epoch| self.epoch.as_deref() != Some(epoch.as_str()))
    }

    /// The merge was applied and `new` of its ops were new here; the cursor moves to the page's
    /// if it is further.
    pub fn merged(&mut self, new: usize) -> Result<(), OutOfTurn> {
        let Stage::Merging { cursor, last } = self.stage else {
            return Err(self.out_of_turn("a merge result"));
        };
        self.after = self.after.max(cursor);
        if last {
            self.stage = Stage::Done;
        } else {
            self.report.pulled += new;
            self.stage = Stage::Pull;
        }
        Ok(())
    }

    fn expect(&self, fits: bool, input: &'static str) -> Result<(), OutOfTurn> {
        if fits {
            Ok(())
        } else {
            Err(self.out_of_turn(input))
        }
    }

    fn out_of_turn(&self, input: &'static str) -> OutOfTurn {
        OutOfTurn {
            input,
            stage: match self.stage {
                Stage::ReadOutbox => "reading the outbox",
                Stage::Push(_) => "about to push",
                Stage::Pushing(_) => "pushing",
                Stage::Pull => "about to pull",
                Stage::Pulling => "pulling",
                Stage::Merging { .. } => "merging",
                Stage::NewEpoch(_) => "about to record a new epoch",
                Stage::RecordingEpoch(_) => "recording a new epoch",
                Stage::Done => "done",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use retour_domain::api::Hlc;
    use retour_domain::cart::DeviceId;

    use super::*;

    fn op(n: u128) -> CartOp {
        let device = DeviceId::new("device-a").expect("a device id");
        let at = Hlc::new(1_764_000_000_000 + n as u64, 0, device).expect("a clock");
        CartOp::put(Uuid::from_u128(n), at, "250001100", 1, Some(1), None)
    }

    fn epoch(n: u8) -> Option<String> {
        Some(format!("epoch-{n}"))
    }

    fn refused(n: u128) -> RejectedOp {
        RejectedOp {
            op_id: Uuid::from_u128(n),
            code: "unknown_line".into(),
            message: "Cette ligne de BL est introuvable".into(),
        }
    }

    #[test]
    fn pushes_the_outbox_in_batches_then_pulls_every_page() {
        let mut sync = CartSync::new(7, epoch(1)).with_batch_limit(2);
        assert_eq!(sync.poll(), Next::ReadOutbox { limit: 2 });
        sync.outbox(vec![op(1), op(2), op(3)]).unwrap();
        assert_eq!(sync.poll(), Next::Push(vec![op(1), op(2)]));
        assert_eq!(sync.poll(), Next::Awaiting);
        let ack = sync.pushed(vec![refused(2)], epoch(1)).unwrap();
        assert_eq!(ack.sent, [Uuid::from_u128(1), Uuid::from_u128(2)]);
        assert_eq!(ack.rejected, [refused(2)]);
        assert_eq!(sync.poll(), Next::ReadOutbox { limit: 2 });
        sync.outbox(vec![op(3)]).unwrap();
        assert_eq!(sync.poll(), Next::Push(vec![op(3)]));
        sync.pushed(Vec::new(), epoch(1)).unwrap();
        sync.outbox(Vec::new()).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 7 });
        let merge = sync
            .pulled(CartOpsPage {
                ops: vec![op(1), op(3)],
                cursor: 9,
                epoch: epoch(1),
            })
            .unwrap()
            .expect("a page of the same epoch");
        assert_eq!((merge.ops.len(), merge.cursor), (2, 9));
        assert_eq!(sync.poll(), Next::Awaiting);
        sync.merged(1).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 9 });
        let last = sync
            .pulled(CartOpsPage {
                ops: Vec::new(),
                cursor: 9,
                epoch: epoch(1),
            })
            .unwrap()
            .expect("a page of the same epoch");
        assert!(last.ops.is_empty());
        sync.merged(0).unwrap();
        let report = CartSyncReport {
            pushed: 3,
            rejected: 1,
            pulled: 1,
            new_epochs: 0,
        };
        assert_eq!(sync.poll(), Next::Done(report.clone()));
        assert_eq!(sync.poll(), Next::Done(report));
    }

    #[test]
    fn a_page_that_does_not_move_the_cursor_ends_the_pull() {
        let mut sync = CartSync::new(5, epoch(1));
        sync.outbox(Vec::new()).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 5 });
        // A stale page (re-delivered older ops): merged, but the pull stops and the cursor stays.
        sync.pulled(CartOpsPage {
            ops: vec![op(1)],
            cursor: 3,
            epoch: epoch(1),
        })
        .unwrap();
        sync.merged(1).unwrap();
        assert_eq!(sync.cursor(), 5);
        assert_eq!(sync.poll(), Next::Done(CartSyncReport::default()));
    }

    #[test]
    fn batches_never_exceed_the_api_limit() {
        let mut sync = CartSync::new(0, epoch(1)).with_batch_limit(10_000);
        assert_eq!(
            sync.poll(),
            Next::ReadOutbox {
                limit: MAX_OPS_PER_BATCH
            }
        );
        sync.outbox((0..600).map(op).collect()).unwrap();
        let Next::Push(batch) = sync.poll() else {
            panic!("a push");
        };
        assert_eq!(batch.len(), MAX_OPS_PER_BATCH);
    }

    #[test]
    fn answers_out_of_turn_are_refused() {
        let mut sync = CartSync::new(0, epoch(1));
        assert!(sync.pushed(Vec::new(), epoch(1)).is_err());
        assert!(sync.epoch_recorded().is_err());
        assert!(sync.merged(0).is_err());
        assert!(sync
            .pulled(CartOpsPage {
                ops: Vec::new(),
                cursor: 0,
                epoch: epoch(1),
            })
            .is_err());
        sync.outbox(vec![op(1)]).unwrap();
        let error = sync.outbox(vec![op(1)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cart sync: the outbox while about to push"
        );
    }

    #[test]
    fn a_new_epoch_in_a_page_restarts_from_zero_and_pushes_again() {
        let mut sync = CartSync::new(40, epoch(1));
        sync.outbox(Vec::new()).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 40 });
        // The backend came back on an older database: its page is not merged.
        let page = CartOpsPage {
            ops: vec![op(1)],
            cursor: 41,
            epoch: epoch(2),
        };
        assert_eq!(sync.pulled(page).unwrap(), None);
        assert_eq!(sync.poll(), Next::NewEpoch("epoch-2".into()));
        assert_eq!(sync.poll(), Next::Awaiting);
        sync.epoch_recorded().unwrap();
        assert_eq!((sync.cursor(), sync.epoch()), (0, Some("epoch-2")));
        // The store made every accepted op pending again: they are pushed, then the log is read
        // from 0.
        assert_eq!(sync.poll(), Next::ReadOutbox { limit: 500 });
        sync.outbox(vec![op(1), op(2)]).unwrap();
        assert_eq!(sync.poll(), Next::Push(vec![op(1), op(2)]));
        sync.pushed(Vec::new(), epoch(2)).unwrap();
        sync.outbox(Vec::new()).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 0 });
        let merge = sync
            .pulled(CartOpsPage {
                ops: vec![op(1), op(2)],
                cursor: 2,
                epoch: epoch(2),
            })
            .unwrap()
            .expect("a page of the recorded epoch");
        assert_eq!(merge.cursor, 2);
        sync.merged(0).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 2 });
        sync.pulled(CartOpsPage {
            ops: Vec::new(),
            cursor: 2,
            epoch: epoch(2),
        })
        .unwrap();
        sync.merged(0).unwrap();
        let report = CartSyncReport {
            pushed: 2,
            new_epochs: 1,
            ..CartSyncReport::default()
        };
        assert_eq!(sync.poll(), Next::Done(report));
    }

    #[test]
    fn a_new_epoch_in_a_push_answer_is_recorded_after_the_acknowledgement() {
        let mut sync = CartSync::new(3, epoch(1));
        sync.outbox(vec![op(7)]).unwrap();
        assert_eq!(sync.poll(), Next::Push(vec![op(7)]));
        let ack = sync.pushed(Vec::new(), epoch(2)).unwrap();
        assert_eq!(ack.sent, [Uuid::from_u128(7)]);
        assert_eq!(sync.poll(), Next::NewEpoch("epoch-2".into()));
        sync.epoch_recorded().unwrap();
        assert_eq!(sync.poll(), Next::ReadOutbox { limit: 500 });
        assert_eq!(sync.report().new_epochs, 1);
        assert_eq!(sync.cursor(), 0);
    }

    #[test]
    fn a_first_epoch_counts_as_new_and_an_answer_without_one_changes_nothing() {
        let mut sync = CartSync::new(0, None);
        sync.outbox(Vec::new()).unwrap();
        sync.poll();
        let page = |epoch| CartOpsPage {
            ops: Vec::new(),
            cursor: 0,
            epoch,
        };
        assert_eq!(sync.pulled(page(epoch(1))).unwrap(), None);
        assert_eq!(sync.poll(), Next::NewEpoch("epoch-1".into()));
        sync.epoch_recorded().unwrap();
        sync.outbox(Vec::new()).unwrap();
        sync.poll();
        // A backend that predates epochs: the page merges as ever.
        assert!(sync.pulled(page(None)).unwrap().is_some());
        sync.merged(0).unwrap();
        assert_eq!(sync.epoch(), Some("epoch-1"));
    }
}
