//! Shared helpers of the pré-accord's integration tests: sample documents and poppler runs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use chrono::NaiveDate;
use retour_domain::Money;
use retour_preaccord::{Preaccord, PreaccordFile, PreaccordLine};

/// An amount from its text.
pub fn money(text: &str) -> Money {
    Money::parse(text).unwrap()
}

/// A line with the usual labels.
pub fn line(
    reference: &str,
    designation: &str,
    qty: u32,
    reason: &str,
    credit: Option<&str>,
) -> PreaccordLine {
    PreaccordLine {
        reference: reference.into(),
        designation: designation.into(),
        qty,
        reason_label: reason.into(),
        estimated_credit_ht: credit.map(money),
    }
}

/// A realistic two-file request with accents everywhere.
pub fn two_files() -> Preaccord {
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    Preaccord {
        customer_name: "Garage Élégance & Fils".into(),
        customer_code: "C00042".into(),
        request_number: "R-2026-000123".into(),
        requested_at: day(28).and_hms_opt(14, 5, 0).unwrap(),
        files: vec![
            PreaccordFile {
                tracking_number: "10000001".into(),
                delivery_note: "250001106".into(),
                sale_date: day(20),
                lines: vec![
                    line(
                        "0986424707",
                        "PLAQ FREIN BP420",
                        1,
                        "Annulation client",
                        Some("17.27"),
                    ),
                    line(
                        "0986494825",
                        "ÉTRIER DE FREIN AVANT GAUCHE",
                        1,
                        "Pièce défectueuse",
                        None,
                    ),
                ],
                total_ht: money("17.27"),
                warranty: false,
            },
            PreaccordFile {
                tracking_number: "10000002".into(),
                delivery_note: "250001187".into(),
                sale_date: day(24),
                lines: vec![line(
                    "C 26 003",
                    "FILTRE À AIR MANN-FILTER",
                    2,
                    "Erreur commande",
                    Some("1234.50"),
                )],
                total_ht: money("1234.50"),
                warranty: false,
            },
        ],
        estimated_total_ht: money("1251.77"),
    }
}

/// Writes the PDF into a fresh temporary directory and gives its path (the directory lives as
/// long as the returned guard).
pub fn write_pdf(pdf: &[u8]) -> Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("preaccord.pdf");
    std::fs::write(&path, pdf)?;
    Ok((dir, path))
}

fn poppler(tool: &str) -> Command {
    Command::new(tool)
}

fn run(mut command: Command) -> Result<Vec<u8>> {
    let shown = format!("{command:?}");
    let out = command.output().with_context(|| {
        format!(
            "cannot run {shown}: install Debian's poppler-utils (apt-get install poppler-utils)"
        )
    })?;
    ensure!(
        out.status.success(),
        "{shown} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(out.stdout)
}

/// The document's text as poppler's pdftotext reads it.
pub fn pdftotext(pdf: &Path) -> Result<String> {
    let mut command = poppler("pdftotext");
    command.args(["-enc", "UTF-8"]).arg(pdf).arg("-");
    Ok(String::from_utf8(run(command)?)?)
}

/// The number of pages as pdfinfo reads it.
pub fn page_count(pdf: &Path) -> Result<usize> {
    let mut command = poppler("pdfinfo");
    command.arg(pdf);
    let info = String::from_utf8(run(command)?)?;
    let pages = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .context("pdfinfo gave no page count")?;
    Ok(pages.trim().parse()?)
}

/// A rasterised page in 8-bit grey.
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Rasterises one page (1-based) at this resolution with pdftoppm.
pub fn rasterise(pdf: &Path, page: usize, dpi: u32) -> Result<Gray> {
    let mut command = poppler("pdftoppm");
    let page = page.to_string();
    command
        .args(["-gray", "-r", &dpi.to_string(), "-f", &page, "-l", &page])
        .arg(pdf);
    parse_pgm(&run(command)?)
}

/// Parses a binary PGM (P5, maxval 255).
fn parse_pgm(data: &[u8]) -> Result<Gray> {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while i < data.len() && data[i].is_ascii_whitespace() {
            i += 1;
        }
        if data.get(i) == Some(&b'#') {
            while i < data.len() && data[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < data.len() && !data[i].is_ascii_whitespace() {
            i += 1;
        }
        ensure!(start < i, "truncated PGM header");
        fields.push(std::str::from_utf8(&data[start..i])?.to_owned());
    }
    i += 1;
    if fields[0] != "P5" || fields[3] != "255" {
        bail!("not an 8-bit binary PGM: {fields:?}");
    }
    let width: u32 = fields[1].parse()?;
    let height: u32 = fields[2].parse()?;
    let pixels = data[i..].to_vec();
    ensure!(
        pixels.len() == (width * height) as usize,
        "PGM size mismatch"
    );
    Ok(Gray {
        width,
        height,
        pixels,
    })
}

/// Every Code 128 barcode rxing finds on the page, as text.
pub fn decode_code128(page: &Gray) -> Result<Vec<String>> {
    use rxing::common::HybridBinarizer;
    use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
    use rxing::{
        BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader,
    };

    let source = Luma8LuminanceSource::new(page.pixels.clone(), page.width, page.height)
        .map_err(|e| anyhow::anyhow!("bad luma buffer: {e}"))?;
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = DecodeHints::default()
        .with(rxing::DecodeHintValue::PossibleFormats(
            [BarcodeFormat::CODE_128].into_iter().collect(),
        ))
        .with(rxing::DecodeHintValue::TryHarder(true));
    let mut reader = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
    let found = reader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .map_err(|e| anyhow::anyhow!("no barcode decoded: {e}"))?;
    let mut texts: Vec<String> = found.iter().map(|r| r.getText().to_owned()).collect();
    texts.sort();
    texts.dedup();
    Ok(texts)
}
