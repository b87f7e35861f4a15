//! The UI's live preview: the camera frame scaled down and JPEG-encoded, at most 15 per second.

use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;

use crate::error::CameraError;
use crate::frame::RgbFrame;

/// The most previews per second handed to the UI.
pub const PREVIEW_MAX_FPS: u64 = 15;

/// Decides which frames become previews: at most [`PREVIEW_MAX_FPS`] per second. Pure: the
/// caller gives each frame's time.
#[derive(Debug, Clone, Default)]
pub struct PreviewThrottle {
    last_ms: Option<u64>,
}

impl PreviewThrottle {
    /// A throttle that lets the next frame through.
    pub fn new() -> PreviewThrottle {
        PreviewThrottle::default()
    }

    /// Whether the frame captured at `now_ms` should become a preview.
    pub fn should_emit(&mut self, now_ms: u64) -> bool {
        let interval = 1000 / PREVIEW_MAX_FPS + u64::from(1000 % PREVIEW_MAX_FPS != 0);
        match self.last_ms {
            Some(last) if now_ms.saturating_sub(last) < interval => false,
            _ => {
                self.last_ms = Some(now_ms);
                true
            }
        }
    }
}

/// The frame scaled down by an integer factor to at most `max_width` pixels wide (box average),
/// JPEG-encoded at `quality` (1–100).
pub fn encode_preview_jpeg(
    frame: &RgbFrame,
    max_width: u32,
    quality: u8,
) -> Result<Vec<u8>, CameraError> {
    let factor = frame.width().div_ceil(max_width.max(1)).max(1) as usize;
    let (w, h) = (
        frame.width() as usize / factor,
        frame.height() as usize / factor,
    );
    let (w, h) = (w.max(1), h.max(1));
    let stride = frame.width() as usize * 3;
    let src = frame.rgb();
    let mut small = Vec::with_capacity(w * h * 3);
    let count = (factor * factor) as u32;
    for y in 0..h {
        for x in 0..w {
            let mut sum = [0u32; 3];
            for dy in 0..factor {
                let row = ((y * factor + dy).min(frame.height() as usize - 1)) * stride;
                for dx in 0..factor {
                    let px = row + (x * factor + dx).min(frame.width() as usize - 1) * 3;
                    for (channel, total) in sum.iter_mut().enumerate() {
                        *total += u32::from(src[px + channel]);
                    }
                }
            }
            small.extend(sum.map(|total| ((total + count / 2) / count) as u8));
        }
    }
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, quality.clamp(1, 100))
        .encode(&small, w as u32, h as u32, ExtendedColorType::Rgb8)
        .map_err(|e| CameraError::Failed(format!("aperçu JPEG : {e}")))?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_fifteen_previews_per_second() {
        let mut throttle = PreviewThrottle::new();
        let emitted = (0..1000u64)
            .step_by(10)
            .filter(|&t| throttle.should_emit(t))
            .count();
        assert!(emitted <= 15, "{emitted}");
        assert!(emitted >= 14, "{emitted}");
    }

    #[test]
    fn previews_are_downscaled_jpegs() {
        let frame = RgbFrame::new(1280, 720, vec![128; 1280 * 720 * 3]).unwrap();
        let jpeg = encode_preview_jpeg(&frame, 640, 70).unwrap();
        assert_eq!(&jpeg[..2], &[0xff, 0xd8]);
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (640, 360));
    }
}
