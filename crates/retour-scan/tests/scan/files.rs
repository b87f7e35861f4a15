//! Image files: every code in the image, the thin file entry point, its French errors, and the
//! serialised read the CLI prints with `--json`.

use std::time::{Duration, Instant};

use retour_scan::{
    decode_image_bytes, decode_image_file, CodeFormat, DecodeEffort, DecoderConfig, FrameDecoder,
    LumaFrame, ScanError,
};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/barcodes"
);

#[test]
fn every_code_of_an_image_file_is_read() {
    let path = format!("{FIXTURES}/code39-3/02.png");
    assert!(
        std::path::Path::new(&path).exists(),
        "barcode fixtures not found at {FIXTURES} — clone the repository with `shared/` beside it"
    );
    let reads = decode_image_file(&path).unwrap();
    let texts: Vec<(CodeFormat, &str)> =
        reads.iter().map(|r| (r.format, r.text.as_str())).collect();
    assert_eq!(
        texts,
        vec![
            (CodeFormat::Code39, "165627"),
            (CodeFormat::Code39, "001EC947D49B")
        ]
    );
}

#[test]
fn reads_serialise_with_format_text_and_classification() {
    let reads = decode_image_file(format!("{FIXTURES}/ean13-3/23.png")).unwrap();
    let json = serde_json::to_value(&reads).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{
            "format": "ean13",
            "text": "9780201310054",
            "classification": {
                "kind": "gtin",
                "normalized": "09780201310054",
                "display": "9780201310054"
            }
        }])
    );
    assert_eq!(
        reads[0].describe(),
        "EAN-13 9780201310054 → gtin 09780201310054"
    );
}

#[test]
fn a_photo_without_a_code_gives_an_empty_list() {
    let reads = decode_image_file(format!("{FIXTURES}/falsepositives/01.png")).unwrap();
    assert!(reads.is_empty(), "{reads:?}");
}

#[test]
fn missing_files_and_non_images_are_typed_french_errors() {
    let missing = decode_image_file("/nonexistent/photo-du-bl.png").unwrap_err();
    assert!(matches!(missing, ScanError::Io { .. }));
    assert!(missing
        .to_string()
        .starts_with("impossible de lire le fichier"));
    let garbage = decode_image_bytes(b"not an image").unwrap_err();
    assert!(matches!(garbage, ScanError::Image(_)));
    assert!(garbage.to_string().starts_with("image illisible"));
}

#[test]
fn a_spent_time_budget_stops_the_harder_stages() {
    let frame = LumaFrame::from_luma(640, 480, vec![128; 640 * 480]).unwrap();
    let decoder = FrameDecoder::new(DecoderConfig {
        effort: DecodeEffort::Thorough,
        time_budget: Duration::from_secs(3600),
    });
    let decode = decoder.decode_until(&frame, None, Instant::now());
    assert!(decode.budget_exhausted);
    assert!(decode.confirmed.is_empty());
}
