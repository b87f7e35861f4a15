//! Following the sent requests: the return files (dossiers) with their filters and pages, one
//! file with its timeline, its decisions and its messages (the outbox's merged in), writing to
//! the returns service (`send_message`: the message outbox, offline first), and the pré-accord
//! PDF downloaded once into the account's folder.

use std::path::PathBuf;

use chrono::Utc;
use retour_domain::api::EventKind;
use retour_domain::photo::MAX_PHOTOS_PER_LINE;
use retour_domain::timeline::message_body;
use retour_store::{MessageState, NewPhoto};
use retour_sync::engine::{dossier_cache_key, lock};
use retour_sync::{ApiError, DossierQuery, MessageOutcome};

use crate::accounts::Account;
use crate::files::{create_private_dir, write_atomically};
use crate::online::{online_else_kept, Answer};
use crate::photos::keep_on_device;
use crate::views::{DossierView, OutboxMessageView};
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
            kind: args.kind.clone(),
            per_page: None,
        };
        let key = format!(
            "dossiers:{}:{}:{}{}",
            args.state.as_deref().unwrap_or(""),
            args.status.as_deref().unwrap_or(""),
            args.page.unwrap_or(1),
            args.kind
                .as_deref()
                .map(|k| format!(":{k}"))
                .unwrap_or_default()
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

    /// One return file with its timeline, each line's decision and its messages; the messages
    /// written on this device that the file does not show yet are merged in (`outbox`: waiting to
    /// leave, or refused). Offline, the detail kept at the last visit.
    pub async fn dossier(&self, number: &str) -> AppResult<DossierView> {
        let number = dossier_number(number)?;
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| {
                let n = number.clone();
                async move { client.dossier(&token, &n).await }
            })
            .await;
        let answer = online_else_kept(&account.store, &dossier_cache_key(&number), fetched)?;
        dossier_view(&account, answer)
    }

    /// "Écrire au service retours": the text checked by the domain's rule (1–2,000 characters,
    /// `message_empty` / `message_too_long` in French, nothing queued), then written to the
    /// message outbox with a `message_id` made here (committed before anything is sent), then
    /// sent. Answers the file with the message in its thread; without network the message waits
    /// in the outbox (shown as waiting) and leaves with the next sync, once. The server's refusal
    /// (a file that is not the account's answers like a missing one) comes back as it is.
    /// `photos` (a file's or a camera capture's bytes, at most 5) are stripped and kept on the
    /// device like a cart line's, recorded with the message and uploaded before it leaves.
    pub async fn send_message(
        &self,
        number: &str,
        text: &str,
        photos: &[Vec<u8>],
    ) -> AppResult<DossierView> {
        let number = dossier_number(number)?;
        let text = message_body(text).map_err(|e| AppError::new(e.code(), e.to_string()))?;
        if photos.len() > MAX_PHOTOS_PER_LINE {
            return Err(AppError::new(
                ErrorCode::TooManyPhotos,
                format!("{MAX_PHOTOS_PER_LINE} photos au plus par message : retirez-en une."),
            ));
        }
        let account = self.account()?;
        let mut kept: Vec<NewPhoto> = Vec::new();
        for bytes in photos {
            let photo = keep_on_device(&account, bytes)?;
            if !kept.iter().any(|p| p.hash == photo.hash) {
                kept.push(photo);
            }
        }
        let message = lock(&account.store).create_message(&number, &text, &kept, Utc::now())?;
        self.log(&format!(
            "message écrit dans la file d'envoi (dossier {number}, id {})",
            message.message_id
        ));
        account.engine.refresh_counts();
        match account.engine.send_message(&message).await {
            MessageOutcome::Sent(_) => self.dossier(&number).await,
            MessageOutcome::Refused(problem) => {
                self.log(&format!(
                    "message refusé : {} (id {})",
                    problem.code, message.message_id
                ));
                Err(ApiError::Status {
                    status: problem.status,
                    problem: Box::new(problem),
                    retry_after: None,
                    from_problem_document: true,
                }
                .into())
            }
            MessageOutcome::Pending(error) => {
                self.log(&format!(
                    "message en attente de réseau (id {})",
                    message.message_id
                ));
                // The background sync tries again soon.
                self.inner.edited.notify_one();
                let error = AppError::from(error);
                if !error.is_unreachable() {
                    return Err(error);
                }
                let kept: Option<(Dossier, _)> =
                    lock(&account.store).cache_get(&dossier_cache_key(&number))?;
                match kept {
                    Some((dossier, _)) => dossier_view(
                        &account,
                        Answer {
                            value: dossier,
                            from_cache: true,
                        },
                    ),
                    None => Err(AppError::new(
                        ErrorCode::SendPending,
                        "Pas de réseau : votre message est enregistré sur l'appareil et partira \
                         à la prochaine synchronisation.",
                    )),
                }
            }
        }
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

/// A tracking number as typed: digits only.
fn dossier_number(number: &str) -> AppResult<String> {
    let number = number.trim();
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::new(
            ErrorCode::InvalidFormat,
            "Numéro de suivi incorrect : il ne contient que des chiffres.",
        ));
    }
    Ok(number.to_owned())
}

/// A file as shown: the server's detail, and the messages written on this device that its
/// timeline does not have yet, oldest first.
fn dossier_view(account: &Account, answer: Answer<Dossier>) -> AppResult<DossierView> {
    let dossier = answer.value;
    let shown: std::collections::HashSet<&str> = dossier
        .timeline
        .iter()
        .flatten()
        .filter(|e| e.kind == EventKind::Message)
        .filter_map(|e| e.message.as_ref().map(|m| m.id.as_str()))
        .collect();
    let outbox = lock(&account.store)
        .dossier_messages(&dossier.number)?
        .into_iter()
        .filter(|m| !shown.contains(m.message_id.to_string().as_str()))
        .map(|m| {
            let (state, code, message) = match m.state {
                MessageState::Pending => ("pending", None, None),
                MessageState::Sent => ("sent", None, None),
                MessageState::Refused { code, message } => (
                    "refused",
                    Some(ErrorCode::from(code.as_str())),
                    Some(message),
                ),
            };
            OutboxMessageView {
                id: m.message_id.to_string(),
                at: m.created_at,
                text: m.text,
                photos: m.photos,
                state: state.to_owned(),
                code,
                message,
            }
        })
        .collect();
    Ok(DossierView {
        dossier,
        outbox,
        from_cache: answer.from_cache,
    })
}

/// The first 16 bytes of the SHA-256 of `text`, in hex: a file name any text maps to safely.
fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
