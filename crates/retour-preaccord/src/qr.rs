//! QR codes from rxing's QR writer, as a square of modules (no quiet zone): the manifest draws
//! each dark module as a filled square (vector, crisp at any zoom), and [`QrCode::to_svg`] gives
//! the same squares as an SVG.

use rxing::qrcode::QRCodeWriter;
use rxing::{BarcodeFormat, EncodeHintValue, EncodeHints, Writer};

/// A QR code's modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCode {
    size: usize,
    dark: Vec<bool>,
}

/// Why a text cannot be drawn as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("QR code impossible pour ce texte : {0}")]
pub struct QrError(String);

/// The quiet zone to leave around a symbol, in modules (ISO/IEC 18004: 4).
pub const QUIET_MODULES: usize = 4;

impl QrCode {
    /// Encodes text (error correction M: a printed or on-screen code stays readable with a
    /// fingerprint or a glare on it).
    pub fn encode(text: &str) -> Result<QrCode, QrError> {
        let hints = EncodeHints::default()
            .with(EncodeHintValue::ErrorCorrection("M".to_owned()))
            .with(EncodeHintValue::Margin("0".to_owned()));
        let matrix = QRCodeWriter
            .encode_with_hints(text, &BarcodeFormat::QR_CODE, 0, 0, &hints)
            .map_err(|e| QrError(e.to_string()))?;
        let size = matrix.getWidth() as usize;
        if size == 0 || matrix.getHeight() as usize != size {
            return Err(QrError("the writer drew no square".to_owned()));
        }
        let mut dark = Vec::with_capacity(size * size);
        for y in 0..size {
            for x in 0..size {
                dark.push(matrix.get(x as u32, y as u32));
            }
        }
        Ok(QrCode { size, dark })
    }

    /// Modules per side (without the quiet zone).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the module at column `x`, row `y` (from the top left) is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// The dark modules as horizontal runs (row, first column, length): fewer shapes to draw.
    pub fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.size {
            let mut x = 0;
            while x < self.size {
                if self.is_dark(x, y) {
                    let start = x;
                    while self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }

    /// The code as an SVG document, quiet zone included, one unit per module.
    pub fn to_svg(&self) -> String {
        let side = self.size + 2 * QUIET_MODULES;
        let mut path = String::new();
        for (y, x, len) in self.runs() {
            path.push_str(&format!(
                "M{} {}h{len}v1h-{len}z",
                x + QUIET_MODULES,
                y + QUIET_MODULES
            ));
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
             shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" \
             fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
        )
    }

    /// The code drawn as an 8-bit grey image, quiet zone included, `scale` pixels per module
    /// (0 black, 255 white), row by row: for tests and previews.
    pub fn to_luma(&self, scale: usize) -> (usize, Vec<u8>) {
        let scale = scale.max(1);
        let side = (self.size + 2 * QUIET_MODULES) * scale;
        let mut pixels = vec![255u8; side * side];
        for (y, x, len) in self.runs() {
            for py in 0..scale {
                let row = (y + QUIET_MODULES) * scale + py;
                let start = row * side + (x + QUIET_MODULES) * scale;
                pixels[start..start + len * scale].fill(0);
            }
        }
        (side, pixels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finder_patterns_sit_in_three_corners() {
        let qr = QrCode::encode("RETOUR-PICKUP:v1.test").unwrap();
        let n = qr.size();
        assert!(n >= 21 && (n - 17) % 4 == 0, "{n}");
        for (x, y) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            // The 7×7 finder: dark ring, light ring, dark 3×3 centre.
            assert!(qr.is_dark(x, y) && qr.is_dark(x + 6, y + 6));
            assert!(!qr.is_dark(x + 1, y + 1) && qr.is_dark(x + 3, y + 3));
        }
        let svg = qr.to_svg();
        assert!(
            svg.starts_with("<svg") && svg.contains("M4 4h7v1h-7z"),
            "{svg}"
        );
        let (side, pixels) = qr.to_luma(2);
        assert_eq!(side, (n + 8) * 2);
        assert_eq!(pixels.len(), side * side);
        assert_eq!(pixels[0], 255);
        assert_eq!(pixels[8 * side + 8], 0);
    }

    #[test]
    fn refuses_empty_text() {
        assert!(QrCode::encode("").is_err());
    }
}
