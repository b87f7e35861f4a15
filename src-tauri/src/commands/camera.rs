//! The camera: which there are, start filming (previews and reads come as events), stop; and
//! the WebView camera's frames, decoded one command at a time.

use retour_app::{App, AppResult, CameraInfo, ScanRead};
use tauri::{AppHandle, State};

use crate::events;

/// The cameras of this device.
#[tauri::command]
pub fn cameras(app: State<'_, App>) -> AppResult<Vec<CameraInfo>> {
    app.cameras()
}

/// Starts filming with `device` (the default camera when absent): `camera-frame` and
/// `scan-read` events follow, and `camera-lost` if the camera goes away.
#[tauri::command(async)]
pub fn camera_start(
    app: State<'_, App>,
    handle: AppHandle,
    device: Option<String>,
) -> AppResult<()> {
    app.camera_start(
        device.as_deref(),
        events::camera_frame(handle.clone()),
        events::scan_read(handle.clone()),
        events::camera_lost(handle),
    )
}

/// Decodes one frame the page filmed (`width` × `height` luma bytes): the codes to act on now.
#[tauri::command(async)]
pub fn camera_scan_frame(
    app: State<'_, App>,
    width: u32,
    height: u32,
    luma: Vec<u8>,
) -> AppResult<Vec<ScanRead>> {
    app.camera_scan_frame(width, height, luma)
}

/// Stops the camera (the native one, and the WebView camera's session).
#[tauri::command(async)]
pub fn camera_stop(app: State<'_, App>) -> AppResult<()> {
    app.camera_stop()
}
