//! The capture loop: each camera frame goes to the live scanner (which keeps only the newest) and,
//! at most 15 times a second, becomes a JPEG preview for the UI.

use std::sync::atomic::{AtomicBool, Ordering};

use retour_scan::LiveScanner;

use crate::error::CameraError;
use crate::preview::{encode_preview_jpeg, PreviewThrottle};
use crate::source::FrameSource;

/// Width of the preview images, in pixels.
pub const PREVIEW_WIDTH: u32 = 640;
/// JPEG quality of the previews.
pub const PREVIEW_QUALITY: u8 = 70;

/// What a capture loop did before it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PumpReport {
    /// Frames read from the source.
    pub frames: u64,
    /// Previews handed to the UI.
    pub previews: u64,
}

/// Reads frames from `source` until `stop` is set or the source fails: each goes to `scanner`
/// with its capture time from `clock_ms`, and previews go to `on_preview`. Returns the source's
/// error if it failed (a camera unplugged, say), or the counts when stopped.
pub fn pump_frames(
    source: &mut dyn FrameSource,
    scanner: &LiveScanner,
    clock_ms: &dyn Fn() -> u64,
    stop: &AtomicBool,
    on_preview: &mut dyn FnMut(Vec<u8>),
) -> Result<PumpReport, CameraError> {
    let mut throttle = PreviewThrottle::new();
    let mut report = PumpReport::default();
    while !stop.load(Ordering::Relaxed) {
        let frame = source.next_frame()?;
        let now = clock_ms();
        report.frames += 1;
        if throttle.should_emit(now) {
            on_preview(encode_preview_jpeg(&frame, PREVIEW_WIDTH, PREVIEW_QUALITY)?);
            report.previews += 1;
        }
        scanner.submit(frame.to_luma(), now);
    }
    Ok(report)
}
