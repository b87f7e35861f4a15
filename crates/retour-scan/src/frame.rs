//! The one frame type the decoder reads: 8-bit luminance, row-major, no padding.
//!
//! Every source converts into it: nokhwa's RGB frames on desktop, the RGBA bytes a WebView canvas
//! returns from `getImageData` (the mobile path, usable on desktop too), decoded image files.

use thiserror::Error;

/// Why bytes could not be turned into a frame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    /// Width or height is zero.
    #[error("frame has an empty dimension ({width}x{height})")]
    EmptyDimension { width: u32, height: u32 },
    /// The byte count does not match width × height × bytes per pixel.
    #[error("frame of {width}x{height} with {bytes_per_pixel} byte(s) per pixel needs {expected} bytes, got {actual}")]
    WrongLength {
        width: u32,
        height: u32,
        bytes_per_pixel: usize,
        expected: usize,
        actual: usize,
    },
}

/// An 8-bit grayscale frame.
#[derive(Clone, PartialEq, Eq)]
pub struct LumaFrame {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for LumaFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LumaFrame({}x{})", self.width, self.height)
    }
}

/// ITU-R BT.601 luma from 8-bit R, G, B, in integer arithmetic (weights sum to 256).
fn luma_of(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}

fn check_size(
    width: u32,
    height: u32,
    bytes_per_pixel: usize,
    actual: usize,
) -> Result<(), FrameError> {
    if width == 0 || height == 0 {
        return Err(FrameError::EmptyDimension { width, height });
    }
    let expected = width as usize * height as usize * bytes_per_pixel;
    if expected != actual {
        return Err(FrameError::WrongLength {
            width,
            height,
            bytes_per_pixel,
            expected,
            actual,
        });
    }
    Ok(())
}

impl LumaFrame {
    /// A frame from luminance bytes (one per pixel).
    pub fn from_luma(width: u32, height: u32, pixels: Vec<u8>) -> Result<LumaFrame, FrameError> {
        check_size(width, height, 1, pixels.len())?;
        Ok(LumaFrame {
            width,
            height,
            pixels,
        })
    }

    /// A frame from RGBA bytes, as a canvas `getImageData` returns them (alpha is ignored).
    pub fn from_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<LumaFrame, FrameError> {
        LumaFrame::from_colour(width, height, 4, rgba)
    }

    /// A frame from packed RGB bytes, as nokhwa decodes camera frames.
    pub fn from_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<LumaFrame, FrameError> {
        LumaFrame::from_colour(width, height, 3, rgb)
    }

    /// Pixels of `channels` bytes each, red, green and blue first.
    fn from_colour(
        width: u32,
        height: u32,
        channels: usize,
        bytes: &[u8],
    ) -> Result<LumaFrame, FrameError> {
        check_size(width, height, channels, bytes.len())?;
        let pixels = bytes
            .chunks_exact(channels)
            .map(|p| luma_of(p[0], p[1], p[2]))
            .collect();
        Ok(LumaFrame {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The luminance bytes, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Takes the luminance bytes back.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }

    /// The frame turned a quarter clockwise (what was the left column becomes the top row).
    pub fn rotated_quarter(&self) -> LumaFrame {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = vec![0u8; w * h];
        for y in 0..h {
            let row = &self.pixels[y * w..(y + 1) * w];
            for (x, &value) in row.iter().enumerate() {
                out[x * h + (h - 1 - y)] = value;
            }
        }
        LumaFrame {
            width: self.height,
            height: self.width,
            pixels: out,
        }
    }

    /// The given columns as rows, each read bottom to top: row `i` is row `columns[i]` of
    /// [`LumaFrame::rotated_quarter`], without turning the whole frame. `None` if a column is
    /// out of range or none is asked for.
    pub fn columns_as_rows(&self, columns: &[u32]) -> Option<LumaFrame> {
        if columns.is_empty() || columns.iter().any(|&c| c >= self.width) {
            return None;
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = Vec::with_capacity(columns.len() * h);
        for &column in columns {
            out.extend((0..h).rev().map(|y| self.pixels[y * w + column as usize]));
        }
        Some(LumaFrame {
            width: self.height,
            height: columns.len() as u32,
            pixels: out,
        })
    }

    /// The frame at half size in each dimension (2×2 box average); `None` below 2×2.
    pub fn halved(&self) -> Option<LumaFrame> {
        let (w, h) = (self.width as usize / 2, self.height as usize / 2);
        if w == 0 || h == 0 {
            return None;
        }
        let stride = self.width as usize;
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            let top = &self.pixels[2 * y * stride..];
            let bottom = &self.pixels[(2 * y + 1) * stride..];
            for x in 0..w {
                let sum = u32::from(top[2 * x])
                    + u32::from(top[2 * x + 1])
                    + u32::from(bottom[2 * x])
                    + u32::from(bottom[2 * x + 1]);
                out.push(((sum + 2) / 4) as u8);
            }
        }
        Some(LumaFrame {
            width: w as u32,
            height: h as u32,
            pixels: out,
        })
    }

    /// The frame scaled up by an integer factor (nearest neighbour), for codes with thin modules.
    pub fn enlarged(&self, factor: u32) -> LumaFrame {
        let factor = factor.max(1) as usize;
        let (w, h) = (self.width as usize, self.height as usize);
        let mut out = Vec::with_capacity(w * h * factor * factor);
        for y in 0..h {
            let row = &self.pixels[y * w..(y + 1) * w];
            let start = out.len();
            for &value in row {
                out.extend(std::iter::repeat_n(value, factor));
            }
            for _ in 1..factor {
                out.extend_from_within(start..start + w * factor);
            }
        }
        LumaFrame {
            width: (w * factor) as u32,
            height: (h * factor) as u32,
            pixels: out,
        }
    }

    /// Each row replaced by the average of `band` rows starting there (bars are vertical, so
    /// this averages noise away along them), and stretched `stretch` times horizontally with
    /// linear interpolation (edges of one-pixel modules land between pixels). Its height is
    /// `height - band + 1`.
    pub fn smoothed_along_bars(&self, band: u32, stretch: u32) -> Option<LumaFrame> {
        let band = band.max(1) as usize;
        let stretch = stretch.max(1) as usize;
        let (w, h) = (self.width as usize, self.height as usize);
        if h < band || w < 2 {
            return None;
        }
        let out_h = h - band + 1;
        let out_w = (w - 1) * stretch + 1;
        let mut sums = vec![0u32; w];
        for row in self.pixels.chunks_exact(w).take(band) {
            for (sum, &value) in sums.iter_mut().zip(row) {
                *sum += u32::from(value);
            }
        }
        let mut out = Vec::with_capacity(out_w * out_h);
        let divisor = band as u32;
        for y in 0..out_h {
            if y > 0 {
                let leaving = &self.pixels[(y - 1) * w..y * w];
                let entering = &self.pixels[(y + band - 1) * w..(y + band) * w];
                for ((sum, &old), &new) in sums.iter_mut().zip(leaving).zip(entering) {
                    *sum = *sum + u32::from(new) - u32::from(old);
                }
            }
            for x in 0..w - 1 {
                let (a, b) = (sums[x], sums[x + 1]);
                for step in 0..stretch as u32 {
                    let mixed = (a * (stretch as u32 - step) + b * step) / stretch as u32;
                    out.push(((mixed + divisor / 2) / divisor) as u8);
                }
            }
            out.push(((sums[w - 1] + divisor / 2) / divisor) as u8);
        }
        Some(LumaFrame {
            width: out_w as u32,
            height: out_h as u32,
            pixels: out,
        })
    }

    /// The frame turned by a small angle about its centre (bilinear; outside is white), same
    /// size: scan lines across it cross the frame slightly slanted.
    pub fn tilted(&self, degrees: f32) -> LumaFrame {
        let (w, h) = (self.width as usize, self.height as usize);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            let dy = y as f32 - cy;
            for x in 0..w {
                let dx = x as f32 - cx;
                let sx = cx + dx * cos - dy * sin;
                let sy = cy + dx * sin + dy * cos;
                if sx < 0.0 || sy < 0.0 || sx > (w - 1) as f32 || sy > (h - 1) as f32 {
                    out.push(255);
                    continue;
                }
                let (x0, y0) = (sx as usize, sy as usize);
                let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                let at = |x: usize, y: usize| f32::from(self.pixels[y * w + x]);
                let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
                let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
                out.push((top * (1.0 - fy) + bottom * fy).round() as u8);
            }
        }
        LumaFrame {
            width: self.width,
            height: self.height,
            pixels: out,
        }
    }

    /// The frame doubled in each dimension with bilinear interpolation: small 2D marks get
    /// modules of four pixels or more, with edges between the old pixels.
    pub fn doubled_smooth(&self) -> LumaFrame {
        let (w, h) = (self.width as usize, self.height as usize);
        let (ow, oh) = (2 * w, 2 * h);
        let mut out = Vec::with_capacity(ow * oh);
        let at = |x: usize, y: usize| u32::from(self.pixels[y * w + x]);
        for oy in 0..oh {
            // Output pixel centres fall at quarter positions of the input grid.
            let (y0, y1, fy) = bilinear_taps(oy, h);
            for ox in 0..ow {
                let (x0, x1, fx) = bilinear_taps(ox, w);
                let top = at(x0, y0) * (4 - fx) + at(x1, y0) * fx;
                let bottom = at(x0, y1) * (4 - fx) + at(x1, y1) * fx;
                out.push(((top * (4 - fy) + bottom * fy + 8) / 16) as u8);
            }
        }
        LumaFrame {
            width: ow as u32,
            height: oh as u32,
            pixels: out,
        }
    }

    /// Local contrast raised `gain` times around a box mean of `2 * radius + 1` pixels: a
    /// faint mark (a few grey levels on grey, under the binarizer's minimum contrast) becomes
    /// a dark-on-light one; flat areas stay mid-grey.
    pub fn contrast_boosted(&self, gain: u32, radius: u32) -> LumaFrame {
        let (w, h) = (self.width as usize, self.height as usize);
        let r = radius.max(1) as usize;
        let sums = integral(&self.pixels, w, h);
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
            for x in 0..w {
                let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
                let area = ((y1 - y0) * (x1 - x0)) as i64;
                let sum =
                    sums[y1 * (w + 1) + x1] - sums[y0 * (w + 1) + x1] - sums[y1 * (w + 1) + x0]
                        + sums[y0 * (w + 1) + x0];
                let value = i64::from(self.pixels[y * w + x]);
                let boosted = 128 + (value * area - sum) * i64::from(gain) / area;
                out.push(boosted.clamp(0, 255) as u8);
            }
        }
        LumaFrame {
            width: self.width,
            height: self.height,
            pixels: out,
        }
    }

    /// Each pixel replaced by the darkest of its `2 * radius + 1` square neighbourhood: the
    /// separate dots of a dot-peened or inkjet mark grow into touching modules.
    pub fn darkest_around(&self, radius: u32) -> LumaFrame {
        let (w, h) = (self.width as usize, self.height as usize);
        let r = radius as usize;
        // Separable: rows first, then columns.
        let mut rows = vec![0u8; w * h];
        for y in 0..h {
            let line = &self.pixels[y * w..(y + 1) * w];
            for x in 0..w {
                let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
                rows[y * w + x] = line[x0..x1].iter().copied().min().unwrap_or(255);
            }
        }
        let mut out = vec![0u8; w * h];
        for y in 0..h {
            let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
            for x in 0..w {
                out[y * w + x] = (y0..y1).map(|yy| rows[yy * w + x]).min().unwrap_or(255);
            }
        }
        LumaFrame {
            width: self.width,
            height: self.height,
            pixels: out,
        }
    }

    /// A rectangle of the frame, clamped to its bounds; `None` if nothing is left.
    pub fn cropped(&self, left: u32, top: u32, width: u32, height: u32) -> Option<LumaFrame> {
        let left = left.min(self.width);
        let top = top.min(self.height);
        let width = width.min(self.width - left);
        let height = height.min(self.height - top);
        if width == 0 || height == 0 {
            return None;
        }
        let stride = self.width as usize;
        let mut out = Vec::with_capacity(width as usize * height as usize);
        for y in top..top + height {
            let start = y as usize * stride + left as usize;
            out.extend_from_slice(&self.pixels[start..start + width as usize]);
        }
        Some(LumaFrame {
            width,
            height,
            pixels: out,
        })
    }
}

/// For output index `o` of a doubled axis of `size` pixels: the two input taps and the weight
/// of the second, in quarters.
fn bilinear_taps(o: usize, size: usize) -> (usize, usize, u32) {
    // Centre of output pixel o in input coordinates: (o + 0.5) / 2 - 0.5 = (2o - 1) / 4.
    if o == 0 {
        return (0, 0, 0);
    }
    let quarters = 2 * o - 1;
    let i0 = (quarters / 4).min(size - 1);
    let i1 = (i0 + 1).min(size - 1);
    (i0, i1, (quarters % 4) as u32)
}

/// The summed-area table of a `w`×`h` image, `(w + 1) × (h + 1)` entries.
fn integral(pixels: &[u8], w: usize, h: usize) -> Vec<i64> {
    let mut sums = vec![0i64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0i64;
        for x in 0..w {
            row += i64::from(pixels[y * w + x]);
            sums[(y + 1) * (w + 1) + x + 1] = sums[y * (w + 1) + x + 1] + row;
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_from_a_canvas_becomes_luma() {
        let rgba = [255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 0];
        let frame = LumaFrame::from_rgba(3, 1, &rgba).unwrap();
        assert_eq!(frame.pixels(), &[255, 0, 77]);
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert_eq!(
            LumaFrame::from_rgb(2, 2, &[0; 11]),
            Err(FrameError::WrongLength {
                width: 2,
                height: 2,
                bytes_per_pixel: 3,
                expected: 12,
                actual: 11
            })
        );
        assert_eq!(
            LumaFrame::from_luma(0, 2, vec![]),
            Err(FrameError::EmptyDimension {
                width: 0,
                height: 2
            })
        );
    }

    #[test]
    fn quarter_turn_moves_the_left_column_to_the_top_row() {
        let frame = LumaFrame::from_luma(3, 2, vec![1, 2, 3, 4, 5, 6]).unwrap();
        let turned = frame.rotated_quarter();
        assert_eq!((turned.width(), turned.height()), (2, 3));
        assert_eq!(turned.pixels(), &[4, 1, 5, 2, 6, 3]);
        let strip = frame.columns_as_rows(&[2, 0]).unwrap();
        assert_eq!(strip.pixels(), &[6, 3, 4, 1]);
    }

    #[test]
    fn halving_and_enlarging_keep_the_content() {
        let frame = LumaFrame::from_luma(2, 2, vec![0, 100, 200, 100]).unwrap();
        assert_eq!(frame.halved().unwrap().pixels(), &[100]);
        let big = frame.enlarged(2);
        assert_eq!((big.width(), big.height()), (4, 4));
        assert_eq!(&big.pixels()[..8], &[0, 0, 100, 100, 0, 0, 100, 100]);
        assert_eq!(
            big.cropped(2, 2, 9, 9).unwrap().pixels(),
            &[100, 100, 100, 100]
        );
        let smooth = frame.doubled_smooth();
        assert_eq!((smooth.width(), smooth.height()), (4, 4));
        assert_eq!(&smooth.pixels()[..4], &[0, 25, 75, 100]);
    }

    #[test]
    fn faint_marks_are_boosted_and_dots_grow() {
        let mut pixels = vec![130u8; 25];
        pixels[12] = 118;
        let frame = LumaFrame::from_luma(5, 5, pixels).unwrap();
        let boosted = frame.contrast_boosted(8, 2);
        assert!(boosted.pixels()[12] < 60, "{:?}", boosted.pixels());
        assert!(boosted.pixels()[0] > 128);
        let grown = frame.darkest_around(1);
        assert_eq!(grown.pixels()[6], 118);
        assert_eq!(grown.pixels()[0], 130);
    }
}
