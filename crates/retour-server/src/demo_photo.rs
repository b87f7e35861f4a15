//! The demo's photos: a brake disc on a workbench, drawn here (no file to ship) and stored as an
//! upload would be — re-encoded as a JPEG, its id the SHA-256 of the bytes "uploaded". One shows
//! the part whole, one close up on the marks the returns service found.

use image::{ImageFormat, Rgb, RgbImage};
use sha2::{Digest, Sha256};

use crate::db::StoredPhoto;
use crate::reencode::reencode;

/// Which demo photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoPhoto {
    /// The disc, whole, as the garage photographs it before sending.
    WholeDisc,
    /// The disc's hub close up, with the tightening marks.
    TighteningMarks,
}

/// The photo, ready for [`crate::db::Conn::insert_photo`].
pub fn demo_photo(which: DemoPhoto) -> StoredPhoto {
    let (width, height) = (640u32, 480u32);
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.0);
    let (outer, hub, bore) = match which {
        DemoPhoto::WholeDisc => (200.0, 80.0, 30.0),
        DemoPhoto::TighteningMarks => (420.0, 170.0, 60.0),
    };
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let r = (dx * dx + dy * dy).sqrt();
        // Brushed steel: rings of slightly different greys.
        let grain = ((r * 0.7).sin() * 6.0) as i16;
        let grey = |base: i16| {
            let v = (base + grain).clamp(0, 255) as u8;
            Rgb([v, v, v.saturating_add(4)])
        };
        if r < bore {
            Rgb([40, 38, 36])
        } else if r < hub {
            // Five stud holes on the hub, and the marks around them on the close-up.
            let angle = dy.atan2(dx);
            let stud = (0..5).any(|k| {
                let a = k as f32 * std::f32::consts::TAU / 5.0;
                let (sx, sy) = (a.cos() * (hub + bore) / 2.0, a.sin() * (hub + bore) / 2.0);
                (dx - sx).hypot(dy - sy) < bore * 0.35
            });
            let marked = which == DemoPhoto::TighteningMarks
                && ((angle * 20.0).sin() > 0.85)
                && r > hub * 0.75;
            if stud {
                Rgb([30, 30, 30])
            } else if marked {
                Rgb([120, 84, 52])
            } else {
                grey(150)
            }
        } else if r < outer {
            grey(185)
        } else {
            // The workbench: warm wood with a plank every 60 px.
            let plank = if y % 60 < 2 { 30 } else { 0 };
            Rgb([176 - plank, 134 - plank, 90 - plank])
        }
    });
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
        .expect("a drawn image encodes as PNG");
    let stored = reencode(&png, ImageFormat::Png).expect("a drawn PNG re-encodes");
    StoredPhoto {
        id: hex::encode(Sha256::digest(&png)),
        width: stored.width,
        height: stored.height,
        data: stored.jpeg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_demo_photos_are_distinct_jpegs_named_by_their_upload() {
        let whole = demo_photo(DemoPhoto::WholeDisc);
        let marks = demo_photo(DemoPhoto::TighteningMarks);
        assert_ne!(whole.id, marks.id);
        for photo in [&whole, &marks] {
            assert_eq!((photo.width, photo.height), (640, 480));
            assert_eq!(&photo.data[..2], &[0xFF, 0xD8], "a JPEG");
            assert!(!crate::reencode::jpeg_has_metadata(&photo.data));
        }
    }
}
