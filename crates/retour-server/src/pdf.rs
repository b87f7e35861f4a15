//! The pré-accord de retour PDF, behind one function ([`preaccord`]).
//!
//! Until `retour-preaccord` (the Code 128 renderer) is wired in, this writes a plain one-page PDF
//! with the same information.

use retour_domain::api::{CustomerRef, ReturnRequest};
use retour_domain::reason::ReasonTable;

/// Renders a request's pré-accord; returns the PDF bytes and the file name to give it.
pub fn preaccord(
    customer: &CustomerRef,
    request: &ReturnRequest,
    reasons: &ReasonTable,
) -> Result<(Vec<u8>, String), String> {
    let mut text = vec![
        "PRE-ACCORD DE RETOUR".to_owned(),
        format!("Client : {} ({})", ascii(&customer.name), customer.code),
        format!(
            "Demande n. {} du {}",
            request.id,
            request.created_at.format("%d/%m/%Y")
        ),
    ];
    for dossier in &request.dossiers {
        text.push(format!(
            "Dossier {} - BL {} du {}",
            dossier.number,
            dossier.delivery_note,
            dossier.sale_date.format("%d/%m/%Y")
        ));
        for line in &dossier.lines {
            let label = reasons
                .get(line.reason.as_str())
                .map_or(line.reason.as_str(), |r| r.label.as_str());
            let credit = line
                .estimated_credit_ht
                .map_or("-".to_owned(), |m| m.to_string());
            text.push(format!(
                "  {} {} x{} {} {}",
                line.reference,
                ascii(&line.designation),
                line.qty,
                ascii(label),
                credit
            ));
        }
    }
    text.push(format!(
        "Avoir estime HT : {} EUR",
        request.estimated_total_ht
    ));
    let mut content = String::from("BT /F1 10 Tf 40 800 Td 14 TL\n");
    for line in &text {
        content.push_str(&format!(
            "({}) Tj T*\n",
            line.replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)")
        ));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    let safe: String = request
        .id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((pdf, format!("preaccord-{safe}.pdf")))
}

fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect()
}
