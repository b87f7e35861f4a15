//! The cart's sync as a state machine, sans-IO (no network, no store, no clock): given the local
//! pending ops and the server's answers, it says which request comes next — push a batch of at
//! most [`MAX_OPS_PER_BATCH`] ops, then pull `GET /cart/ops?after=` pages until the log is read —
//! and what each answer changes (ops accepted or refused, ops to merge, the new cursor).
//! [`SyncEngine`](crate::SyncEngine) drives it over HTTP and the store; the seeded simulation
//! drives it against the real server's router in-process.
//!
//! ```
//! use retour_sync::cart_sync::{CartSync, Next};
//! let mut sync = CartSync::new(0);
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
    batch_limit: usize,
    report: CartSyncReport,
}

impl CartSync {
    /// A sync from the store's pull cursor `after`.
    pub fn new(after: u64) -> CartSync {
        CartSync {
            stage: Stage::ReadOutbox,
            after,
            batch_limit: MAX_OPS_PER_BATCH,
            report: CartSyncReport::default(),
        }
    }

    /// A sync that only pulls, from the store's pull cursor `after`.
    pub fn pull(after: u64) -> CartSync {
        CartSync {
            stage: Stage::Pull,
            ..CartSync::new(after)
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

    /// The pushed batch's answer (the ops it refused): what to record. The outbox is read again
    /// afterwards.
    pub fn pushed(&mut self, rejected: Vec<RejectedOp>) -> Result<Acknowledge, OutOfTurn> {
        let Stage::Pushing(sent) = &mut self.stage else {
            return Err(self.out_of_turn("a push answer"));
        };
        let sent = std::mem::take(sent);
        self.stage = Stage::ReadOutbox;
        self.report.pushed += sent.len();
        self.report.rejected += rejected.len();
        Ok(Acknowledge { sent, rejected })
    }

    /// A pulled page: what to merge. An empty page, or one that does not move the cursor, ends
    /// the pull (it is still merged, for its cursor); after any other the next page follows.
    pub fn pulled(&mut self, page: CartOpsPage) -> Result<Merge, OutOfTurn> {
        self.expect(matches!(self.stage, Stage::Pulling), "a pulled page")?;
        let last = page.ops.is_empty() || page.cursor <= self.after;
        self.stage = Stage::Merging {
            cursor: page.cursor,
            last,
        };
        Ok(Merge {
            ops: page.ops,
            cursor: page.cursor,
        })
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

    fn refused(n: u128) -> RejectedOp {
        RejectedOp {
            op_id: Uuid::from_u128(n),
            code: "unknown_line".into(),
            message: "Cette ligne de BL est introuvable".into(),
        }
    }

    #[test]
    fn pushes_the_outbox_in_batches_then_pulls_every_page() {
        let mut sync = CartSync::new(7).with_batch_limit(2);
        assert_eq!(sync.poll(), Next::ReadOutbox { limit: 2 });
        sync.outbox(vec![op(1), op(2), op(3)]).unwrap();
        assert_eq!(sync.poll(), Next::Push(vec![op(1), op(2)]));
        assert_eq!(sync.poll(), Next::Awaiting);
        let ack = sync.pushed(vec![refused(2)]).unwrap();
        assert_eq!(ack.sent, [Uuid::from_u128(1), Uuid::from_u128(2)]);
        assert_eq!(ack.rejected, [refused(2)]);
        assert_eq!(sync.poll(), Next::ReadOutbox { limit: 2 });
        sync.outbox(vec![op(3)]).unwrap();
        assert_eq!(sync.poll(), Next::Push(vec![op(3)]));
        sync.pushed(Vec::new()).unwrap();
        sync.outbox(Vec::new()).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 7 });
        let merge = sync
            .pulled(CartOpsPage {
                ops: vec![op(1), op(3)],
                cursor: 9,
            })
            .unwrap();
        assert_eq!((merge.ops.len(), merge.cursor), (2, 9));
        assert_eq!(sync.poll(), Next::Awaiting);
        sync.merged(1).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 9 });
        let last = sync
            .pulled(CartOpsPage {
                ops: Vec::new(),
                cursor: 9,
            })
            .unwrap();
        assert!(last.ops.is_empty());
        sync.merged(0).unwrap();
        let report = CartSyncReport {
            pushed: 3,
            rejected: 1,
            pulled: 1,
        };
        assert_eq!(sync.poll(), Next::Done(report.clone()));
        assert_eq!(sync.poll(), Next::Done(report));
    }

    #[test]
    fn a_page_that_does_not_move_the_cursor_ends_the_pull() {
        let mut sync = CartSync::new(5);
        sync.outbox(Vec::new()).unwrap();
        assert_eq!(sync.poll(), Next::Pull { after: 5 });
        // A stale page (re-delivered older ops): merged, but the pull stops and the cursor stays.
        sync.pulled(CartOpsPage {
            ops: vec![op(1)],
            cursor: 3,
        })
        .unwrap();
        sync.merged(1).unwrap();
        assert_eq!(sync.cursor(), 5);
        assert_eq!(sync.poll(), Next::Done(CartSyncReport::default()));
    }

    #[test]
    fn batches_never_exceed_the_api_limit() {
        let mut sync = CartSync::new(0).with_batch_limit(10_000);
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
        let mut sync = CartSync::new(0);
        assert!(sync.pushed(Vec::new()).is_err());
        assert!(sync.merged(0).is_err());
        assert!(sync
            .pulled(CartOpsPage {
                ops: Vec::new(),
                cursor: 0
            })
            .is_err());
        sync.outbox(vec![op(1)]).unwrap();
        let error = sync.outbox(vec![op(1)]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cart sync: the outbox while about to push"
        );
    }
}
