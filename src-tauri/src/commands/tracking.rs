//! Following the return files: the list, one file with its timeline, writing to the returns
//! service, and its pré-accord PDF.

use retour_app::{App, AppResult, DossierView, DossiersArgs, DossiersView};
use tauri::{AppHandle, State};

use crate::shell;

/// One page of open or closed return files, with the counts of both tabs.
#[tauri::command]
pub async fn dossiers(app: State<'_, App>, args: DossiersArgs) -> AppResult<DossiersView> {
    app.dossiers(&args).await
}

/// One return file with its timeline, decisions and messages (the outbox's merged in).
#[tauri::command]
pub async fn dossier(app: State<'_, App>, number: String) -> AppResult<DossierView> {
    app.dossier(&number).await
}

/// "Écrire au service retours": the message and its photos go to the outbox, then to the server.
#[tauri::command]
pub async fn send_message(
    app: State<'_, App>,
    number: String,
    text: String,
    photos: Vec<Vec<u8>>,
) -> AppResult<DossierView> {
    app.send_message(&number, &text, &photos).await
}

/// Opens a request's pré-accord PDF (downloaded once into the account's folder) in the system
/// viewer. The window names the request, never a path: it cannot open any other file.
#[tauri::command]
pub async fn open_preaccord(
    app: State<'_, App>,
    handle: AppHandle,
    request_id: String,
) -> AppResult<()> {
    shell::open_file(&handle, &app.preaccord_pdf(&request_id).await?)
}
