//! The camera layer without a camera: typed French errors, frame conversion, the capture pump
//! (newest frame to the scanner, previews at most 15 per second).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use retour_camera::{list_cameras, open_camera, pump_frames, CameraError, FrameSource, RgbFrame};
use retour_scan::{LiveConfig, LiveScanner};

#[test]
fn opening_a_camera_here_gives_a_typed_french_error() {
    // This machine has no camera; built without `native` there is no backend at all.
    let error = open_camera(0).err().expect("no camera can open here");
    if cfg!(feature = "native") {
        assert!(
            matches!(error, CameraError::NoCamera | CameraError::PermissionDenied),
            "{error:?}"
        );
        assert_eq!(list_cameras().map(|c| c.len()).unwrap_or(0), 0);
    } else {
        assert_eq!(error, CameraError::NotAvailable);
        assert_eq!(list_cameras(), Err(CameraError::NotAvailable));
    }
    let message = error.to_string();
    assert!(
        message.contains("caméra") || message.contains("Caméra"),
        "{message}"
    );
    assert!([
        "no_camera",
        "camera_permission_denied",
        "camera_unavailable"
    ]
    .contains(&error.code()));
}

#[test]
fn rgb_frames_convert_to_the_decoder_frame() {
    let frame = RgbFrame::new(2, 1, vec![255, 255, 255, 0, 0, 255]).unwrap();
    assert_eq!(frame.to_luma().pixels(), &[255, 29]);
    assert!(RgbFrame::new(2, 2, vec![0; 5]).is_err());
}

/// A camera that yields `limit` gray frames, 10 ms apart on the fake clock, then fails as an
/// unplugged camera would.
struct FakeCamera {
    yielded: u64,
    limit: u64,
    clock: Arc<AtomicU64>,
}

impl FrameSource for FakeCamera {
    fn next_frame(&mut self) -> Result<RgbFrame, CameraError> {
        if self.yielded == self.limit {
            return Err(CameraError::Failed("débranchée".into()));
        }
        self.yielded += 1;
        self.clock.fetch_add(10, Ordering::SeqCst);
        Ok(RgbFrame::new(320, 240, vec![200; 320 * 240 * 3]).unwrap())
    }
}

#[test]
fn the_pump_feeds_the_scanner_and_throttles_previews() {
    let clock = Arc::new(AtomicU64::new(0));
    let mut camera = FakeCamera {
        yielded: 0,
        limit: 100,
        clock: Arc::clone(&clock),
    };
    let (events, _received) = mpsc::channel();
    let scanner = LiveScanner::start(LiveConfig::default(), events);
    let mut previews = Vec::new();
    let stop = AtomicBool::new(false);
    let now = || clock.load(Ordering::SeqCst);
    let outcome = pump_frames(&mut camera, &scanner, &now, &stop, &mut |jpeg| {
        previews.push(jpeg)
    });
    // 100 frames over one second of camera time, then the camera fails.
    assert_eq!(outcome, Err(CameraError::Failed("débranchée".into())));
    scanner.wait_idle();
    let stats = scanner.stats();
    scanner.stop();
    assert_eq!(stats.submitted, 100);
    assert_eq!(stats.decoded + stats.replaced, 100);
    assert!((14..=15).contains(&previews.len()), "{}", previews.len());
    assert!(previews.iter().all(|jpeg| jpeg.starts_with(&[0xff, 0xd8])));
}

#[test]
fn a_stop_request_ends_the_pump() {
    let clock = Arc::new(AtomicU64::new(0));
    let mut camera = FakeCamera {
        yielded: 0,
        limit: u64::MAX,
        clock: Arc::clone(&clock),
    };
    let (events, _received) = mpsc::channel();
    let scanner = LiveScanner::start(LiveConfig::default(), events);
    let stop = AtomicBool::new(true);
    let now = || clock.load(Ordering::SeqCst);
    let report = pump_frames(&mut camera, &scanner, &now, &stop, &mut |_| {}).unwrap();
    assert_eq!(report.frames, 0);
}
