//! The driver's handover: "Préparer l'enlèvement" (the QR code, the manifest) for the garage,
//! and "Mode chauffeur" (read a QR code, confirm) for staff accounts.

use retour_app::{App, AppResult, DriverScanView, HandoverArgs, HandoverView, PendingPickupView};
use tauri::{AppHandle, State};

use crate::shell;

/// The files waiting for the driver and the QR code to show.
#[tauri::command]
pub async fn pending_pickup(app: State<'_, App>) -> AppResult<PendingPickupView> {
    app.pending_pickup().await
}

/// Opens the pickup manifest PDF in the system viewer (the window names no path).
#[tauri::command]
pub async fn open_pickup_manifest(app: State<'_, App>, handle: AppHandle) -> AppResult<()> {
    shell::open_file(&handle, &app.pickup_manifest_pdf().await?)
}

/// What a garage's QR code says, read offline, with the time of the scan.
#[tauri::command]
pub fn driver_scan(app: State<'_, App>, text: String) -> AppResult<DriverScanView> {
    app.driver_scan(&text)
}

/// The driver confirms the handover (kept on the device first; offline it waits).
#[tauri::command]
pub async fn confirm_handover(app: State<'_, App>, args: HandoverArgs) -> AppResult<HandoverView> {
    app.confirm_handover(&args).await
}

/// The driver's confirmations made on this device, newest first.
#[tauri::command]
pub fn handovers(app: State<'_, App>) -> AppResult<Vec<HandoverView>> {
    app.handovers()
}
