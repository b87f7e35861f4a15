//! The pickup manifest (v1.1, "Bon d'enlèvement"): the files waiting for the driver with their
//! pieces, and the QR code the driver scans, drawn as vector squares from rxing's QR writer. A4,
//! French, as many pages as the files need (the QR on the first).

use chrono::NaiveDateTime;

use crate::layout::{Op, Page, MARGIN_PT, MUTED_RGB, NAVY_RGB, PAGE_H, PAGE_W, PALE_RGB, RULE_RGB};
use crate::qr::{QrCode, QrError, QUIET_MODULES};
use crate::text::{self, Font};

/// Everything the manifest shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The garage's name.
    pub customer_name: String,
    /// The customer's account code.
    pub customer_code: String,
    /// When it was made, Paris time.
    pub made_at: NaiveDateTime,
    /// Until when its QR code is valid, Paris time.
    pub expires_at: NaiveDateTime,
    /// The files, in the order listed.
    pub files: Vec<ManifestFile>,
    /// The QR code's text (`RETOUR-PICKUP:` + token).
    pub qr_text: String,
}

/// One file waiting for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFile {
    /// The tracking number.
    pub tracking_number: String,
    /// The BL number.
    pub delivery_note: String,
    /// "Retour" or "Garantie".
    pub kind_label: String,
    /// Its lines: reference, designation, units.
    pub lines: Vec<(String, String, u32)>,
}

impl ManifestFile {
    fn pieces(&self) -> u64 {
        self.lines.iter().map(|l| u64::from(l.2)).sum()
    }
}

const BLACK: (f32, f32, f32) = (0.0, 0.0, 0.0);
const WHITE: (f32, f32, f32) = (1.0, 1.0, 1.0);
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_PT;
const BAND_H: f32 = 58.0;
/// The QR code's side, quiet zone included: 65 mm, readable by a phone at arm's length.
pub(crate) const QR_SIDE: f32 = 184.0;
const BOTTOM: f32 = 70.0;

struct Sheet {
    pages: Vec<Page>,
    y: f32,
}

impl Sheet {
    fn ops(&mut self) -> &mut Vec<Op> {
        let last = self.pages.len() - 1;
        &mut self.pages[last].ops
    }

    fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, color: (f32, f32, f32)) {
        self.ops().push(Op::Fill { x, y, w, h, color });
    }

    fn text(&mut self, x: f32, y: f32, font: Font, size: f32, color: (f32, f32, f32), t: &str) {
        if !t.is_empty() {
            self.ops().push(Op::Text {
                x,
                y,
                font,
                size,
                color,
                text: t.to_owned(),
            });
        }
    }

    fn text_right(&mut self, right: f32, y: f32, font: Font, size: f32, t: &str) {
        let w = text::width(font, size, t);
        self.text(right - w, y, font, size, BLACK, t);
    }

    fn new_page(&mut self, title: &str) {
        self.pages.push(Page::default());
        let top = PAGE_H - BAND_H;
        self.fill(0.0, top, PAGE_W, BAND_H, NAVY_RGB);
        self.text(MARGIN_PT, top + 23.0, Font::Bold, 19.0, WHITE, title);
        self.y = top - 24.0;
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page("Bon d'enlèvement (suite)");
            self.header_row();
        }
    }

    fn header_row(&mut self) {
        let h = 17.0;
        self.fill(MARGIN_PT, self.y - h, CONTENT_W, h, NAVY_RGB);
        for (title, x) in COLUMNS {
            self.text(
                MARGIN_PT + x + 4.0,
                self.y - 12.0,
                Font::Bold,
                9.0,
                WHITE,
                title,
            );
        }
        self.y -= h;
    }
}

/// Table columns: title and left edge from the content's left.
const COLUMNS: [(&str, f32); 4] = [
    ("Dossier / référence", 0.0),
    ("BL / désignation", 130.0),
    ("Type", 380.0),
    ("Pièces", 450.0),
];

/// Renders the manifest as a PDF document.
pub fn render_manifest(doc: &Manifest) -> Result<Vec<u8>, QrError> {
    let pages = lay_out_manifest(doc)?;
    Ok(crate::pdf::write(&pages, "Bon d'enlèvement"))
}

/// Lays the manifest out.
pub(crate) fn lay_out_manifest(doc: &Manifest) -> Result<Vec<Page>, QrError> {
    let qr = QrCode::encode(&doc.qr_text)?;
    let mut sheet = Sheet {
        pages: Vec::new(),
        y: 0.0,
    };
    sheet.new_page("Bon d'enlèvement");
    let top = sheet.y;
    // The QR code on the right, its quiet zone white, each dark run one filled rectangle.
    let qr_left = PAGE_W - MARGIN_PT - QR_SIDE;
    let qr_bottom = top - QR_SIDE;
    let module = QR_SIDE / (qr.size() + 2 * QUIET_MODULES) as f32;
    for (row, col, len) in qr.runs() {
        let x = qr_left + (col + QUIET_MODULES) as f32 * module;
        let y = top - (row + QUIET_MODULES + 1) as f32 * module;
        sheet.fill(x, y, len as f32 * module, module, BLACK);
    }
    // The garage, the date, the totals on the left.
    let pieces: u64 = doc.files.iter().map(ManifestFile::pieces).sum();
    let left_w = qr_left - MARGIN_PT - 12.0;
    let rows = [
        (
            Font::Bold,
            12.0,
            text::fit(Font::Bold, 12.0, &doc.customer_name, left_w),
        ),
        (Font::Regular, 10.0, format!("Client {}", doc.customer_code)),
        (
            Font::Regular,
            10.0,
            format!("Préparé le {}", text::format_date_time(doc.made_at)),
        ),
        (
            Font::Bold,
            11.0,
            format!(
                "{} — {}",
                text::plural(doc.files.len() as u64, "dossier", "dossiers"),
                text::plural(pieces, "pièce", "pièces")
            ),
        ),
    ];
    let mut y = top - 14.0;
    for (font, size, line) in rows {
        sheet.text(MARGIN_PT, y, font, size, BLACK, &line);
        y -= size + 8.0;
    }
    y -= 6.0;
    for line in text::wrap(
        Font::Regular,
        9.5,
        &format!(
            "Chauffeur : scannez ce QR code avec l'application Retour (mode chauffeur), \
             indiquez le nombre de colis et votre nom, puis confirmez. Chaque dossier passe \
             alors en « Prise en charge sur site ». QR code valable une fois, jusqu'au {}.",
            text::format_date_time(doc.expires_at)
        ),
        left_w,
    ) {
        sheet.text(MARGIN_PT, y, Font::Regular, 9.5, MUTED_RGB, &line);
        y -= 12.5;
    }
    sheet.y = y.min(qr_bottom) - 18.0;

    sheet.header_row();
    for (i, file) in doc.files.iter().enumerate() {
        let h = 16.0 + 12.0 * file.lines.len() as f32;
        sheet.ensure(h.min(200.0));
        if i % 2 == 1 {
            sheet.fill(MARGIN_PT, sheet.y - 16.0, CONTENT_W, 16.0, PALE_RGB);
        }
        let baseline = sheet.y - 11.5;
        sheet.text(
            MARGIN_PT + 4.0,
            baseline,
            Font::Bold,
            10.0,
            BLACK,
            &format!("n° {}", file.tracking_number),
        );
        sheet.text(
            MARGIN_PT + 134.0,
            baseline,
            Font::Regular,
            10.0,
            BLACK,
            &format!("BL n° {}", file.delivery_note),
        );
        sheet.text(
            MARGIN_PT + 384.0,
            baseline,
            Font::Regular,
            10.0,
            BLACK,
            &file.kind_label,
        );
        sheet.text_right(
            MARGIN_PT + CONTENT_W - 6.0,
            baseline,
            Font::Bold,
            10.0,
            &file.pieces().to_string(),
        );
        sheet.y -= 16.0;
        for (reference, designation, qty) in &file.lines {
            sheet.ensure(12.0);
            let baseline = sheet.y - 9.0;
            let reference = text::fit(Font::Regular, 8.5, reference, 120.0);
            let designation = text::fit(Font::Regular, 8.5, designation, 240.0);
            sheet.text(
                MARGIN_PT + 14.0,
                baseline,
                Font::Regular,
                8.5,
                MUTED_RGB,
                &reference,
            );
            sheet.text(
                MARGIN_PT + 134.0,
                baseline,
                Font::Regular,
                8.5,
                MUTED_RGB,
                &designation,
            );
            let w = text::width(Font::Regular, 8.5, &qty.to_string());
            sheet.text(
                MARGIN_PT + CONTENT_W - 6.0 - w,
                baseline,
                Font::Regular,
                8.5,
                MUTED_RGB,
                &qty.to_string(),
            );
            sheet.y -= 12.0;
        }
        let y = sheet.y;
        sheet.ops().push(Op::Line {
            x1: MARGIN_PT,
            y1: y,
            x2: MARGIN_PT + CONTENT_W,
            y2: y,
            width: 0.5,
            color: RULE_RGB,
        });
    }
    // Room for the signatures.
    sheet.ensure(70.0);
    sheet.y -= 24.0;
    let y = sheet.y;
    sheet.text(
        MARGIN_PT,
        y,
        Font::Regular,
        9.5,
        BLACK,
        "Nombre de colis : ________",
    );
    sheet.text(
        MARGIN_PT + 170.0,
        y,
        Font::Regular,
        9.5,
        BLACK,
        "Chauffeur : ____________________",
    );
    sheet.text(
        MARGIN_PT + 370.0,
        y,
        Font::Regular,
        9.5,
        BLACK,
        "Signature : ____________",
    );

    let count = sheet.pages.len();
    for (i, page) in sheet.pages.iter_mut().enumerate() {
        let footer = format!(
            "Bon d'enlèvement · client {} · page {} / {count}",
            doc.customer_code,
            i + 1
        );
        page.ops.push(Op::Text {
            x: MARGIN_PT,
            y: 28.0,
            font: Font::Regular,
            size: 8.0,
            color: MUTED_RGB,
            text: footer,
        });
    }
    Ok(sheet.pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    pub(crate) fn sample(files: usize) -> Manifest {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        Manifest {
            customer_name: "Garage Élégance & Fils".into(),
            customer_code: "C00042".into(),
            made_at: day.and_hms_opt(9, 30, 0).unwrap(),
            expires_at: day.and_hms_opt(9, 30, 0).unwrap() + chrono::Duration::hours(24),
            files: (0..files)
                .map(|f| ManifestFile {
                    tracking_number: format!("{}", 10_000_001 + f),
                    delivery_note: format!("{}", 250_001_106 + f),
                    kind_label: if f == 0 { "Garantie" } else { "Retour" }.into(),
                    lines: vec![
                        ("0986424707".into(), "PLAQ FREIN BP420".into(), 2),
                        ("C 26 003".into(), "FILTRE À AIR".into(), 1),
                    ],
                })
                .collect(),
            qr_text: format!(
                "RETOUR-PICKUP:v1.00112233445566778899aabbccddeeff.C00042.1764754200.{}.{}",
                (0..files)
                    .map(|f| format!("{}:3", 10_000_001 + f))
                    .collect::<Vec<_>>()
                    .join(","),
                "ab".repeat(32)
            ),
        }
    }

    /// The page's dark squares inside the QR's box, rasterised at `px` pixels per point.
    fn raster_qr(page: &Page, px: f32) -> (u32, Vec<u8>) {
        let top = PAGE_H - BAND_H - 24.0;
        let left = PAGE_W - MARGIN_PT - QR_SIDE;
        let side = (QR_SIDE * px).ceil() as u32;
        let mut pixels = vec![255u8; (side * side) as usize];
        for op in &page.ops {
            if let Op::Fill { x, y, w, h, color } = op {
                if *color != BLACK || *x < left - 0.01 || *y < top - QR_SIDE - 0.01 {
                    continue;
                }
                let x0 = ((x - left) * px).round() as u32;
                let x1 = ((x + w - left) * px).round() as u32;
                let y0 = ((top - (y + h)) * px).round() as u32;
                let y1 = ((top - y) * px).round() as u32;
                for yy in y0..y1.min(side) {
                    for xx in x0..x1.min(side) {
                        pixels[(yy * side + xx) as usize] = 0;
                    }
                }
            }
        }
        (side, pixels)
    }

    #[test]
    fn the_drawn_qr_decodes_back_through_our_scanner() {
        let doc = sample(3);
        let pages = lay_out_manifest(&doc).unwrap();
        let (side, pixels) = raster_qr(&pages[0], 2.0);
        let frame = retour_scan::LumaFrame::from_luma(side, side, pixels).unwrap();
        let decoded = retour_scan::FrameDecoder::new(retour_scan::DecoderConfig::thorough())
            .decode(&frame, None);
        let texts: Vec<&str> = decoded.confirmed.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, [doc.qr_text.as_str()]);
    }

    #[test]
    fn many_files_flow_over_pages_and_stay_inside_them() {
        let doc = sample(60);
        let pages = lay_out_manifest(&doc).unwrap();
        assert!(pages.len() >= 3, "{}", pages.len());
        let mut numbers = 0;
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
                        *x >= MARGIN_PT - 0.01 && x + w <= PAGE_W - MARGIN_PT + 0.01,
                        "{text}"
                    );
                    assert!(*y >= 28.0 && *y <= PAGE_H, "{text}");
                    numbers += usize::from(text.starts_with("n° 1000"));
                }
            }
        }
        assert_eq!(numbers, 60);
        let pdf = render_manifest(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
