//! Codes read from a still image: a photo of a BL given as a file or as its bytes.

use std::path::Path;

use retour_scan::ScanRead;

use crate::{AppError, AppResult};

/// Every code in an image file (a photo of a BL): format, exact text and classification; an
/// empty list when there is none.
pub fn scan_file(path: &Path) -> AppResult<Vec<ScanRead>> {
    retour_scan::decode_image_file(path).map_err(|e| AppError::new("scan_failed", e.to_string()))
}

/// Every code in an encoded image given as bytes (PNG, JPEG or GIF: what the window's file
/// input gives); an empty list when there is none. No file is written.
pub fn scan_bytes(bytes: &[u8]) -> AppResult<Vec<ScanRead>> {
    retour_scan::decode_image_bytes(bytes).map_err(|e| AppError::new("scan_failed", e.to_string()))
}
