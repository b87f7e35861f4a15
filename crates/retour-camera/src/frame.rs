//! What a camera gives: packed 8-bit RGB, and its conversion to the decoder's luma frame.

use retour_scan::{FrameError, LumaFrame};

/// A packed RGB frame (3 bytes per pixel, row-major), as nokhwa decodes it.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbFrame {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl std::fmt::Debug for RgbFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbFrame({}x{})", self.width, self.height)
    }
}

impl RgbFrame {
    /// A frame from packed RGB bytes; the length must be width × height × 3.
    pub fn new(width: u32, height: u32, rgb: Vec<u8>) -> Result<RgbFrame, FrameError> {
        // The luma conversion checks the same size rule; check it here once for both uses.
        let expected = width as usize * height as usize * 3;
        if width == 0 || height == 0 {
            return Err(FrameError::EmptyDimension { width, height });
        }
        if rgb.len() != expected {
            return Err(FrameError::WrongLength {
                width,
                height,
                bytes_per_pixel: 3,
                expected,
                actual: rgb.len(),
            });
        }
        Ok(RgbFrame { width, height, rgb })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The RGB bytes.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// The grayscale frame the decoder reads.
    pub fn to_luma(&self) -> LumaFrame {
        LumaFrame::from_rgb(self.width, self.height, &self.rgb)
            .expect("an RgbFrame always has a valid size")
    }
}
