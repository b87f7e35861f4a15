//! Code 128 bars for a tracking number, from rxing's writer.
//!
//! rxing encodes the text into one row of modules; this module turns that row into runs of dark
//! modules, which the layout draws as filled rectangles (vector bars, crisp at any zoom and on
//! any printer).

use rxing::oned::Code128Writer;
use rxing::{BarcodeFormat, Writer};

use crate::PreaccordError;

/// A Code 128 symbol as runs of dark modules, without quiet zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bars {
    /// The symbol's width in modules, from its first bar to the end of its last one.
    pub(crate) modules: usize,
    /// Each bar as (first module, width in modules).
    pub(crate) runs: Vec<(usize, usize)>,
}

/// Encodes the text (printable ASCII) as Code 128.
pub(crate) fn code128(text: &str) -> Result<Bars, PreaccordError> {
    let invalid = |reason: String| PreaccordError::Barcode {
        text: text.to_owned(),
        reason,
    };
    if text.is_empty() || !text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Err(invalid(
            "Code 128 takes 1 or more printable ASCII characters".into(),
        ));
    }
    let matrix = Code128Writer
        .encode(text, &BarcodeFormat::CODE_128, 0, 1)
        .map_err(|e| invalid(e.to_string()))?;
    let dark: Vec<bool> = (0..matrix.getWidth()).map(|x| matrix.get(x, 0)).collect();
    let mut runs = Vec::new();
    let mut x = 0;
    while x < dark.len() {
        if dark[x] {
            let start = x;
            while x < dark.len() && dark[x] {
                x += 1;
            }
            runs.push((start, x - start));
        } else {
            x += 1;
        }
    }
    let (first, last) = match (runs.first(), runs.last()) {
        (Some(&(first, _)), Some(&(start, len))) => (first, start + len),
        _ => return Err(invalid("the writer drew no bar".into())),
    };
    let runs = runs.into_iter().map(|(s, l)| (s - first, l)).collect();
    Ok(Bars {
        modules: last - first,
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digits_make_a_compact_code_c_symbol() {
        let bars = code128("10000001").unwrap();
        // Start C (11) + 4 digit pairs (44) + check (11) + stop (13) = 79 modules.
        assert_eq!(bars.modules, 79);
        assert_eq!(bars.runs.first().map(|r| r.0), Some(0));
        let dark: usize = bars.runs.iter().map(|r| r.1).sum();
        assert!(dark > 20 && dark < 79);
    }

    #[test]
    fn refuses_what_code_128_cannot_carry() {
        assert!(matches!(code128(""), Err(PreaccordError::Barcode { .. })));
        assert!(matches!(
            code128("12é4"),
            Err(PreaccordError::Barcode { .. })
        ));
    }
}
