//! The camera: which there are, start filming (previews and reads come as events), stop.

use retour_app::{App, AppResult, CameraInfo};
use tauri::{AppHandle, State};

use crate::events;

/// The cameras of this device.
#[tauri::command]
pub fn cameras(app: State<'_, App>) -> AppResult<Vec<CameraInfo>> {
    app.cameras()
}

/// Starts filming with `device` (the default camera when absent): `camera-frame` and
/// `scan-read` events follow.
#[tauri::command(async)]
pub fn camera_start(
    app: State<'_, App>,
    handle: AppHandle,
    device: Option<String>,
) -> AppResult<()> {
    app.camera_start(
        device.as_deref(),
        events::camera_frame(handle.clone()),
        events::scan_read(handle),
    )
}

/// Stops the camera.
#[tauri::command(async)]
pub fn camera_stop(app: State<'_, App>) -> AppResult<()> {
    app.camera_stop()
}
