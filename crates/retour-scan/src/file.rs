//! Image files (PNG, JPEG, GIF — e.g. a photo of a BL): every code in the image.
//!
//! The only IO of the crate is reading the file in [`decode_image_file`]; decoding itself takes
//! bytes or a frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::decoder::{DecoderConfig, FrameDecoder};
use crate::frame::{FrameError, LumaFrame};
use crate::isolation::{IsolatedDecoder, IsolationError};
use crate::read::ScanRead;

/// Why an image could not be scanned. The messages are French: they reach the user as they are.
#[derive(Debug, Error)]
pub enum ScanError {
    /// The file could not be read.
    #[error("impossible de lire le fichier {path} : {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The bytes are not an image we can decode.
    #[error("image illisible (formats acceptés : PNG, JPEG, GIF) : {0}")]
    Image(#[from] image::ImageError),
    /// The image has no pixels.
    #[error("image vide : {0}")]
    Frame(#[from] FrameError),
    /// The decoder crashed or ran out of time (contained).
    #[error("{0}")]
    Decoder(#[from] IsolationError),
}

/// How long a still image may take before the decoder is given up.
const IMAGE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Every code in the image file at `path` (an empty list when there is none).
pub fn decode_image_file(path: impl AsRef<Path>) -> Result<Vec<ScanRead>, ScanError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| ScanError::Io {
        path: path.to_owned(),
        source,
    })?;
    decode_image_bytes(&bytes)
}

/// Every code in an encoded image (PNG, JPEG or GIF bytes).
pub fn decode_image_bytes(bytes: &[u8]) -> Result<Vec<ScanRead>, ScanError> {
    decode_luma_image(luma_of_image(bytes)?)
}

/// The grayscale pixels of an encoded image, as the decoder sees them.
pub fn luma_of_image(bytes: &[u8]) -> Result<LumaFrame, ScanError> {
    let luma = image::load_from_memory(bytes)?.to_luma8();
    let (width, height) = luma.dimensions();
    Ok(LumaFrame::from_luma(width, height, luma.into_raw())?)
}

/// Every code in a still frame, with the thorough decoder, isolated.
pub fn decode_luma_image(frame: LumaFrame) -> Result<Vec<ScanRead>, ScanError> {
    decode_luma_image_with(frame, DecoderConfig::thorough(), IMAGE_TIME_LIMIT)
}

/// Every code in a still frame with the given decoder settings, isolated: the decoder thread is
/// abandoned after `time_limit`.
pub fn decode_luma_image_with(
    frame: LumaFrame,
    config: DecoderConfig,
    time_limit: Duration,
) -> Result<Vec<ScanRead>, ScanError> {
    let mut decoder = IsolatedDecoder::new(FrameDecoder::new(config), time_limit);
    let decode = decoder.decode(Arc::new(frame), None)?;
    Ok(decode
        .confirmed
        .into_iter()
        .map(ScanRead::classify)
        .collect())
}
