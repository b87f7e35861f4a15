//! Warranty claims ("Garantie") from a BL line: the form and its draft, its pictures, sending;
//! a sent claim's fitting invoice opened in the system viewer.

use retour_app::{App, AppResult, Dossier, WarrantyDraft, WarrantyFormView, WarrantyOutboxView};
use tauri::{AppHandle, State};

/// The claim's form of a BL line: the draft kept on the device (or a new one), checked.
#[tauri::command]
pub async fn warranty_form(
    app: State<'_, App>,
    delivery_note: String,
    line_no: u32,
) -> AppResult<WarrantyFormView> {
    app.warranty_form(&delivery_note, line_no).await
}

/// Saves the form as typed and checks it (a French message on each field).
#[tauri::command]
pub fn save_warranty_draft(
    app: State<'_, App>,
    draft: WarrantyDraft,
) -> AppResult<WarrantyFormView> {
    app.save_warranty_draft(&draft)
}

/// The VIN in a code scanned for the VIN field (`not_a_vin` when it is none).
#[tauri::command]
pub fn vin_from_scan(app: State<'_, App>, text: String) -> AppResult<String> {
    app.vin_from_scan(&text)
}

/// Adds a picture (photo of the part, or of the fitting invoice) to the draft.
#[tauri::command]
pub async fn add_warranty_photo(
    app: State<'_, App>,
    delivery_note: String,
    line_no: u32,
    documents: bool,
    bytes: Vec<u8>,
) -> AppResult<WarrantyFormView> {
    app.add_warranty_photo(&delivery_note, line_no, documents, &bytes)
}

/// Takes a picture off the draft.
#[tauri::command]
pub fn remove_warranty_photo(
    app: State<'_, App>,
    delivery_note: String,
    line_no: u32,
    photo_id: String,
) -> AppResult<WarrantyFormView> {
    app.remove_warranty_photo(&delivery_note, line_no, &photo_id)
}

/// Sends the claim (through the claim outbox, with its idempotency key).
#[tauri::command]
pub async fn send_warranty_claim(
    app: State<'_, App>,
    delivery_note: String,
    line_no: u32,
) -> AppResult<Dossier> {
    app.send_warranty_claim(&delivery_note, line_no).await
}

/// The claims waiting on the device or refused.
#[tauri::command]
pub fn warranty_outbox(app: State<'_, App>) -> AppResult<Vec<WarrantyOutboxView>> {
    app.warranty_outbox()
}

/// Opens a warranty file's fitting invoice (a PDF, or a photo) in the system viewer. The window
/// names the document by its id, never a path.
#[tauri::command]
pub async fn open_warranty_document(
    app: State<'_, App>,
    handle: AppHandle,
    document_id: String,
) -> AppResult<()> {
    crate::shell::open_file(&handle, &app.warranty_document(&document_id).await?)
}
