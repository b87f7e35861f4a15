//! The garage's money (v1.1): "Où est mon avoir ?" and its claims, "Mes consignes" and a deposit
//! to the cart, "Mon bilan", and their CSV files opened in the system's spreadsheet (the window
//! names no path: the core writes each file into the account's folder).

use retour_app::{
    App, AppResult, CartView, CreditClaimView, CreditsView, DepositsView, ReportArgs, ReportView,
};
use tauri::{AppHandle, State};

use crate::shell;

/// "Où est mon avoir ?": the totals, every decided line with its state, the claims made here.
#[tauri::command]
pub async fn credits(app: State<'_, App>) -> AppResult<CreditsView> {
    app.credits().await
}

/// "Réclamer": a prefilled message on the file, through the message outbox.
#[tauri::command]
pub async fn claim_credit(
    app: State<'_, App>,
    dossier: String,
    line_no: u32,
) -> AppResult<CreditClaimView> {
    app.claim_credit(&dossier, line_no).await
}

/// Opens the CSV of "Où est mon avoir ?" (written into the account's folder) in the spreadsheet.
#[tauri::command]
pub async fn open_credits_csv(app: State<'_, App>, handle: AppHandle) -> AppResult<()> {
    shell::open_file(&handle, &app.credits_csv().await?)
}

/// "Mes consignes": the deposits by due date.
#[tauri::command]
pub async fn deposits(app: State<'_, App>) -> AppResult<DepositsView> {
    app.deposits().await
}

/// "Ajouter au panier" on a deposit: the BL line in the cart with the reason Consigne.
#[tauri::command]
pub async fn deposit_to_cart(
    app: State<'_, App>,
    delivery_note: String,
    line_no: u32,
) -> AppResult<CartView> {
    app.deposit_to_cart(&delivery_note, line_no).await
}

/// "Mon bilan" over a period.
#[tauri::command]
pub async fn returns_report(app: State<'_, App>, args: ReportArgs) -> AppResult<ReportView> {
    app.returns_report(&args).await
}

/// Opens the CSV of "Mon bilan" over a period (written into the account's folder).
#[tauri::command]
pub async fn open_report_csv(
    app: State<'_, App>,
    handle: AppHandle,
    args: ReportArgs,
) -> AppResult<()> {
    shell::open_file(&handle, &app.report_csv(&args).await?)
}
