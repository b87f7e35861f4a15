//! The staged decoder: a fast pass first, harder passes only while the frame's time budget lasts.
//!
//! Stages, in order (each checks the deadline before it starts, and linear stages check it
//! between scan lines):
//! 1. linear codes on sparse rows (per-row threshold), then QR (every symbol) and Data Matrix
//!    without `TryHarder`;
//! 2. (when no linear code is confirmed yet) linear codes on sparse columns (vertical bars),
//!    cut out as a strip — no full turn;
//! 3. dense rows around the region hint (the last hit, in live mode) — the "crop" pass;
//! 4. dense rows over the whole frame, per-row then local threshold, both orientations, then
//!    rows averaged along the bars and stretched (thin, noisy bars);
//! 5. (thorough only, when some text was read on a single line) slightly slanted lines (±1.5°,
//!    ±4°): other pixels across the same bars, which may confirm it;
//! 6. (thorough only) QR/Data Matrix with `TryHarder`, inverted, with a global threshold;
//! 7. (thorough only, while no 2D code is read) the marks of parts labels: faint ones with
//!    their local contrast raised (rxing's binarizer sees no edge under 24 grey levels), dotted
//!    ones with the dots grown into touching modules (and halved), small ones doubled smoothly;
//! 8. (thorough only) the frame halved (noise, large modules) and doubled (thin modules).
//!
//! In [`DecodeEffort::Live`] stage 4 only runs when the fast stages saw a linear code on a
//! single line and confirmed none: an empty frame costs the fast stages only. In
//! [`DecodeEffort::Thorough`] the harder stages only run when stages 1-3 read nothing: an
//! easy image costs a file scan what it costs a camera frame.
//!
//! Acceptance: every text passes [`crate::validate`] first. A 1D text is accepted once two
//! distinct scan lines agree and no other text was read at the same place by at least as many
//! lines (a misread and the right read cannot share a spot: the weaker loses, a tie drops
//! both). Single-line texts are returned apart as `unconfirmed`, for the live pipeline to
//! confirm with the next frame. A 2D text is accepted as soon as it decodes (Reed-Solomon).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::format::CodeFormat;
use crate::frame::LumaFrame;
use crate::linear::{rows_from_middle, scan_rows, LineTally, Threshold};
use crate::matrix::{decode_matrix, MatrixPass};

/// A decoded, format-checked text, before classification.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CodeRead {
    /// The symbology.
    pub format: CodeFormat,
    /// The exact decoded text.
    pub text: String,
}

/// Where a code was last seen, in frame pixels: the crop that harder passes look at first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegionHint {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

/// How much work a frame is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeEffort {
    /// Camera frames: fast stages always, harder ones only when a code is half-seen.
    Live,
    /// Image files and still photos: the fast stages, then — when they read nothing — every
    /// harder stage, while the budget lasts.
    Thorough,
}

/// Decoder settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderConfig {
    /// How much work a frame is worth.
    pub effort: DecodeEffort,
    /// Time allowed per frame; a stage that would start after it is skipped.
    pub time_budget: Duration,
}

impl DecoderConfig {
    /// Camera frames: at most 25 ms per frame, so 30 frames/s hold on one core.
    pub fn live() -> DecoderConfig {
        DecoderConfig {
            effort: DecodeEffort::Live,
            time_budget: Duration::from_millis(25),
        }
    }

    /// Image files: the fast stages, then every harder one if they read nothing, up to two
    /// seconds.
    pub fn thorough() -> DecoderConfig {
        DecoderConfig {
            effort: DecodeEffort::Thorough,
            time_budget: Duration::from_secs(2),
        }
    }
}

/// What one frame gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FrameDecode {
    /// Accepted reads: 2D codes, and 1D codes seen on two scan lines.
    pub confirmed: Vec<CodeRead>,
    /// 1D codes seen on a single scan line: never reported alone, but confirmed by the live
    /// pipeline if the next frame sees them too.
    pub unconfirmed: Vec<CodeRead>,
    /// Where the first code was seen (in frame pixels), for the next frame's crop pass.
    pub region: Option<RegionHint>,
    /// Whether the time budget cut the harder stages short.
    pub budget_exhausted: bool,
    /// Panics inside rxing that were contained (the read they belonged to was dropped).
    pub contained_panics: u32,
}

/// The staged decoder. Holds no state between frames; cheap to create.
#[derive(Debug, Clone, Copy)]
pub struct FrameDecoder {
    config: DecoderConfig,
}

/// Linear rows of the fast pass: this many lines, 1/STEP of the height apart.
const FAST_LINES: u32 = 24;
const FAST_STEP_DIVISOR: u32 = 32;
/// Dense rows: 1/DENSE_STEP_DIVISOR of the height apart, at most one line per pixel.
const DENSE_STEP_DIVISOR: u32 = 192;

/// Angles of the slanted-line stage, in degrees.
const TILTS: [f32; 4] = [-4.0, -1.5, 1.5, 4.0];
/// Rows averaged together by the smoothing stage.
const SMOOTHING_BAND: u32 = 4;
/// Frames wider than this skip the smoothing stage (their modules are rarely one pixel wide).
const SMOOTHING_MAX_WIDTH: u32 = 1000;
/// Local contrast gain and box radius (pixels) of the faint-mark pass.
const FAINT_GAIN: u32 = 4;
const FAINT_RADIUS: u32 = 12;
/// Frames up to this side get a smoothly doubled 2D pass (small marks).
const SMALL_MARK_MAX_SIDE: u32 = 1600;

struct Work<'a> {
    frame: &'a LumaFrame,
    deadline: Instant,
    tally: LineTally,
    matrix: Vec<CodeRead>,
    panics: u32,
    exhausted: bool,
}

impl Work<'_> {
    fn out_of_time(&mut self) -> bool {
        if Instant::now() >= self.deadline {
            self.exhausted = true;
        }
        self.exhausted
    }

    fn linear(
        &mut self,
        frame: &LumaFrame,
        orientation: u8,
        scale: f32,
        rows: &[u32],
        threshold: Threshold,
    ) {
        if self.out_of_time() {
            return;
        }
        let finished = scan_rows(
            frame,
            orientation,
            scale,
            rows,
            threshold,
            self.deadline,
            &mut self.tally,
            &mut self.panics,
        );
        if !finished {
            self.exhausted = true;
        }
    }

    fn matrix(&mut self, frame: &LumaFrame, pass: MatrixPass) {
        if self.out_of_time() {
            return;
        }
        for (format, text) in decode_matrix(frame, pass, &mut self.panics) {
            let read = CodeRead { format, text };
            if !self.matrix.contains(&read) {
                self.matrix.push(read);
            }
        }
    }

    /// 2D passes over a transformed frame, in order, while no 2D code has been read.
    fn marks(&mut self, frame: &LumaFrame, passes: &[MatrixPass]) {
        for pass in passes {
            if !self.matrix.is_empty() {
                return;
            }
            self.matrix(frame, *pass);
        }
    }

    /// Like [`Work::marks`], making the frame only if it will be read.
    fn marks_with(&mut self, make: impl FnOnce() -> LumaFrame, passes: &[MatrixPass]) {
        if self.matrix.is_empty() && !self.out_of_time() {
            self.marks(&make(), passes);
        }
    }

    fn has_single_line_read(&self) -> bool {
        self.tally.texts().any(|(_, _, lines, _)| lines < 2)
    }
}

fn sparse_rows(height: u32) -> Vec<u32> {
    rows_from_middle(height, height / FAST_STEP_DIVISOR, FAST_LINES)
}

fn dense_rows(height: u32) -> Vec<u32> {
    rows_from_middle(height, height / DENSE_STEP_DIVISOR, u32::MAX)
}

impl FrameDecoder {
    /// A decoder with these settings.
    pub fn new(config: DecoderConfig) -> FrameDecoder {
        FrameDecoder { config }
    }

    /// The settings.
    pub fn config(&self) -> DecoderConfig {
        self.config
    }

    /// Decodes a frame, starting the clock now.
    pub fn decode(&self, frame: &LumaFrame, hint: Option<RegionHint>) -> FrameDecode {
        self.decode_until(frame, hint, Instant::now() + self.config.time_budget)
    }

    /// Decodes a frame; stages that would start after `deadline` are skipped.
    pub fn decode_until(
        &self,
        frame: &LumaFrame,
        hint: Option<RegionHint>,
        deadline: Instant,
    ) -> FrameDecode {
        let mut work = Work {
            frame,
            deadline,
            tally: LineTally::default(),
            matrix: Vec::new(),
            panics: 0,
            exhausted: false,
        };
        let thorough = self.config.effort == DecodeEffort::Thorough;
        let fast_2d = MatrixPass {
            try_harder: false,
            inverted: false,
            global_threshold: false,
        };

        // Stage 1: sparse rows, fast 2D.
        work.linear(
            frame,
            0,
            1.0,
            &sparse_rows(frame.height()),
            Threshold::PerRow,
        );
        work.matrix(frame, fast_2d);

        // Stage 2: vertical bars, on a strip of the columns only (no full quarter turn).
        if work.tally.confirmed_count() == 0 {
            let columns = sparse_rows(frame.width());
            if let Some(strip) = frame.columns_as_rows(&columns) {
                let labelled: Vec<(u32, u32)> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, &column)| (i as u32, column))
                    .collect();
                work.labelled(&strip, 1, &labelled);
            }
        }

        // Stage 3: dense rows in the region where a code was last seen.
        if let Some(hint) = hint {
            if let Some(crop) = frame.cropped(hint.left, hint.top, hint.width, hint.height) {
                let rows: Vec<u32> = dense_rows(crop.height());
                // Line ids of the crop are offset so they match the full frame's rows.
                let mut tally = LineTally::default();
                work.linear_into(&crop, &rows, &mut tally);
                work.tally_merge(tally, hint.left, hint.top);
            }
        }

        // An easy image costs a file scan little more than a camera frame: once the fast
        // stages have read a code, only rows over the whole height (the fast stage's spacing
        // halved) look for others beside it — a second label at the edge of a photo.
        if thorough && (work.tally.confirmed_count() > 0 || !work.matrix.is_empty()) {
            let rows = rows_from_middle(
                frame.height(),
                frame.height() / (2 * FAST_STEP_DIVISOR),
                u32::MAX,
            );
            work.linear(frame, 0, 1.0, &rows, Threshold::PerRow);
            return work.finish();
        }
        let go_on = thorough || (work.has_single_line_read() && work.tally.confirmed_count() == 0);
        // The quarter-turned frame, only when a harder stage will read it.
        let turned = if go_on {
            frame.rotated_quarter()
        } else {
            LumaFrame::from_luma(1, 1, vec![255]).expect("a 1x1 frame is valid")
        };
        if go_on {
            // Stage 4: dense rows, both thresholds, both orientations.
            let rows = dense_rows(frame.height());
            work.linear(frame, 0, 1.0, &rows, Threshold::PerRow);
            let turned_rows = dense_rows(turned.height());
            work.linear(&turned, 1, 1.0, &turned_rows, Threshold::PerRow);
            work.linear(frame, 0, 1.0, &rows, Threshold::Local);
            work.linear(&turned, 1, 1.0, &turned_rows, Threshold::Local);
        }
        if go_on {
            // Stage 4b: rows averaged along the bars and stretched (thin, noisy bars); lines
            // a band apart so that no two share a pixel.
            for (source, orientation) in [(frame, 0u8), (&turned, 1u8)] {
                if source.width() > SMOOTHING_MAX_WIDTH {
                    continue;
                }
                if let Some(smooth) = source.smoothed_along_bars(SMOOTHING_BAND, 2) {
                    let rows = rows_from_middle(smooth.height(), SMOOTHING_BAND, u32::MAX);
                    work.linear(&smooth, orientation, 1.0, &rows, Threshold::PerRow);
                }
            }
        }
        if thorough && work.has_single_line_read() {
            // Stage 5: slightly slanted lines — other pixels across the same bars, so they
            // can confirm a text that a single straight line read.
            for (index, degrees) in TILTS.iter().enumerate() {
                let tilted = frame.tilted(*degrees);
                let rows = dense_rows(tilted.height());
                work.linear(&tilted, 2 + index as u8, 1.0, &rows, Threshold::PerRow);
            }
        }
        if thorough {
            // Stage 6: harder 2D.
            for pass in [
                MatrixPass {
                    try_harder: true,
                    ..fast_2d
                },
                MatrixPass {
                    inverted: true,
                    ..fast_2d
                },
                MatrixPass {
                    global_threshold: true,
                    try_harder: true,
                    ..fast_2d
                },
            ] {
                work.matrix(frame, pass);
            }
            // Stage 7: marks the binarizer cannot see as they are (only while no 2D code was
            // read): faint ones, their local contrast raised; dotted ones, the dots grown
            // into touching modules; small ones, doubled smoothly (frames up to
            // SMALL_MARK_MAX_SIDE, where a mark of 2-pixel modules can hide).
            // rxing's Data Matrix detector with `TryHarder` sometimes loses a symbol that its
            // centre-line scan finds: each frame gets both.
            let harder = MatrixPass {
                try_harder: true,
                ..fast_2d
            };
            let global = MatrixPass {
                global_threshold: true,
                ..harder
            };
            let boosted = frame.contrast_boosted(FAINT_GAIN, FAINT_RADIUS);
            work.marks(&boosted, &[fast_2d, harder, global]);
            // Faint and dotted (laser or dot peen on metal).
            if work.matrix.is_empty() && !work.out_of_time() {
                let etched = frame
                    .darkest_around(1)
                    .contrast_boosted(FAINT_GAIN, FAINT_RADIUS);
                work.marks(&etched, &[fast_2d, harder, global]);
                // Halved, the grown dots of a large mark merge into modules.
                work.marks_with(|| etched.halved().unwrap_or(etched.clone()), &[harder]);
            }
            work.marks_with(|| frame.darkest_around(1), &[fast_2d, harder]);
            if frame.width().max(frame.height()) <= SMALL_MARK_MAX_SIDE {
                let double = frame.doubled_smooth();
                work.marks(&double, &[fast_2d, harder]);
                work.marks_with(
                    || double.contrast_boosted(FAINT_GAIN, 2 * FAINT_RADIUS),
                    &[fast_2d, harder],
                );
            }
            // Stage 8: other scales.
            if frame.width().min(frame.height()) >= 400 {
                if let Some(half) = frame.halved() {
                    let rows = dense_rows(half.height());
                    work.linear(&half, 0, 2.0, &rows, Threshold::PerRow);
                    work.linear(&half, 0, 2.0, &rows, Threshold::Local);
                    work.matrix(
                        &half,
                        MatrixPass {
                            try_harder: true,
                            ..fast_2d
                        },
                    );
                }
            }
            if frame.width().max(frame.height()) <= 800 {
                let double = frame.enlarged(2);
                let rows = dense_rows(double.height());
                work.linear(&double, 0, 0.5, &rows, Threshold::Local);
                let turned_double = turned.enlarged(2);
                let rows = dense_rows(turned_double.height());
                work.linear(&turned_double, 1, 0.5, &rows, Threshold::Local);
            }
        }
        work.finish()
    }
}

impl Work<'_> {
    fn labelled(&mut self, strip: &LumaFrame, orientation: u8, rows: &[(u32, u32)]) {
        if self.out_of_time() {
            return;
        }
        let finished = crate::linear::scan_labelled_rows(
            strip,
            orientation,
            1.0,
            rows,
            Threshold::PerRow,
            self.deadline,
            &mut self.tally,
            &mut self.panics,
        );
        if !finished {
            self.exhausted = true;
        }
    }

    fn linear_into(&mut self, crop: &LumaFrame, rows: &[u32], tally: &mut LineTally) {
        if self.out_of_time() {
            return;
        }
        let finished = scan_rows(
            crop,
            0,
            1.0,
            rows,
            Threshold::PerRow,
            self.deadline,
            tally,
            &mut self.panics,
        );
        if !finished {
            self.exhausted = true;
        }
    }

    fn tally_merge(&mut self, crop_tally: LineTally, left: u32, top: u32) {
        for (format, text, line, spot) in crop_tally.lines() {
            let mut spot = spot;
            spot.row += top;
            spot.x_start += left as f32;
            spot.x_end += left as f32;
            self.tally
                .add(format, text.to_owned(), (line.0, line.1 + top), spot);
        }
    }

    fn finish(self) -> FrameDecode {
        let mut confirmed = Vec::new();
        let mut unconfirmed = Vec::new();
        let mut region = None;
        let frame = self.frame;
        for (format, text, spot) in self.tally.accepted() {
            region.get_or_insert_with(|| region_around(frame, spot));
            confirmed.push(CodeRead { format, text });
        }
        for (format, text, spot) in self.tally.single_line() {
            region.get_or_insert_with(|| region_around(frame, spot));
            unconfirmed.push(CodeRead { format, text });
        }
        confirmed.extend(self.matrix);
        FrameDecode {
            confirmed,
            unconfirmed,
            region,
            budget_exhausted: self.exhausted,
            contained_panics: self.panics,
        }
    }
}

/// A band around a scan-line hit, in the frame's own (unturned) coordinates.
fn region_around(frame: &LumaFrame, spot: crate::linear::LineSpot) -> RegionHint {
    let (w, h) = (frame.width(), frame.height());
    let length = (spot.x_end - spot.x_start).max(1.0);
    let margin = length * 0.5;
    let along_start = (spot.x_start - margin).max(0.0) as u32;
    let along_end = (spot.x_end + margin) as u32;
    let across_start = (spot.row as f32 - length).max(0.0) as u32;
    let across_end = (spot.row as f32 + length) as u32;
    if spot.orientation == 0 {
        RegionHint {
            left: along_start.min(w),
            top: across_start.min(h),
            width: along_end.min(w).saturating_sub(along_start.min(w)),
            height: across_end.min(h).saturating_sub(across_start.min(h)),
        }
    } else {
        // Row r of the quarter-turned frame is column r of the frame; x along it runs down
        // the frame from the bottom (x = 0 at y = h - 1).
        let top = h.saturating_sub(along_end);
        let bottom = h.saturating_sub(along_start);
        RegionHint {
            left: across_start.min(w),
            top,
            width: across_end.min(w).saturating_sub(across_start.min(w)),
            height: bottom - top,
        }
    }
}
