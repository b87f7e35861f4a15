//! A still picture standing in for a camera: it yields the same frame again and again at about
//! 30 frames per second, for demos and tests on machines without a camera. The app uses it when
//! `RETOUR_CAMERA_IMAGE` names a PNG or JPEG file (a photo of a BL, say). A picture read from a
//! file is filmed while the file is there: once it is removed, the camera is lost
//! ([`CameraError::Lost`]), as when a real one is unplugged.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::CameraError;
use crate::frame::RgbFrame;
use crate::source::FrameSource;

/// The environment variable naming the picture that stands in for the camera.
pub const CAMERA_IMAGE_ENV: &str = "RETOUR_CAMERA_IMAGE";

/// The pace of a still-image camera: about 30 frames per second.
pub const STILL_IMAGE_FRAME_INTERVAL: Duration = Duration::from_millis(33);

/// The picture named by `RETOUR_CAMERA_IMAGE`, if the variable is set and not empty.
pub fn camera_image_from_env() -> Option<PathBuf> {
    std::env::var_os(CAMERA_IMAGE_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A camera that films one picture: each [`FrameSource::next_frame`] waits for the next tick of
/// a ~30 fps clock and returns the same frame.
#[derive(Debug, Clone)]
pub struct StillImageSource {
    frame: RgbFrame,
    interval: Duration,
    next_at: Option<Instant>,
    /// The file it was read from: its removal unplugs this camera.
    path: Option<PathBuf>,
}

impl StillImageSource {
    /// The picture in the PNG or JPEG file at `path`.
    pub fn open(path: &Path) -> Result<StillImageSource, CameraError> {
        let bytes = std::fs::read(path)
            .map_err(|e| CameraError::StillImage(format!("{} : {e}", path.display())))?;
        Ok(StillImageSource {
            path: Some(path.to_owned()),
            ..StillImageSource::from_bytes(&bytes)?
        })
    }

    /// The picture in PNG or JPEG bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<StillImageSource, CameraError> {
        let rgb = image::load_from_memory(bytes)
            .map_err(|e| CameraError::StillImage(e.to_string()))?
            .to_rgb8();
        let (width, height) = rgb.dimensions();
        let frame = RgbFrame::new(width, height, rgb.into_raw())
            .map_err(|e| CameraError::StillImage(e.to_string()))?;
        Ok(StillImageSource::from_frame(frame))
    }

    /// A source that films `frame` at ~30 fps.
    pub fn from_frame(frame: RgbFrame) -> StillImageSource {
        StillImageSource {
            frame,
            interval: STILL_IMAGE_FRAME_INTERVAL,
            next_at: None,
            path: None,
        }
    }

    /// The frame it yields.
    pub fn frame(&self) -> &RgbFrame {
        &self.frame
    }
}

impl FrameSource for StillImageSource {
    fn next_frame(&mut self) -> Result<RgbFrame, CameraError> {
        let now = Instant::now();
        if let Some(at) = self.next_at {
            // Pace like a real camera: the next frame "arrives" at the next tick.
            if at > now {
                std::thread::sleep(at - now);
            }
        }
        self.next_at = Some(self.next_at.map_or(now, |at| at.max(now)) + self.interval);
        if self.path.as_deref().is_some_and(|path| !path.exists()) {
            return Err(CameraError::Lost);
        }
        Ok(self.frame.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        image::RgbImage::from_pixel(width, height, image::Rgb([10, 200, 30]))
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        bytes
    }

    #[test]
    fn a_still_image_is_filmed_at_about_thirty_frames_a_second() {
        let mut source = StillImageSource::from_bytes(&png(8, 4)).unwrap();
        let started = Instant::now();
        for _ in 0..4 {
            let frame = source.next_frame().unwrap();
            assert_eq!((frame.width(), frame.height()), (8, 4));
            assert_eq!(&frame.rgb()[..3], &[10, 200, 30]);
        }
        // Four frames: the first at once, then three intervals.
        assert!(started.elapsed() >= STILL_IMAGE_FRAME_INTERVAL * 3);
    }

    #[test]
    fn an_unreadable_picture_is_a_french_error_with_a_code() {
        let error = StillImageSource::from_bytes(b"not an image").unwrap_err();
        assert_eq!(error.code(), "camera_image_unreadable");
        assert!(error.to_string().contains("image qui remplace la caméra"));
        let missing = StillImageSource::open(Path::new("/nonexistent/bl.png")).unwrap_err();
        assert_eq!(missing.code(), "camera_image_unreadable");
    }
}
