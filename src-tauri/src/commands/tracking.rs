//! Following the return files: the list, one file, and its pré-accord PDF.

use std::path::PathBuf;

use retour_app::{App, AppResult, Dossier, DossiersArgs, DossiersView};
use tauri::State;

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

/// The path of a request's pré-accord PDF in the data folder, to open with the system viewer.
#[tauri::command]
pub async fn preaccord_pdf(app: State<'_, App>, request_id: String) -> AppResult<PathBuf> {
    app.preaccord_pdf(&request_id).await
}
