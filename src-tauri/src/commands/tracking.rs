//! Following the return files: the list, one file, and its pré-accord PDF.

use retour_app::{App, AppResult, Dossier, DossiersArgs, DossiersView};
use tauri::{AppHandle, State};

use crate::shell;

/// One page of open or closed return files, with the counts of both tabs.
#[tauri::command]
pub async fn dossiers(app: State<'_, App>, args: DossiersArgs) -> AppResult<DossiersView> {
    app.dossiers(&args).await
}

/// One return file with its history.
#[tauri::command]
pub async fn dossier(app: State<'_, App>, number: String) -> AppResult<Dossier> {
    app.dossier(&number).await
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
