//! Where frames come from: a [`FrameSource`]; desktop cameras through nokhwa when built with the
//! `native` feature, and a typed [`CameraError::NotAvailable`] otherwise.

use serde::Serialize;

use crate::error::CameraError;
use crate::frame::RgbFrame;

/// Anything that yields camera frames, one call at a time (blocking until the next one).
pub trait FrameSource {
    /// The next frame.
    fn next_frame(&mut self) -> Result<RgbFrame, CameraError>;
}

/// A camera the user can pick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CameraInfo {
    /// The index to pass to [`open_camera`].
    pub index: u32,
    /// The name the system gives it.
    pub name: String,
}

#[cfg(feature = "native")]
mod native {
    use nokhwa::pixel_format::RgbFormat;
    use nokhwa::utils::{ApiBackend, CameraIndex, RequestedFormat, RequestedFormatType};
    use nokhwa::{Camera, NokhwaError};

    use super::{CameraInfo, FrameSource};
    use crate::error::CameraError;
    use crate::frame::RgbFrame;

    fn map_error(error: NokhwaError) -> CameraError {
        CameraError::from_backend_message(&error.to_string())
    }

    pub fn list_cameras() -> Result<Vec<CameraInfo>, CameraError> {
        let cameras = nokhwa::query(ApiBackend::Auto).map_err(map_error)?;
        Ok(cameras
            .iter()
            .enumerate()
            .map(|(position, info)| CameraInfo {
                index: match info.index() {
                    CameraIndex::Index(i) => *i,
                    CameraIndex::String(_) => position as u32,
                },
                name: info.human_name(),
            })
            .collect())
    }

    /// An open nokhwa camera, streaming.
    pub struct NativeCamera {
        camera: Camera,
    }

    impl FrameSource for NativeCamera {
        fn next_frame(&mut self) -> Result<RgbFrame, CameraError> {
            let buffer = self.camera.frame().map_err(map_error)?;
            let image = buffer.decode_image::<RgbFormat>().map_err(map_error)?;
            let (width, height) = image.dimensions();
            RgbFrame::new(width, height, image.into_raw())
                .map_err(|e| CameraError::Failed(e.to_string()))
        }
    }

    impl Drop for NativeCamera {
        fn drop(&mut self) {
            let _ = self.camera.stop_stream();
        }
    }

    pub fn open_camera(index: u32) -> Result<Box<dyn FrameSource>, CameraError> {
        if list_cameras()?.is_empty() {
            return Err(CameraError::NoCamera);
        }
        let format =
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
        let mut camera = Camera::new(CameraIndex::Index(index), format).map_err(map_error)?;
        camera.open_stream().map_err(map_error)?;
        Ok(Box::new(NativeCamera { camera }))
    }
}

/// The cameras connected to this computer (empty when there is none).
pub fn list_cameras() -> Result<Vec<CameraInfo>, CameraError> {
    #[cfg(feature = "native")]
    {
        native::list_cameras()
    }
    #[cfg(not(feature = "native"))]
    {
        Err(CameraError::NotAvailable)
    }
}

/// Opens camera `index` and starts streaming. The camera is not `Send` (nokhwa): open it on the
/// thread that will read it, typically the one running [`crate::pump_frames`].
pub fn open_camera(index: u32) -> Result<Box<dyn FrameSource>, CameraError> {
    #[cfg(feature = "native")]
    {
        native::open_camera(index)
    }
    #[cfg(not(feature = "native"))]
    {
        let _ = index;
        Err(CameraError::NotAvailable)
    }
}
