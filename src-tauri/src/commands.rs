//! The commands the window calls: one line each over the `retour-app` façade (or, for what is
//! the shell's own business — settings, app facts, timings — over `shell`).
//!
//! Commands that may take a while without the network (decoding a photo, opening a camera) are
//! `async` so that they run off the window's main thread.

use retour_app::{
    App, CameraInfo, CartEdit, CartLineRef, CartView, DeliveryNoteView, DeliveryNotesView, Dossier,
    DossiersArgs, DossiersView, LoginArgs, LookupView, ReturnRequest, SaveOutcome, ScanRead,
    ServiceView, SessionView, SyncStateView as SyncState,
};
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::events;
use crate::shell::{AppInfo, Settings, Shell};

#[tauri::command]
pub fn app_info(shell: State<'_, Shell>) -> CommandResult<AppInfo> {
    Ok(shell.info())
}

#[tauri::command]
pub fn session(app: State<'_, App>) -> CommandResult<SessionView> {
    Ok(app.session())
}

#[tauri::command]
pub async fn login(app: State<'_, App>, args: LoginArgs) -> CommandResult<SessionView> {
    app.login(&args).await.map_err(Into::into)
}

#[tauri::command]
pub async fn sso_login(app: State<'_, App>, token: String) -> CommandResult<SessionView> {
    app.login_sso(&token, true).await.map_err(Into::into)
}

#[tauri::command]
pub fn pending_sso_token(shell: State<'_, Shell>) -> CommandResult<Option<String>> {
    Ok(shell.take_sso_token())
}

#[tauri::command]
pub async fn logout(app: State<'_, App>) -> CommandResult<()> {
    app.logout().await.map_err(Into::into)
}

#[tauri::command]
pub async fn request_password_reset(app: State<'_, App>, email: String) -> CommandResult<()> {
    app.request_password_reset(&email).await.map_err(Into::into)
}

#[tauri::command]
pub async fn reset_password(
    app: State<'_, App>,
    token: String,
    new_password: String,
) -> CommandResult<()> {
    app.reset_password(&token, &new_password)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn request_unlock(app: State<'_, App>, email: String) -> CommandResult<()> {
    app.request_unlock(&email).await.map_err(Into::into)
}

#[tauri::command]
pub async fn unlock_account(app: State<'_, App>, token: String) -> CommandResult<()> {
    app.unlock_account(&token).await.map_err(Into::into)
}

#[tauri::command]
pub async fn service(app: State<'_, App>) -> CommandResult<ServiceView> {
    app.service().await.map_err(Into::into)
}

#[tauri::command]
pub async fn recent_delivery_notes(
    app: State<'_, App>,
    days: u32,
) -> CommandResult<DeliveryNotesView> {
    app.delivery_notes(days).await.map_err(Into::into)
}

#[tauri::command]
pub async fn delivery_note(app: State<'_, App>, number: String) -> CommandResult<DeliveryNoteView> {
    app.delivery_note(&number).await.map_err(Into::into)
}

#[tauri::command]
pub fn validate_bl_number(input: String) -> CommandResult<String> {
    retour_app::validate_bl_number(&input).map_err(Into::into)
}

#[tauri::command]
pub async fn lookup(app: State<'_, App>, code: String) -> CommandResult<LookupView> {
    app.lookup(&code).await.map_err(Into::into)
}

#[tauri::command(async)]
pub fn scan_image(bytes: Vec<u8>) -> CommandResult<Vec<ScanRead>> {
    retour_app::scan_bytes(&bytes).map_err(Into::into)
}

#[tauri::command]
pub fn cart(app: State<'_, App>) -> CommandResult<CartView> {
    app.cart().map_err(Into::into)
}

#[tauri::command]
pub async fn cart_add(app: State<'_, App>, args: CartEdit) -> CommandResult<CartView> {
    app.cart_add(&args).await.map_err(Into::into)
}

#[tauri::command]
pub fn cart_set(app: State<'_, App>, args: CartEdit) -> CommandResult<CartView> {
    app.cart_set(&args).map_err(Into::into)
}

#[tauri::command]
pub fn cart_remove(app: State<'_, App>, args: CartLineRef) -> CommandResult<CartView> {
    app.cart_remove(&args).map_err(Into::into)
}

#[tauri::command]
pub async fn cart_save(app: State<'_, App>) -> CommandResult<SaveOutcome> {
    app.save().await.map_err(Into::into)
}

#[tauri::command]
pub async fn cart_send(app: State<'_, App>) -> CommandResult<ReturnRequest> {
    app.send().await.map_err(Into::into)
}

#[tauri::command]
pub async fn dossiers(app: State<'_, App>, args: DossiersArgs) -> CommandResult<DossiersView> {
    app.dossiers(&args).await.map_err(Into::into)
}

#[tauri::command]
pub async fn dossier(app: State<'_, App>, number: String) -> CommandResult<Dossier> {
    app.dossier(&number).await.map_err(Into::into)
}

#[tauri::command]
pub async fn preaccord_path(
    app: State<'_, App>,
    request_id: String,
) -> CommandResult<std::path::PathBuf> {
    app.preaccord_pdf(&request_id).await.map_err(Into::into)
}

#[tauri::command]
pub fn sync_state(app: State<'_, App>) -> CommandResult<SyncState> {
    Ok(app.sync_state())
}

#[tauri::command]
pub async fn sync_now(app: State<'_, App>) -> CommandResult<SyncState> {
    app.sync_now().await.map_err(Into::into)
}

#[tauri::command]
pub fn settings(shell: State<'_, Shell>) -> CommandResult<Settings> {
    Ok(shell.settings())
}

#[tauri::command]
pub fn save_settings(
    shell: State<'_, Shell>,
    handle: tauri::AppHandle,
    settings: Settings,
) -> CommandResult<()> {
    shell.save_settings(&handle, settings).map_err(Into::into)
}

#[tauri::command]
pub fn cameras(app: State<'_, App>) -> CommandResult<Vec<CameraInfo>> {
    app.cameras().map_err(Into::into)
}

#[tauri::command(async)]
pub fn camera_start(
    app: State<'_, App>,
    handle: AppHandle,
    device: Option<String>,
) -> CommandResult<()> {
    app.camera_start(
        device.as_deref(),
        events::camera_frame(handle.clone()),
        events::scan_read(handle),
    )
    .map_err(Into::into)
}

#[tauri::command(async)]
pub fn camera_stop(app: State<'_, App>) -> CommandResult<()> {
    app.camera_stop().map_err(Into::into)
}

#[tauri::command]
pub fn ui_rendered(
    shell: State<'_, Shell>,
    screen: String,
    burst_ms: Option<f64>,
    first_key_ms: Option<f64>,
) -> CommandResult<()> {
    shell
        .record_render(&screen, burst_ms, first_key_ms)
        .map_err(Into::into)
}
