//! The return cart: read, add, change, remove, save, send.

use retour_app::{App, AppResult, CartEdit, CartLineRef, CartView, ReturnRequest, SaveOutcome};
use tauri::State;

/// The cart as the device holds it (no network).
#[tauri::command]
pub fn cart(app: State<'_, App>) -> AppResult<CartView> {
    app.cart()
}

/// Adds a BL line to the cart.
#[tauri::command]
pub async fn cart_add(app: State<'_, App>, args: CartEdit) -> AppResult<CartView> {
    app.cart_add(&args).await
}

/// Changes a cart line's quantity or reason.
#[tauri::command]
pub fn cart_set(app: State<'_, App>, args: CartEdit) -> AppResult<CartView> {
    app.cart_set(&args)
}

/// Removes a cart line.
#[tauri::command]
pub fn cart_remove(app: State<'_, App>, args: CartLineRef) -> AppResult<CartView> {
    app.cart_remove(&args)
}

/// Adds a photo (a file's or a camera capture's bytes) to a cart line, stripped on the device.
#[tauri::command]
pub async fn add_line_photo(
    app: State<'_, App>,
    delivery_note: String,
    line_no: u32,
    bytes: Vec<u8>,
) -> AppResult<CartView> {
    app.add_line_photo(&delivery_note, line_no, &bytes)
}

/// Takes a photo off a cart line.
#[tauri::command]
pub fn remove_line_photo(
    app: State<'_, App>,
    delivery_note: String,
    line_no: u32,
    photo_id: String,
) -> AppResult<CartView> {
    app.remove_line_photo(&delivery_note, line_no, &photo_id)
}

/// A photo's thumbnail (JPEG bytes), for a cart line or a file's line.
#[tauri::command]
pub async fn photo_thumbnail(app: State<'_, App>, photo_id: String) -> AppResult<Vec<u8>> {
    app.photo_thumbnail(&photo_id).await
}

/// Saves the cart and tries one sync; the outcome carries a French message.
#[tauri::command]
pub async fn save(app: State<'_, App>) -> AppResult<SaveOutcome> {
    app.save().await
}

/// Sends the cart as a return request.
#[tauri::command]
pub async fn send(app: State<'_, App>) -> AppResult<ReturnRequest> {
    app.send().await
}
