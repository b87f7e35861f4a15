//! Following the sent requests: the return files (dossiers) with their filters and pages, one
//! file with its history, and the pré-accord PDF downloaded once into the account's folder.

use std::path::PathBuf;

use chrono::Utc;
use retour_sync::engine::lock;
use retour_sync::DossierQuery;

use crate::files::{create_private_dir, write_atomically};
use crate::online::online_else_kept;
use crate::{App, AppError, AppResult, Dossier, DossiersArgs, DossiersView, ErrorCode};
use sha2::{Digest, Sha256};

impl App {
    /// The return files, newest first ("EN COURS" / "CLÔTURÉS", status filter, page).
    pub async fn dossiers(&self, args: &DossiersArgs) -> AppResult<DossiersView> {
        let account = self.account()?;
        let query = DossierQuery {
            state: args.state.clone(),
            status: args.status.clone(),
            page: args.page,
            per_page: None,
        };
        let key = format!(
            "dossiers:{}:{}:{}",
            args.state.as_deref().unwrap_or(""),
            args.status.as_deref().unwrap_or(""),
            args.page.unwrap_or(1)
        );
        let fetched = account
            .engine
            .call(|client, token| {
                let q = query.clone();
                async move { client.dossiers(&token, &q).await }
            })
            .await;
        let answer = online_else_kept(&account.store, &key, fetched)?;
        Ok(DossiersView {
            list: answer.value,
            from_cache: answer.from_cache,
        })
    }

    /// One return file with its history.
    pub async fn dossier(&self, number: &str) -> AppResult<Dossier> {
        let number = number.trim().to_owned();
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            return Err(AppError::new(
                ErrorCode::InvalidFormat,
                "Numéro de suivi incorrect : il ne contient que des chiffres.",
            ));
        }
        let account = self.account()?;
        let key = format!("dossier:{number}");
        let fetched = account
            .engine
            .call(|client, token| {
                let n = number.clone();
                async move { client.dossier(&token, &n).await }
            })
            .await;
        Ok(online_else_kept(&account.store, &key, fetched)?.value)
    }

    /// The pré-accord PDF of a sent request, downloaded once into the signed-in account's own
    /// folder; returns its path for the system viewer. The request id only ever names the file
    /// through a hash (`preaccord-<hash>.pdf`), so no id reaches outside that folder, and an id
    /// the account does not have answers like a missing one (the server's `not_found`).
    pub async fn preaccord_pdf(&self, request_id: &str) -> AppResult<PathBuf> {
        let account = self.account()?;
        let name = format!("preaccord-{}", short_hash(request_id));
        let dir = self.account_files_dir(&account.email);
        let path = dir.join(format!("{name}.pdf"));
        let kept = lock(&account.store).file(&name)?;
        if kept.is_some_and(|file| file.path == path) && path.is_file() {
            return Ok(path);
        }
        let id = request_id.to_owned();
        let bytes = account
            .engine
            .call(|client, token| {
                let id = id.clone();
                async move { client.preaccord_pdf(&token, &id).await }
            })
            .await?;
        create_private_dir(&dir).map_err(AppError::local)?;
        write_atomically(&path, &bytes).map_err(AppError::local)?;
        lock(&account.store).save_file(&name, &path, "application/pdf", Utc::now())?;
        Ok(path)
    }
}

/// The first 16 bytes of the SHA-256 of `text`, in hex: a file name any text maps to safely.
fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
