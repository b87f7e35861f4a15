//! Runs decoding on a worker thread so that rxing can neither crash nor hang the caller.
//!
//! Panics are caught inside the worker (and inside each rxing call, see `linear::contained`);
//! an endless loop (rxing issue #69) is caught by a time limit: the caller waits at most that
//! long, then abandons the worker — it is never joined — and the next call starts a fresh one.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use thiserror::Error;

use crate::decoder::{FrameDecode, FrameDecoder, RegionHint};
use crate::frame::LumaFrame;

/// Something that turns a frame into reads; [`FrameDecoder`] in production, a misbehaving stand-in
/// in tests.
pub trait DecodeEngine: Clone + Send + 'static {
    /// Decodes one frame.
    fn decode(&mut self, frame: &LumaFrame, hint: Option<RegionHint>) -> FrameDecode;
}

impl DecodeEngine for FrameDecoder {
    fn decode(&mut self, frame: &LumaFrame, hint: Option<RegionHint>) -> FrameDecode {
        FrameDecoder::decode(self, frame, hint)
    }
}

/// Why an isolated decode gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IsolationError {
    /// The decoder did not answer within the time limit; its thread was abandoned.
    #[error("le décodage a dépassé le temps imparti ({} ms)", .0.as_millis())]
    TimedOut(Duration),
    /// The decoder panicked; the panic was contained.
    #[error("le décodeur s'est arrêté sur une erreur interne")]
    Crashed,
    /// The worker thread could not be started.
    #[error("impossible de démarrer le décodeur")]
    WorkerUnavailable,
}

struct Job {
    frame: Arc<LumaFrame>,
    hint: Option<RegionHint>,
}

struct Worker {
    jobs: SyncSender<Job>,
    results: Receiver<Result<FrameDecode, IsolationError>>,
}

/// A decoder running on its own thread, with a time limit per frame.
pub struct IsolatedDecoder<E: DecodeEngine> {
    engine: E,
    time_limit: Duration,
    worker: Option<Worker>,
    abandoned_workers: u32,
}

impl<E: DecodeEngine> IsolatedDecoder<E> {
    /// Isolates `engine`; a frame that takes longer than `time_limit` is given up.
    pub fn new(engine: E, time_limit: Duration) -> IsolatedDecoder<E> {
        IsolatedDecoder {
            engine,
            time_limit,
            worker: None,
            abandoned_workers: 0,
        }
    }

    /// How many hung workers were abandoned so far.
    pub fn abandoned_workers(&self) -> u32 {
        self.abandoned_workers
    }

    fn spawn(&self) -> Result<Worker, IsolationError> {
        let (jobs, job_rx) = mpsc::sync_channel::<Job>(1);
        let (result_tx, results) = mpsc::sync_channel(1);
        let pristine = self.engine.clone();
        thread::Builder::new()
            .name("retour-scan-decoder".into())
            .spawn(move || {
                let mut engine = pristine.clone();
                for job in job_rx {
                    let outcome =
                        catch_unwind(AssertUnwindSafe(|| engine.decode(&job.frame, job.hint)));
                    let message = match outcome {
                        Ok(decode) => Ok(decode),
                        Err(_) => {
                            // The engine may be half-updated: start over from a clean copy.
                            engine = pristine.clone();
                            Err(IsolationError::Crashed)
                        }
                    };
                    if result_tx.send(message).is_err() {
                        break;
                    }
                }
            })
            .map_err(|_| IsolationError::WorkerUnavailable)?;
        Ok(Worker { jobs, results })
    }

    /// Decodes `frame` on the worker, waiting at most the time limit.
    pub fn decode(
        &mut self,
        frame: Arc<LumaFrame>,
        hint: Option<RegionHint>,
    ) -> Result<FrameDecode, IsolationError> {
        let worker = match self.worker.take() {
            Some(worker) => worker,
            None => self.spawn()?,
        };
        if worker.jobs.send(Job { frame, hint }).is_err() {
            return Err(IsolationError::WorkerUnavailable);
        }
        match worker.results.recv_timeout(self.time_limit) {
            Ok(result) => {
                self.worker = Some(worker);
                result
            }
            Err(RecvTimeoutError::Timeout) => {
                // Dropping the channels abandons the thread: it ends on its own if it ever
                // finishes, and nobody waits for it.
                self.abandoned_workers += 1;
                Err(IsolationError::TimedOut(self.time_limit))
            }
            Err(RecvTimeoutError::Disconnected) => Err(IsolationError::Crashed),
        }
    }
}
