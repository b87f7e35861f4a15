//! Check digit and format rules a decoded text must pass before it is accepted.
//!
//! rxing already verifies what each symbology mandates; these rules run again on our side and add
//! the ones that make misreads rarer: GTIN check digits through `retour-domain`, a UPC-E that must
//! expand to a valid UPC-A, even-length all-digit ITF (ITF-14 with its GS1 check digit), a minimum
//! length for Code 39, which has no mandatory check character.

use retour_domain::Gtin;

use crate::format::CodeFormat;

/// The shortest Code 39 text we accept: shorter ones come too easily out of noise.
pub const MIN_CODE39_LEN: usize = 3;

/// The shortest ITF text we accept (ITF always carries an even number of digits).
pub const MIN_ITF_LEN: usize = 6;

/// Whether `text` is a plausible, check-digit-valid content for `format`.
pub fn is_valid(format: CodeFormat, text: &str) -> bool {
    if text.is_empty() {
        return false;
    }
    let all_digits = text.bytes().all(|b| b.is_ascii_digit());
    match format {
        CodeFormat::Ean13 => text.len() == 13 && Gtin::parse(text).is_some(),
        CodeFormat::UpcA => text.len() == 12 && Gtin::parse(text).is_some(),
        CodeFormat::Ean8 => text.len() == 8 && Gtin::parse(text).is_some(),
        CodeFormat::UpcE => Gtin::from_upce(text).is_some(),
        CodeFormat::Itf => {
            all_digits
                && text.len() >= MIN_ITF_LEN
                && text.len() % 2 == 0
                && (text.len() != 14 || Gtin::parse(text).is_some())
        }
        CodeFormat::Code39 => {
            text.chars().count() >= MIN_CODE39_LEN && text.chars().all(|c| c.is_ascii() && c != '*')
        }
        CodeFormat::Code128 => !text.chars().all(char::is_whitespace),
        CodeFormat::DataMatrix | CodeFormat::QrCode => true,
    }
}

/// Decodes Code 39 full-ASCII escapes (`+A` → `a`, `$M` → CR, `%U` → NUL, `/A` → `!`, …).
/// `None` when the text has an escape character followed by a character it cannot combine with,
/// in which case the text is plain Code 39.
pub fn code39_full_ascii(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        let decoded = match c {
            '+' | '$' | '%' | '/' => {
                let next = chars.next()?;
                match (c, next) {
                    ('+', 'A'..='Z') => (next as u8 + 32) as char,
                    ('$', 'A'..='Z') => (next as u8 - 64) as char,
                    ('%', 'A'..='E') => (next as u8 - 38) as char,
                    ('%', 'F'..='J') => (next as u8 - 11) as char,
                    ('%', 'K'..='O') => (next as u8 + 16) as char,
                    ('%', 'P'..='T') => (next as u8 + 43) as char,
                    ('%', 'U') => '\0',
                    ('%', 'V') => '@',
                    ('%', 'W') => '`',
                    ('%', 'X' | 'Y' | 'Z') => '\u{7f}',
                    ('/', 'A'..='O') => (next as u8 - 32) as char,
                    ('/', 'Z') => ':',
                    _ => return None,
                }
            }
            other => other,
        };
        out.push(decoded);
    }
    Some(out)
}

/// The text to report for a Code 39 read: full ASCII when the escapes decode cleanly and were
/// present, the raw text otherwise (the fixture convention, and zxing-cpp's).
pub fn code39_text(raw: &str) -> String {
    if raw.contains(['+', '$', '%', '/']) {
        if let Some(extended) = code39_full_ascii(raw) {
            return extended;
        }
    }
    raw.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_formats_need_their_check_digit() {
        assert!(is_valid(CodeFormat::Ean13, "4006381333931"));
        assert!(!is_valid(CodeFormat::Ean13, "4006381333932"));
        assert!(is_valid(CodeFormat::UpcA, "036000291452"));
        assert!(!is_valid(CodeFormat::UpcA, "036000291453"));
        assert!(is_valid(CodeFormat::Ean8, "96385074"));
        assert!(!is_valid(CodeFormat::Ean8, "96385075"));
        assert!(is_valid(CodeFormat::UpcE, "01234565"));
        assert!(!is_valid(CodeFormat::UpcE, "01234566"));
    }

    #[test]
    fn itf_and_code39_rules() {
        assert!(is_valid(CodeFormat::Itf, "070429"));
        assert!(!is_valid(CodeFormat::Itf, "0704"));
        assert!(!is_valid(CodeFormat::Itf, "0704291"));
        assert!(is_valid(CodeFormat::Itf, "00012345678905"));
        assert!(!is_valid(CodeFormat::Itf, "00012345678906"));
        assert!(is_valid(CodeFormat::Code39, "ABC123"));
        assert!(!is_valid(CodeFormat::Code39, "AB"));
    }

    #[test]
    fn code39_extended_only_where_the_data_says_so() {
        assert_eq!(code39_text("12+A+B"), "12ab");
        assert_eq!(code39_text("+E+X+T"), "ext");
        assert_eq!(code39_text("TEST-SHEET"), "TEST-SHEET");
        assert_eq!(code39_text("A/1"), "A/1");
        assert_eq!(code39_text("/A/O/Z"), "!/:");
    }
}
