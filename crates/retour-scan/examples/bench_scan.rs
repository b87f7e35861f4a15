//! The measuring half of `cargo xtask bench-scan` (run in release by the xtask).
//!
//! Writes every frame it measures as raw grayscale (so zxing-cpp reads the very same pixels), a
//! manifest, and our decoder's reads and times:
//! - the fixture photos, decoded with the thorough (image file) settings, once each, and our
//!   own set of Data Matrix marks (`datamatrix-marks`: small, faint, dotted, damaged, made on
//!   the spot by the test support code);
//! - synthetic 640×480 and 1280×720 camera frames, with a code and empty, decoded with the live
//!   settings, `REPEATS` times each, then with the file settings as many times;
//! - the live pipeline's throughput at 1280×720 (one decoder thread).
//!
//! Usage: `bench_scan OUT_DIR`. Files: `manifest.tsv` (id, kind, group, width, height,
//! expected text in hex or `-`, frame path, image name), `ours.tsv` (id, times in ms, reads in hex, file-settings times in ms),
//! `live.tsv` (frames, seconds).

#[path = "../tests/scan/support.rs"]
mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use retour_scan::{luma_of_image, DecoderConfig, FrameDecoder, LiveConfig, LiveScanner, LumaFrame};

const REPEATS: usize = 15;

fn hex(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

struct Frame {
    name: String,
    kind: &'static str,
    group: String,
    expected: Option<String>,
    frame: LumaFrame,
}

fn fixture_frames(root: &Path) -> Vec<Frame> {
    let mut sets: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("fixtures not found at {}: {e}", root.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    let mut frames = Vec::new();
    for set in sets {
        let group = set.file_name().unwrap().to_string_lossy().into_owned();
        let mut images: Vec<PathBuf> = std::fs::read_dir(&set)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("png" | "jpg" | "gif")
                )
            })
            .collect();
        images.sort();
        for image in images {
            let bytes = std::fs::read(&image).unwrap();
            let Ok(frame) = luma_of_image(&bytes) else {
                eprintln!("skipping unreadable {}", image.display());
                continue;
            };
            frames.push(Frame {
                name: format!("{group}/{}", image.file_name().unwrap().to_string_lossy()),
                kind: "fixture",
                group: group.clone(),
                expected: std::fs::read_to_string(image.with_extension("txt")).ok(),
                frame,
            });
        }
    }
    frames
}

/// Our own fixture set, made on the spot: the Data Matrix marks of parts labels (small, faint,
/// dotted, damaged), scored like the photos.
fn mark_frames() -> Vec<Frame> {
    support::datamatrix_marks()
        .into_iter()
        .map(|(name, image, text)| Frame {
            name: format!("datamatrix-marks/{name}"),
            kind: "fixture",
            group: "datamatrix-marks".into(),
            expected: Some(text.to_owned()),
            frame: support::to_frame(&image),
        })
        .collect()
}

fn synthetic_frames() -> Vec<Frame> {
    let mut frames = Vec::new();
    for (width, height, module) in [(640u32, 480u32, 2u32), (1280, 720, 3)] {
        for (seed, (format, text)) in support::samples().into_iter().enumerate() {
            let code = support::render(format, text, module, 35 * module, 10);
            frames.push(Frame {
                name: format!("{width}x{height}/{format:?}"),
                kind: "synthetic",
                group: format!("{width}x{height} code"),
                expected: Some(text.to_owned()),
                frame: support::camera_frame(width, height, &code, seed as u64),
            });
        }
        for seed in 0..6u64 {
            let mut canvas = support::background(width, height, 100 + seed);
            for x in (width / 6..width * 5 / 6).step_by(9 + seed as usize) {
                for y in height / 3..height / 2 {
                    canvas.put_pixel(x, y, image::Luma([40]));
                }
            }
            frames.push(Frame {
                name: format!("{width}x{height}/empty-{seed}"),
                kind: "synthetic",
                group: format!("{width}x{height} empty"),
                expected: None,
                frame: support::to_frame(&support::add_noise(&canvas, 10, seed)),
            });
        }
    }
    frames
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: bench_scan OUT_DIR"));
    let frames_dir = out.join("frames");
    std::fs::create_dir_all(&frames_dir).unwrap();
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/barcodes"
    );
    let mut frames = fixture_frames(Path::new(root));
    frames.extend(mark_frames());
    frames.extend(synthetic_frames());

    let thorough = FrameDecoder::new(DecoderConfig::thorough());
    let live = FrameDecoder::new(DecoderConfig::live());
    let mut manifest = String::new();
    let mut ours = String::new();
    for (id, item) in frames.iter().enumerate() {
        let path = frames_dir.join(format!("{id:04}.gray"));
        std::fs::write(&path, item.frame.pixels()).unwrap();
        let _ = writeln!(
            manifest,
            "{id}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            item.kind,
            item.group,
            item.frame.width(),
            item.frame.height(),
            item.expected.as_deref().map_or("-".to_owned(), hex),
            path.display(),
            item.name
        );
        let (decoder, repeats) = if item.kind == "fixture" {
            (&thorough, 1)
        } else {
            (&live, REPEATS)
        };
        let mut times = Vec::new();
        let mut reads = Vec::new();
        for _ in 0..repeats {
            let start = Instant::now();
            let decode = decoder.decode(&item.frame, None);
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            reads = decode.confirmed;
        }
        let times: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
        let reads: Vec<String> = reads.iter().map(|r| hex(&r.text)).collect();
        // Camera frames once more with the file settings: an easy image must cost a file
        // scan no more than a camera frame.
        let mut file_times = Vec::new();
        if item.kind == "synthetic" {
            for _ in 0..repeats {
                let start = Instant::now();
                let _ = thorough.decode(&item.frame, None);
                file_times.push(format!("{:.3}", start.elapsed().as_secs_f64() * 1000.0));
            }
        }
        let _ = writeln!(
            ours,
            "{id}\t{}\t{}\t{}",
            times.join(","),
            reads.join(","),
            file_times.join(",")
        );
    }
    std::fs::write(out.join("manifest.tsv"), manifest).unwrap();
    std::fs::write(out.join("ours.tsv"), ours).unwrap();

    // Live pipeline throughput at 1280×720: one decoder thread, frames handed over one at a
    // time (each waits for the previous to be decoded), codes and empty frames mixed.
    let hd: Vec<&LumaFrame> = frames
        .iter()
        .filter(|f| f.group.starts_with("1280x720"))
        .map(|f| &f.frame)
        .collect();
    let (events, _received) = mpsc::channel();
    let scanner = LiveScanner::start(LiveConfig::default(), events);
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed().as_secs_f64() < 3.0 {
        let frame = hd[count as usize % hd.len()].clone();
        scanner.submit(frame, count * 33);
        scanner.wait_idle();
        count += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    scanner.stop();
    std::fs::write(out.join("live.tsv"), format!("{count}\t{seconds:.3}\n")).unwrap();
    eprintln!(
        "measured {} frames; live: {count} frames in {seconds:.2} s",
        frames.len()
    );
}
