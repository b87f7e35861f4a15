//! Retour's barcode reading: luma frames and image files in, checked and classified codes out.
//!
//! The core is pure: frames come in as arguments (from a desktop camera through `retour-camera`,
//! from a WebView canvas on mobile, or from an image file), and nothing here touches a device.
//!
//! - [`frame`]: the one frame type every source converts into ([`LumaFrame`]).
//! - [`decoder`]: the staged decoder (fast pass first, harder passes while the time budget lasts),
//!   built on rxing's readers with our own scan-line confirmation and check-digit rules.
//! - [`isolation`]: runs the decoder on a worker thread so that a panic or an endless loop inside
//!   rxing can neither crash nor hang the caller.
//! - [`live`]: the live-camera pipeline (newest frame only, cross-frame confirmation, cooldown).
//! - [`file`]: every code in a PNG, JPEG or GIF image.
//! - [`wedge`]: USB keyboard-wedge scanners (a keystroke burst to a code, or a person typing).
//! - [`read`]: the serialisable read ([`ScanRead`]) with its classification from `retour-domain`.
#![forbid(unsafe_code)]

pub mod decoder;
pub mod file;
pub mod format;
pub mod frame;
pub mod isolation;
mod linear;
pub mod live;
mod matrix;
pub mod read;
pub mod validate;
pub mod wedge;

pub use decoder::{CodeRead, DecodeEffort, DecoderConfig, FrameDecode, FrameDecoder, RegionHint};
pub use file::{
    decode_image_bytes, decode_image_file, decode_luma_image, decode_luma_image_with,
    luma_of_image, ScanError,
};
pub use format::CodeFormat;
pub use frame::{FrameError, LumaFrame};
pub use isolation::{DecodeEngine, IsolatedDecoder, IsolationError};
pub use live::{LiveConfig, LiveConfirmer, LiveEvent, LiveScanner, LiveSession, LiveStats};
pub use read::ScanRead;
pub use wedge::{parse_burst, Keystroke, WedgeCode, WedgeKey, WedgeListener, WedgeOutcome};
