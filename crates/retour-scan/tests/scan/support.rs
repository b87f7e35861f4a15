//! Test images made on the spot: codes drawn with rxing's writer, then blurred, noised, turned
//! and put in perspective — deterministic (a fixed-seed generator), no files.
#![allow(dead_code)]

use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{rotate_about_center, warp, Interpolation, Projection};
use retour_scan::LumaFrame;
use rxing::{BarcodeFormat, MultiFormatWriter, Writer};

/// A small deterministic pseudo-random generator (xorshift).
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Noise {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in [-amplitude, amplitude].
    pub fn signed(&mut self, amplitude: i32) -> i32 {
        if amplitude == 0 {
            return 0;
        }
        (self.next() % (2 * amplitude as u64 + 1)) as i32 - amplitude
    }
}

/// The code's modules as a black-on-white image, `module_px` pixels per module, linear codes
/// `bar_height_px` tall, with a quiet zone of `quiet_modules` modules all around.
pub fn render(
    format: BarcodeFormat,
    text: &str,
    module_px: u32,
    bar_height_px: u32,
    quiet_modules: u32,
) -> GrayImage {
    let matrix = MultiFormatWriter
        .encode(text, &format, 1, 1)
        .unwrap_or_else(|e| panic!("cannot encode {text:?} as {format:?}: {e}"));
    let linear = !matches!(format, BarcodeFormat::QR_CODE | BarcodeFormat::DATA_MATRIX);
    let (mw, mh) = (matrix.width(), matrix.height());
    let code_w = mw * module_px;
    let code_h = if linear {
        bar_height_px
    } else {
        mh * module_px
    };
    let quiet = quiet_modules * module_px;
    let mut image = GrayImage::from_pixel(code_w + 2 * quiet, code_h + 2 * quiet, Luma([255]));
    for y in 0..code_h {
        let my = if linear { 0 } else { y / module_px };
        for x in 0..code_w {
            if matrix.get(x / module_px, my) {
                image.put_pixel(x + quiet, y + quiet, Luma([0]));
            }
        }
    }
    image
}

/// A gray, slightly uneven background with noise.
pub fn background(width: u32, height: u32, seed: u64) -> GrayImage {
    let mut noise = Noise::new(seed);
    GrayImage::from_fn(width, height, |x, y| {
        let base = 150 + (40 * x / width.max(1)) as i32 + (20 * y / height.max(1)) as i32;
        Luma([(base + noise.signed(12)).clamp(0, 255) as u8])
    })
}

/// Pastes `code` centred on `canvas`, its white mapped to `paper` and black to `ink`.
pub fn paste_centered(canvas: &mut GrayImage, code: &GrayImage, paper: u8, ink: u8) {
    let left = canvas.width().saturating_sub(code.width()) / 2;
    let top = canvas.height().saturating_sub(code.height()) / 2;
    for (x, y, pixel) in code.enumerate_pixels() {
        if x + left < canvas.width() && y + top < canvas.height() {
            let value = if pixel[0] > 127 { paper } else { ink };
            canvas.put_pixel(x + left, y + top, Luma([value]));
        }
    }
}

pub fn blur(image: &GrayImage, sigma: f32) -> GrayImage {
    imageproc::filter::gaussian_blur_f32(image, sigma)
}

pub fn add_noise(image: &GrayImage, amplitude: i32, seed: u64) -> GrayImage {
    let mut noise = Noise::new(seed);
    GrayImage::from_fn(image.width(), image.height(), |x, y| {
        Luma([(image.get_pixel(x, y)[0] as i32 + noise.signed(amplitude)).clamp(0, 255) as u8])
    })
}

/// Turns the image about its centre on a square canvas large enough to keep every corner.
pub fn rotate(image: &GrayImage, degrees: f32) -> GrayImage {
    let diagonal = f64::from(image.width())
        .hypot(f64::from(image.height()))
        .ceil() as u32;
    let mut square = GrayImage::from_pixel(diagonal, diagonal, Luma([255]));
    image::imageops::overlay(
        &mut square,
        image,
        i64::from((diagonal - image.width()) / 2),
        i64::from((diagonal - image.height()) / 2),
    );
    rotate_about_center(
        &square,
        degrees.to_radians(),
        Interpolation::Bilinear,
        Luma([255]),
    )
}

/// A keystone: the top edge pulled in by `squeeze` of the width on each side.
pub fn perspective(image: &GrayImage, squeeze: f32) -> GrayImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let from = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let to = [
        (w * squeeze, 0.0),
        (w * (1.0 - squeeze), 0.0),
        (w, h),
        (0.0, h),
    ];
    let projection = Projection::from_control_points(from, to).expect("a valid keystone");
    warp(image, &projection, Interpolation::Bilinear, Luma([255]))
}

/// A padded copy: `margin` pixels of `value` all around.
pub fn pad(image: &GrayImage, margin: u32, value: u8) -> GrayImage {
    let mut out = GrayImage::from_pixel(
        image.width() + 2 * margin,
        image.height() + 2 * margin,
        Luma([value]),
    );
    image::imageops::overlay(&mut out, image, i64::from(margin), i64::from(margin));
    out
}

pub fn to_frame(image: &GrayImage) -> LumaFrame {
    LumaFrame::from_luma(image.width(), image.height(), image.as_raw().clone())
        .expect("a non-empty image")
}

/// A camera-like frame of `width`×`height` with `code` pasted in the middle.
pub fn camera_frame(width: u32, height: u32, code: &GrayImage, seed: u64) -> LumaFrame {
    let mut canvas = background(width, height, seed);
    paste_centered(&mut canvas, code, 225, 35);
    to_frame(&add_noise(&blur(&canvas, 0.8), 6, seed + 1))
}

/// Every format we read, with a text valid for it.
pub fn samples() -> Vec<(BarcodeFormat, &'static str)> {
    vec![
        (BarcodeFormat::EAN_13, "4006381333931"),
        (BarcodeFormat::EAN_8, "96385074"),
        (BarcodeFormat::UPC_A, "036000291452"),
        (BarcodeFormat::UPC_E, "01234565"),
        (BarcodeFormat::CODE_128, "00250001106"),
        (BarcodeFormat::CODE_39, "REF-8X21"),
        (BarcodeFormat::ITF, "00012345678905"),
        (
            BarcodeFormat::QR_CODE,
            "https://retour.example/bl/250001106",
        ),
        (BarcodeFormat::DATA_MATRIX, "0103453120000011"),
    ]
}

/// The Data Matrix marks of parts labels that a camera finds hard, made on the spot: small
/// (modules under two pixels in an HD frame), faint (under 20 grey levels of contrast), dotted
/// (dot-peened or inkjet: round dots that do not touch), damaged (scratched and stained), and
/// mixes of these. Each: a name, the image, the text.
pub fn datamatrix_marks() -> Vec<(String, GrayImage, &'static str)> {
    let texts = [
        "0103453120000011172612311012345",
        "SN:A7X-000421",
        "PN 4711-0815 REV C",
    ];
    let mut marks = Vec::new();
    for (t, text) in texts.into_iter().enumerate() {
        let seed = 1000 + 10 * t as u64;
        // Small: drawn at 3 px a module, shrunk to 1.6 px, in a 1280×720 camera frame.
        let code = shrink(&render(BarcodeFormat::DATA_MATRIX, text, 3, 0, 2), 0.55);
        let mut canvas = background(1280, 720, seed);
        paste_centered(&mut canvas, &code, 225, 35);
        let small = add_noise(&blur(&canvas, 0.7), 6, seed + 1);
        marks.push((format!("small-{t}"), small, text));

        // Faint: 18 grey levels between ink and paper.
        let code = render(BarcodeFormat::DATA_MATRIX, text, 5, 0, 3);
        let mut canvas = background(640, 480, seed + 2);
        paste_centered(&mut canvas, &code, 142, 124);
        let faint = add_noise(&blur(&canvas, 0.8), 3, seed + 3);
        marks.push((format!("faint-{t}"), faint, text));

        // Dotted: round dots of 60 % of the module, apart from each other.
        let code = render_dotted(text, 7, 0.3);
        let mut canvas = background(640, 480, seed + 4);
        paste_centered(&mut canvas, &code, 215, 45);
        let dotted = add_noise(&blur(&canvas, 0.6), 6, seed + 5);
        marks.push((format!("dotted-{t}"), dotted, text));

        // Damaged: two scratches across and a stain.
        let mut code = render(BarcodeFormat::DATA_MATRIX, text, 6, 0, 3);
        scratch(&mut code, t as u32);
        let mut canvas = background(640, 480, seed + 6);
        paste_centered(&mut canvas, &code, 220, 40);
        let damaged = add_noise(&blur(&canvas, 0.8), 6, seed + 7);
        marks.push((format!("damaged-{t}"), damaged, text));

        // Dotted and faint (laser on metal), turned a little.
        let code = rotate(&render_dotted(text, 7, 0.32), 12.0 + 5.0 * t as f32);
        let mut canvas = background(640, 480, seed + 8);
        paste_centered(&mut canvas, &code, 150, 118);
        let etched = add_noise(&blur(&canvas, 0.7), 3, seed + 9);
        marks.push((format!("etched-{t}"), etched, text));

        // Small and faint, turned.
        let code = rotate(
            &shrink(&render(BarcodeFormat::DATA_MATRIX, text, 4, 0, 2), 0.5),
            -20.0,
        );
        let mut canvas = background(640, 480, seed + 10);
        paste_centered(&mut canvas, &code, 170, 120);
        let tiny = add_noise(&blur(&canvas, 0.6), 4, seed + 11);
        marks.push((format!("tiny-faint-{t}"), tiny, text));
    }
    marks
}

/// The image scaled by `factor` (triangle filter).
fn shrink(image: &GrayImage, factor: f32) -> GrayImage {
    let width = ((image.width() as f32 * factor).round() as u32).max(1);
    let height = ((image.height() as f32 * factor).round() as u32).max(1);
    image::imageops::resize(image, width, height, image::imageops::FilterType::Triangle)
}

/// A Data Matrix symbol as round dots of `radius` modules, `module_px` pixels a module, with a
/// quiet zone of two modules.
fn render_dotted(text: &str, module_px: u32, radius: f32) -> GrayImage {
    let matrix = MultiFormatWriter
        .encode(text, &BarcodeFormat::DATA_MATRIX, 1, 1)
        .unwrap_or_else(|e| panic!("cannot encode {text:?}: {e}"));
    let quiet = 2 * module_px;
    let (w, h) = (
        matrix.width() * module_px + 2 * quiet,
        matrix.height() * module_px + 2 * quiet,
    );
    let r = radius * module_px as f32;
    GrayImage::from_fn(w, h, |x, y| {
        if x < quiet || y < quiet || x >= w - quiet || y >= h - quiet {
            return Luma([255]);
        }
        let (mx, my) = ((x - quiet) / module_px, (y - quiet) / module_px);
        let centre = |m: u32| m as f32 * module_px as f32 + module_px as f32 / 2.0;
        let dx = (x - quiet) as f32 + 0.5 - centre(mx);
        let dy = (y - quiet) as f32 + 0.5 - centre(my);
        if matrix.get(mx, my) && dx * dx + dy * dy <= r * r {
            Luma([0])
        } else {
            Luma([255])
        }
    })
}

/// Two white scratches and a dark stain across a black-on-white symbol.
fn scratch(image: &mut GrayImage, variant: u32) {
    let (w, h) = (image.width() as i32, image.height() as i32);
    for (from, to) in [
        ((0, h / 3 + variant as i32 * 7), (w, h / 2)),
        ((w / 4, h), (w / 2 + variant as i32 * 9, 0)),
    ] {
        let steps = w.max(h);
        for i in 0..=steps {
            let x = from.0 + (to.0 - from.0) * i / steps;
            let y = from.1 + (to.1 - from.1) * i / steps;
            for d in -1..=1 {
                if (0..w).contains(&x) && (0..h).contains(&(y + d)) {
                    image.put_pixel(x as u32, (y + d) as u32, Luma([255]));
                }
            }
        }
    }
    let (cx, cy, r) = (w * 2 / 3, h * 2 / 3, w / 12);
    for y in (cy - r).max(0)..(cy + r).min(h) {
        for x in (cx - r).max(0)..(cx + r).min(w) {
            if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                image.put_pixel(x as u32, y as u32, Luma([90]));
            }
        }
    }
}
