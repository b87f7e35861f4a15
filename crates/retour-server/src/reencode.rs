//! Uploaded photos re-encoded: a JPEG or a PNG, its declared size checked before anything is
//! decoded (a decompression bomb declares huge dimensions in a few bytes), decoded with memory
//! limits, turned upright by its EXIF orientation, brought down to a long side of 2048 px and
//! written again as a baseline JPEG — which carries no metadata block at all (no EXIF, GPS, XMP,
//! ICC profile or comment): only the pixels survive.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use retour_domain::photo::{decodable_size, fit_within, MAX_DECODED_PIXELS, MAX_LONG_SIDE};

/// The JPEG quality photos are stored at.
const QUALITY: u8 = 85;

/// A re-encoded photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reencoded {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The JPEG.
    pub jpeg: Vec<u8>,
}

/// Why an upload is not a photo this server keeps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReencodeError {
    /// Not a JPEG nor a PNG, truncated, corrupt, or too large once decoded.
    #[error("invalid image: {0}")]
    Invalid(String),
}

/// Re-encodes `bytes` (a JPEG or a PNG, as `format` says) as described in the module's
/// documentation. Blocking and CPU-bound: run it off the async threads.
pub fn reencode(bytes: &[u8], format: ImageFormat) -> Result<Reencoded, ReencodeError> {
    let invalid = |e: image::ImageError| ReencodeError::Invalid(e.to_string());
    let guessed = image::guess_format(bytes).map_err(invalid)?;
    if guessed != format {
        return Err(ReencodeError::Invalid(format!(
            "the body is {guessed:?}, not {format:?}"
        )));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(retour_domain::photo::MAX_DECODED_SIDE);
    limits.max_image_height = Some(retour_domain::photo::MAX_DECODED_SIDE);
    // The decoded pixels (RGBA at most) and the decoder's own buffers.
    limits.max_alloc = Some(MAX_DECODED_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(invalid)?;
    let (width, height) = decoder.dimensions();
    if !decodable_size(width, height) {
        return Err(ReencodeError::Invalid(format!(
            "{width}×{height} is too large to decode"
        )));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(invalid)?;
    image.apply_orientation(orientation);
    let (w, h) = fit_within(image.width(), image.height(), MAX_LONG_SIDE);
    if (w, h) != (image.width(), image.height()) {
        image = image.resize_exact(w, h, image::imageops::FilterType::Triangle);
    }
    // JPEG has no alpha: flatten to RGB (transparent PNG pixels keep their colour).
    let rgb = image.to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
        .encode_image(&rgb)
        .map_err(invalid)?;
    Ok(Reencoded {
        width: rgb.width(),
        height: rgb.height(),
        jpeg,
    })
}

/// Whether a JPEG holds an APP1 segment (EXIF or XMP, where GPS positions live) or any other
/// application segment but the JFIF header: the check the tests make on what is stored and
/// served.
pub fn jpeg_has_metadata(jpeg: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= jpeg.len() {
        if jpeg[i] != 0xFF {
            return true;
        }
        let marker = jpeg[i + 1];
        if marker == 0xDA {
            return false;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let is_jfif = marker == 0xE0 && jpeg.get(i + 4..i + 9) == Some(b"JFIF\0");
        if (0xE1..=0xEF).contains(&marker) || marker == 0xFE || (marker == 0xE0 && !is_jfif) {
            return true;
        }
        i += 2 + len;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn large_photos_come_down_to_2048_and_lose_nothing_but_metadata() {
        let big = reencode(&png(3000, 1500), ImageFormat::Png).unwrap();
        assert_eq!((big.width, big.height), (2048, 1024));
        assert_eq!(image::guess_format(&big.jpeg).unwrap(), ImageFormat::Jpeg);
        assert!(!jpeg_has_metadata(&big.jpeg));
        let small = reencode(&png(40, 30), ImageFormat::Png).unwrap();
        assert_eq!((small.width, small.height), (40, 30));
    }

    #[test]
    fn what_is_not_the_declared_image_is_refused() {
        assert!(reencode(b"not an image at all", ImageFormat::Png).is_err());
        assert!(reencode(&png(10, 10), ImageFormat::Jpeg).is_err());
        let mut truncated = png(100, 100);
        truncated.truncate(80);
        assert!(reencode(&truncated, ImageFormat::Png).is_err());
    }

    #[test]
    fn a_bomb_is_refused_before_it_is_decoded() {
        // A PNG header declaring 60000 × 60000 pixels, in a few dozen bytes.
        let mut header = png(1, 1);
        header[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let error = reencode(&header, ImageFormat::Png).unwrap_err();
        assert!(matches!(error, ReencodeError::Invalid(_)), "{error:?}");
    }
}
