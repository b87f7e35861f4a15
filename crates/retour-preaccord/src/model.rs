//! What the pré-accord shows: a plain struct, and its construction from the API's types.

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Europe::Paris;
use retour_domain::api::{CustomerRef, ReturnRequest};
use retour_domain::reason::ReasonTable;
use retour_domain::Money;

/// Everything the document shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preaccord {
    /// The garage's name.
    pub customer_name: String,
    /// The customer's account code.
    pub customer_code: String,
    /// The return request's number, as people read it (`R-2026-000123`).
    pub request_number: String,
    /// When the request was recorded, in the distributor's local time (Europe/Paris).
    pub requested_at: NaiveDateTime,
    /// One return file per BL, in the order to print them.
    pub files: Vec<PreaccordFile>,
    /// The estimated credit HT of the whole request (sum of the rounded lines).
    pub estimated_total_ht: Money,
}

/// One return file (*dossier*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreaccordFile {
    /// The tracking number ("numéro de suivi"), drawn as a Code 128 barcode: printable ASCII.
    pub tracking_number: String,
    /// The BL number.
    pub delivery_note: String,
    /// The day of the original sale (the BL's delivery day).
    pub sale_date: NaiveDate,
    /// The returned lines.
    pub lines: Vec<PreaccordLine>,
    /// The file's estimated credit HT.
    pub total_ht: Money,
    /// A warranty claim ("Garantie", v1.1) rather than a return.
    pub warranty: bool,
}

/// One returned line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreaccordLine {
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// Units returned.
    pub qty: u32,
    /// The reason's French label, such as "Pièce défectueuse".
    pub reason_label: String,
    /// The estimated credit HT; `None` when only the inspection will tell (printed "-").
    pub estimated_credit_ht: Option<Money>,
}

impl Preaccord {
    /// The document of a recorded request: the customer from the session, the request as the API
    /// answers it, and the reason table for the labels (a code missing from the table is shown
    /// as is). The date is the request's instant in Europe/Paris.
    pub fn from_request(
        customer: &CustomerRef,
        request: &ReturnRequest,
        reasons: &ReasonTable,
    ) -> Preaccord {
        let label = |code: &str| {
            reasons
                .get(code)
                .map_or_else(|| code.to_owned(), |r| r.label.clone())
        };
        Preaccord {
            customer_name: customer.name.clone(),
            customer_code: customer.code.clone(),
            request_number: request.number.clone(),
            requested_at: request.created_at.with_timezone(&Paris).naive_local(),
            files: request
                .dossiers
                .iter()
                .map(|d| PreaccordFile {
                    tracking_number: d.number.clone(),
                    delivery_note: d.delivery_note.clone(),
                    sale_date: d.sale_date,
                    lines: d
                        .lines
                        .iter()
                        .map(|l| PreaccordLine {
                            reference: l.reference.clone(),
                            designation: l.designation.clone(),
                            qty: l.qty,
                            reason_label: if d.kind == retour_domain::api::DossierKind::Warranty {
                                "Garantie".to_owned()
                            } else {
                                label(l.reason.as_str())
                            },
                            estimated_credit_ht: l.estimated_credit_ht,
                        })
                        .collect(),
                    total_ht: d.estimated_credit_ht,
                    warranty: d.kind == retour_domain::api::DossierKind::Warranty,
                })
                .collect(),
            estimated_total_ht: request.estimated_total_ht,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retour_domain::api::Dossier;

    #[test]
    fn from_request_uses_labels_and_paris_time() {
        let dossier: Dossier = serde_json::from_value(serde_json::json!({
            "number": "10000001", "delivery_note": "250001106", "sale_date": "2026-11-20",
            "created_at": "2026-11-28T09:30:00Z", "status": "sent",
            "status_label": "Demande envoyée", "estimated_credit_ht": "17.27", "piece_count": 2,
            "lines": [
                {"line_no": 1, "reference": "0986424707", "designation": "PLAQ FREIN BP420",
                 "qty": 1, "reason": "customer_cancellation", "estimated_credit_ht": "17.27"},
                {"line_no": 2, "reference": "X1", "designation": "ALTERNATEUR",
                 "qty": 1, "reason": "defective"},
                {"line_no": 3, "reference": "X2", "designation": "BOUGIE",
                 "qty": 1, "reason": "mystery", "estimated_credit_ht": "1.00"}
            ]
        }))
        .unwrap();
        let request = ReturnRequest {
            id: "603c72c5-2004-4337-8229-b3c76484f744".into(),
            number: "R-2026-000123".into(),
            preaccord_email: "garage@example.fr".into(),
            created_at: "2026-11-28T09:30:00Z".parse().unwrap(),
            estimated_total_ht: Money::parse("18.27").unwrap(),
            dossiers: vec![dossier],
        };
        let customer = CustomerRef {
            code: "C1".into(),
            name: "Garage".into(),
        };
        let doc = Preaccord::from_request(&customer, &request, &ReasonTable::default());
        assert_eq!(doc.requested_at.to_string(), "2026-11-28 10:30:00");
        assert_eq!(doc.request_number, "R-2026-000123");
        let labels: Vec<_> = doc.files[0]
            .lines
            .iter()
            .map(|l| l.reason_label.as_str())
            .collect();
        assert_eq!(
            labels,
            ["Annulation client", "Pièce défectueuse", "mystery"]
        );
        assert_eq!(doc.files[0].lines[1].estimated_credit_ht, None);
        assert_eq!(doc.files[0].total_ht.to_string(), "17.27");
    }
}

/// Sample documents for the layout's tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A request of `files` files with `lines` lines each.
    pub(crate) fn sample(files: usize, lines: usize) -> Preaccord {
        let money = |s: &str| Money::parse(s).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        Preaccord {
            customer_name: "Garage Élégance & Fils".into(),
            customer_code: "C00042".into(),
            request_number: "R-2026-000123".into(),
            requested_at: day.and_hms_opt(14, 5, 0).unwrap(),
            files: (0..files)
                .map(|f| PreaccordFile {
                    tracking_number: format!("{}", 10_000_001 + f),
                    delivery_note: format!("{}", 250_001_106 + f),
                    sale_date: day,
                    lines: (0..lines)
                        .map(|l| PreaccordLine {
                            reference: format!("REF{f:02}{l:03}"),
                            designation: "ÉTRIER DE FREIN AVANT GAUCHE RECONDITIONNÉ TRÈS LONGUE \
                                          DÉSIGNATION"
                                .into(),
                            qty: 1,
                            reason_label: "Pièce défectueuse".into(),
                            estimated_credit_ht: (l % 2 == 0).then(|| money("17.27")),
                        })
                        .collect(),
                    total_ht: money("17.27"),
                    warranty: false,
                })
                .collect(),
            estimated_total_ht: money("120.89"),
        }
    }
}
