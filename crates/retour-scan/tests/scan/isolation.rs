//! rxing runs isolated: a panic or an endless loop in a decode stage neither crashes nor hangs
//! the caller, and the next frame decodes normally.

use crate::support;

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use retour_scan::{
    DecodeEngine, DecoderConfig, FrameDecode, FrameDecoder, IsolatedDecoder, IsolationError,
    LiveConfig, LiveEvent, LiveScanner, LumaFrame, RegionHint,
};
use rxing::BarcodeFormat;

/// Width that makes the stand-in engines misbehave.
const POISON_WIDTH: u32 = 13;

/// The real decoder, except that a frame `POISON_WIDTH` pixels wide panics deep inside.
#[derive(Clone)]
struct PanickingStage(FrameDecoder);

impl DecodeEngine for PanickingStage {
    fn decode(&mut self, frame: &LumaFrame, hint: Option<RegionHint>) -> FrameDecode {
        if frame.width() == POISON_WIDTH {
            panic!("simulated panic inside a detector (rxing #36, #78)");
        }
        self.0.decode(frame, hint)
    }
}

/// The real decoder, except that a frame `POISON_WIDTH` pixels wide never returns (it blocks on
/// a channel nobody sends on, without spinning a core).
#[derive(Clone)]
struct EndlessStage(FrameDecoder, Arc<Mutex<Receiver<()>>>);

impl DecodeEngine for EndlessStage {
    fn decode(&mut self, frame: &LumaFrame, hint: Option<RegionHint>) -> FrameDecode {
        if frame.width() == POISON_WIDTH {
            let _ = self.1.lock().map(|never| never.recv());
        }
        self.0.decode(frame, hint)
    }
}

fn poison() -> Arc<LumaFrame> {
    Arc::new(LumaFrame::from_luma(POISON_WIDTH, 2, vec![0; 26]).unwrap())
}

fn ean13_frame() -> Arc<LumaFrame> {
    let code = support::render(BarcodeFormat::EAN_13, "4006381333931", 3, 90, 10);
    Arc::new(support::to_frame(&code))
}

fn decoder() -> FrameDecoder {
    FrameDecoder::new(DecoderConfig::live())
}

#[test]
fn a_panicking_stage_does_not_crash_the_caller() {
    let mut isolated = IsolatedDecoder::new(PanickingStage(decoder()), Duration::from_secs(20));
    assert_eq!(
        isolated.decode(poison(), None),
        Err(IsolationError::Crashed)
    );
    let next = isolated.decode(ean13_frame(), None).unwrap();
    assert_eq!(next.confirmed[0].text, "4006381333931");
}

#[test]
fn an_endless_stage_is_abandoned_after_the_time_limit() {
    let (_never_sent, never) = mpsc::channel::<()>();
    let engine = EndlessStage(decoder(), Arc::new(Mutex::new(never)));
    let limit = Duration::from_millis(200);
    let mut isolated = IsolatedDecoder::new(engine, limit);
    let start = Instant::now();
    assert_eq!(
        isolated.decode(poison(), None),
        Err(IsolationError::TimedOut(limit))
    );
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(isolated.abandoned_workers(), 1);
    // A fresh worker takes over.
    let next = isolated.decode(ean13_frame(), None).unwrap();
    assert_eq!(next.confirmed[0].text, "4006381333931");
}

#[test]
fn the_live_scanner_survives_a_panicking_frame() {
    let (events, received) = mpsc::channel();
    let scanner = LiveScanner::start_with(PanickingStage(decoder()), LiveConfig::default(), events);
    scanner.submit((*poison()).clone(), 0);
    scanner.wait_idle();
    scanner.submit((*ean13_frame()).clone(), 40);
    scanner.wait_idle();
    scanner.stop();
    let events: Vec<LiveEvent> = received.try_iter().collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[0],
        LiveEvent::DecoderTrouble(IsolationError::Crashed)
    );
    match &events[1] {
        LiveEvent::Code { read, .. } => assert_eq!(read.text, "4006381333931"),
        other => panic!("expected a code, got {other:?}"),
    }
}
