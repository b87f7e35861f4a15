//! The PDF file: pages of drawing operations written with pdf-writer.
//!
//! Fonts are the standard Helvetica, Helvetica-Bold and Helvetica-Oblique with
//! `WinAnsiEncoding` and their widths, which every reader has; text is written as WinAnsi bytes.
//! Content streams are left uncompressed: the documents are small and stay greppable.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::layout::{Op, Page, PAGE_H, PAGE_W};
use crate::text::{self, Font};

/// Writes the pages as a PDF document with this title.
pub(crate) fn write(pages: &[Page], title: &str) -> Vec<u8> {
    let mut next = Ref::new(1);
    let catalog_id = next.bump();
    let tree_id = next.bump();
    let info_id = next.bump();
    let font_ids: Vec<Ref> = Font::ALL.iter().map(|_| next.bump()).collect();
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id)
        .pages(tree_id)
        .lang(TextStr("fr-FR"));
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|&(page, _)| page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    pdf.document_info(info_id)
        .title(TextStr(title))
        .producer(TextStr("Retour"));

    for (font, &id) in Font::ALL.iter().zip(&font_ids) {
        pdf.type1_font(id)
            .base_font(Name(font.base_font()))
            .encoding_predefined(Name(b"WinAnsiEncoding"))
            .first_char(32)
            .last_char(255)
            .widths(font.widths().iter().map(|&w| f32::from(w)));
    }

    for (page, &(page_id, content_id)) in pages.iter().zip(&page_ids) {
        {
            let mut writer = pdf.page(page_id);
            writer
                .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .parent(tree_id)
                .contents(content_id);
            let mut resources = writer.resources();
            let mut fonts = resources.fonts();
            for (font, &id) in Font::ALL.iter().zip(&font_ids) {
                fonts.pair(Name(font.resource()), id);
            }
        }
        let content = draw(page);
        pdf.stream(content_id, &content);
    }
    pdf.finish()
}

/// One page's content stream.
fn draw(page: &Page) -> Vec<u8> {
    let mut content = Content::new();
    for op in &page.ops {
        match op {
            Op::Fill { x, y, w, h, color } => {
                content
                    .set_fill_rgb(color.0, color.1, color.2)
                    .rect(*x, *y, *w, *h)
                    .fill_nonzero();
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                color,
            } => {
                content
                    .set_stroke_rgb(color.0, color.1, color.2)
                    .set_line_width(*width)
                    .move_to(*x1, *y1)
                    .line_to(*x2, *y2)
                    .stroke();
            }
            Op::Text {
                x,
                y,
                font,
                size,
                color,
                text: line,
            } => {
                let bytes = text::encode(line);
                content.set_fill_rgb(color.0, color.1, color.2);
                content
                    .begin_text()
                    .set_font(Name(font.resource()), *size)
                    .next_line(*x, *y)
                    .show(Str(&bytes))
                    .end_text();
            }
        }
    }
    content.finish().to_vec()
}
