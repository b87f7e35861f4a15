//! CSV that French spreadsheet software (Excel, LibreOffice in French) opens right: UTF-8 with a
//! byte-order mark (else accents are read as Windows-1252), `;` between fields (the comma is the
//! decimal separator there), decimal commas without thousands separators, dates `dd/mm/yyyy`,
//! CRLF line ends, fields quoted (`"`, doubled inside) when they hold `;`, `"` or a line end.

use chrono::NaiveDate;

use crate::money::Money;

/// The byte-order mark every document starts with.
pub const BOM: char = '\u{FEFF}';

/// An amount as a French spreadsheet reads a number: `1234,56` (no `€`, no grouping).
pub fn amount(value: Money) -> String {
    value.to_string().replace('.', ",")
}

/// A date as a French spreadsheet reads one: `28/11/2026`.
pub fn date(value: NaiveDate) -> String {
    value.format("%d/%m/%Y").to_string()
}

/// One field, quoted when it has to be.
pub fn field(text: &str) -> String {
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A whole document: the BOM, the header row, then each row, every row ended by CRLF.
pub fn document(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::new();
    out.push(BOM);
    let row = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
        let line: Vec<String> = cells.map(|c| field(&c)).collect();
        out.push_str(&line.join(";"));
        out.push_str("\r\n");
    };
    row(&mut out, &mut headers.iter().map(|h| (*h).to_owned()));
    for cells in rows {
        row(&mut out, &mut cells.into_iter());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_amounts_and_dates() {
        assert_eq!(amount(Money::parse("1234.5").unwrap()), "1234,50");
        assert_eq!(amount(Money::ZERO), "0,00");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()),
            "09/03/2026"
        );
        assert_eq!(field("simple"), "simple");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("dit \"x\""), "\"dit \"\"x\"\"\"");
        assert_eq!(field("deux\nlignes"), "\"deux\nlignes\"");
        let doc = document(&["A", "B"], [vec!["1".into(), "x;y".into()]]);
        assert_eq!(doc, "\u{FEFF}A;B\r\n1;\"x;y\"\r\n");
    }
}
