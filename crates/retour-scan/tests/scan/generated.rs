//! Generated images per format (rxing's writer), clean and degraded: blur, noise, rotation,
//! perspective. Each must read back exactly; frames without a code must give nothing.

use crate::support;

use retour_scan::{CodeFormat, DecoderConfig, FrameDecoder};
use rxing::BarcodeFormat;
use support::*;

fn expected_format(format: BarcodeFormat) -> CodeFormat {
    match format {
        BarcodeFormat::EAN_13 => CodeFormat::Ean13,
        BarcodeFormat::EAN_8 => CodeFormat::Ean8,
        BarcodeFormat::UPC_A => CodeFormat::UpcA,
        BarcodeFormat::UPC_E => CodeFormat::UpcE,
        BarcodeFormat::CODE_128 => CodeFormat::Code128,
        BarcodeFormat::CODE_39 => CodeFormat::Code39,
        BarcodeFormat::ITF => CodeFormat::Itf,
        BarcodeFormat::QR_CODE => CodeFormat::QrCode,
        BarcodeFormat::DATA_MATRIX => CodeFormat::DataMatrix,
        other => panic!("no sample for {other:?}"),
    }
}

/// Decodes `image` thoroughly and asserts it gives exactly one read: `text` in `format`.
fn check(image: &image::GrayImage, format: BarcodeFormat, text: &str, what: &str) {
    let decode = FrameDecoder::new(DecoderConfig {
        time_budget: std::time::Duration::from_secs(30),
        ..DecoderConfig::thorough()
    })
    .decode(&to_frame(image), None);
    let reads: Vec<(CodeFormat, &str)> = decode
        .confirmed
        .iter()
        .map(|r| (r.format, r.text.as_str()))
        .collect();
    assert_eq!(
        reads,
        vec![(expected_format(format), text)],
        "{what} {format:?} {text:?}"
    );
}

fn sample_code(format: BarcodeFormat, text: &str) -> image::GrayImage {
    render(format, text, 3, 90, 10)
}

#[test]
fn clean_codes_of_every_format_read_back() {
    for (format, text) in samples() {
        check(&sample_code(format, text), format, text, "clean");
    }
}

#[test]
fn blurred_and_noisy_codes_read_back() {
    for (seed, (format, text)) in samples().into_iter().enumerate() {
        let degraded = add_noise(&blur(&sample_code(format, text), 1.2), 25, seed as u64);
        check(&degraded, format, text, "blurred and noisy");
    }
}

#[test]
fn rotated_codes_read_back() {
    for (format, text) in samples() {
        let padded = pad(&sample_code(format, text), 40, 255);
        for degrees in [8.0, 90.0, 180.0] {
            check(
                &rotate(&padded, degrees),
                format,
                text,
                &format!("rotated {degrees}°"),
            );
        }
    }
}

#[test]
fn codes_in_perspective_read_back() {
    for (format, text) in samples() {
        let padded = pad(&sample_code(format, text), 30, 255);
        check(&perspective(&padded, 0.08), format, text, "in perspective");
    }
}

#[test]
fn codes_in_camera_frames_read_in_live_mode() {
    let decoder = FrameDecoder::new(DecoderConfig {
        time_budget: std::time::Duration::from_secs(10),
        ..DecoderConfig::live()
    });
    for (seed, (format, text)) in samples().into_iter().enumerate() {
        // Live mode skips the harder 2D passes: a Data Matrix needs 3-pixel modules there.
        let module = if format == BarcodeFormat::DATA_MATRIX {
            3
        } else {
            2
        };
        let code = render(format, text, module, 70, 10);
        let frame = camera_frame(640, 480, &code, seed as u64);
        let decode = decoder.decode(&frame, None);
        let reads: Vec<&str> = decode.confirmed.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(reads, vec![text], "{format:?} in a 640x480 frame");
    }
}

#[test]
fn frames_without_a_code_give_nothing() {
    let decoder = FrameDecoder::new(DecoderConfig {
        time_budget: std::time::Duration::from_secs(30),
        ..DecoderConfig::thorough()
    });
    for seed in 0..4 {
        let mut canvas = background(640, 480, seed);
        // Stripes that look a bit like bars, to tempt the linear readers.
        for x in (100..540).step_by(7 + seed as usize) {
            for y in 200..260 {
                canvas.put_pixel(x, y, image::Luma([30]));
            }
        }
        let decode = decoder.decode(&to_frame(&add_noise(&canvas, 20, seed)), None);
        assert!(
            decode.confirmed.is_empty(),
            "seed {seed}: {:?}",
            decode.confirmed
        );
        assert!(
            decode.unconfirmed.is_empty(),
            "seed {seed}: {:?}",
            decode.unconfirmed
        );
    }
}
