//! The read handed to callers (app, CLI, UI): format, exact text and what the text is.

use retour_domain::ScannedCode;
use serde::Serialize;

use crate::decoder::CodeRead;
use crate::format::CodeFormat;

/// A decoded code with its classification by `retour-domain` (BL, GTIN or supplier reference;
/// `None` when the text is nothing Retour can look up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanRead {
    /// The symbology.
    pub format: CodeFormat,
    /// The exact decoded text (AIM prefixes, GS separators and all).
    pub text: String,
    /// What the code is, through `retour_domain::classify`.
    pub classification: Option<ScannedCode>,
}

impl ScanRead {
    /// Classifies a decoded text.
    pub fn classify(read: CodeRead) -> ScanRead {
        // A UPC-E's check digit is computed over its UPC-A expansion: classify that.
        let classification = match read.format {
            CodeFormat::UpcE => retour_domain::Gtin::from_upce(&read.text)
                .and_then(|gtin| retour_domain::classify(gtin.as_str())),
            _ => retour_domain::classify(&read.text),
        };
        ScanRead {
            format: read.format,
            text: read.text,
            classification,
        }
    }

    /// One line for people: `EAN-13 3014260000013 → gtin 03014260000013`.
    pub fn describe(&self) -> String {
        let shown: String = self
            .text
            .chars()
            .map(|c| if c.is_control() { '\u{fffd}' } else { c })
            .collect();
        match &self.classification {
            Some(code) => format!(
                "{} {} → {} {}",
                self.format.label(),
                shown,
                code.kind(),
                code.normalized()
            ),
            None => format!("{} {} → non reconnu", self.format.label(), shown),
        }
    }
}
