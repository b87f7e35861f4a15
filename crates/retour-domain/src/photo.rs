//! Photos of returned parts (v1.1): a photo's id, how many a line or a message carries, whether
//! a reason asks for one, and the limits of an upload (bytes, decoded size, the long side it is
//! stored at).
//!
//! A photo's id is the SHA-256 of the bytes uploaded, as 64 lowercase hexadecimal digits; each
//! customer has its own photos. The app and the backend check a line's photos with
//! [`check_line_photos`], so that they refuse the same lines with the same code and French words.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;

/// The most photos on one cart line, request line or message.
pub const MAX_PHOTOS_PER_LINE: usize = 5;
/// The largest upload: 8 MiB.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// The long side a stored photo is brought down to, in pixels.
pub const MAX_LONG_SIDE: u32 = 2048;
/// The largest side an upload may declare before it is decoded (a decompression bomb declares
/// huge dimensions in a few bytes).
pub const MAX_DECODED_SIDE: u32 = 12_000;
/// The most pixels an upload may declare before it is decoded (48 megapixels: every phone
/// camera's photo, and at most 192 MB of RGBA while it is re-encoded).
pub const MAX_DECODED_PIXELS: u64 = 48_000_000;

/// Whether a reason asks for photos of the part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhotoRule {
    /// No photo is asked (one may still be added).
    #[default]
    None,
    /// Photos help: the app offers to add them.
    Optional,
    /// At least one photo is required to send the line.
    Required,
}

impl PhotoRule {
    /// The rule on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            PhotoRule::None => "none",
            PhotoRule::Optional => "optional",
            PhotoRule::Required => "required",
        }
    }
}

/// Whether `text` is a photo id: 64 lowercase hexadecimal digits (a SHA-256).
pub fn is_photo_id(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Why a line's (or a message's) photos are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRefusal {
    /// More than [`MAX_PHOTOS_PER_LINE`] photos.
    TooMany,
    /// An id that is not a SHA-256: it cannot name a photo.
    Missing,
    /// The reason requires a photo and the line has none.
    Required,
}

impl PhotoRefusal {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            PhotoRefusal::TooMany => ErrorCode::TooManyPhotos,
            PhotoRefusal::Missing => ErrorCode::PhotoMissing,
            PhotoRefusal::Required => ErrorCode::PhotoRequired,
        }
    }

    /// The French message for people.
    pub fn message(&self) -> String {
        match self {
            PhotoRefusal::TooMany => {
                format!("{MAX_PHOTOS_PER_LINE} photos au plus par ligne : retirez-en une")
            }
            PhotoRefusal::Missing => self.code().french().to_owned(),
            PhotoRefusal::Required => self.code().french().to_owned(),
        }
    }
}

impl fmt::Display for PhotoRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for PhotoRefusal {}

/// Checks the form of a list of photo ids: at most [`MAX_PHOTOS_PER_LINE`], each a SHA-256.
/// Whether each photo exists (and is the customer's) is the backend's to check.
pub fn check_photo_ids<S: AsRef<str>>(photos: &[S]) -> Result<(), PhotoRefusal> {
    if photos.len() > MAX_PHOTOS_PER_LINE {
        return Err(PhotoRefusal::TooMany);
    }
    if photos.iter().any(|p| !is_photo_id(p.as_ref())) {
        return Err(PhotoRefusal::Missing);
    }
    Ok(())
}

/// Checks a line's photos against its reason's rule: their form ([`check_photo_ids`]), then at
/// least one when the reason requires it.
pub fn check_line_photos<S: AsRef<str>>(photos: &[S], rule: PhotoRule) -> Result<(), PhotoRefusal> {
    check_photo_ids(photos)?;
    if rule == PhotoRule::Required && photos.is_empty() {
        return Err(PhotoRefusal::Required);
    }
    Ok(())
}

/// The size a photo of `width` × `height` is stored at: the same when its long side is at most
/// `max_long_side`, else scaled down to it, keeping the aspect ratio (rounded, at least 1 pixel).
pub fn fit_within(width: u32, height: u32, max_long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_long_side || long == 0 {
        return (width, height);
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(max_long_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max_long_side).max(1)
    };
    (scale(width), scale(height))
}

/// Whether an upload declaring `width` × `height` may be decoded: both sides at least 1 and at
/// most [`MAX_DECODED_SIDE`], at most [`MAX_DECODED_PIXELS`] in all.
pub fn decodable_size(width: u32, height: u32) -> bool {
    width >= 1
        && height >= 1
        && width <= MAX_DECODED_SIDE
        && height <= MAX_DECODED_SIDE
        && u64::from(width) * u64::from(height) <= MAX_DECODED_PIXELS
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn ids_are_lowercase_sha256() {
        assert!(is_photo_id(ID));
        assert!(!is_photo_id(&ID.to_uppercase()));
        assert!(!is_photo_id(&ID[1..]));
        assert!(!is_photo_id(&format!("{}g", &ID[1..])));
        assert!(!is_photo_id(""));
    }

    #[test]
    fn a_line_takes_five_photos_and_a_required_one() {
        let five = vec![ID; 5];
        assert_eq!(check_line_photos(&five, PhotoRule::Required), Ok(()));
        let six = vec![ID; 6];
        let refusal = check_line_photos(&six, PhotoRule::None).unwrap_err();
        assert_eq!(refusal, PhotoRefusal::TooMany);
        assert_eq!(refusal.code(), "too_many_photos");
        assert_eq!(
            refusal.message(),
            "5 photos au plus par ligne : retirez-en une"
        );
        let none: [&str; 0] = [];
        assert_eq!(check_line_photos(&none, PhotoRule::Optional), Ok(()));
        let refusal = check_line_photos(&none, PhotoRule::Required).unwrap_err();
        assert_eq!(refusal.code(), "photo_required");
        assert!(refusal.message().contains("photo"), "{refusal}");
        let bad = ["abc"];
        assert_eq!(
            check_line_photos(&bad, PhotoRule::None).unwrap_err().code(),
            "photo_missing"
        );
    }

    #[test]
    fn stored_size_keeps_the_ratio() {
        assert_eq!(fit_within(800, 600, 2048), (800, 600));
        assert_eq!(fit_within(4096, 3072, 2048), (2048, 1536));
        assert_eq!(fit_within(3000, 4000, 2048), (1536, 2048));
        assert_eq!(fit_within(10_000, 1, 2048), (2048, 1));
        assert_eq!(fit_within(2048, 2048, 2048), (2048, 2048));
    }

    #[test]
    fn bombs_are_refused_before_decoding() {
        assert!(decodable_size(4032, 3024));
        assert!(decodable_size(8000, 6000));
        assert!(!decodable_size(12_001, 10));
        assert!(!decodable_size(10_000, 10_000));
        assert!(!decodable_size(0, 10));
    }

    #[test]
    fn rules_on_the_wire() {
        assert_eq!(
            serde_json::to_value(PhotoRule::Required).unwrap(),
            "required"
        );
        assert_eq!(PhotoRule::default(), PhotoRule::None);
        assert_eq!(PhotoRule::Optional.as_str(), "optional");
    }
}
