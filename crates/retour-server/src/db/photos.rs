//! Each customer's photos: stored re-encoded (JPEG, no metadata), keyed by the customer and the
//! SHA-256 of the bytes it uploaded, so that two customers uploading the same bytes each have
//! their own copy.

use chrono::{DateTime, Utc};
use retour_domain::api::PhotoInfo;

use super::values::instant;
use super::{Conn, DbResult};

/// A photo as stored: its id, its size and the JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    /// The SHA-256 of the bytes uploaded, lowercase hex.
    pub id: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The re-encoded JPEG.
    pub data: Vec<u8>,
}

impl Conn<'_> {
    /// What the customer's photo with this id is (id, size, JPEG bytes), if it has it.
    pub fn photo_info(&self, customer_id: i64, id: &str) -> DbResult<Option<PhotoInfo>> {
        let found: Option<(u32, u32, i64)> = self.query_first(
            "SELECT width, height, bytes FROM photos WHERE customer_id = ?1 AND id = ?2",
            &[&customer_id, &id],
        )?;
        Ok(found.map(|(width, height, bytes)| PhotoInfo {
            id: id.to_owned(),
            width,
            height,
            bytes: bytes.unsigned_abs(),
        }))
    }

    /// Records a customer's photo; one it already has is left as it is. Returns whether it was
    /// added.
    pub fn insert_photo(
        &self,
        customer_id: i64,
        photo: &StoredPhoto,
        now: DateTime<Utc>,
    ) -> DbResult<bool> {
        let bytes = i64::try_from(photo.data.len()).unwrap_or(i64::MAX);
        let added = self.execute(
            "INSERT INTO photos (customer_id, id, width, height, bytes, data, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (customer_id, id) DO NOTHING",
            &[
                &customer_id,
                &photo.id,
                &photo.width,
                &photo.height,
                &bytes,
                &photo.data,
                &instant(now),
            ],
        )?;
        Ok(added == 1)
    }

    /// A photo's JPEG: the customer's (`Some(customer)`), or any customer's copy (staff, `None`).
    pub fn photo_data(&self, customer_id: Option<i64>, id: &str) -> DbResult<Option<Vec<u8>>> {
        self.value_opt(
            "SELECT data FROM photos WHERE id = ?2 AND (CAST(?1 AS BIGINT) IS NULL OR customer_id = ?1)
                  ORDER BY customer_id LIMIT 1",
            &[&customer_id, &id],
        )
    }

    /// The ids among `ids` that the customer has no photo for.
    pub fn missing_photos(&self, customer_id: i64, ids: &[String]) -> DbResult<Vec<String>> {
        let mut missing = Vec::new();
        for id in ids {
            let known: bool = self.value(
                "SELECT EXISTS (SELECT 1 FROM photos WHERE customer_id = ?1 AND id = ?2)",
                &[&customer_id, id],
            )?;
            if !known {
                missing.push(id.clone());
            }
        }
        Ok(missing)
    }
}
