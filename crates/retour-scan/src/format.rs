//! The symbologies Retour reads, and their mapping from rxing's formats.

use serde::{Deserialize, Serialize};

/// A barcode symbology that the decoder reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeFormat {
    /// EAN-13 (a 13-digit GTIN).
    Ean13,
    /// EAN-8 (an 8-digit GTIN).
    Ean8,
    /// UPC-A (a 12-digit GTIN).
    UpcA,
    /// UPC-E (a zero-suppressed UPC-A, 8 digits).
    UpcE,
    /// Code 128, GS1-128 included.
    Code128,
    /// Code 39, in full-ASCII (extended) mode where the data says so.
    Code39,
    /// Interleaved 2 of 5 (ITF, ITF-14).
    Itf,
    /// Data Matrix (GS1 DataMatrix included).
    DataMatrix,
    /// QR code.
    QrCode,
}

impl CodeFormat {
    /// Every format, in a stable order.
    pub const ALL: [CodeFormat; 9] = [
        CodeFormat::Ean13,
        CodeFormat::Ean8,
        CodeFormat::UpcA,
        CodeFormat::UpcE,
        CodeFormat::Code128,
        CodeFormat::Code39,
        CodeFormat::Itf,
        CodeFormat::DataMatrix,
        CodeFormat::QrCode,
    ];

    /// Whether this is a one-dimensional (linear) symbology, whose reads need a confirmation.
    pub fn is_linear(self) -> bool {
        !matches!(self, CodeFormat::DataMatrix | CodeFormat::QrCode)
    }

    /// The name printed for people ("EAN-13", "QR Code", …).
    pub fn label(self) -> &'static str {
        match self {
            CodeFormat::Ean13 => "EAN-13",
            CodeFormat::Ean8 => "EAN-8",
            CodeFormat::UpcA => "UPC-A",
            CodeFormat::UpcE => "UPC-E",
            CodeFormat::Code128 => "Code 128",
            CodeFormat::Code39 => "Code 39",
            CodeFormat::Itf => "ITF",
            CodeFormat::DataMatrix => "DataMatrix",
            CodeFormat::QrCode => "QR Code",
        }
    }

    /// The matching rxing format, `None` for formats we do not read.
    pub(crate) fn from_rxing(format: rxing::BarcodeFormat) -> Option<CodeFormat> {
        use rxing::BarcodeFormat as B;
        Some(match format {
            B::EAN_13 => CodeFormat::Ean13,
            B::EAN_8 => CodeFormat::Ean8,
            B::UPC_A => CodeFormat::UpcA,
            B::UPC_E => CodeFormat::UpcE,
            B::CODE_128 => CodeFormat::Code128,
            B::CODE_39 => CodeFormat::Code39,
            B::ITF => CodeFormat::Itf,
            B::DATA_MATRIX => CodeFormat::DataMatrix,
            B::QR_CODE => CodeFormat::QrCode,
            _ => return None,
        })
    }
}

impl std::fmt::Display for CodeFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}
