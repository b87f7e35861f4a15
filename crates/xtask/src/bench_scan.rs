//! `cargo xtask bench-scan`: our barcode decoder against zxing-cpp on the very same pixels.
//!
//! 1. installs zxing-cpp (PyPI `zxing-cpp`, with numpy) into a venv under `target/`;
//! 2. runs `retour-scan`'s `bench_scan` example in release: it writes every frame as raw
//!    grayscale (fixture photos under `../shared/fixtures/barcodes`, synthetic 640×480 and
//!    1280×720 camera frames with a code and empty), our reads and times, and the live pipeline's
//!    frame rate at 1280×720;
//! 3. runs `scripts/bench_scan_zxing.py` on the same frames;
//! 4. prints, per symbology and per fixture set, correct / wrong / missed for both, median and
//!    p95 times and the ratios, the photos where the two differ, then the synthetic camera frames
//!    (with a code and empty; zxing-cpp in its fast mode — retries off — and its defaults) and
//!    the live frame rate, then the goals.
//!
//! Both measuring processes are pinned to one core with `taskset` when it is available.
//! Scoring: correct = the expected text is among the reads (a UPC-A equals the same code as
//! EAN-13 with a leading 0); wrong = reads, none of them the expected text; missed = no read;
//! "extra" counts other codes read beside the right one; a few photos hold a second, genuine
//! code (listed in `GENUINE_SECOND_CODES`): reading it counts as nothing, neither wrong nor
//! extra. On the `falsepositives*` sets any read is wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

const REPEATS: usize = 15;

/// A file scan of an easy frame may cost this much more than the live path (timing noise on a
/// shared machine) before the goal counts as missed.
const FILE_OVER_LIVE_TOLERANCE: f64 = 1.25;

/// Runs the benchmark. Options: `--out DIR` (default `target/bench-scan`).
pub fn run(args: &[String]) -> Result<()> {
    let root = workspace_root();
    let mut out = root.join("target/bench-scan");
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(rest.next().context("--out needs a directory")?),
            other => bail!("bench-scan: unknown option {other:?} (options: --out DIR)"),
        }
    }
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let python = install_zxing(&root)?;
    let pin = pin_to_one_core();

    let example = build_example(&root)?;
    let mut ours = pinned(&pin, &example);
    ours.arg(&out);
    run_command(&mut ours, "the bench_scan example")?;

    let script = root.join("crates/xtask/scripts/bench_scan_zxing.py");
    let mut zxing = pinned(&pin, &python);
    zxing
        .arg(&script)
        .arg(out.join("manifest.tsv"))
        .arg(out.join("zxing.tsv"))
        .arg(REPEATS.to_string());
    run_command(&mut zxing, "the zxing-cpp script")?;

    let report = Report::load(&out)?;
    report.print(pin.is_some());
    Ok(())
}

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in crates/xtask")
        .to_path_buf()
}

/// The venv's python, with zxing-cpp installed.
fn install_zxing(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/bench-scan-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        run_command(
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
            "python3 -m venv",
        )?;
    }
    run_command(
        Command::new(&python).args(["-m", "pip", "install", "--quiet", "zxing-cpp", "numpy"]),
        "pip install zxing-cpp",
    )?;
    Ok(python)
}

fn pin_to_one_core() -> Option<PathBuf> {
    let found = Command::new("taskset").arg("--version").output().ok()?;
    found.status.success().then(|| PathBuf::from("taskset"))
}

fn pinned(pin: &Option<PathBuf>, program: &Path) -> Command {
    match pin {
        Some(taskset) => {
            let mut command = Command::new(taskset);
            command.arg("-c").arg("0").arg(program);
            command
        }
        None => Command::new(program),
    }
}

fn build_example(root: &Path) -> Result<PathBuf> {
    run_command(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(root)
            .args([
                "build",
                "--release",
                "--quiet",
                "-p",
                "retour-scan",
                "--example",
                "bench_scan",
            ]),
        "cargo build --release --example bench_scan",
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release/examples/bench_scan"))
}

fn run_command(command: &mut Command, what: &str) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot start {what}"))?;
    if !status.success() {
        bail!("{what} failed: {status}");
    }
    Ok(())
}

fn unhex(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn texts(field: Option<&str>) -> Vec<String> {
    field
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(unhex)
        .collect()
}

fn times(field: &str) -> Vec<f64> {
    field.split(',').filter_map(|t| t.parse().ok()).collect()
}

struct FrameInfo {
    name: String,
    kind: String,
    group: String,
    expected: Option<String>,
}

/// One decoder's result on one frame.
#[derive(Clone, Default)]
struct Measure {
    times_ms: Vec<f64>,
    reads: Vec<String>,
}

struct Report {
    frames: Vec<FrameInfo>,
    ours: BTreeMap<usize, Measure>,
    /// Our times on the camera frames with the file (thorough) settings.
    ours_file: BTreeMap<usize, Measure>,
    zxing_default: BTreeMap<usize, Measure>,
    zxing_retries_off: BTreeMap<usize, Measure>,
    live_frames: f64,
    live_seconds: f64,
}

impl Report {
    fn load(out: &Path) -> Result<Report> {
        let read = |name: &str| {
            std::fs::read_to_string(out.join(name))
                .with_context(|| format!("cannot read {}", out.join(name).display()))
        };
        let mut frames = Vec::new();
        for line in read("manifest.tsv")?.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            frames.push(FrameInfo {
                name: f.get(7).copied().unwrap_or("").to_owned(),
                kind: f[1].to_owned(),
                group: f[2].to_owned(),
                expected: (f[5] != "-").then(|| unhex(f[5])),
            });
        }
        let (mut ours, mut ours_file) = (BTreeMap::new(), BTreeMap::new());
        for line in read("ours.tsv")?.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let id: usize = f[0].parse()?;
            ours.insert(
                id,
                Measure {
                    times_ms: times(f[1]),
                    reads: texts(f.get(2).copied()),
                },
            );
            if let Some(file_times) = f.get(3).filter(|t| !t.is_empty()) {
                ours_file.insert(
                    id,
                    Measure {
                        times_ms: times(file_times),
                        reads: Vec::new(),
                    },
                );
            }
        }
        let (mut zxing_default, mut zxing_retries_off) = (BTreeMap::new(), BTreeMap::new());
        for line in read("zxing.tsv")?.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let measure = Measure {
                times_ms: times(f[2]),
                reads: texts(f.get(3).copied()),
            };
            let map = if f[1] == "default" {
                &mut zxing_default
            } else {
                &mut zxing_retries_off
            };
            map.insert(f[0].parse()?, measure);
        }
        let live = read("live.tsv")?;
        let mut live = live.split_whitespace();
        let live_frames = live.next().context("live.tsv")?.parse()?;
        let live_seconds = live.next().context("live.tsv")?.parse()?;
        Ok(Report {
            frames,
            ours,
            ours_file,
            zxing_default,
            zxing_retries_off,
            live_frames,
            live_seconds,
        })
    }

    /// The ids of the fixture photos whose group passes `keep`.
    fn fixture_ids(&self, keep: impl Fn(&str) -> bool) -> Vec<usize> {
        (0..self.frames.len())
            .filter(|&i| self.frames[i].kind == "fixture" && keep(&self.frames[i].group))
            .collect()
    }

    /// One table row per label: ours and zxing-cpp (defaults) side by side, with the ratios.
    /// Returns whether we read at least as many and never wrongly.
    fn print_fixture_rows(&self, rows: &[(String, Vec<usize>)]) -> bool {
        println!(
            "{:<16} {:>5} | {:>18} {:>13} | {:>18} {:>13} | {:>7} {:>6}",
            "",
            "imgs",
            "ours c/w/m (xtra)",
            "ms med/p95",
            "zxing c/w/m (xtra)",
            "ms med/p95",
            "correct",
            "time"
        );
        let mut ok = true;
        for (label, ids) in rows {
            let ours = score(ids, &self.frames, &self.ours);
            let zxing = score(ids, &self.frames, &self.zxing_default);
            println!(
                "{:<16} {:>5} | {:>18} {:>13} | {:>18} {:>13} | {:>7} {:>6}",
                label,
                ids.len(),
                ours.counts(),
                ours.times(),
                zxing.counts(),
                zxing.times(),
                ratio(ours.correct as f64, zxing.correct as f64),
                ratio(ours.median, zxing.median)
            );
            ok &= ours.correct >= zxing.correct && ours.wrong == 0;
        }
        ok
    }

    fn print(&self, pinned: bool) {
        let mut goals_ok = true;
        let one_core = if pinned { ", one core" } else { "" };
        println!(
            "\nFixture photos per symbology (same grayscale pixels; ours: thorough settings; zxing-cpp: defaults){one_core}"
        );
        let mut symbologies: Vec<&str> = Vec::new();
        for frame in self.frames.iter().filter(|f| f.kind == "fixture") {
            let symbology = symbology_of(&frame.group);
            if !symbologies.contains(&symbology) {
                symbologies.push(symbology);
            }
        }
        let mut rows: Vec<(String, Vec<usize>)> = symbologies
            .iter()
            .map(|s| (s.to_string(), self.fixture_ids(|g| symbology_of(g) == *s)))
            .collect();
        rows.push(("all".into(), self.fixture_ids(|_| true)));
        goals_ok &= self.print_fixture_rows(&rows);

        println!("\nFixture photos per set{one_core}");
        let mut sets: Vec<&str> = Vec::new();
        for frame in self.frames.iter().filter(|f| f.kind == "fixture") {
            if !sets.contains(&frame.group.as_str()) {
                sets.push(&frame.group);
            }
        }
        let rows: Vec<(String, Vec<usize>)> = sets
            .iter()
            .map(|set| (set.to_string(), self.fixture_ids(|g| g == *set)))
            .collect();
        self.print_fixture_rows(&rows);

        println!(
            "\nPhotos where the two differ (c = correct, w = wrong, m = missed; ours / zxing-cpp):"
        );
        let mut differences = Vec::new();
        for (id, frame) in self.frames.iter().enumerate() {
            if frame.kind != "fixture" {
                continue;
            }
            let ours = outcome(id, &self.frames, &self.ours);
            let zxing = outcome(id, &self.frames, &self.zxing_default);
            if ours != zxing {
                differences.push(format!("{} {ours}/{zxing}", frame.name));
            }
        }
        for chunk in differences.chunks(6) {
            println!("  {}", chunk.join("  "));
        }

        println!("\nSynthetic camera frames (ours: live settings, and file settings; zxing-cpp: retries off = its fast mode, and defaults), {REPEATS} runs each");
        println!(
            "{:<15} {:>5} | {:>16} {:>13} {:>13} | {:>16} {:>13} | {:>16} {:>13} | {:>7} {:>7}",
            "frames",
            "n",
            "ours c/w/m",
            "ms med/p95",
            "file med/p95",
            "zx-fast c/w/m",
            "ms med/p95",
            "zx-default c/w/m",
            "ms med/p95",
            "vs fast",
            "vs dflt"
        );
        let mut groups: Vec<&str> = Vec::new();
        for frame in self.frames.iter().filter(|f| f.kind == "synthetic") {
            if !groups.contains(&frame.group.as_str()) {
                groups.push(&frame.group);
            }
        }
        for group in groups {
            let ids: Vec<usize> = (0..self.frames.len())
                .filter(|&i| self.frames[i].group == group)
                .collect();
            let ours = score(&ids, &self.frames, &self.ours);
            let off = score(&ids, &self.frames, &self.zxing_retries_off);
            let default = score(&ids, &self.frames, &self.zxing_default);
            let file = score(&ids, &self.frames, &self.ours_file);
            println!(
                "{:<15} {:>5} | {:>16} {:>13} {:>13} | {:>16} {:>13} | {:>16} {:>13} | {:>7} {:>7}",
                group,
                ids.len(),
                ours.short_counts(),
                ours.times(),
                file.times(),
                off.short_counts(),
                off.times(),
                default.short_counts(),
                default.times(),
                ratio(ours.median, off.median),
                ratio(ours.median, default.median)
            );
            if ours.wrong > 0 {
                goals_ok = false;
            }
            if group.ends_with("empty") && ours.median > off.median {
                println!(
                    "  goal missed: an empty {group} frame is slower than zxing-cpp's fast mode"
                );
                goals_ok = false;
            }
            if group.ends_with("code") && ours.median > default.median {
                println!("  goal missed: a {group} frame is slower than zxing-cpp's default mode");
                goals_ok = false;
            }
            if group.ends_with("code") && file.median > FILE_OVER_LIVE_TOLERANCE * ours.median {
                println!("  goal missed: a file scan of an easy {group} frame costs more than the live path");
                goals_ok = false;
            }
        }
        let fps = self.live_frames / self.live_seconds.max(1e-9);
        println!(
            "\nLive pipeline at 1280x720 (one decoder thread{}): {:.0} frames in {:.2} s = {fps:.1} frames/s",
            if pinned { ", pinned to one core" } else { "" },
            self.live_frames,
            self.live_seconds
        );
        if fps < 30.0 {
            goals_ok = false;
        }
        println!(
            "\nGoals (correct >= zxing-cpp per symbology, 0 wrong, 0 reads without barcode, per frame: empty no slower than zxing-cpp's fast mode, with a code no slower than its defaults, a file scan of an easy frame no dearer than the live path, >= 30 fps): {}",
            if goals_ok { "all met" } else { "NOT all met" }
        );
    }
}

/// The symbology of a fixture set (`ean13-2` → `ean13`; the sets without a barcode → `no barcode`).
fn symbology_of(group: &str) -> &str {
    let symbology = group.split('-').next().unwrap_or(group);
    if symbology == "falsepositives" {
        "no barcode"
    } else {
        symbology
    }
}

/// One decoder's outcome on one photo: `c` correct, `w` wrong, `m` missed.
fn outcome(id: usize, frames: &[FrameInfo], measures: &BTreeMap<usize, Measure>) -> char {
    let score = score(&[id], frames, measures);
    if score.wrong > 0 {
        'w'
    } else if score.correct > 0 {
        'c'
    } else {
        'm'
    }
}

fn ratio(ours: f64, theirs: f64) -> String {
    if theirs <= 0.0 {
        "-".into()
    } else {
        format!("{:.2}", ours / theirs)
    }
}

struct Score {
    correct: usize,
    wrong: usize,
    missed: usize,
    extra: usize,
    median: f64,
    p95: f64,
}

impl Score {
    fn counts(&self) -> String {
        format!(
            "{}/{}/{} ({})",
            self.correct, self.wrong, self.missed, self.extra
        )
    }

    fn short_counts(&self) -> String {
        format!("{}/{}/{}", self.correct, self.wrong, self.missed)
    }

    fn times(&self) -> String {
        format!("{:.1}/{:.1}", self.median, self.p95)
    }
}

/// Same text, or the same code as UPC-A and as EAN-13 with a leading zero.
fn same_code(read: &str, expected: &str) -> bool {
    read == expected || format!("0{read}") == expected || format!("0{expected}") == read
}

/// Photos that hold a second, genuine code besides the expected one (checked by eye; the same
/// list as `retour-scan`'s fixture test): reading it is neither wrong nor extra.
const GENUINE_SECOND_CODES: &[(&str, &str)] = &[
    ("code39-3/02.png", "001EC947D49B"),
    ("code39-3/08.png", "001EC9476B0A"),
    ("ean13-2/14.png", "1920081045006"),
    ("ean13-2/20.png", "1920081045006"),
    ("ean13-2/24.png", "1920081045006"),
    (
        "qrcode-2/16.png",
        "[内側QRコード]\r\n\r\n*ダブルQR*\r\nhttp://d-qr.net/ex/",
    ),
];

fn score(ids: &[usize], frames: &[FrameInfo], measures: &BTreeMap<usize, Measure>) -> Score {
    let (mut correct, mut wrong, mut missed, mut extra) = (0, 0, 0, 0);
    let mut all_times = Vec::new();
    for &id in ids {
        let mut measure = measures.get(&id).cloned().unwrap_or_default();
        let name = frames[id].name.as_str();
        measure
            .reads
            .retain(|read| !GENUINE_SECOND_CODES.contains(&(name, read.as_str())));
        all_times.extend(measure.times_ms.iter().copied());
        match &frames[id].expected {
            Some(expected) => {
                if measure.reads.iter().any(|r| same_code(r, expected)) {
                    correct += 1;
                    extra += measure
                        .reads
                        .iter()
                        .filter(|r| !same_code(r, expected))
                        .count();
                } else if measure.reads.is_empty() {
                    missed += 1;
                } else {
                    wrong += 1;
                }
            }
            None => wrong += measure.reads.len(),
        }
    }
    all_times.sort_by(f64::total_cmp);
    let at = |q: f64| -> f64 {
        if all_times.is_empty() {
            return 0.0;
        }
        let index = ((all_times.len() - 1) as f64 * q).round() as usize;
        all_times[index]
    };
    Score {
        correct,
        wrong,
        missed,
        extra,
        median: at(0.5),
        p95: at(0.95),
    }
}
