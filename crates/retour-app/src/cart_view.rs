//! The cart screen ([`CartView`]): built from the merged cart joined with the cached BLs and
//! reasons, kept between calls, and patched line by line after a local edit.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use retour_domain::api::{DeliveryNote, Reason};
use retour_domain::cart_line::{priced_line, DeliveredLine};
use retour_domain::eligibility::line_window;
use retour_domain::hours::paris_today;
use retour_domain::photo::{check_line_photos, PhotoRule};
use retour_domain::reason::{total, ReasonTable};
use retour_store::Store;
use retour_sync::engine::{CACHE_REASONS, META_CLOCK_OFFSET};

use crate::accounts::Account;
use crate::{AppResult, CartLineView, CartView, ReasonChoice};

/// The cart screen kept between calls, with the store revision it matches: a local edit updates
/// its one line instead of joining every line with its BL again; any other change to the store
/// (sync, caches) makes the next call build it anew.
pub(crate) struct CachedCartView {
    revision: u64,
    /// The Paris day its windows count from.
    today: NaiveDate,
    reasons: ReasonTable,
    view: CartView,
}

fn reason_table(store: &Store) -> AppResult<ReasonTable> {
    let cached: Option<(Vec<Reason>, _)> = store.cache_get(CACHE_REASONS)?;
    Ok(cached
        .map(|(reasons, _)| ReasonTable(reasons))
        .unwrap_or_default())
}

/// The cart screen: the kept one if the store has not changed since it was built, else built
/// anew (and kept). Called with the store locked.
pub(crate) fn current_cart_view(account: &Account, store: &Store) -> AppResult<CartView> {
    let today = today(store);
    let mut kept = account.cart_view.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(kept) = kept
        .as_ref()
        .filter(|k| k.revision == store.revision() && k.today == today)
    {
        return Ok(kept.view.clone());
    }
    let built = build_cart_view(store, today)?;
    let view = built.view.clone();
    *kept = Some(built);
    Ok(view)
}

/// The cart screen after a local edit of one line, the store's only change since `revision`:
/// that line is rebuilt in the kept screen, the rest is reused. Called with the store locked.
pub(crate) fn cart_view_after_edit(
    account: &Account,
    store: &Store,
    revision: u64,
    delivery_note: &str,
    line_no: u32,
) -> AppResult<CartView> {
    let today = today(store);
    let mut kept = account.cart_view.lock().unwrap_or_else(|p| p.into_inner());
    let Some(cached) = kept
        .as_mut()
        .filter(|k| k.revision == revision && store.revision() == revision + 1 && k.today == today)
    else {
        drop(kept);
        return current_cart_view(account, store);
    };
    let lines = &mut cached.view.lines;
    let at = lines.binary_search_by(|l| {
        (l.line.delivery_note.as_str(), l.line.line_no).cmp(&(delivery_note, line_no))
    });
    match (store.cart().line(delivery_note, line_no), at) {
        (Some(line), found) => {
            let note = store.delivery_note_shared(delivery_note)?;
            let view = Arc::new(line_view(
                &cached.reasons,
                &line,
                note.as_ref().map(|n| &n.0),
                today,
            ));
            match found {
                Ok(i) => lines[i] = view,
                Err(i) => lines.insert(i, view),
            }
        }
        (None, Ok(i)) => {
            lines.remove(i);
        }
        (None, Err(_)) => {}
    }
    cached.view.count = lines.len() as u32;
    cached.view.estimated_total_ht = total(lines.iter().map(|l| l.line.estimated_credit_ht));
    cached.view.can_send = !lines.is_empty() && lines.iter().all(|l| l.ready());
    cached.view.pending_ops = store.pending_op_count()?;
    cached.revision = store.revision();
    Ok(cached.view.clone())
}

/// Today in Paris, by the server's clock as last seen (read from the store the caller holds
/// locked): what the lines' windows count from.
fn today(store: &Store) -> NaiveDate {
    let offset_ms = store
        .meta(META_CLOCK_OFFSET)
        .ok()
        .flatten()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    paris_today(Utc::now() + chrono::Duration::milliseconds(offset_ms))
}

/// One line of the cart screen, joined with its cached BL line (`note`) and the reasons; its
/// window counted from `today`.
fn line_view(
    table: &ReasonTable,
    line: &retour_domain::cart::CartLine,
    note: Option<&DeliveryNote>,
    today: NaiveDate,
) -> CartLineView {
    let bl_line = note.and_then(|n| n.lines.iter().find(|l| l.line_no == line.line_no));
    let allowed = bl_line.map_or(&[][..], |l| l.allowed_reasons.as_slice());
    let label = |code: &str| {
        table
            .0
            .iter()
            .find(|r| r.code.as_str() == code)
            .map_or(code, |r| r.label.as_str())
            .to_owned()
    };
    let photo_rule = line
        .reason
        .as_deref()
        .map_or(PhotoRule::None, |r| table.photo_rule(r));
    let fee = line
        .reason
        .as_deref()
        .and_then(|r| table.get(r))
        .and_then(|r| r.fee.clone());
    CartLineView {
        window: bl_line.and_then(|l| line_window(l.return_deadline, l.deposit_due_on, today)),
        fee,
        photo_rule,
        photo_missing: check_line_photos(&line.photos, photo_rule).is_err(),
        allowed_reasons: allowed
            .iter()
            .map(|c| ReasonChoice {
                code: c.as_str().to_owned(),
                label: label(c.as_str()),
            })
            .collect(),
        reason_label: line.reason.as_deref().map(label),
        line: priced_line(table, line, bl_line.map(DeliveredLine::from).as_ref()),
    }
}

/// Builds the cart screen from the merged cart and the cached BLs and reasons.
fn build_cart_view(store: &Store, today: NaiveDate) -> AppResult<CachedCartView> {
    let reasons = reason_table(store)?;
    let cart_lines = store.cart_lines();
    let mut notes: std::collections::HashMap<&str, Option<retour_store::SharedNote>> =
        Default::default();
    let mut lines = Vec::with_capacity(cart_lines.len());
    for line in &cart_lines {
        let note = match notes.get(line.delivery_note.as_str()) {
            Some(note) => note.clone(),
            None => {
                let note = store.delivery_note_shared(&line.delivery_note)?;
                notes.insert(line.delivery_note.as_str(), note.clone());
                note
            }
        };
        lines.push(Arc::new(line_view(
            &reasons,
            line,
            note.as_ref().map(|n| &n.0),
            today,
        )));
    }
    let estimated_total_ht = total(lines.iter().map(|l| l.line.estimated_credit_ht));
    let can_send = !lines.is_empty() && lines.iter().all(|l| l.ready());
    Ok(CachedCartView {
        revision: store.revision(),
        today,
        reasons,
        view: CartView {
            count: lines.len() as u32,
            estimated_total_ht,
            can_send,
            pending_ops: store.pending_op_count()?,
            lines,
        },
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use retour_sync::engine::lock;

    use retour_domain::reason::LinePrices;

    use super::*;
    use crate::{api, App, CartEdit, CartLineRef, Config};

    #[test]
    fn a_local_edit_updates_the_kept_cart_screen_exactly_as_a_full_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(Config::new("http://127.0.0.1:9", dir.path())).unwrap();
        let account = app.open_account("garage@exemple.fr").unwrap();
        let reasons = ReasonTable::default();
        let line = |line_no: u32, deposit: Option<&str>| api::DeliveryNoteLine {
            line_no,
            reference: format!("REF-{line_no}"),
            brand: "Marque".into(),
            designation: format!("Pièce {line_no}"),
            gtin: None,
            delivered_qty: 5,
            returned_qty: 0,
            eligible_qty: 5,
            unit_price_ht: "12.35".parse().unwrap(),
            deposit_ht: deposit.map(|d| d.parse().unwrap()),
            allowed_reasons: reasons.allowed_for(&LinePrices {
                unit_price: "12.35".parse().unwrap(),
                deposit: deposit.map(|d| d.parse().unwrap()),
            }),
            return_deadline: None,
            days_left: None,
            deposit_due_on: None,
        };
        for number in ["250000001", "250000002"] {
            let note = DeliveryNote {
                number: number.into(),
                delivered_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                total_ht: "100.00".parse().unwrap(),
                lines: vec![line(1, None), line(2, Some("30.00")), line(3, None)],
            };
            let mut store = lock(&account.store);
            store.save_delivery_note(&note, Utc::now()).unwrap();
            store
                .cache_put(CACHE_REASONS, &reasons.0, Utc::now())
                .unwrap();
        }
        let full = || {
            {
                let store = lock(&account.store);
                build_cart_view(&store, today(&store))
            }
            .unwrap()
            .view
        };
        let edit = |number: &str, line_no: u32, qty: Option<u32>, reason: Option<&str>| {
            let edit = CartEdit {
                delivery_note: number.into(),
                line_no,
                qty,
                reason: reason.map(str::to_owned),
            };
            app.edit(&account, number, &edit, false).unwrap()
        };
        // The first call builds the screen; each later edit patches the kept one.
        assert_eq!(edit("250000002", 3, Some(2), None), full());
        assert_eq!(edit("250000001", 1, Some(1), Some("new_part")), full());
        assert_eq!(edit("250000002", 1, None, Some("defective")), full());
        assert_eq!(edit("250000001", 2, Some(4), None), full());
        assert_eq!(edit("250000002", 3, Some(5), Some("new_part")), full());
        let removed = app
            .cart_remove(&CartLineRef {
                delivery_note: "250000001".into(),
                line_no: 1,
            })
            .unwrap();
        assert_eq!(removed, full());
        assert_eq!(removed.count, 3);
        assert_eq!(removed.pending_ops, 6);
        // A change made elsewhere (a sync's caches) is seen: the screen is built anew.
        lock(&account.store)
            .cache_put(CACHE_REASONS, &Vec::<Reason>::new(), Utc::now())
            .unwrap();
        let rebuilt = app.cart().unwrap();
        assert_eq!(rebuilt, full());
        assert_ne!(
            rebuilt, removed,
            "labels and estimates follow the reasons table"
        );
    }
}
