//! Two-dimensional codes (QR, Data Matrix) through rxing's detectors, each call contained.
//!
//! Reed-Solomon error correction already rejects misreads, so a 2D read needs no second
//! sighting; the passes differ in effort (rxing's `TryHarder`, the Java-port QR detector as a
//! second opinion, several symbols per image) and in binarisation.

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::datamatrix::DataMatrixReader;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::qrcode::QRCodeReader;
use rxing::{Binarizer, BinaryBitmap, DecodeHints, Luma8Source, RXingResult, Reader};

use crate::format::CodeFormat;
use crate::frame::LumaFrame;
use crate::linear::contained;
use crate::validate;

/// How hard a 2D pass tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MatrixPass {
    /// rxing's `TryHarder`, plus the Java-port QR reader and every QR symbol in the image.
    pub try_harder: bool,
    /// Read light-on-dark symbols.
    pub inverted: bool,
    /// Binarise with one global threshold instead of the local (hybrid) one.
    pub global_threshold: bool,
}

/// The 2D texts found in `frame` by one pass.
pub(crate) fn decode_matrix(
    frame: &LumaFrame,
    pass: MatrixPass,
    panics: &mut u32,
) -> Vec<(CodeFormat, String)> {
    let Ok(source) = Luma8Source::new_with_slice(frame.pixels(), frame.width(), frame.height())
    else {
        return Vec::new();
    };
    if pass.global_threshold {
        let mut bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(source));
        run_readers(&mut bitmap, pass, panics)
    } else {
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
        run_readers(&mut bitmap, pass, panics)
    }
}

fn run_readers<B: Binarizer>(
    bitmap: &mut BinaryBitmap<B>,
    pass: MatrixPass,
    panics: &mut u32,
) -> Vec<(CodeFormat, String)> {
    let hints = DecodeHints {
        TryHarder: Some(pass.try_harder),
        ..DecodeHints::default()
    };
    if pass.inverted {
        contained(panics, || {
            bitmap.invert();
            Some(())
        });
    }
    let mut results: Vec<RXingResult> = Vec::new();
    if pass.try_harder {
        if let Some(found) = contained(panics, || {
            QrReader.decode_multiple_with_hints(bitmap, &hints).ok()
        }) {
            results.extend(found);
        }
        if results.is_empty() {
            if let Some(found) = contained(panics, || {
                QRCodeReader::new().decode_with_hints(bitmap, &hints).ok()
            }) {
                results.push(found);
            }
        }
    } else if let Some(found) = contained(panics, || {
        QrReader.decode_multiple_with_hints(bitmap, &hints).ok()
    }) {
        // Every symbol of the finder patterns found: barely dearer than the first only.
        results.extend(found);
    }
    if let Some(found) = contained(panics, || {
        DataMatrixReader.decode_with_hints(bitmap, &hints).ok()
    }) {
        results.push(found);
    }
    let mut texts: Vec<(CodeFormat, String)> = Vec::new();
    for result in results {
        let Some(format) = CodeFormat::from_rxing(*result.getBarcodeFormat()) else {
            continue;
        };
        let text = result.getText().to_owned();
        if format.is_linear() || !validate::is_valid(format, &text) {
            continue;
        }
        if !texts.iter().any(|(f, t)| *f == format && *t == text) {
            texts.push((format, text));
        }
    }
    texts
}
