//! The pré-accord PDF read back as a scanner would: poppler's `pdftoppm` rasterises the page and
//! rxing decodes the Code 128 barcodes, which must be the tracking numbers. Needs Debian's
//! poppler-utils.

use std::process::Command;

use serde_json::json;

use crate::common::{key, start};

/// A page in 8-bit grey from a binary PGM.
fn parse_pgm(data: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        if data[i] == b'#' {
            while data[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8(data[start..i].to_vec()).unwrap());
    }
    assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P5", "255"));
    (
        fields[1].parse().unwrap(),
        fields[2].parse().unwrap(),
        data[i + 1..].to_vec(),
    )
}

fn decode_code128(width: u32, height: u32, pixels: Vec<u8>) -> Vec<String> {
    use rxing::common::HybridBinarizer;
    use rxing::multi::{GenericMultipleBarcodeReader, MultipleBarcodeReader};
    use rxing::{
        BarcodeFormat, BinaryBitmap, DecodeHints, Luma8LuminanceSource, MultiFormatReader,
    };
    let source = Luma8LuminanceSource::new(pixels, width, height).unwrap();
    let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
    let hints = DecodeHints::default()
        .with(rxing::DecodeHintValue::PossibleFormats(
            [BarcodeFormat::CODE_128].into_iter().collect(),
        ))
        .with(rxing::DecodeHintValue::TryHarder(true));
    let mut reader = GenericMultipleBarcodeReader::new(MultiFormatReader::default());
    let found = reader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .expect("barcodes on the page");
    let mut texts: Vec<String> = found.iter().map(|r| r.getText().to_owned()).collect();
    texts.sort();
    texts.dedup();
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preaccord_barcodes_read_back_as_the_tracking_numbers() {
    let server = start().await;
    let token = server.customer_a().await;
    let month = server.get("/api/v1/delivery-notes?days=31", &token).await;
    let mut lines = Vec::new();
    for item in month.ok(200)["items"].as_array().unwrap() {
        let number = item["number"].as_str().unwrap();
        let note = server
            .get(&format!("/api/v1/delivery-notes/{number}"), &token)
            .await;
        let line = note.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["eligible_qty"].as_u64().unwrap() > 0)
            .cloned();
        if let Some(l) = line {
            lines.push(json!({"delivery_note": number, "line_no": l["line_no"], "qty": 1, "reason": "defective"}));
        }
        if lines.len() == 2 {
            break;
        }
    }
    let request = server.submit(&token, &key(), json!({"lines": lines})).await;
    let body = request.ok(201).clone();
    let mut numbers: Vec<String> = body["dossiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    let id = body["id"].as_str().unwrap();
    let pdf = server.preaccord(id, &token).await;
    assert_eq!(pdf.status.as_u16(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("preaccord.pdf");
    std::fs::write(&path, &pdf.bytes).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-gray", "-r", "150", "-f", "1", "-l", "1"])
        .arg(&path)
        .output()
        .expect("pdftoppm (Debian's poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (width, height, pixels) = parse_pgm(&out.stdout);
    assert_eq!(decode_code128(width, height, pixels), numbers);
    // The e-mailed copy is the same document.
    let attachments = server.last_mail().attachments;
    assert_eq!(attachments[0].bytes, pdf.bytes);
}
