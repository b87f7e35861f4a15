//! Warranty claims (schema v7): the claim of a file of kind `warranty`, written in the transaction
//! that makes the file.

use chrono::{DateTime, Utc};
use retour_domain::api::{FieldError, WarrantyInfo};
use retour_domain::status::DossierStatus;
use retour_domain::timeline::{Actor, EventKind};

use super::values::{instant, parse_date};
use super::{Conn, DbError, DbResult, FromRow, Row};

/// A claim read back.
struct ClaimRow(WarrantyInfo);

fn json_list<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> DbResult<Vec<T>> {
    serde_json::from_str(text).map_err(|_| DbError::Corrupt(format!("{what} {text:?}")))
}

impl FromRow for ClaimRow {
    fn from_row(row: &Row<'_>) -> DbResult<ClaimRow> {
        Ok(ClaimRow(WarrantyInfo {
            line_no: row.get("line_no")?,
            qty: row.get("qty")?,
            vin: row.get("vin")?,
            registration: row.get("registration")?,
            vehicle: row.get("vehicle")?,
            fitted_on: parse_date(&row.get::<String>("fitted_on")?)?,
            fitted_km: row.get("fitted_km")?,
            failed_on: parse_date(&row.get::<String>("failed_on")?)?,
            failed_km: row.get("failed_km")?,
            symptom: row.get("symptom")?,
            photos: json_list(&row.get::<String>("photos")?, "photos")?,
            documents: json_list(&row.get::<String>("documents")?, "documents")?,
            warranty_ends_on: parse_date(&row.get::<String>("warranty_ends_on")?)?,
            warnings: json_list::<FieldError>(&row.get::<String>("warnings")?, "warnings")?,
        }))
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> DbResult<String> {
    serde_json::to_string(value).map_err(|e| DbError::Corrupt(e.to_string()))
}

impl Conn<'_> {
    /// The first history entry of a warranty file and its timeline event (`status` `sent` by the
    /// customer, with the claim's sentence).
    pub fn insert_claim_history(
        &self,
        number: &str,
        at: DateTime<Utc>,
        text: &str,
    ) -> DbResult<()> {
        self.insert_history_row(number, DossierStatus::Sent, at)?;
        self.insert_event(
            number,
            at,
            EventKind::Status,
            Actor::Customer,
            text,
            Some(DossierStatus::Sent),
        )?;
        Ok(())
    }

    /// Records the claim of a warranty file (the file itself is [`Conn::insert_dossier`]'s).
    pub fn insert_warranty_claim(
        &self,
        number: &str,
        customer_id: i64,
        delivery_note: &str,
        claim: &WarrantyInfo,
        at: DateTime<Utc>,
    ) -> DbResult<()> {
        self.execute(
            "INSERT INTO warranty_claims (dossier, customer_id, delivery_note, line_no, qty, vin,
                registration, vehicle, fitted_on, fitted_km, failed_on, failed_km, symptom, photos,
                documents, warranty_ends_on, warnings, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            &[
                &number,
                &customer_id,
                &delivery_note,
                &claim.line_no,
                &claim.qty,
                &claim.vin,
                &claim.registration,
                &claim.vehicle,
                &claim.fitted_on.to_string(),
                &claim.fitted_km,
                &claim.failed_on.to_string(),
                &claim.failed_km,
                &claim.symptom,
                &to_json(&claim.photos)?,
                &to_json(&claim.documents)?,
                &claim.warranty_ends_on.to_string(),
                &to_json(&claim.warnings)?,
                &instant(at),
            ],
        )?;
        Ok(())
    }

    /// The claim of a warranty file.
    pub fn warranty_claim(&self, number: &str) -> DbResult<Option<WarrantyInfo>> {
        let row: Option<ClaimRow> = self.query_first(
            "SELECT line_no, qty, vin, registration, vehicle, fitted_on, fitted_km, failed_on,
                    failed_km, symptom, photos, documents, warranty_ends_on, warnings
               FROM warranty_claims WHERE dossier = ?1",
            &[&number],
        )?;
        Ok(row.map(|r| r.0))
    }
}
