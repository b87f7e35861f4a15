//! What a scanned or typed code is: a BL, a product code (GTIN) or a supplier reference.
//!
//! Codes reach us from a camera decoder, a USB scanner typing keystrokes, or a person typing. They
//! may carry an AIM symbology prefix (`]C1`, `]E0`, …), GS (0x1D) separators between GS1 fields,
//! and a CR, LF or TAB that the scanner appends. [`classify`] cleans all of that up and decides:
//!
//! 1. a GS1 element string (`]C1`, `]d2`, `]Q3`, `]e0`, a human-readable `(01)…`, or digits with
//!    GS separators) gives its `(01)` GTIN;
//! 2. a BL's printed form (`00` + 9 digits) or a bare 9-digit number is that BL;
//! 3. 8, 12, 13 or 14 digits with a valid check digit are a GTIN (8 digits that fail as EAN-8
//!    but pass as UPC-E are that UPC-E, expanded to its UPC-A);
//! 4. anything else is a supplier reference, kept as printed for display and normalised (upper
//!    case, no spaces, dots or dashes) for matching.

use std::fmt;

use serde::{Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::bl::BlNumber;

/// The group separator that GS1 barcodes use between variable-length fields.
pub const GS: char = '\u{1d}';

/// The longest supplier reference we accept, in characters after normalisation.
pub const MAX_REFERENCE_LEN: usize = 64;

/// A recognised code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannedCode {
    /// A delivery note (BL) number.
    DeliveryNote(BlNumber),
    /// A product code with a valid check digit.
    Gtin(Gtin),
    /// A supplier reference as printed on a part or its box.
    Reference(SupplierReference),
}

impl ScannedCode {
    /// The kind as the lookup API names it: `delivery_note`, `gtin` or `reference`.
    pub fn kind(&self) -> &'static str {
        match self {
            ScannedCode::DeliveryNote(_) => "delivery_note",
            ScannedCode::Gtin(_) => "gtin",
            ScannedCode::Reference(_) => "reference",
        }
    }

    /// The form used for matching: the BL's 9 digits, the 14-digit GTIN, the normalised
    /// reference.
    pub fn normalized(&self) -> String {
        match self {
            ScannedCode::DeliveryNote(bl) => bl.as_str().to_owned(),
            ScannedCode::Gtin(gtin) => gtin.gtin14(),
            ScannedCode::Reference(reference) => reference.normalized().to_owned(),
        }
    }

    /// The form to show a person: the BL number, the GTIN as printed, the reference as printed.
    pub fn display(&self) -> String {
        match self {
            ScannedCode::DeliveryNote(bl) => bl.as_str().to_owned(),
            ScannedCode::Gtin(gtin) => gtin.as_str().to_owned(),
            ScannedCode::Reference(reference) => reference.printed().to_owned(),
        }
    }
}

impl Serialize for ScannedCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            kind: &'a str,
            normalized: String,
            display: String,
        }
        Wire {
            kind: self.kind(),
            normalized: self.normalized(),
            display: self.display(),
        }
        .serialize(serializer)
    }
}

/// A GTIN (EAN-8, UPC-A, EAN-13 or GTIN-14) whose check digit is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gtin(String);

impl Gtin {
    /// Accepts 8, 12, 13 or 14 ASCII digits whose last digit is the right check digit.
    pub fn parse(digits: &str) -> Option<Gtin> {
        let valid_length = matches!(digits.len(), 8 | 12 | 13 | 14);
        (valid_length && digits.bytes().all(|b| b.is_ascii_digit()) && check_digit_ok(digits))
            .then(|| Gtin(digits.to_owned()))
    }

    /// Expands an 8-digit UPC-E code (number system, six digits, check digit) to its UPC-A GTIN,
    /// checking the check digit, which UPC-E computes over the expanded form.
    pub fn from_upce(upce: &str) -> Option<Gtin> {
        let d = upce.as_bytes();
        if d.len() != 8 || !d.iter().all(u8::is_ascii_digit) || !matches!(d[0], b'0' | b'1') {
            return None;
        }
        let s = |range: std::ops::Range<usize>| &upce[range];
        let body = match d[6] {
            b'0'..=b'2' => format!("{}{}0000{}", s(1..3), s(6..7), s(3..6)),
            b'3' => format!("{}00000{}", s(1..4), s(4..6)),
            b'4' => format!("{}00000{}", s(1..5), s(5..6)),
            _ => format!("{}0000{}", s(1..6), s(6..7)),
        };
        Gtin::parse(&format!("{}{}{}", s(0..1), body, s(7..8)))
    }

    /// The digits as printed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 14-digit form (left-padded with zeros), which is how GTINs are compared.
    pub fn gtin14(&self) -> String {
        format!("{:0>14}", self.0)
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the last digit of `digits` is the GS1 mod-10 check digit of the others.
pub fn check_digit_ok(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    let Some((&check, body)) = bytes.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check - b'0')
}

/// A supplier reference: as printed, and normalised for matching.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SupplierReference {
    printed: String,
    normalized: String,
}

impl SupplierReference {
    /// Builds a reference from printed text; `None` when nothing is left after normalisation or
    /// when it is longer than [`MAX_REFERENCE_LEN`].
    pub fn parse(printed: &str) -> Option<SupplierReference> {
        let printed: String = printed.nfkc().filter(|c| !c.is_control()).collect();
        let printed = printed.trim();
        let normalized = normalize_reference(printed);
        (!normalized.is_empty() && normalized.chars().count() <= MAX_REFERENCE_LEN).then(|| {
            SupplierReference {
                printed: printed.to_owned(),
                normalized,
            }
        })
    }

    /// The reference as printed (control characters removed, trimmed).
    pub fn printed(&self) -> &str {
        &self.printed
    }

    /// Upper case, without spaces, dots or dashes: `0 986 424.707` → `0986424707`.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// The matching form of a reference: upper case, without white space, dots or dashes.
pub fn normalize_reference(text: &str) -> String {
    text.nfkc()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '.' | '-' | '‐' | '–'))
        .flat_map(char::to_uppercase)
        .collect()
}

/// AIM symbology identifiers whose data is a GS1 element string.
const GS1_AIM_PREFIXES: [&str; 5] = ["]C1", "]e0", "]d2", "]Q3", "]J1"];

/// Classifies a scanned or typed code; `None` when nothing usable is left after clean-up.
pub fn classify(raw: &str) -> Option<ScannedCode> {
    let text: String = raw.nfkc().collect();
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == GS);
    let (aim, data) = split_aim_prefix(text);
    let data = data.trim_matches(|c: char| c.is_whitespace() || c == GS);
    let gs1_by_aim = aim.is_some_and(|p| GS1_AIM_PREFIXES.contains(&p));

    if let Some(gtin) = gs1_gtin(data, gs1_by_aim) {
        return Some(ScannedCode::Gtin(gtin));
    }
    let compact: String = data.chars().filter(|&c| c != GS).collect();
    if compact.bytes().all(|b| b.is_ascii_digit()) && !compact.is_empty() {
        if compact.len() == 11 && compact.starts_with("00") {
            return BlNumber::parse(&compact[2..])
                .ok()
                .map(ScannedCode::DeliveryNote);
        }
        if let Some(gtin) = Gtin::parse(&compact).or_else(|| Gtin::from_upce(&compact)) {
            return Some(ScannedCode::Gtin(gtin));
        }
        if compact.len() == 9 {
            return BlNumber::parse(&compact)
                .ok()
                .map(ScannedCode::DeliveryNote);
        }
    }
    SupplierReference::parse(&compact).map(ScannedCode::Reference)
}

/// Splits a leading AIM symbology identifier (`]` + letter + modifier) from the data.
fn split_aim_prefix(text: &str) -> (Option<&str>, &str) {
    let b = text.as_bytes();
    if b.len() >= 3 && b[0] == b']' && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphanumeric() {
        (Some(&text[..3]), &text[3..])
    } else {
        (None, text)
    }
}

/// The `(01)` GTIN of a GS1 element string, in its human-readable form `(01)…` or its raw form
/// `01…` (raw only when the AIM prefix says GS1 or GS separators show it is an element string).
fn gs1_gtin(data: &str, gs1_by_aim: bool) -> Option<Gtin> {
    let digits = if let Some(rest) = data.strip_prefix("(01)") {
        rest
    } else if gs1_by_aim || data.contains(GS) || (data.len() > 16 && data.starts_with("01")) {
        data.strip_prefix("01")?
    } else {
        return None;
    };
    Gtin::parse(digits.get(..14)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected classification: kind and normalised form, or `None`.
    fn check(raw: &str, expected: Option<(&str, &str)>) {
        let got = classify(raw);
        let got = got.as_ref().map(|c| (c.kind(), c.normalized()));
        let expected = expected.map(|(k, n)| (k, n.to_owned()));
        assert_eq!(got, expected, "raw {raw:?}");
    }

    #[test]
    fn delivery_notes() {
        check("00250001106", Some(("delivery_note", "250001106")));
        check("00250001106\r\n", Some(("delivery_note", "250001106")));
        check("]C000250001106\r", Some(("delivery_note", "250001106")));
        check("]I000250001106", Some(("delivery_note", "250001106")));
        check("\t00250001106\t", Some(("delivery_note", "250001106")));
        check("250001106", Some(("delivery_note", "250001106")));
        check(
            "００２５０００１１０６",
            Some(("delivery_note", "250001106")),
        );
    }

    #[test]
    fn gtins() {
        check("4047024550568", Some(("gtin", "04047024550568")));
        check("]E04047024550568", Some(("gtin", "04047024550568")));
        check("4047024550568\n", Some(("gtin", "04047024550568")));
        check("036000291452", Some(("gtin", "00036000291452")));
        check("96385074", Some(("gtin", "00000096385074")));
        check("]E496385074", Some(("gtin", "00000096385074")));
        check("10614141000415", Some(("gtin", "10614141000415")));
        // A UPC-E as a USB scanner types it: expanded to its UPC-A.
        check("04252614", Some(("gtin", "00042100005264")));
        // A wrong check digit is not a GTIN: it stays a reference.
        check("4047024550564", Some(("reference", "4047024550564")));
        check("96385075", Some(("reference", "96385075")));
    }

    #[test]
    fn gs1_element_strings() {
        check("]C10104047024550568", Some(("gtin", "04047024550568")));
        check(
            "]C1010404702455056810ABC123\u{1d}21XYZ",
            Some(("gtin", "04047024550568")),
        );
        check(
            "]d201040470245505681726113010LOT7",
            Some(("gtin", "04047024550568")),
        );
        check(
            "(01)04047024550568(17)261130",
            Some(("gtin", "04047024550568")),
        );
        check(
            "0104047024550568\u{1d}10LOT7",
            Some(("gtin", "04047024550568")),
        );
        check("010404702455056817261130", Some(("gtin", "04047024550568")));
        // A GS1 string whose GTIN check digit is wrong is not a GTIN.
        check(
            "]C10104047024550564",
            Some(("reference", "0104047024550564")),
        );
    }

    #[test]
    fn references() {
        check("0 986 424 707", Some(("reference", "0986424707")));
        check("0986424707", Some(("reference", "0986424707")));
        check("bp-420", Some(("reference", "BP420")));
        check("W 712/75", Some(("reference", "W712/75")));
        check("]A0KL 171", Some(("reference", "KL171")));
        check("c.2.5.0.0.4", Some(("reference", "C25004")));
        check("12345", Some(("reference", "12345")));
        check("0025000110", Some(("reference", "0025000110")));
    }

    #[test]
    fn nothing_usable() {
        check("", None);
        check("   \r\n", None);
        check("\u{1d}\u{1d}", None);
        check("...---", None);
        check(&"A".repeat(65), None);
        check("]C1", None);
    }

    #[test]
    fn reference_keeps_its_printed_form() {
        let Some(ScannedCode::Reference(r)) = classify(" 0 986 424 707\r\n") else {
            panic!("not a reference");
        };
        assert_eq!(r.printed(), "0 986 424 707");
        assert_eq!(r.normalized(), "0986424707");
    }

    #[test]
    fn upce_expands_to_upca() {
        assert_eq!(
            Gtin::from_upce("04252614").unwrap().as_str(),
            "042100005264"
        );
        assert_eq!(
            Gtin::from_upce("01234565").unwrap().as_str(),
            "012345000065"
        );
        assert_eq!(
            Gtin::from_upce("01234531").unwrap().as_str(),
            "012300000451"
        );
        assert_eq!(Gtin::from_upce("04252615"), None);
        assert_eq!(Gtin::from_upce("24252614"), None);
    }

    #[test]
    fn serialises_kind_and_forms() {
        let json = serde_json::to_value(classify("]E04047024550568").unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "gtin", "normalized": "04047024550568", "display": "4047024550568"})
        );
    }
}
