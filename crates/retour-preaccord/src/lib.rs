//! The *pré-accord de retour*: the PDF a garage receives when its return request is recorded.
//!
//! It names the customer, the request and its date, then each return file (*dossier*) with its
//! tracking number drawn as a Code 128 barcode, its BL (*bon de livraison*) and its lines, the
//! estimated credit HT "sous réserve de la validation de notre contrôle qualité", and the steps to
//! prepare the parcel. Everything is in French, on A4 pages, as many as the files need.
//!
//! The input is a plain struct, [`Preaccord`], that the backend fills from its request
//! ([`Preaccord::from_request`] does it from the API's types); [`render`] turns it into PDF bytes.
//! No IO, no clock: the same input always gives the same bytes.
//!
//! The same crate draws the pickup manifest ([`render_manifest`], v1.1: the files waiting for the
//! driver and the QR code to scan, from rxing's QR writer as vector squares; [`QrCode`] also
//! gives the code as SVG), and a warranty claim's pré-accord says "Garantie".
//!
//! ```
//! use retour_preaccord::{render, Preaccord, PreaccordFile, PreaccordLine};
//! use retour_domain::Money;
//! use chrono::NaiveDate;
//!
//! let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
//! let doc = Preaccord {
//!     customer_name: "Garage de la Gare".into(),
//!     customer_code: "C00042".into(),
//!     request_number: "R-2026-000123".into(),
//!     requested_at: day.and_hms_opt(9, 30, 0).unwrap(),
//!     files: vec![PreaccordFile {
//!         tracking_number: "10000001".into(),
//!         delivery_note: "250001106".into(),
//!         sale_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
//!         lines: vec![PreaccordLine {
//!             reference: "0986424707".into(),
//!             designation: "PLAQ FREIN BP420".into(),
//!             qty: 1,
//!             reason_label: "Annulation client".into(),
//!             estimated_credit_ht: Some(Money::parse("17.27").unwrap()),
//!         }],
//!         total_ht: Money::parse("17.27").unwrap(),
//!         warranty: false,
//!     }],
//!     estimated_total_ht: Money::parse("17.27").unwrap(),
//! };
//! let pdf: Vec<u8> = render(&doc).unwrap();
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

#![forbid(unsafe_code)]

mod barcode;
mod layout;
mod manifest;
mod model;
mod pdf;
pub mod qr;
mod text;

pub use manifest::{render_manifest, Manifest, ManifestFile};
pub use model::{Preaccord, PreaccordFile, PreaccordLine};
pub use qr::{QrCode, QrError};

/// Why a document could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreaccordError {
    /// A tracking number Code 128 cannot carry (empty, or not printable ASCII).
    #[error("numéro de suivi {text:?} impossible à coder en Code 128 : {reason}")]
    Barcode {
        /// The tracking number.
        text: String,
        /// The writer's explanation.
        reason: String,
    },
}

/// Renders the pré-accord as a PDF document.
pub fn render(doc: &Preaccord) -> Result<Vec<u8>, PreaccordError> {
    let pages = layout::lay_out(doc)?;
    let title = format!("Pré-accord de retour n° {}", doc.request_number);
    Ok(pdf::write(&pages, &title))
}
