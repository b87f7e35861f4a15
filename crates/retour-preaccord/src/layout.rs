//! Page layout: the document as a list of drawing operations per A4 page.
//!
//! Coordinates are PDF points with the origin at the bottom left. The layout flows top-down with
//! a cursor and starts a new page whenever the next block would cross the bottom margin; a file
//! whose lines go over a page break repeats its heading and the table header. Footers
//! ("Page i / n") are added once the page count is known.

use retour_domain::Money;

use crate::barcode::{self, Bars};
use crate::model::{Preaccord, PreaccordFile, PreaccordLine};
use crate::text::{self, Font};
use crate::PreaccordError;

/// A4 width in points.
pub(crate) const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub(crate) const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 42.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
const BOTTOM: f32 = 56.0;
const BAND_H: f32 = 58.0;

/// The width of one barcode module in points (≈ 0.44 mm, a comfortable X for laser printers
/// and phone cameras).
pub(crate) const MODULE: f32 = 1.25;
pub(crate) const MARGIN_PT: f32 = MARGIN;
pub(crate) const NAVY_RGB: Rgb = NAVY;
pub(crate) const PALE_RGB: Rgb = PALE;
pub(crate) const RULE_RGB: Rgb = RULE;
pub(crate) const MUTED_RGB: Rgb = MUTED;
const BAR_H: f32 = 44.0;
const QUIET_MODULES: f32 = 10.0;

const TABLE_SIZE: f32 = 9.0;
const TABLE_LEADING: f32 = 11.0;
const ROW_PAD: f32 = 3.5;
const CELL_PAD: f32 = 4.0;

/// An RGB colour, components 0–1.
pub(crate) type Rgb = (f32, f32, f32);

const NAVY: Rgb = (0.09, 0.20, 0.38);
const PALE: Rgb = (0.91, 0.94, 0.98);
const RULE: Rgb = (0.75, 0.77, 0.80);
const INK: Rgb = (0.0, 0.0, 0.0);
const MUTED: Rgb = (0.35, 0.35, 0.35);
const WHITE: Rgb = (1.0, 1.0, 1.0);

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// A filled rectangle (bars, bands, shaded rows).
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A straight line.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    /// A run of text with its baseline starting at (x, y).
    Text {
        x: f32,
        y: f32,
        font: Font,
        size: f32,
        color: Rgb,
        text: String,
    },
}

/// One page's operations.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Page {
    pub(crate) ops: Vec<Op>,
}

/// Table columns: title, left edge (from the content's left), width, right-aligned.
const COLUMNS: [(&str, f32, f32, bool); 5] = [
    ("Référence", 0.0, 92.0, false),
    ("Désignation", 92.0, 180.0, false),
    ("Qté", 272.0, 34.0, true),
    ("Motif", 306.0, 118.0, false),
    ("Avoir estimé HT", 424.0, CONTENT_W - 424.0, true),
];

struct Layout<'a> {
    doc: &'a Preaccord,
    pages: Vec<Page>,
    y: f32,
}

/// Lays the whole document out.
pub(crate) fn lay_out(doc: &Preaccord) -> Result<Vec<Page>, PreaccordError> {
    // Encode every barcode first, so a bad tracking number fails before any drawing.
    let bars = doc
        .files
        .iter()
        .map(|f| barcode::code128(&f.tracking_number))
        .collect::<Result<Vec<_>, _>>()?;
    let mut layout = Layout {
        doc,
        pages: Vec::new(),
        y: 0.0,
    };
    layout.new_page();
    layout.summary();
    for (file, bars) in doc.files.iter().zip(&bars) {
        layout.file(file, bars);
    }
    layout.total();
    layout.steps();
    layout.footers();
    Ok(layout.pages)
}

impl Layout<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        let last = self.pages.len() - 1;
        &mut self.pages[last].ops
    }

    fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.ops().push(Op::Fill { x, y, w, h, color });
    }

    fn rule(&mut self, y: f32, width: f32, color: Rgb) {
        self.ops().push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: MARGIN + CONTENT_W,
            y2: y,
            width,
            color,
        });
    }

    fn text(&mut self, x: f32, y: f32, font: Font, size: f32, color: Rgb, text: &str) {
        if text.is_empty() {
            return;
        }
        self.ops().push(Op::Text {
            x,
            y,
            font,
            size,
            color,
            text: text.to_owned(),
        });
    }

    fn text_right(&mut self, right: f32, y: f32, font: Font, size: f32, color: Rgb, text: &str) {
        let w = text::width(font, size, text);
        self.text(right - w, y, font, size, color, text);
    }

    /// Starts a page with the title band.
    fn new_page(&mut self) {
        self.pages.push(Page::default());
        let first = self.pages.len() == 1;
        let top = PAGE_H - BAND_H;
        self.fill(0.0, top, PAGE_W, BAND_H, NAVY);
        // A request of warranty claims only says so in its title (v1.1).
        let title = match (first, self.doc.files.iter().all(|f| f.warranty)) {
            (true, false) => "Pré-accord de retour",
            (false, false) => "Pré-accord de retour (suite)",
            (true, true) => "Pré-accord — Garantie",
            (false, true) => "Pré-accord — Garantie (suite)",
        };
        self.text(MARGIN, top + 23.0, Font::Bold, 19.0, WHITE, title);
        let right = PAGE_W - MARGIN;
        let request = format!("Demande n° {}", self.doc.request_number);
        let request = text::fit(Font::Bold, 10.0, &request, 220.0);
        self.text_right(right, top + 32.0, Font::Bold, 10.0, WHITE, &request);
        let date = format!("du {}", text::format_date_time(self.doc.requested_at));
        self.text_right(right, top + 18.0, Font::Regular, 10.0, WHITE, &date);
        self.y = top - 24.0;
    }

    /// Makes room for a block of this height, on a new page if needed; true when it broke.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height < BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// Wrapped paragraph at x, advancing the cursor.
    fn paragraph(&mut self, x: f32, font: Font, size: f32, color: Rgb, text: &str) {
        let leading = size * 1.3;
        for line in text::wrap(font, size, text, MARGIN + CONTENT_W - x) {
            self.ensure(leading);
            self.text(x, self.y - size, font, size, color, &line);
            self.y -= leading;
        }
    }

    /// The customer and the request.
    fn summary(&mut self) {
        let doc = self.doc;
        let name = text::fit(Font::Bold, 13.0, &doc.customer_name, CONTENT_W);
        self.text(MARGIN, self.y - 13.0, Font::Bold, 13.0, INK, &name);
        self.y -= 19.0;
        let facts = [
            format!("Code client : {}", doc.customer_code),
            format!(
                "Demande de retour n° {} du {}",
                doc.request_number,
                text::format_date_time(doc.requested_at)
            ),
            format!(
                "{}, {}",
                text::plural(
                    doc.files.len() as u64,
                    "dossier de retour",
                    "dossiers de retour"
                ),
                text::plural(pieces(doc.files.iter()), "pièce", "pièces"),
            ),
        ];
        for fact in facts {
            self.paragraph(MARGIN, Font::Regular, 10.0, INK, &fact);
        }
        self.y -= 6.0;
        self.paragraph(
            MARGIN,
            Font::Oblique,
            9.5,
            MUTED,
            "Votre demande de retour est enregistrée. Un dossier, avec son numéro de suivi, est \
             ouvert pour chaque bon de livraison (BL). Imprimez ce document et joignez-le aux \
             pièces.",
        );
        self.y -= 12.0;
    }

    /// The height of a line's row, from its wrapped cells.
    fn row_cells(line: &PreaccordLine) -> (Vec<Vec<String>>, f32) {
        let credit = line
            .estimated_credit_ht
            .map_or_else(|| "-".to_owned(), Money::format_fr);
        let values = [
            line.reference.clone(),
            line.designation.clone(),
            line.qty.to_string(),
            line.reason_label.clone(),
            credit,
        ];
        let cells: Vec<Vec<String>> = COLUMNS
            .iter()
            .zip(values)
            .map(|(&(_, _, w, _), v)| text::wrap(Font::Regular, TABLE_SIZE, &v, w - 2.0 * CELL_PAD))
            .collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1) as f32;
        (cells, lines * TABLE_LEADING + 2.0 * ROW_PAD)
    }

    fn file_heading(&mut self, file: &PreaccordFile, continued: bool) {
        let h = 22.0;
        self.fill(MARGIN, self.y - h, CONTENT_W, h, PALE);
        let kind = if file.warranty {
            "Garantie — dossier"
        } else {
            "Dossier de retour"
        };
        let title = if continued {
            format!("{kind} n° {} (suite)", file.tracking_number)
        } else {
            format!("{kind} n° {}", file.tracking_number)
        };
        self.text(MARGIN + 6.0, self.y - 15.0, Font::Bold, 11.0, NAVY, &title);
        let bl = format!(
            "BL n° {} du {}",
            file.delivery_note,
            text::format_date(file.sale_date)
        );
        self.text_right(
            MARGIN + CONTENT_W - 6.0,
            self.y - 15.0,
            Font::Regular,
            9.5,
            INK,
            &bl,
        );
        self.y -= h;
    }

    fn table_header(&mut self) {
        let h = 17.0;
        self.fill(MARGIN, self.y - h, CONTENT_W, h, NAVY);
        for (title, left, w, right) in COLUMNS {
            let x = MARGIN + left;
            if right {
                self.text_right(
                    x + w - CELL_PAD,
                    self.y - 12.0,
                    Font::Bold,
                    8.5,
                    WHITE,
                    title,
                );
            } else {
                self.text(x + CELL_PAD, self.y - 12.0, Font::Bold, 8.5, WHITE, title);
            }
        }
        self.y -= h;
    }

    /// One return file: heading, barcode, facts, lines, total.
    fn file(&mut self, file: &PreaccordFile, bars: &Bars) {
        let barcode_block = BAR_H + 30.0;
        let first_row = file.lines.first().map_or(0.0, |l| Self::row_cells(l).1);
        self.ensure(22.0 + barcode_block + 17.0 + first_row + 10.0);
        self.file_heading(file, false);

        // The barcode, with its quiet zones, and the number under it.
        let top = self.y - 10.0;
        let left = MARGIN + QUIET_MODULES * MODULE;
        for &(start, len) in &bars.runs {
            self.fill(
                left + start as f32 * MODULE,
                top - BAR_H,
                len as f32 * MODULE,
                BAR_H,
                INK,
            );
        }
        let symbol_w = bars.modules as f32 * MODULE;
        let number_w = text::width(Font::Regular, 10.0, &file.tracking_number);
        self.text(
            left + (symbol_w - number_w) / 2.0,
            top - BAR_H - 12.0,
            Font::Regular,
            10.0,
            INK,
            &file.tracking_number,
        );

        // The file's facts beside the barcode, past the right quiet zone.
        let facts_x = (left + symbol_w + QUIET_MODULES * MODULE + 16.0).max(MARGIN + 190.0);
        let facts = [
            (
                Font::Bold,
                format!("Numéro de suivi : {}", file.tracking_number),
            ),
            (
                Font::Regular,
                format!("Bon de livraison (BL) : {}", file.delivery_note),
            ),
            (
                Font::Regular,
                format!("Date de vente : {}", text::format_date(file.sale_date)),
            ),
            (
                Font::Regular,
                text::plural(pieces(std::iter::once(file)), "pièce", "pièces"),
            ),
        ];
        let mut y = top - 10.0;
        for (font, fact) in facts {
            let fact = text::fit(font, 10.0, &fact, MARGIN + CONTENT_W - facts_x);
            self.text(facts_x, y, font, 10.0, INK, &fact);
            y -= 13.5;
        }
        self.y -= 10.0 + barcode_block;

        // The lines.
        self.table_header();
        let mut shade = false;
        for line in &file.lines {
            let (cells, h) = Self::row_cells(line);
            if self.ensure(h) {
                self.file_heading(file, true);
                self.table_header();
                shade = false;
            }
            if shade {
                self.fill(MARGIN, self.y - h, CONTENT_W, h, PALE);
            }
            shade = !shade;
            for ((_, left, w, right), cell) in COLUMNS.iter().zip(&cells) {
                let mut y = self.y - ROW_PAD - TABLE_SIZE;
                for part in cell {
                    let x = MARGIN + left;
                    if *right {
                        self.text_right(x + w - CELL_PAD, y, Font::Regular, TABLE_SIZE, INK, part);
                    } else {
                        self.text(x + CELL_PAD, y, Font::Regular, TABLE_SIZE, INK, part);
                    }
                    y -= TABLE_LEADING;
                }
            }
            self.y -= h;
            self.rule(self.y, 0.5, RULE);
        }

        // The file's total, and what "-" means when a line has it.
        let pending = file.lines.iter().any(|l| l.estimated_credit_ht.is_none());
        self.ensure(if pending { 34.0 } else { 22.0 });
        let amount = file.total_ht.format_fr();
        let right = MARGIN + CONTENT_W - CELL_PAD;
        self.text_right(right, self.y - 14.0, Font::Bold, 10.0, INK, &amount);
        let amount_w = text::width(Font::Bold, 10.0, &amount);
        let label = "Avoir estimé HT du dossier : ";
        self.text_right(
            right - amount_w,
            self.y - 14.0,
            Font::Regular,
            10.0,
            INK,
            label,
        );
        self.y -= 20.0;
        if pending {
            let note = "- : avoir déterminé après notre contrôle qualité";
            self.text_right(right, self.y - 8.0, Font::Oblique, 8.5, MUTED, note);
            self.y -= 14.0;
        }
        self.y -= 14.0;
    }

    /// The request's estimated total with its reservation.
    fn total(&mut self) {
        let h = 50.0;
        self.ensure(h + 12.0);
        let top = self.y;
        self.fill(MARGIN, top - h, CONTENT_W, h, NAVY);
        self.text(
            MARGIN + 12.0,
            top - 21.0,
            Font::Bold,
            14.0,
            WHITE,
            "Avoir estimé HT",
        );
        let amount = self.doc.estimated_total_ht.format_fr();
        self.text_right(
            MARGIN + CONTENT_W - 12.0,
            top - 21.0,
            Font::Bold,
            14.0,
            WHITE,
            &amount,
        );
        self.text(
            MARGIN + 12.0,
            top - 38.0,
            Font::Oblique,
            9.5,
            WHITE,
            "sous réserve de la validation de notre contrôle qualité",
        );
        self.y -= h + 20.0;
    }

    /// The preparation steps of the confirmation screen.
    fn steps(&mut self) {
        const STEPS: [&str; 3] = [
            "Remettez les pièces dans leur emballage d’origine.",
            "Regroupez-les avec la liste d’enlèvement : ce document, imprimé, le numéro de suivi \
             de chaque dossier bien visible.",
            "Remettez-les à notre chauffeur lors de son prochain passage.",
        ];
        let text_x = MARGIN + 26.0;
        let width = MARGIN + CONTENT_W - text_x;
        let wrapped: Vec<Vec<String>> = STEPS
            .iter()
            .map(|s| text::wrap(Font::Regular, 10.5, s, width))
            .collect();
        let height: f32 = 24.0
            + wrapped
                .iter()
                .map(|w| w.len() as f32 * 14.0 + 8.0)
                .sum::<f32>();
        self.ensure(height);
        self.text(
            MARGIN,
            self.y - 13.0,
            Font::Bold,
            13.0,
            NAVY,
            "Préparation de votre retour",
        );
        self.y -= 24.0;
        for (i, lines) in wrapped.iter().enumerate() {
            self.fill(MARGIN, self.y - 16.0, 16.0, 16.0, NAVY);
            let number = (i + 1).to_string();
            let nw = text::width(Font::Bold, 10.0, &number);
            self.text(
                MARGIN + (16.0 - nw) / 2.0,
                self.y - 12.0,
                Font::Bold,
                10.0,
                WHITE,
                &number,
            );
            for line in lines {
                self.text(text_x, self.y - 12.0, Font::Regular, 10.5, INK, line);
                self.y -= 14.0;
            }
            self.y -= 8.0;
        }
    }

    /// "Page i / n" and the request on every page.
    fn footers(&mut self) {
        let count = self.pages.len();
        let left = format!(
            "Pré-accord de retour n° {} · client {}",
            self.doc.request_number, self.doc.customer_code
        );
        let left = text::fit(Font::Regular, 8.0, &left, CONTENT_W - 80.0);
        for i in 0..count {
            let right = format!("Page {} / {}", i + 1, count);
            let w = text::width(Font::Regular, 8.0, &right);
            let ops = &mut self.pages[i].ops;
            ops.push(Op::Line {
                x1: MARGIN,
                y1: 40.0,
                x2: MARGIN + CONTENT_W,
                y2: 40.0,
                width: 0.5,
                color: RULE,
            });
            for (x, text) in [(MARGIN, left.clone()), (MARGIN + CONTENT_W - w, right)] {
                ops.push(Op::Text {
                    x,
                    y: 28.0,
                    font: Font::Regular,
                    size: 8.0,
                    color: MUTED,
                    text,
                });
            }
        }
    }
}

/// Units in these files.
fn pieces<'a>(files: impl Iterator<Item = &'a PreaccordFile>) -> u64 {
    files.flat_map(|f| &f.lines).map(|l| u64::from(l.qty)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pages: &[Page]) -> Vec<String> {
        pages
            .iter()
            .flat_map(|p| &p.ops)
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn everything_stays_on_the_page_and_above_the_footer() {
        let doc = crate::model::tests_support::sample(7, 9);
        let pages = lay_out(&doc).unwrap();
        assert!(pages.len() > 2);
        for page in &pages {
            for op in &page.ops {
                if let Op::Text {
                    x,
                    y,
                    font,
                    size,
                    text,
                    ..
                } = op
                {
                    let w = text::width(*font, *size, text);
                    assert!(
                        *x >= MARGIN - 0.01 && x + w <= PAGE_W - MARGIN + 0.01,
                        "{text}"
                    );
                    assert!(*y >= 28.0 && *y <= PAGE_H, "{text}");
                }
            }
        }
        let all = texts(&pages);
        let count = pages.len();
        assert!(all.contains(&format!("Page {count} / {count}")));
        // Every line is printed exactly once, every file heading at least once.
        for file in &doc.files {
            for line in &file.lines {
                assert_eq!(all.iter().filter(|t| **t == line.reference).count(), 1);
            }
            let heading = format!("Dossier de retour n° {}", file.tracking_number);
            assert!(all.contains(&heading));
        }
    }

    #[test]
    fn a_warranty_claim_says_garantie() {
        let mut doc = crate::model::tests_support::sample(1, 1);
        doc.files[0].warranty = true;
        let all = texts(&lay_out(&doc).unwrap());
        assert!(all.contains(&"Pré-accord — Garantie".to_owned()), "{all:?}");
        assert!(all.contains(&"Garantie — dossier n° 10000001".to_owned()));
        assert!(!all.iter().any(|t| t.contains("Dossier de retour")));
    }
}
