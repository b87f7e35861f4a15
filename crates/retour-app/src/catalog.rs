//! What the garage looks up: the service hours, its delivery notes (BLs), one BL, a scanned or
//! typed code, and the return reasons — each from the server, else from the device's cache.

use chrono::{Duration as ChronoDuration, Utc};
use retour_domain::api::{CodeKind, Lookup, LookupMatch, ServiceInfo};
use retour_domain::hours::{paris_today, Schedule};
use retour_domain::warranty::{under_warranty, warranty_ends_on, DEFAULT_WARRANTY_MONTHS};
use retour_domain::{classify, BlNumber, ScannedCode};
use retour_store::Store;
use retour_sync::engine::{lock, CACHE_REASONS, CACHE_SERVICE};

use crate::online::{online_else_cached, online_else_kept};
use crate::{
    App, AppError, AppResult, DeliveryNoteView, DeliveryNotesView, ErrorCode, LookupView, Reason,
    ScheduleRow, ServiceView, WarrantyMatch,
};

impl App {
    /// Whether declaring is open, with the weekly hours: from the server, or offline from the
    /// cached schedule and the server clock's offset.
    pub async fn service(&self) -> AppResult<ServiceView> {
        let account = self.account_opt();
        let fetched = match &account {
            Some(a) => a.engine.pull_service().await,
            None => self.inner.client.service().await,
        };
        let answer = online_else_cached(fetched, || {
            let Some(account) = &account else {
                return Ok(None);
            };
            let cached: Option<(ServiceInfo, _)> = lock(&account.store).cache_get(CACHE_SERVICE)?;
            let Some((info, _)) = cached else {
                return Ok(None);
            };
            let now = Utc::now() + account.engine.clock_offset();
            let schedule = Schedule::from_api_days(&info.schedule)
                .map_err(|e| AppError::new(ErrorCode::UnexpectedResponse, e.to_string()))?;
            Ok(Some(ServiceInfo {
                open: schedule.is_open(now),
                now,
                next_change: schedule.next_change(now),
                ..info
            }))
        })?;
        Ok(service_view(answer.value, answer.from_cache))
    }

    /// The delivery notes of the last `days` days (1–31), newest first.
    pub async fn delivery_notes(&self, days: u32) -> AppResult<DeliveryNotesView> {
        let days = days.clamp(1, 31);
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.delivery_notes(&token, days).await })
            .await
            .map(|list| list.items);
        if let Ok(items) = &fetched {
            lock(&account.store).save_delivery_note_list(items, Utc::now())?;
        }
        let answer = online_else_cached(fetched, || {
            let today = paris_today(Utc::now() + account.engine.clock_offset());
            let since = today - ChronoDuration::days(i64::from(days) - 1);
            Ok(Some(lock(&account.store).delivery_notes_since(since)?))
        })?;
        Ok(DeliveryNotesView {
            items: answer.value,
            from_cache: answer.from_cache,
        })
    }

    /// One delivery note with its lines. The number is checked first (French messages); a
    /// printed or scanned number with its two leading zeros is accepted.
    pub async fn delivery_note(&self, number: &str) -> AppResult<DeliveryNoteView> {
        let number = bl_number(number)?;
        let account = self.account()?;
        let fetched = account.engine.fetch_delivery_note(&number).await;
        let answer = online_else_cached(fetched, || {
            Ok(lock(&account.store)
                .delivery_note(&number)?
                .map(|(note, _)| note))
        })
        .map_err(|error| {
            if error.code == ErrorCode::NotFound {
                // Another customer's BL answers exactly like a missing one.
                AppError::new(
                    ErrorCode::NotFound,
                    format!(
                        "Le BL n° {number} est introuvable sur votre compte : vérifiez le numéro."
                    ),
                )
            } else {
                error
            }
        })?;
        let today = self.today(&account);
        Ok(DeliveryNoteView::new(
            answer.value,
            answer.from_cache,
            today,
        ))
    }

    /// Resolves a scanned or typed code: a BL number gives the BL to open; a product code or a
    /// supplier reference gives the recent BLs that contain it, and those of their matching lines
    /// still under warranty (`under_warranty`: "Garantie" on each, a claim from a scan of the
    /// part).
    pub async fn lookup(&self, code: &str) -> AppResult<LookupView> {
        let scanned = classify(code).ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidCode,
                "Code non reconnu : scannez ou saisissez un BL, un code produit ou une référence.",
            )
        })?;
        let account = self.account()?;
        let code_owned = code.to_owned();
        let fetched = account
            .engine
            .call(|client, token| {
                let code = code_owned.clone();
                async move { client.lookup(&token, &code).await }
            })
            .await;
        let answer = online_else_cached(fetched, || {
            Ok(Some(lookup_offline(&lock(&account.store), &scanned)?))
        })?;
        let lookup = answer.value;
        let open_delivery_note = match lookup.kind {
            CodeKind::DeliveryNote => Some(lookup.normalized.clone()),
            _ => None,
        };
        let today = self.today(&account);
        let under_warranty = if open_delivery_note.is_some() {
            Vec::new()
        } else {
            lookup
                .matches
                .iter()
                .filter(|m| under_warranty(m.delivered_on, DEFAULT_WARRANTY_MONTHS, today))
                .flat_map(|m| {
                    m.line_nos.iter().map(|&line_no| WarrantyMatch {
                        number: m.number.clone(),
                        line_no,
                        warranty_ends_on: warranty_ends_on(m.delivered_on, DEFAULT_WARRANTY_MONTHS),
                    })
                })
                .collect()
        };
        Ok(LookupView {
            kind: lookup.kind,
            normalized: lookup.normalized,
            matches: lookup.matches,
            open_delivery_note,
            under_warranty,
            from_cache: answer.from_cache,
        })
    }

    /// The return reasons with their labels (the server's table), kept for offline use.
    pub async fn reasons(&self) -> AppResult<Vec<Reason>> {
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.reasons(&token).await })
            .await;
        Ok(online_else_kept(&account.store, CACHE_REASONS, fetched)?.value)
    }
}

/// A BL number as the user types it, checked without the network: `Ok` with the normalised
/// number, or `invalid_format` / `too_long` with the French messages of the spec.
pub fn validate_bl_number(input: &str) -> AppResult<String> {
    Ok(BlNumber::parse(input)?.as_str().to_owned())
}

/// Checks a BL number as typed or scanned: digits only, at most 9, the printed two leading zeros
/// dropped from an 11-digit number.
pub(crate) fn bl_number(input: &str) -> AppResult<String> {
    let trimmed = input.trim();
    if trimmed.len() == 11
        && trimmed.starts_with("00")
        && trimmed.bytes().all(|b| b.is_ascii_digit())
    {
        if let Some(ScannedCode::DeliveryNote(number)) = classify(trimmed) {
            return Ok(number.as_str().to_owned());
        }
    }
    Ok(BlNumber::parse(input)?.as_str().to_owned())
}

fn service_view(info: ServiceInfo, from_cache: bool) -> ServiceView {
    let schedule = Schedule::from_api_days(&info.schedule).unwrap_or_default();
    let rows = schedule
        .french_rows()
        .into_iter()
        .map(|row| ScheduleRow {
            day: row.day.to_owned(),
            label: row.label.to_owned(),
            hours: row.hours,
        })
        .collect();
    ServiceView {
        info,
        rows,
        from_cache,
    }
}

/// Resolves a code against the cached BLs (offline lookup).
fn lookup_offline(store: &Store, scanned: &ScannedCode) -> AppResult<Lookup> {
    let kind = match scanned {
        ScannedCode::DeliveryNote(_) => CodeKind::DeliveryNote,
        ScannedCode::Gtin(_) => CodeKind::Gtin,
        ScannedCode::Reference(_) => CodeKind::Reference,
    };
    let normalized = scanned.normalized();
    let since = chrono::NaiveDate::MIN;
    let mut matches = Vec::new();
    for summary in store.delivery_notes_since(since)? {
        let Some((note, _)) = store.delivery_note(&summary.number)? else {
            continue;
        };
        let line_nos: Vec<u32> = match scanned {
            ScannedCode::DeliveryNote(n) if n.as_str() == note.number => {
                note.lines.iter().map(|l| l.line_no).collect()
            }
            ScannedCode::DeliveryNote(_) => Vec::new(),
            ScannedCode::Gtin(gtin) => note
                .lines
                .iter()
                .filter(|l| {
                    l.gtin
                        .as_deref()
                        .and_then(retour_domain::Gtin::parse)
                        .is_some_and(|g| g.gtin14() == gtin.gtin14())
                })
                .map(|l| l.line_no)
                .collect(),
            ScannedCode::Reference(reference) => note
                .lines
                .iter()
                .filter(|l| {
                    retour_domain::code::normalize_reference(&l.reference) == reference.normalized()
                })
                .map(|l| l.line_no)
                .collect(),
        };
        if !line_nos.is_empty() {
            matches.push(LookupMatch {
                number: note.number.clone(),
                delivered_on: note.delivered_on,
                line_nos,
            });
        }
    }
    Ok(Lookup {
        kind,
        normalized,
        matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bl_numbers_use_the_specified_messages_and_drop_printed_zeros() {
        assert_eq!(bl_number("250001106").unwrap(), "250001106");
        assert_eq!(bl_number("00250001106").unwrap(), "250001106");
        let e = bl_number("12a").unwrap_err();
        assert_eq!(e.code, "invalid_format");
        assert_eq!(
            e.message,
            "Format incorrect, veuillez saisir uniquement des caractères numériques"
        );
        let e = bl_number("1234567890").unwrap_err();
        assert_eq!(e.code, "too_long");
    }

    #[test]
    fn live_bl_validation_gives_the_two_french_messages() {
        assert_eq!(validate_bl_number(" 250001106 ").unwrap(), "250001106");
        let e = validate_bl_number("25A").unwrap_err();
        assert_eq!(e.code, "invalid_format");
        assert_eq!(
            e.message,
            "Format incorrect, veuillez saisir uniquement des caractères numériques"
        );
        let e = validate_bl_number("2551290621").unwrap_err();
        assert_eq!(e.code, "too_long");
        assert_eq!(
            e.message,
            "Nombre de caractère supérieur à 9, Veuillez vérifier votre N° de bon de livraison"
        );
    }
}
