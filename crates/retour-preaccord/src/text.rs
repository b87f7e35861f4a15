//! Text for the PDF's standard fonts: WinAnsi encoding, Helvetica widths, wrapping, and the
//! French formats of dates (amounts are the domain's `Money::format_fr`).
//!
//! The document uses the standard Helvetica family with `WinAnsiEncoding`, which every PDF reader
//! has and which covers French (é, è, à, ç, É, œ, « », €, ’). Text is NFC-normalised first so
//! that decomposed accents still map; a character outside WinAnsi is shown as `?`.

use chrono::{NaiveDate, NaiveDateTime};
use unicode_normalization::UnicodeNormalization;

/// One of the three faces the document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
    /// Helvetica-Oblique.
    Oblique,
}

impl Font {
    /// Every face, in resource order.
    pub(crate) const ALL: [Font; 3] = [Font::Regular, Font::Bold, Font::Oblique];

    /// The page resource name.
    pub(crate) fn resource(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
            Font::Oblique => b"F3",
        }
    }

    /// The standard font's PostScript name.
    pub(crate) fn base_font(self) -> &'static [u8] {
        match self {
            Font::Regular => b"Helvetica",
            Font::Bold => b"Helvetica-Bold",
            Font::Oblique => b"Helvetica-Oblique",
        }
    }

    /// Glyph widths in thousandths of an em for the codes 32 to 255 (`FirstChar` 32).
    pub(crate) fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular | Font::Oblique => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        }
    }
}

/// Helvetica's advance widths for WinAnsi codes 32–255 (from the metrics of the URW clone,
/// identical to Adobe's). Codes that WinAnsi leaves undefined are 0 and never emitted.
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222,
    333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 556, 537, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold's advance widths for WinAnsi codes 32–255.
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278,
    500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611,
    611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

/// The WinAnsi code of one character, if it has one.
fn win_ansi(c: char) -> Option<u8> {
    let code = match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => c as u32 as u8,
        '\t' | '\n' | '\r' => b' ',
        '\u{202F}' | '\u{2007}' => 0xA0,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(code)
}

/// The text in WinAnsi bytes, NFC first; anything WinAnsi lacks becomes `?`.
pub(crate) fn encode(text: &str) -> Vec<u8> {
    text.nfc().map(|c| win_ansi(c).unwrap_or(b'?')).collect()
}

/// The width in points of the text set in this font and size.
pub(crate) fn width(font: Font, size: f32, text: &str) -> f32 {
    let widths = font.widths();
    let units: u32 = encode(text)
        .iter()
        .map(|&b| u32::from(widths[usize::from(b.saturating_sub(32))]))
        .sum();
    units as f32 * size / 1000.0
}

/// Shortens the text with an ellipsis until it fits the width.
pub(crate) fn fit(font: Font, size: f32, text: &str, max_width: f32) -> String {
    if width(font, size, text) <= max_width {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>().trim_end().to_owned() + "…";
        if width(font, size, &candidate) <= max_width {
            return candidate;
        }
    }
    String::new()
}

/// Breaks the text into lines no wider than the width, at spaces; a word longer than a line is
/// cut where it overflows. Always at least one line.
pub(crate) fn wrap(font: Font, size: f32, text: &str, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if width(font, size, &candidate) <= max_width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // The word alone: cut it while it is too wide.
        let mut rest: Vec<char> = word.chars().collect();
        loop {
            let whole: String = rest.iter().collect();
            if width(font, size, &whole) <= max_width || rest.len() <= 1 {
                current = whole;
                break;
            }
            let mut take = rest.len() - 1;
            while take > 1
                && width(font, size, &rest[..take].iter().collect::<String>()) > max_width
            {
                take -= 1;
            }
            lines.push(rest[..take].iter().collect());
            rest.drain(..take);
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// A day the French way: `20/11/2026`.
pub(crate) fn format_date(day: NaiveDate) -> String {
    day.format("%d/%m/%Y").to_string()
}

/// A local instant the French way: `29/11/2026 à 14:05`.
pub(crate) fn format_date_time(at: NaiveDateTime) -> String {
    at.format("%d/%m/%Y à %H:%M").to_string()
}

/// "1 pièce", "2 pièces": a count with its noun, plural from 2 on as French wants.
pub(crate) fn plural(count: u64, singular: &str, plural: &str) -> String {
    if count >= 2 {
        format!("{count} {plural}")
    } else {
        format!("{count} {singular}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retour_domain::Money;

    #[test]
    fn french_letters_map_to_win_ansi() {
        assert_eq!(encode("éèàçÉ"), vec![0xE9, 0xE8, 0xE0, 0xE7, 0xC9]);
        assert_eq!(encode("€’œ…"), vec![0x80, 0x92, 0x9C, 0x85]);
        // A decomposed é (e + combining acute) is composed first.
        assert_eq!(encode("e\u{301}"), vec![0xE9]);
        assert_eq!(encode("日本"), b"??".to_vec());
    }

    #[test]
    fn widths_follow_helvetica() {
        assert!((width(Font::Regular, 10.0, "A") - 6.67).abs() < 1e-3);
        assert!((width(Font::Bold, 10.0, "é") - 5.56).abs() < 1e-3);
        assert!(width(Font::Bold, 10.0, "Wm") > width(Font::Regular, 10.0, "Wm") - 1e-3);
    }

    #[test]
    fn wraps_and_fits() {
        let lines = wrap(
            Font::Regular,
            10.0,
            "Remettez les pièces dans leur emballage",
            80.0,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| width(Font::Regular, 10.0, l) <= 80.0));
        assert_eq!(lines.join(" "), "Remettez les pièces dans leur emballage");
        let long = wrap(Font::Regular, 10.0, &"X".repeat(60), 50.0);
        assert_eq!(long.concat(), "X".repeat(60));
        assert_eq!(wrap(Font::Regular, 10.0, "", 50.0), vec![String::new()]);
        let fitted = fit(Font::Regular, 10.0, "PLAQUETTES DE FREIN AVANT BOSCH", 60.0);
        assert!(fitted.ends_with('…') && width(Font::Regular, 10.0, &fitted) <= 60.0);
    }

    #[test]
    fn money_and_dates_in_french() {
        let m = |s: &str| Money::parse(s).unwrap();
        // The domain's French amount: its narrow no-break spaces print as WinAnsi no-break spaces.
        assert_eq!(encode(&m("17.27").format_fr()), b"17,27\xA0\x80");
        assert_eq!(encode(&m("0").format_fr()), b"0,00\xA0\x80");
        assert_eq!(
            encode(&m("1234567.5").format_fr()),
            b"1\xA0234\xA0567,50\xA0\x80"
        );
        assert_eq!(encode(&m("999").format_fr()), b"999,00\xA0\x80");
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(format_date(day), "20/11/2026");
        let at = day.and_hms_opt(9, 5, 0).unwrap();
        assert_eq!(format_date_time(at), "20/11/2026 à 09:05");
        assert_eq!(plural(1, "pièce", "pièces"), "1 pièce");
        assert_eq!(plural(0, "pièce", "pièces"), "0 pièce");
        assert_eq!(plural(3, "pièce", "pièces"), "3 pièces");
    }
}
