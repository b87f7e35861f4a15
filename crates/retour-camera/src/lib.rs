//! Retour's camera layer: desktop capture (nokhwa, behind the `native` feature), the live loop that
//! feeds frames to `retour-scan`'s [`retour_scan::LiveScanner`], and the JPEG preview for the UI.
//!
//! - [`frame`]: [`RgbFrame`], what a camera gives, and its conversion to the decoder's frame.
//! - [`error`]: [`CameraError`], each case with a French message for the UI.
//! - [`source`]: the [`FrameSource`] trait and camera listing/opening (nokhwa when built with
//!   `native`, a typed "not available" error otherwise).
//! - [`preview`]: downscaled JPEG previews, at most 15 per second.
//! - [`pump`]: the capture loop: camera → scanner (newest frame wins) and → preview.
//! - [`still`]: [`StillImageSource`], a picture filmed at ~30 fps in place of a camera
//!   (`RETOUR_CAMERA_IMAGE`: demos and tests on machines without one).
//!
//! Mobile has no nokhwa backend: there the WebView captures frames (getUserMedia + canvas) and
//! hands RGBA bytes to [`retour_scan::LumaFrame::from_rgba`]; that path needs nothing from here.
#![forbid(unsafe_code)]

pub mod error;
pub mod frame;
pub mod preview;
pub mod pump;
pub mod source;
pub mod still;

pub use error::CameraError;
pub use frame::RgbFrame;
pub use preview::{encode_preview_jpeg, PreviewThrottle, PREVIEW_MAX_FPS};
pub use pump::{pump_frames, PumpReport};
pub use source::{list_cameras, open_camera, CameraInfo, FrameSource};
pub use still::{
    camera_image_from_env, StillImageSource, CAMERA_IMAGE_ENV, STILL_IMAGE_FRAME_INTERVAL,
};
