//! The cart's edits on the device: add a BL line, change its quantity or reason, remove it,
//! and "Enregistrer le panier". Each edit is checked against the cached BL, committed before it
//! returns, and wakes the background sync.

use chrono::{Duration as ChronoDuration, Utc};
use retour_domain::cart_line::{check_edit, EditableLine, LineEdit};
use retour_sync::engine::lock;
use retour_sync::ApiError;

use crate::accounts::Account;
use crate::cart_view::{cart_view_after_edit, current_cart_view};
use crate::catalog::bl_number;
use crate::{
    api, App, AppError, AppResult, CartEdit, CartLineRef, CartView, ErrorCode, SaveOutcome,
};

impl App {
    /// The cart as the cart screen shows it. Local only.
    pub fn cart(&self) -> AppResult<CartView> {
        let account = self.account()?;
        let store = lock(&account.store);
        current_cart_view(&account, &store)
    }

    /// The cart in the API's `Cart` shape.
    pub fn cart_api(&self) -> AppResult<api::Cart> {
        let account = self.account()?;
        let store = lock(&account.store);
        let view = current_cart_view(&account, &store)?;
        Ok(view.to_api(store.op_count()?))
    }

    /// Puts a BL line in the cart (or updates it), checked against the cached BL: quantity
    /// 1 … eligible, reason among the line's. Committed before it returns; works offline once
    /// the BL is cached (fetched if not and the server is reachable).
    pub async fn cart_add(&self, edit: &CartEdit) -> AppResult<CartView> {
        let number = bl_number(&edit.delivery_note)?;
        let account = self.account()?;
        let cached = lock(&account.store).delivery_note(&number)?;
        if cached.is_none() {
            match account.engine.fetch_delivery_note(&number).await {
                Ok(_) => {}
                Err(ApiError::Unreachable(_)) => {
                    return Err(AppError::new(
                        ErrorCode::NotCached,
                        format!(
                            "Le BL {number} n'est pas disponible hors ligne : ouvrez-le une fois \
                             connecté pour pouvoir l'ajouter sans réseau."
                        ),
                    ))
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.edit(&account, &number, edit, false)
    }

    /// Changes the quantity or reason of a line already in the cart. Local only.
    pub fn cart_set(&self, edit: &CartEdit) -> AppResult<CartView> {
        let number = bl_number(&edit.delivery_note)?;
        let account = self.account()?;
        self.edit(&account, &number, edit, true)
    }

    pub(crate) fn edit(
        &self,
        account: &Account,
        number: &str,
        edit: &CartEdit,
        must_exist: bool,
    ) -> AppResult<CartView> {
        let now_ms = now_ms_with(account.engine.clock_offset());
        let view = {
            let mut store = lock(&account.store);
            let existing = store.cart().line(number, edit.line_no);
            if must_exist && existing.is_none() {
                return Err(AppError::new(
                    ErrorCode::NotInCart,
                    format!(
                        "La ligne {} du BL {number} n'est pas dans le panier.",
                        edit.line_no
                    ),
                ));
            }
            let note = store.delivery_note_shared(number)?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotCached,
                    format!("Le BL {number} n'est pas disponible hors ligne."),
                )
            })?;
            let line = note.0.lines.iter().find(|l| l.line_no == edit.line_no);
            let reason = edit
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty());
            let line_edit = LineEdit {
                qty: edit.qty,
                reason,
                current_qty: existing.as_ref().map(|l| l.qty),
            };
            check_edit(&line_edit, line.map(EditableLine::from).as_ref())
                .map_err(|refusal| AppError::new(refusal.code(), refusal.message()))?;
            let reason = reason.map(str::to_owned);
            let revision = store.revision();
            store.put(number, edit.line_no, edit.qty, reason, now_ms)?;
            cart_view_after_edit(account, &store, revision, number, edit.line_no)?
        };
        account.engine.refresh_counts();
        self.inner.edited.notify_one();
        Ok(view)
    }

    /// Takes a line out of the cart (as far as this device has seen it: an edit made meanwhile
    /// on another device keeps it). Local only.
    pub fn cart_remove(&self, line: &CartLineRef) -> AppResult<CartView> {
        let number = bl_number(&line.delivery_note)?;
        let account = self.account()?;
        let now_ms = now_ms_with(account.engine.clock_offset());
        let view = {
            let mut store = lock(&account.store);
            let revision = store.revision();
            if store.remove(&number, line.line_no, now_ms)?.is_none() {
                return Err(AppError::new(
                    ErrorCode::NotInCart,
                    format!(
                        "La ligne {} du BL {number} n'est pas dans le panier.",
                        line.line_no
                    ),
                ));
            }
            cart_view_after_edit(&account, &store, revision, &number, line.line_no)?
        };
        account.engine.refresh_counts();
        self.inner.edited.notify_one();
        Ok(view)
    }

    /// "Enregistrer le panier": everything is already committed on the device; this tries one
    /// sync and says so in French.
    pub async fn save(&self) -> AppResult<SaveOutcome> {
        let account = self.account()?;
        let synced = account.engine.sync_cart_now().await.is_ok();
        let count = self.cart()?.count;
        let message = if synced {
            "Votre panier est enregistré et synchronisé avec vos autres appareils.".to_owned()
        } else {
            "Votre panier est enregistré sur cet appareil ; il sera synchronisé dès que le \
             réseau le permettra."
                .to_owned()
        };
        Ok(SaveOutcome {
            message,
            synced,
            count,
        })
    }
}

fn now_ms_with(offset: ChronoDuration) -> u64 {
    (Utc::now() + offset).timestamp_millis().max(0) as u64
}

#[cfg(test)]
mod tests {
    use crate::{App, Config};

    #[test]
    fn cart_works_offline_without_any_server() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Config::new("http://127.0.0.1:9", dir.path())).unwrap();
        assert_eq!(app.cart().unwrap_err().code, "not_signed_in");
        assert!(!app.session().signed_in);
    }
}

#[cfg(test)]
mod local_storage_tests {
    use chrono::Utc;
    use retour_sync::engine::lock;

    use crate::{api, App, CartEdit, Config, ErrorCode};

    /// The store's file is overwritten under the open app (a failing disk, a file damaged by
    /// another program): the next edit fails as the device's storage, in French, and is never
    /// taken for a server's answer.
    #[test]
    fn a_failing_local_store_is_its_own_error_in_french() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Config::new("http://127.0.0.1:9", dir.path())).unwrap();
        let account = app.open_account("garage@exemple.fr").unwrap();
        let note = api::DeliveryNote {
            number: "250000001".into(),
            delivered_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            total_ht: "12.35".parse().unwrap(),
            lines: vec![api::DeliveryNoteLine {
                line_no: 1,
                reference: "REF-1".into(),
                brand: "Marque".into(),
                designation: "Pièce".into(),
                gtin: None,
                delivered_qty: 5,
                returned_qty: 0,
                eligible_qty: 5,
                unit_price_ht: "12.35".parse().unwrap(),
                deposit_ht: None,
                allowed_reasons: Vec::new(),
                return_deadline: None,
                days_left: None,
                deposit_due_on: None,
            }],
        };
        lock(&account.store)
            .save_delivery_note(&note, Utc::now())
            .unwrap();
        let path = app.store_path("garage@exemple.fr");
        let files = ["sqlite", "sqlite-wal", "sqlite-shm"].map(|ext| path.with_extension(ext));
        for file in files {
            if file.exists() {
                std::fs::write(&file, vec![0x5a; 64 * 1024]).unwrap();
            }
        }
        let edit = CartEdit {
            delivery_note: "250000001".into(),
            line_no: 1,
            qty: Some(2),
            reason: None,
        };
        let error = app
            .edit(&account, "250000001", &edit, false)
            .expect_err("the damaged store fails");
        assert_eq!(error.code, ErrorCode::LocalStorage, "{error:?}");
        assert!(
            error
                .message
                .starts_with("Erreur de la base locale de l'appareil : l'enregistrement sur cet appareil a échoué."),
            "{}",
            error.message
        );
        assert!(!error.is_unreachable());
        assert_eq!(error.exit_code(), 1);
    }
}
