//! The live-camera pipeline: frames in as fast as the camera gives them, codes out once.
//!
//! - [`LiveScanner`] owns a decoder thread that always takes the newest frame: a frame that
//!   arrives while the decoder is busy replaces the waiting one (no backlog, no latency build-up).
//!   Decoding goes through [`IsolatedDecoder`], so a hung rxing call costs one frame, not the
//!   scanner.
//! - [`LiveSession`] is one camera's decoding state (the isolated decoder and the confirmer),
//!   frame after frame: the scanner's thread runs one, and a caller that paces its own frames
//!   (the WebView camera, whose frames come one command at a time) runs one directly.
//! - [`LiveConfirmer`] is the pure rule: a 1D code seen on a single scan line is accepted when the
//!   next frame sees it too, and a code is reported once, then not again while it stays in view
//!   or until `cooldown_ms` after it was last seen.
//!
//! The JPEG preview for the UI is made by the camera layer (`retour-camera`), not here.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::decoder::{CodeRead, DecoderConfig, FrameDecode, FrameDecoder, RegionHint};
use crate::frame::LumaFrame;
use crate::isolation::{DecodeEngine, IsolatedDecoder, IsolationError};
use crate::read::ScanRead;

/// Live scanning settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveConfig {
    /// The decoder's settings (effort and per-frame budget).
    pub decoder: DecoderConfig,
    /// After this long the decoder thread is abandoned (rxing stuck in a loop).
    pub time_limit: Duration,
    /// A code is not reported again until it has been out of view this long.
    pub cooldown_ms: u64,
    /// A region hint is used for the next frames for this long after the last hit.
    pub region_memory_ms: u64,
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        LiveConfig {
            decoder: DecoderConfig::live(),
            time_limit: Duration::from_secs(1),
            cooldown_ms: 2_000,
            region_memory_ms: 500,
        }
    }
}

/// Cross-frame confirmation and cooldown, pure (the time is the frame's capture time).
#[derive(Debug, Clone, Default)]
pub struct LiveConfirmer {
    cooldown_ms: u64,
    region_memory_ms: u64,
    previous_single_line: HashSet<CodeRead>,
    last_seen_ms: HashMap<CodeRead, u64>,
    last_region: Option<(RegionHint, u64)>,
}

impl LiveConfirmer {
    /// A confirmer with these delays.
    pub fn new(cooldown_ms: u64, region_memory_ms: u64) -> LiveConfirmer {
        LiveConfirmer {
            cooldown_ms,
            region_memory_ms,
            ..LiveConfirmer::default()
        }
    }

    /// Where the decoder should look first in the frame captured at `now_ms`.
    pub fn region_hint(&self, now_ms: u64) -> Option<RegionHint> {
        self.last_region
            .filter(|(_, at)| now_ms.saturating_sub(*at) <= self.region_memory_ms)
            .map(|(region, _)| region)
    }

    /// Takes a frame's decode; returns the codes to report now.
    pub fn observe(&mut self, decode: &FrameDecode, now_ms: u64) -> Vec<CodeRead> {
        if let Some(region) = decode.region {
            self.last_region = Some((region, now_ms));
        }
        let mut seen: Vec<CodeRead> = decode.confirmed.clone();
        for read in &decode.unconfirmed {
            if self.previous_single_line.contains(read) && !seen.contains(read) {
                seen.push(read.clone());
            }
        }
        self.previous_single_line = decode.unconfirmed.iter().cloned().collect();
        let mut report = Vec::new();
        for read in seen {
            let fresh = self
                .last_seen_ms
                .get(&read)
                .is_none_or(|&at| now_ms.saturating_sub(at) >= self.cooldown_ms);
            self.last_seen_ms.insert(read.clone(), now_ms);
            if fresh {
                report.push(read);
            }
        }
        let cooldown = self.cooldown_ms;
        self.last_seen_ms
            .retain(|_, at| now_ms.saturating_sub(*at) < cooldown.saturating_mul(4).max(1));
        report
    }
}

/// One camera's decoding state, frame after frame: the isolated decoder (a hung or crashing
/// decode costs one frame) and the cross-frame confirmation and cooldown.
pub struct LiveSession<E: DecodeEngine = FrameDecoder> {
    decoder: IsolatedDecoder<E>,
    confirmer: LiveConfirmer,
}

impl LiveSession {
    /// A session with the production decoder.
    pub fn new(config: LiveConfig) -> LiveSession {
        LiveSession::with_engine(FrameDecoder::new(config.decoder), config)
    }
}

impl<E: DecodeEngine> LiveSession<E> {
    /// A session with any engine (tests use misbehaving ones).
    pub fn with_engine(engine: E, config: LiveConfig) -> LiveSession<E> {
        LiveSession {
            decoder: IsolatedDecoder::new(engine, config.time_limit),
            confirmer: LiveConfirmer::new(config.cooldown_ms, config.region_memory_ms),
        }
    }

    /// Decodes the frame captured at `captured_at_ms` (the frames' own clock, increasing);
    /// returns the codes to report now: confirmed across frames, once per cooldown.
    pub fn frame(
        &mut self,
        frame: Arc<LumaFrame>,
        captured_at_ms: u64,
    ) -> Result<Vec<ScanRead>, IsolationError> {
        let hint = self.confirmer.region_hint(captured_at_ms);
        let decode = self.decoder.decode(frame, hint)?;
        Ok(self
            .confirmer
            .observe(&decode, captured_at_ms)
            .into_iter()
            .map(ScanRead::classify)
            .collect())
    }
}

/// What the live scanner tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    /// A code to act on (once per cooldown).
    Code { read: ScanRead, captured_at_ms: u64 },
    /// The decoder crashed or hung on a frame; scanning goes on with the next one.
    DecoderTrouble(IsolationError),
}

#[derive(Default)]
struct Slot {
    newest: Option<(Arc<LumaFrame>, u64)>,
    stopping: bool,
    submitted: u64,
    replaced: u64,
    decoded: u64,
}

/// Frame counters, for diagnostics and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveStats {
    /// Frames handed to [`LiveScanner::submit`].
    pub submitted: u64,
    /// Frames replaced by a newer one before the decoder took them.
    pub replaced: u64,
    /// Frames decoded.
    pub decoded: u64,
}

/// The live decoder thread and its newest-frame slot.
pub struct LiveScanner {
    shared: Arc<(Mutex<Slot>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl LiveScanner {
    /// Starts the decoder thread with the production decoder; events go to `events`.
    pub fn start(config: LiveConfig, events: Sender<LiveEvent>) -> LiveScanner {
        LiveScanner::start_with(FrameDecoder::new(config.decoder), config, events)
    }

    /// Starts the decoder thread with any engine (tests use misbehaving ones).
    pub fn start_with<E: DecodeEngine>(
        engine: E,
        config: LiveConfig,
        events: Sender<LiveEvent>,
    ) -> LiveScanner {
        let shared = Arc::new((Mutex::new(Slot::default()), Condvar::new()));
        let worker_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("retour-scan-live".into())
            .spawn(move || live_loop(engine, config, &worker_shared, &events))
            .ok();
        LiveScanner { shared, thread }
    }

    /// Hands over the newest frame, captured at `captured_at_ms`; a frame still waiting is
    /// dropped.
    pub fn submit(&self, frame: LumaFrame, captured_at_ms: u64) {
        let (slot, wake) = &*self.shared;
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.submitted += 1;
        if slot
            .newest
            .replace((Arc::new(frame), captured_at_ms))
            .is_some()
        {
            slot.replaced += 1;
        }
        wake.notify_all();
    }

    /// Frame counters so far.
    pub fn stats(&self) -> LiveStats {
        let slot = self.shared.0.lock().unwrap_or_else(PoisonError::into_inner);
        LiveStats {
            submitted: slot.submitted,
            replaced: slot.replaced,
            decoded: slot.decoded,
        }
    }

    /// Waits until no frame is waiting and the decoder is idle (for tests and the benchmark).
    pub fn wait_idle(&self) {
        let (slot, wake) = &*self.shared;
        let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
        while guard.newest.is_some() || guard.decoded + guard.replaced < guard.submitted {
            guard = wake.wait(guard).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Stops the decoder thread (after the frame it is decoding, which the time limit bounds).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        {
            let (slot, wake) = &*self.shared;
            slot.lock().unwrap_or_else(PoisonError::into_inner).stopping = true;
            wake.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LiveScanner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn live_loop<E: DecodeEngine>(
    engine: E,
    config: LiveConfig,
    shared: &(Mutex<Slot>, Condvar),
    events: &Sender<LiveEvent>,
) {
    let (slot, wake) = shared;
    let mut session = LiveSession::with_engine(engine, config);
    loop {
        let (frame, captured_at_ms) = {
            let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if guard.stopping {
                    return;
                }
                if let Some(newest) = guard.newest.take() {
                    break newest;
                }
                guard = wake.wait(guard).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let sent = match session.frame(frame, captured_at_ms) {
            Ok(reads) => reads.into_iter().all(|read| {
                events
                    .send(LiveEvent::Code {
                        read,
                        captured_at_ms,
                    })
                    .is_ok()
            }),
            Err(trouble) => events.send(LiveEvent::DecoderTrouble(trouble)).is_ok(),
        };
        {
            let mut guard = slot.lock().unwrap_or_else(PoisonError::into_inner);
            guard.decoded += 1;
            wake.notify_all();
        }
        if !sent {
            return;
        }
    }
}
