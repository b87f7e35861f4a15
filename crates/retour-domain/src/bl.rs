//! Delivery-note (BL, *bon de livraison*) numbers as a user types them.
//!
//! A BL number is 1 to 9 digits. The printed form carries two leading zeros (`00250001106`); the
//! user must not type them, and scanned codes drop them in [`crate::code`]. Input is trimmed and
//! Unicode-normalised (NFKC) first, so full-width digits typed on a phone keyboard work.

use crate::error_code::ErrorCode;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The most digits a BL number has.
pub const MAX_DIGITS: usize = 9;

/// A valid BL number: 1 to 9 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct BlNumber(String);

/// Why typed text is not a BL number. Each case has a stable code and the French message of the
/// specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlError {
    /// Nothing was typed (or only spaces).
    #[error("Veuillez saisir un N° de bon de livraison")]
    Empty,
    /// Something other than digits was typed.
    #[error("Format incorrect, veuillez saisir uniquement des caractères numériques")]
    InvalidFormat,
    /// More than nine digits were typed.
    #[error("Nombre de caractère supérieur à 9, Veuillez vérifier votre N° de bon de livraison")]
    TooLong,
}

impl BlError {
    /// The stable machine code of this error, as the API and the UI use it.
    pub fn code(self) -> ErrorCode {
        match self {
            BlError::Empty => ErrorCode::Empty,
            BlError::InvalidFormat => ErrorCode::InvalidFormat,
            BlError::TooLong => ErrorCode::TooLong,
        }
    }

    /// The French message to show the user.
    pub fn message(self) -> String {
        self.to_string()
    }
}

impl BlNumber {
    /// Validates what a user typed: trimmed, NFKC-normalised, digits only, at most nine.
    ///
    /// A format error wins over a length error: `12345678901a` is reported as not numeric.
    pub fn parse(input: &str) -> Result<Self, BlError> {
        let normalised: String = input.nfkc().collect();
        let text = normalised.trim();
        if text.is_empty() {
            return Err(BlError::Empty);
        }
        if !text.chars().all(|c| c.is_ascii_digit()) {
            return Err(BlError::InvalidFormat);
        }
        if text.len() > MAX_DIGITS {
            return Err(BlError::TooLong);
        }
        Ok(BlNumber(text.to_owned()))
    }

    /// The number's digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form printed on the paper BL and in its barcode: two zeros then the number padded to
    /// nine digits.
    pub fn printed(&self) -> String {
        format!("00{:0>9}", self.0)
    }
}

impl fmt::Display for BlNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BlNumber {
    type Err = BlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BlNumber::parse(s)
    }
}

impl<'de> Deserialize<'de> for BlNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        BlNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, BlError>) {
        let got = BlNumber::parse(input);
        assert_eq!(
            got.as_ref().map(BlNumber::as_str).map_err(|e| *e),
            expected,
            "input {input:?}"
        );
    }

    #[test]
    fn typed_numbers() {
        check("250001106", Ok("250001106"));
        check("  250001106\t", Ok("250001106"));
        check("1", Ok("1"));
        check("２５０００１１０６", Ok("250001106"));
        check("\u{3000}42\u{3000}", Ok("42"));
        check("", Err(BlError::Empty));
        check("   ", Err(BlError::Empty));
        check("25000110a", Err(BlError::InvalidFormat));
        check("250 001", Err(BlError::InvalidFormat));
        check("-12", Err(BlError::InvalidFormat));
        check("12\u{0}3", Err(BlError::InvalidFormat));
        check("١٢٣", Err(BlError::InvalidFormat));
        check("1234567890", Err(BlError::TooLong));
        check("00250001106", Err(BlError::TooLong));
        check("12345678901a", Err(BlError::InvalidFormat));
        check(&"9".repeat(10_000), Err(BlError::TooLong));
    }

    #[test]
    fn messages_and_codes_are_the_specified_ones() {
        assert_eq!(
            BlError::InvalidFormat.message(),
            "Format incorrect, veuillez saisir uniquement des caractères numériques"
        );
        assert_eq!(
            BlError::TooLong.message(),
            "Nombre de caractère supérieur à 9, Veuillez vérifier votre N° de bon de livraison"
        );
        assert_eq!(BlError::InvalidFormat.code(), "invalid_format");
        assert_eq!(BlError::TooLong.code(), "too_long");
        assert_eq!(BlError::Empty.code(), "empty");
    }

    #[test]
    fn printed_form_has_two_leading_zeros() {
        assert_eq!(
            BlNumber::parse("250001106").unwrap().printed(),
            "00250001106"
        );
        assert_eq!(BlNumber::parse("1106").unwrap().printed(), "00000001106");
    }

    #[test]
    fn deserialising_validates() {
        assert!(serde_json::from_str::<BlNumber>("\"250001106\"").is_ok());
        assert!(serde_json::from_str::<BlNumber>("\"25x\"").is_err());
    }
}
