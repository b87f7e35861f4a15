//! The garage's pickup QR code drawn on the device: rxing's QR writer (error correction M, as
//! the printed manifest), its dark modules as one SVG path of horizontal runs, with a quiet zone
//! of 4 modules. The window builds the `<svg>` from [`QrView`] (no markup is parsed).

use rxing::qrcode::QRCodeWriter;
use rxing::{BarcodeFormat, EncodeHintValue, EncodeHints, Writer};
use serde::Serialize;

use crate::{AppError, AppResult, ErrorCode};

/// The quiet zone around the symbol, in modules (ISO/IEC 18004: 4).
pub const QUIET_MODULES: u32 = 4;

/// A QR code ready to draw: a square `side` × `side` units (quiet zone included), white, with
/// the dark modules filled along `path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QrView {
    /// The text it carries.
    pub text: String,
    /// Units per side, quiet zone included (the SVG's `viewBox`).
    pub side: u32,
    /// The dark modules as an SVG path (`M x y h n v1 h-n z` per run).
    pub path: String,
    /// The same as a whole SVG document.
    pub svg: String,
}

/// Draws `text` as a QR code.
pub fn qr_code(text: &str) -> AppResult<QrView> {
    let hints = EncodeHints::default()
        .with(EncodeHintValue::ErrorCorrection("M".to_owned()))
        .with(EncodeHintValue::Margin("0".to_owned()));
    let matrix = QRCodeWriter
        .encode_with_hints(text, &BarcodeFormat::QR_CODE, 0, 0, &hints)
        .map_err(|e| {
            AppError::new(
                ErrorCode::InternalError,
                format!("QR code impossible à dessiner : {e}"),
            )
        })?;
    let size = matrix.getWidth();
    let mut path = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if matrix.get(x, y) {
                let start = x;
                while x < size && matrix.get(x, y) {
                    x += 1;
                }
                let len = x - start;
                path.push_str(&format!(
                    "M{} {}h{len}v1h-{len}z",
                    start + QUIET_MODULES,
                    y + QUIET_MODULES
                ));
            } else {
                x += 1;
            }
        }
    }
    let side = size + 2 * QUIET_MODULES;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>"
    );
    Ok(QrView {
        text: text.to_owned(),
        side,
        path,
        svg,
    })
}
