//! What the customer can return: the service's hours, the recent delivery notes, one BL, a code
//! looked up, the return reasons, and the codes in a photo.

use retour_app::{
    App, AppResult, DeliveryNoteView, DeliveryNotesView, LookupView, Reason, ScanRead, ServiceView,
};
use tauri::State;

/// Whether declaring is open now, with the week's hours in French.
#[tauri::command]
pub async fn service(app: State<'_, App>) -> AppResult<ServiceView> {
    app.service().await
}

/// The delivery notes of the last `days` days.
#[tauri::command]
pub async fn delivery_notes(app: State<'_, App>, days: u32) -> AppResult<DeliveryNotesView> {
    app.delivery_notes(days).await
}

/// One delivery note with what is still eligible on each line.
#[tauri::command]
pub async fn delivery_note(app: State<'_, App>, number: String) -> AppResult<DeliveryNoteView> {
    app.delivery_note(&number).await
}

/// A BL number as typed, checked without the network: the normalised number or the French error.
#[tauri::command]
pub fn validate_bl_number(input: String) -> AppResult<String> {
    retour_app::validate_bl_number(&input)
}

/// A scanned or typed code: the BL to open, or the BLs holding that reference or product.
#[tauri::command]
pub async fn lookup(app: State<'_, App>, code: String) -> AppResult<LookupView> {
    app.lookup(&code).await
}

/// The return reasons with their French labels.
#[tauri::command]
pub async fn reasons(app: State<'_, App>) -> AppResult<Vec<Reason>> {
    app.reasons().await
}

/// Every code in an image given as bytes (the window's file input).
#[tauri::command(async)]
pub fn scan_bytes(bytes: Vec<u8>) -> AppResult<Vec<ScanRead>> {
    retour_app::scan_bytes(&bytes)
}
