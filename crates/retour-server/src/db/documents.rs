//! Each customer's documents (schema v12): the PDFs it uploaded (a warranty claim's fitting
//! invoice), stored without their metadata and keyed by the customer and the SHA-256 of the bytes
//! it uploaded, so that two customers uploading the same file each have their own copy.

use chrono::{DateTime, Utc};
use retour_domain::api::DocumentInfo;

use super::values::instant;
use super::{Conn, DbResult};

/// A document as stored: its id, its pages and the PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// The SHA-256 of the bytes uploaded, lowercase hex.
    pub id: String,
    /// Its number of pages.
    pub pages: u32,
    /// The PDF written again without metadata.
    pub data: Vec<u8>,
}

impl Conn<'_> {
    /// What the customer's document with this id is (id, bytes, pages), if it has it.
    pub fn document_info(&self, customer_id: i64, id: &str) -> DbResult<Option<DocumentInfo>> {
        let found: Option<(u32, i64)> = self.query_first(
            "SELECT pages, bytes FROM documents WHERE customer_id = ?1 AND id = ?2",
            &[&customer_id, &id],
        )?;
        Ok(found.map(|(pages, bytes)| DocumentInfo {
            id: id.to_owned(),
            bytes: bytes.unsigned_abs(),
            pages: Some(pages),
        }))
    }

    /// Records a customer's document; one it already has is left as it is. Returns whether it
    /// was added.
    pub fn insert_document(
        &self,
        customer_id: i64,
        document: &StoredDocument,
        now: DateTime<Utc>,
    ) -> DbResult<bool> {
        let bytes = i64::try_from(document.data.len()).unwrap_or(i64::MAX);
        let added = self.execute(
            "INSERT INTO documents (customer_id, id, pages, bytes, data, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (customer_id, id) DO NOTHING",
            &[
                &customer_id,
                &document.id,
                &document.pages,
                &bytes,
                &document.data,
                &instant(now),
            ],
        )?;
        Ok(added == 1)
    }

    /// A document's PDF: the customer's (`Some(customer)`), or any customer's copy (staff,
    /// `None`).
    pub fn document_data(&self, customer_id: Option<i64>, id: &str) -> DbResult<Option<Vec<u8>>> {
        self.value_opt(
            "SELECT data FROM documents WHERE id = ?2 AND (CAST(?1 AS BIGINT) IS NULL OR customer_id = ?1)
                  ORDER BY customer_id LIMIT 1",
            &[&customer_id, &id],
        )
    }

    /// The ids among `ids` that the customer has neither a document nor a photo for (a warranty
    /// claim's documents are either).
    pub fn missing_documents(&self, customer_id: i64, ids: &[String]) -> DbResult<Vec<String>> {
        let mut missing = Vec::new();
        for id in ids {
            let known: bool = self.value(
                "SELECT EXISTS (SELECT 1 FROM documents WHERE customer_id = ?1 AND id = ?2)
                 OR EXISTS (SELECT 1 FROM photos WHERE customer_id = ?1 AND id = ?2)",
                &[&customer_id, id],
            )?;
            if !known {
                missing.push(id.clone());
            }
        }
        Ok(missing)
    }
}
