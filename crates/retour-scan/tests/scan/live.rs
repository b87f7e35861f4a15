//! Live mode: cross-frame confirmation, the cooldown, and the newest-frame-only hand-over.

use crate::support;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use retour_scan::{
    CodeFormat, CodeRead, DecodeEngine, FrameDecode, LiveConfig, LiveConfirmer, LiveEvent,
    LiveScanner, LumaFrame, RegionHint,
};
use rxing::BarcodeFormat;

fn read(text: &str) -> CodeRead {
    CodeRead {
        format: CodeFormat::Ean13,
        text: text.to_owned(),
    }
}

fn frame_with(confirmed: &[&str], single_line: &[&str]) -> FrameDecode {
    FrameDecode {
        confirmed: confirmed.iter().map(|t| read(t)).collect(),
        unconfirmed: single_line.iter().map(|t| read(t)).collect(),
        ..FrameDecode::default()
    }
}

#[test]
fn single_line_reads_need_the_next_frame_to_agree() {
    let mut confirmer = LiveConfirmer::new(2_000, 500);
    assert!(confirmer
        .observe(&frame_with(&[], &["4006381333931"]), 0)
        .is_empty());
    assert_eq!(
        confirmer.observe(&frame_with(&[], &["4006381333931"]), 33),
        vec![read("4006381333931")]
    );
    // Not consecutive: frame, gap, frame.
    let mut confirmer = LiveConfirmer::new(2_000, 500);
    confirmer.observe(&frame_with(&[], &["96385074"]), 0);
    confirmer.observe(&frame_with(&[], &[]), 33);
    assert!(confirmer
        .observe(&frame_with(&[], &["96385074"]), 66)
        .is_empty());
}

#[test]
fn a_code_is_reported_once_per_cooldown() {
    let mut confirmer = LiveConfirmer::new(2_000, 500);
    let seen = frame_with(&["4006381333931"], &[]);
    // Reported when first seen; not again while it stays in view; again once it has been
    // out of view for the cooldown (last seen at 1.5 s, seen again at 3.6 s).
    let table: [(u64, &FrameDecode, usize); 5] = [
        (0, &seen, 1),
        (33, &seen, 0),
        (1_500, &seen, 0),
        (3_600, &seen, 1),
        (3_633, &seen, 0),
    ];
    for (now, decode, expected) in table {
        assert_eq!(
            confirmer.observe(decode, now).len(),
            expected,
            "at {now} ms"
        );
    }
}

#[test]
fn the_region_of_the_last_hit_is_remembered_briefly() {
    let mut confirmer = LiveConfirmer::new(2_000, 500);
    let region = RegionHint {
        left: 10,
        top: 20,
        width: 300,
        height: 100,
    };
    let decode = FrameDecode {
        region: Some(region),
        ..FrameDecode::default()
    };
    confirmer.observe(&decode, 1_000);
    assert_eq!(confirmer.region_hint(1_400), Some(region));
    assert_eq!(confirmer.region_hint(1_600), None);
}

/// An engine that reports each frame's width as a text, and holds each decode until the test
/// lets it go — to see which frames the decoder thread takes.
#[derive(Clone)]
struct GatedEngine {
    started: Sender<u32>,
    gate: Arc<Mutex<Receiver<()>>>,
}

impl DecodeEngine for GatedEngine {
    fn decode(&mut self, frame: &LumaFrame, _hint: Option<RegionHint>) -> FrameDecode {
        let _ = self.started.send(frame.width());
        let _ = self.gate.lock().map(|gate| gate.recv());
        frame_with(&[&format!("{:013}", frame.width())], &[])
    }
}

fn blank(width: u32) -> LumaFrame {
    LumaFrame::from_luma(width, 1, vec![255; width as usize]).unwrap()
}

#[test]
fn the_decoder_takes_the_newest_frame_and_drops_the_backlog() {
    let (started_tx, started) = mpsc::channel();
    let (open, gate) = mpsc::channel();
    let engine = GatedEngine {
        started: started_tx,
        gate: Arc::new(Mutex::new(gate)),
    };
    let (events, received) = mpsc::channel();
    let scanner = LiveScanner::start_with(engine, LiveConfig::default(), events);
    scanner.submit(blank(1), 0);
    assert_eq!(started.recv().unwrap(), 1); // The decoder is busy with frame 1.
    for width in 2..=5 {
        scanner.submit(blank(width), u64::from(width) * 33);
    }
    open.send(()).unwrap(); // Frame 1 done: the decoder must take frame 5, not 2.
    assert_eq!(started.recv().unwrap(), 5);
    open.send(()).unwrap();
    scanner.wait_idle();
    let stats = scanner.stats();
    scanner.stop();
    assert_eq!((stats.submitted, stats.replaced, stats.decoded), (5, 3, 2));
    let texts: Vec<String> = received
        .try_iter()
        .filter_map(|event| match event {
            LiveEvent::Code { read, .. } => Some(read.text),
            LiveEvent::DecoderTrouble(_) => None,
        })
        .collect();
    assert_eq!(texts, vec!["0000000000001", "0000000000005"]);
}

#[test]
fn a_camera_frame_with_a_code_is_reported_once_with_its_classification() {
    let code = support::render(BarcodeFormat::CODE_128, "00250001106", 2, 70, 10);
    let frame = support::camera_frame(640, 480, &code, 7);
    let (events, received) = mpsc::channel();
    let scanner = LiveScanner::start(LiveConfig::default(), events);
    for i in 0..3u64 {
        scanner.submit(frame.clone(), i * 33);
        scanner.wait_idle();
    }
    scanner.stop();
    let events: Vec<LiveEvent> = received.try_iter().collect();
    assert_eq!(events.len(), 1, "{events:?}");
    let LiveEvent::Code { read, .. } = &events[0] else {
        panic!("expected a code, got {events:?}");
    };
    assert_eq!(read.text, "00250001106");
    let classification = read.classification.as_ref().expect("a BL");
    assert_eq!(
        (classification.kind(), classification.normalized()),
        ("delivery_note", "250001106".to_owned())
    );
}

#[test]
fn webview_rgba_frames_decode_like_camera_frames() {
    let code = support::render(BarcodeFormat::EAN_13, "4006381333931", 2, 70, 10);
    let luma = support::camera_frame(640, 480, &code, 3);
    let rgba: Vec<u8> = luma.pixels().iter().flat_map(|&v| [v, v, v, 255]).collect();
    let frame = LumaFrame::from_rgba(640, 480, &rgba).unwrap();
    assert_eq!(frame, luma);
    let (events, received) = mpsc::channel();
    let scanner = LiveScanner::start(LiveConfig::default(), events);
    scanner.submit(frame, 0);
    scanner.wait_idle();
    scanner.stop();
    assert!(matches!(
        received.try_iter().next(),
        Some(LiveEvent::Code { read, .. }) if read.text == "4006381333931"
    ));
}
