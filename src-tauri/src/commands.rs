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
    retour_app::session(&app).map_err(Into::into)
}

#[tauri::command]
pub async fn login(app: State<'_, App>, args: LoginArgs) -> CommandResult<SessionView> {
    retour_app::login(&app, args).await.map_err(Into::into)
}

#[tauri::command]
pub async fn sso_login(app: State<'_, App>, token: String) -> CommandResult<SessionView> {
    retour_app::login_sso(&app, token, true)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub fn pending_sso_token(shell: State<'_, Shell>) -> CommandResult<Option<String>> {
    Ok(shell.take_sso_token())
}

#[tauri::command]
pub async fn logout(app: State<'_, App>) -> CommandResult<()> {
    retour_app::logout(&app).await.map_err(Into::into)
}

#[tauri::command]
pub async fn request_password_reset(app: State<'_, App>, email: String) -> CommandResult<()> {
    retour_app::request_password_reset(&app, email)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn reset_password(
    app: State<'_, App>,
    token: String,
    new_password: String,
) -> CommandResult<()> {
    retour_app::reset_password(&app, token, new_password)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn request_unlock(app: State<'_, App>, email: String) -> CommandResult<()> {
    retour_app::request_unlock(&app, email)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn unlock_account(app: State<'_, App>, token: String) -> CommandResult<()> {
    retour_app::unlock_account(&app, token)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn service(app: State<'_, App>) -> CommandResult<ServiceView> {
    retour_app::service(&app).await.map_err(Into::into)
}

#[tauri::command]
pub async fn recent_delivery_notes(
    app: State<'_, App>,
    days: u32,
) -> CommandResult<DeliveryNotesView> {
    retour_app::delivery_notes(&app, days)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub async fn delivery_note(app: State<'_, App>, number: String) -> CommandResult<DeliveryNoteView> {
    retour_app::delivery_note(&app, number)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub fn validate_bl_number(input: String) -> CommandResult<String> {
    retour_app::validate_bl_number(&input).map_err(Into::into)
}

#[tauri::command]
pub async fn lookup(app: State<'_, App>, code: String) -> CommandResult<LookupView> {
    retour_app::lookup(&app, code).await.map_err(Into::into)
}

#[tauri::command(async)]
pub fn scan_image(bytes: Vec<u8>) -> CommandResult<Vec<ScanRead>> {
    retour_app::scan_bytes(&bytes).map_err(Into::into)
}

#[tauri::command]
pub fn cart(app: State<'_, App>) -> CommandResult<CartView> {
    retour_app::cart(&app).map_err(Into::into)
}

#[tauri::command]
pub async fn cart_add(app: State<'_, App>, args: CartEdit) -> CommandResult<CartView> {
    retour_app::cart_add(&app, args).await.map_err(Into::into)
}

#[tauri::command]
pub fn cart_set(app: State<'_, App>, args: CartEdit) -> CommandResult<CartView> {
    retour_app::cart_set(&app, args).map_err(Into::into)
}

#[tauri::command]
pub fn cart_remove(app: State<'_, App>, args: CartLineRef) -> CommandResult<CartView> {
    retour_app::cart_remove(&app, args).map_err(Into::into)
}

#[tauri::command]
pub async fn cart_save(app: State<'_, App>) -> CommandResult<SaveOutcome> {
    retour_app::save(&app).await.map_err(Into::into)
}

#[tauri::command]
pub async fn cart_send(app: State<'_, App>) -> CommandResult<ReturnRequest> {
    retour_app::send(&app).await.map_err(Into::into)
}

#[tauri::command]
pub async fn dossiers(app: State<'_, App>, args: DossiersArgs) -> CommandResult<DossiersView> {
    retour_app::dossiers(&app, args).await.map_err(Into::into)
}

#[tauri::command]
pub async fn dossier(app: State<'_, App>, number: String) -> CommandResult<Dossier> {
    retour_app::dossier(&app, number).await.map_err(Into::into)
}

#[tauri::command]
pub async fn preaccord_path(
    app: State<'_, App>,
    request_id: String,
) -> CommandResult<std::path::PathBuf> {
    retour_app::preaccord_pdf(&app, request_id)
        .await
        .map_err(Into::into)
}

#[tauri::command]
pub fn sync_state(app: State<'_, App>) -> CommandResult<SyncState> {
    retour_app::sync_state(&app).map_err(Into::into)
}

#[tauri::command]
pub async fn sync_now(app: State<'_, App>) -> CommandResult<SyncState> {
    retour_app::sync_now(&app).await.map_err(Into::into)
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
    retour_app::cameras(&app).map_err(Into::into)
}

#[tauri::command(async)]
pub fn camera_start(
    app: State<'_, App>,
    handle: AppHandle,
    device: Option<String>,
) -> CommandResult<()> {
    retour_app::camera_start(
        &app,
        device,
        events::camera_frame(handle.clone()),
        events::scan_read(handle),
    )
    .map_err(Into::into)
}

#[tauri::command(async)]
pub fn camera_stop(app: State<'_, App>) -> CommandResult<()> {
    retour_app::camera_stop(&app).map_err(Into::into)
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
