//! The pré-accord de retour PDF, behind one function ([`preaccord`]), rendered by
//! `retour-preaccord` (Code 128 tracking barcodes).

use retour_domain::api::{CustomerRef, ReturnRequest};
use retour_domain::reason::ReasonTable;

/// Renders a request's pré-accord; returns the PDF bytes and the file name to give it.
pub fn preaccord(
    customer: &CustomerRef,
    request: &ReturnRequest,
    reasons: &ReasonTable,
) -> Result<(Vec<u8>, String), String> {
    let doc = retour_preaccord::Preaccord::from_request(customer, request, reasons);
    let bytes = retour_preaccord::render(&doc).map_err(|e| e.to_string())?;
    Ok((
        bytes,
        retour_domain::api::preaccord_file_name(&request.number),
    ))
}
