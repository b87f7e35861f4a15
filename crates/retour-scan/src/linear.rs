//! One-dimensional codes: our own scan-line loop over rxing's row readers, with a tally of which
//! scan lines agree on which text.
//!
//! rxing's `OneDReader::decode` returns the first row that decodes, which is how a single noisy
//! line becomes a wrong EAN-8 or UPC-A. Here every line is decoded by every linear reader in
//! both directions, each text is checked by [`crate::validate`], and a text counts as confirmed
//! only once two different scan lines have produced it.

use std::collections::{BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use rxing::common::BitArray;
use rxing::common::HybridBinarizer;
use rxing::oned::{Code128Reader, Code39Reader, ITFReader, MultiFormatUPCEANReader, OneDReader};
use rxing::{Binarizer, BinaryBitmap, DecodeHints, Luma8Source, RXingResult};

use crate::format::CodeFormat;
use crate::frame::LumaFrame;
use crate::validate;

/// Identifies one physical scan line so that the same line seen twice (reversed, or with another
/// threshold) never confirms itself: the frame orientation and the row in full-size coordinates.
pub(crate) type LineId = (u8, u32);

/// Where a linear text was seen, in the coordinates of the frame given to the decoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LineSpot {
    pub orientation: u8,
    pub row: u32,
    pub x_start: f32,
    pub x_end: f32,
}

/// Which texts which scan lines produced.
#[derive(Debug, Default)]
pub(crate) struct LineTally {
    entries: HashMap<(CodeFormat, String), (BTreeSet<LineId>, LineSpot)>,
    order: Vec<(CodeFormat, String)>,
}

impl LineTally {
    pub fn add(&mut self, format: CodeFormat, text: String, line: LineId, spot: LineSpot) {
        let key = (format, text);
        match self.entries.get_mut(&key) {
            Some((lines, _)) => {
                lines.insert(line);
            }
            None => {
                self.order.push(key.clone());
                self.entries.insert(key, (BTreeSet::from([line]), spot));
            }
        }
    }

    /// Every text with the number of distinct lines that produced it, in first-seen order.
    pub fn texts(&self) -> impl Iterator<Item = (CodeFormat, &str, usize, LineSpot)> {
        self.order.iter().map(|key| {
            let (lines, spot) = &self.entries[key];
            (key.0, key.1.as_str(), lines.len(), *spot)
        })
    }

    /// Every (text, line) pair, for merging a crop's tally into the frame's.
    pub fn lines(&self) -> impl Iterator<Item = (CodeFormat, &str, LineId, LineSpot)> {
        self.order.iter().flat_map(|key| {
            let (lines, spot) = &self.entries[key];
            lines
                .iter()
                .map(move |line| (key.0, key.1.as_str(), *line, *spot))
        })
    }

    /// Texts confirmed by two lines and not contradicted: a text is dropped when another text
    /// was read on overlapping lines of the same place by at least as many lines (two codes
    /// cannot occupy the same spot, so the weaker one is a misread — and on a tie, both may be).
    pub fn accepted(&self) -> Vec<(CodeFormat, String, LineSpot)> {
        self.uncontradicted(|lines| lines >= 2)
    }

    /// Texts seen on a single line and not contradicted by any other text at the same place:
    /// candidates for confirmation by the next frame.
    pub fn single_line(&self) -> Vec<(CodeFormat, String, LineSpot)> {
        self.uncontradicted(|lines| lines == 1)
    }

    fn uncontradicted(
        &self,
        wanted: impl Fn(usize) -> bool,
    ) -> Vec<(CodeFormat, String, LineSpot)> {
        let summaries: Vec<_> = self
            .order
            .iter()
            .map(|key| {
                let (lines, spot) = &self.entries[key];
                let family = direction(spot.orientation);
                let rows: Vec<u32> = lines
                    .iter()
                    .filter(|line| direction(line.0) == family)
                    .map(|line| line.1)
                    .collect();
                let low = rows.iter().copied().min().unwrap_or(spot.row);
                let high = rows.iter().copied().max().unwrap_or(spot.row);
                (key, lines.len(), *spot, low, high)
            })
            .collect();
        let conflicts =
            |a: &(&(CodeFormat, String), usize, LineSpot, u32, u32),
             b: &(&(CodeFormat, String), usize, LineSpot, u32, u32)| {
                if direction(a.2.orientation) != direction(b.2.orientation) {
                    return false;
                }
                let overlap = a.2.x_end.min(b.2.x_end) - a.2.x_start.max(b.2.x_start);
                let smaller = (a.2.x_end - a.2.x_start)
                    .min(b.2.x_end - b.2.x_start)
                    .max(1.0);
                let larger = (a.2.x_end - a.2.x_start).max(b.2.x_end - b.2.x_start);
                let margin = if a.1.min(b.1) >= WELL_CONFIRMED_LINES {
                    WELL_CONFIRMED_ROW_MARGIN_OF_WIDTH * larger
                } else {
                    ROW_MARGIN_OF_WIDTH * larger
                };
                let rows_meet =
                    (a.3 as f32) <= b.4 as f32 + margin && (b.3 as f32) <= a.4 as f32 + margin;
                overlap >= 0.5 * smaller && rows_meet
            };
        summaries
            .iter()
            .filter(|a| wanted(a.1))
            .filter(|a| {
                !summaries
                    .iter()
                    .any(|b| !std::ptr::eq(*a, b) && b.1 >= a.1 && conflicts(a, b))
            })
            .map(|a| (a.0 .0, a.0 .1.clone(), a.2))
            .collect()
    }

    pub fn confirmed_count(&self) -> usize {
        self.entries
            .values()
            .filter(|(lines, _)| lines.len() >= 2)
            .count()
    }
}

/// How far apart (as a fraction of the wider code's width) the rows of two texts may be and
/// still count as the same place: misreads cluster at the blurred ends of the bars, near the
/// digits, well away from the rows that read right. Two genuine codes stacked this close lose
/// the weaker one (a missed read, never a wrong one).
const ROW_MARGIN_OF_WIDTH: f32 = 0.6;

/// Two texts each read on at least this many lines are two codes unless their rows come
/// within [`WELL_CONFIRMED_ROW_MARGIN_OF_WIDTH`] of the wider one's width: a misread borrows a
/// few rows at the edge of the right read, not a band of its own a digit line away (two
/// labels stacked on a parcel, an ISBN above a price code).
const WELL_CONFIRMED_LINES: usize = 6;
const WELL_CONFIRMED_ROW_MARGIN_OF_WIDTH: f32 = 0.15;

/// Orientations whose lines run the same way across the frame: the frame itself and its
/// slightly tilted copies (0, 2, 3, …) run left to right, the quarter turn (1) top to bottom.
/// Their coordinates are close enough to compare where two texts were read.
fn direction(orientation: u8) -> u8 {
    u8::from(orientation == 1)
}

/// Runs `f`, turning a panic into `None` and counting it.
pub(crate) fn contained<T>(panics: &mut u32, f: impl FnOnce() -> Option<T>) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(_) => {
            *panics += 1;
            None
        }
    }
}

/// How rows become black and white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Threshold {
    /// One black point per row from the row's histogram (rxing's row binarizer): fast, good on
    /// evenly lit codes.
    PerRow,
    /// The local (block) threshold of rxing's hybrid binarizer: slower, copes with shadows.
    Local,
}

/// The readers for every linear symbology, reused across lines.
pub(crate) struct LinearReaders {
    upc_ean: MultiFormatUPCEANReader,
    code128: Code128Reader,
    code39: Code39Reader,
    itf: ITFReader,
    hints: DecodeHints,
}

impl LinearReaders {
    pub fn new() -> LinearReaders {
        let hints = DecodeHints::default();
        LinearReaders {
            upc_ean: MultiFormatUPCEANReader::new(&hints),
            code128: Code128Reader,
            code39: Code39Reader::with_all_config(false, false),
            itf: ITFReader::default(),
            hints,
        }
    }

    fn decode_with(&mut self, reader: usize, line: u32, row: &BitArray) -> Option<RXingResult> {
        let hints = &self.hints;
        match reader {
            0 => self.upc_ean.decode_row(line, row, hints).ok(),
            1 => self.code128.decode_row(line, row, hints).ok(),
            2 => self.code39.decode_row(line, row, hints).ok(),
            _ => self.itf.decode_row(line, row, hints).ok(),
        }
    }
}

/// The largest number of codes looked for side by side on one line.
const MAX_CODES_PER_LINE: usize = 3;

/// Decodes one binarised line with every reader, in both directions, into the tally.
#[allow(clippy::too_many_arguments)]
fn decode_line(
    readers: &mut LinearReaders,
    row: &BitArray,
    row_number: u32,
    line: LineId,
    scale: f32,
    tally: &mut LineTally,
    panics: &mut u32,
) {
    let width = row.get_size() as f32;
    for reversed in [false, true] {
        let mut row = row.clone();
        if reversed {
            row.reverse();
        }
        for reader in 0..4 {
            let mut work = row.clone();
            for _ in 0..MAX_CODES_PER_LINE {
                let Some(result) =
                    contained(panics, || readers.decode_with(reader, row_number, &work))
                else {
                    break;
                };
                let xs: Vec<f32> = result.getPoints().iter().map(|p| p.x).collect();
                let (lo, hi) = xs
                    .iter()
                    .fold((f32::MAX, f32::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
                let accepted = accepted_text(&result)
                    .filter(|(format, _)| has_quiet_zones(*format, &work, lo, hi));
                if let Some((format, text)) = accepted {
                    let (x_start, x_end) = if reversed {
                        (width - 1.0 - hi, width - 1.0 - lo)
                    } else {
                        (lo, hi)
                    };
                    let spot = LineSpot {
                        orientation: line.0,
                        row: (row_number as f32 * scale) as u32,
                        x_start: x_start * scale,
                        x_end: x_end * scale,
                    };
                    tally.add(format, text, line, spot);
                }
                // Look for another code further along the same line.
                if !(hi.is_finite() && hi > 0.0) {
                    break;
                }
                let end = (hi as usize + 1).min(work.get_size());
                for i in 0..end {
                    work.unset(i);
                }
            }
        }
    }
}

/// Short UPC/EAN symbols (EAN-8, UPC-E) are easily "found" inside a longer one: demand a quiet
/// zone of [`SHORT_UPC_EAN_QUIET_MODULES`] modules on both sides (rxing checks only the width of
/// the end guard). `lo` and `hi` are the centres of the start and end guards in `row`.
fn has_quiet_zones(format: CodeFormat, row: &BitArray, lo: f32, hi: f32) -> bool {
    // Modules between the guard centres, and from each centre to the outer edge of its guard.
    let (between, start_half, end_half) = match format {
        CodeFormat::Ean8 => (64.0, 1.5, 1.5),
        CodeFormat::UpcE => (46.5, 1.5, 3.0),
        _ => return true,
    };
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return false;
    }
    let module = (hi - lo) / between;
    let quiet = SHORT_UPC_EAN_QUIET_MODULES * module;
    let size = row.get_size() as f32;
    let is_quiet = |from: f32, to: f32| {
        let (from, to) = (from.max(0.0), to.min(size - 1.0));
        if to <= from {
            return true;
        }
        let (from, to) = (from.round() as usize, to.round() as usize);
        let black = (from..=to).filter(|&i| row.get(i)).count();
        black * 10 <= to - from + 1
    };
    is_quiet(
        lo - start_half * module - quiet,
        lo - (start_half + 0.5) * module,
    ) && is_quiet(
        hi + (end_half + 0.5) * module,
        hi + end_half * module + quiet,
    )
}

/// Quiet zone demanded around EAN-8 and UPC-E symbols, in modules (the standard asks for 7).
const SHORT_UPC_EAN_QUIET_MODULES: f32 = 5.0;

/// The text of a linear result if its format is one we read and it passes the format rules.
fn accepted_text(result: &RXingResult) -> Option<(CodeFormat, String)> {
    let format = CodeFormat::from_rxing(*result.getBarcodeFormat())?;
    let raw = result.getText();
    if !validate::is_valid(format, raw) {
        return None;
    }
    let text = if format == CodeFormat::Code39 {
        validate::code39_text(raw)
    } else {
        raw.to_owned()
    };
    Some((format, text))
}

/// Rows from the middle outwards, `step` apart, at most `max_lines` of them.
pub(crate) fn rows_from_middle(height: u32, step: u32, max_lines: u32) -> Vec<u32> {
    let step = step.max(1);
    let middle = height / 2;
    let mut rows = Vec::new();
    for i in 0..max_lines {
        let offset = i.div_ceil(2) * step;
        let row = if i % 2 == 0 {
            middle.checked_add(offset)
        } else {
            middle.checked_sub(offset)
        };
        match row {
            Some(row) if row < height => rows.push(row),
            _ if offset > height => break,
            _ => {}
        }
    }
    rows
}

/// Scans `rows` of `frame` (orientation `orientation`, pixels worth `scale` full-size pixels).
/// Returns `false` when the deadline stopped the scan early.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_rows(
    frame: &LumaFrame,
    orientation: u8,
    scale: f32,
    rows: &[u32],
    threshold: Threshold,
    deadline: Instant,
    tally: &mut LineTally,
    panics: &mut u32,
) -> bool {
    let labelled: Vec<(u32, u32)> = rows.iter().map(|&row| (row, row)).collect();
    scan_labelled_rows(
        frame,
        orientation,
        scale,
        &labelled,
        threshold,
        deadline,
        tally,
        panics,
    )
}

/// Like [`scan_rows`], for a frame whose rows stand for other lines: each `(row, label)` scans
/// `row` and files its hits under line `label` (a strip of columns cut out of a frame, say).
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan_labelled_rows(
    frame: &LumaFrame,
    orientation: u8,
    scale: f32,
    rows: &[(u32, u32)],
    threshold: Threshold,
    deadline: Instant,
    tally: &mut LineTally,
    panics: &mut u32,
) -> bool {
    let Ok(source) = Luma8Source::new_with_slice(frame.pixels(), frame.width(), frame.height())
    else {
        return true;
    };
    let bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let mut readers = LinearReaders::new();
    for &(y, label) in rows {
        if Instant::now() >= deadline {
            return false;
        }
        let row = contained(panics, || match threshold {
            Threshold::PerRow => bitmap
                .get_black_row(y as usize)
                .ok()
                .map(|r| r.into_owned()),
            Threshold::Local => bitmap
                .get_binarizer()
                .get_black_row_from_matrix(y as usize)
                .ok()
                .map(|r| r.into_owned()),
        });
        let Some(row) = row else { continue };
        let line = (orientation, (label as f32 * scale) as u32);
        decode_line(&mut readers, &row, label, line, scale, tally, panics);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_go_from_the_middle_outwards() {
        assert_eq!(rows_from_middle(100, 10, 5), vec![50, 40, 60, 30, 70]);
        assert_eq!(rows_from_middle(4, 1, 100), vec![2, 1, 3, 0]);
    }

    #[test]
    fn a_text_needs_two_lines() {
        let spot = LineSpot {
            orientation: 0,
            row: 1,
            x_start: 0.0,
            x_end: 1.0,
        };
        let mut tally = LineTally::default();
        tally.add(CodeFormat::Ean8, "96385074".into(), (0, 1), spot);
        tally.add(CodeFormat::Ean8, "96385074".into(), (0, 1), spot);
        assert_eq!(tally.confirmed_count(), 0);
        tally.add(CodeFormat::Ean8, "96385074".into(), (0, 2), spot);
        assert_eq!(tally.confirmed_count(), 1);
    }
}
