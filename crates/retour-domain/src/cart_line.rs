//! A cart line's rules: whether a line may be put in the cart (or a request) with a quantity and a
//! reason ([`check_edit`], refusing with one [`EditRefusal`]), and the line priced as the cart
//! shows it ([`priced_line`]).
//!
//! The app checks an edit against its cached BL before recording it, the backend checks the
//! devices' operations and the lines of a return request against its database: all with this one
//! rule, so that they refuse the same edits with the same code and the same French words.

use crate::error_code::ErrorCode;
use std::fmt;

use crate::api;
use crate::cart::CartLine as MergedLine;
use crate::reason::{LinePrices, ReasonCode, ReasonTable};

/// What the rule knows of the delivered line an edit targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditableLine<'a> {
    /// Units that can still be returned.
    pub eligible_qty: u32,
    /// The reasons the line allows.
    pub allowed_reasons: &'a [ReasonCode],
}

impl<'a> From<&'a api::DeliveryNoteLine> for EditableLine<'a> {
    /// A BL line as the API serves it (the app checks against its cached BLs).
    fn from(line: &'a api::DeliveryNoteLine) -> Self {
        EditableLine {
            eligible_qty: line.eligible_qty,
            allowed_reasons: &line.allowed_reasons,
        }
    }
}

/// An edit of a line: what a device puts in the cart, or a line of a return request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineEdit<'a> {
    /// The quantity asked, when the edit sets one.
    pub qty: Option<u32>,
    /// The reason asked, when the edit sets one.
    pub reason: Option<&'a str>,
    /// The line's quantity in the cart before the edit, when it is there.
    pub current_qty: Option<u32>,
}

impl LineEdit<'_> {
    /// The quantity the line has after the edit: the one asked, else the one it had, else 1 (a
    /// new line without a quantity is one unit, as in the merged cart).
    pub fn resulting_qty(&self) -> u32 {
        self.qty.or(self.current_qty).unwrap_or(1)
    }
}

/// Why an edit of a line is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditRefusal {
    /// A quantity of 0 (removing a line is its own operation).
    InvalidQuantity,
    /// The customer has no such BL line.
    UnknownLine,
    /// The line does not allow this reason (or the reason does not exist).
    ReasonNotAllowed,
    /// More units than can still be returned; `eligible` is 0 when nothing can be.
    QuantityExceeded {
        /// Units that can still be returned.
        eligible: u32,
    },
}

impl EditRefusal {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            EditRefusal::InvalidQuantity => ErrorCode::InvalidQuantity,
            EditRefusal::UnknownLine => ErrorCode::UnknownLine,
            EditRefusal::ReasonNotAllowed => ErrorCode::ReasonNotAllowed,
            EditRefusal::QuantityExceeded { .. } => ErrorCode::QuantityExceeded,
        }
    }

    /// The French message for people.
    pub fn message(&self) -> String {
        match self {
            EditRefusal::InvalidQuantity => {
                "La quantité doit être d'au moins 1 : pour retirer la ligne, supprimez-la"
                    .to_owned()
            }
            EditRefusal::UnknownLine => "Cette ligne de BL est introuvable".to_owned(),
            EditRefusal::ReasonNotAllowed => {
                "Ce motif n'est pas autorisé pour cette ligne".to_owned()
            }
            EditRefusal::QuantityExceeded { eligible: 0 } => {
                "Cette ligne n'a plus de quantité éligible au retour".to_owned()
            }
            EditRefusal::QuantityExceeded { eligible } => {
                format!("Quantité supérieure à la quantité éligible ({eligible})")
            }
        }
    }
}

impl fmt::Display for EditRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for EditRefusal {}

/// Whether a line (`None` when the customer has no such BL line) may be put in the cart, or in a
/// return request, as `edit` asks. Checked in this order, the first failure wins: a quantity of
/// 0, an unknown line, a reason the line does not allow, a resulting quantity above the eligible
/// one (so a line with nothing eligible is refused).
pub fn check_edit(edit: &LineEdit<'_>, line: Option<&EditableLine<'_>>) -> Result<(), EditRefusal> {
    if edit.qty == Some(0) {
        return Err(EditRefusal::InvalidQuantity);
    }
    let line = line.ok_or(EditRefusal::UnknownLine)?;
    if let Some(reason) = edit.reason {
        if !line.allowed_reasons.iter().any(|r| r.as_str() == reason) {
            return Err(EditRefusal::ReasonNotAllowed);
        }
    }
    if edit.resulting_qty() > line.eligible_qty {
        return Err(EditRefusal::QuantityExceeded {
            eligible: line.eligible_qty,
        });
    }
    Ok(())
}

/// The delivered line a cart line is priced against, as its BL shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveredLine<'a> {
    /// The supplier reference.
    pub reference: &'a str,
    /// The designation.
    pub designation: &'a str,
    /// Units that can still be returned.
    pub eligible_qty: u32,
    /// Its prices.
    pub prices: LinePrices,
}

impl<'a> From<&'a api::DeliveryNoteLine> for DeliveredLine<'a> {
    /// A BL line as the API serves it (the app prices against its cached BLs).
    fn from(line: &'a api::DeliveryNoteLine) -> Self {
        DeliveredLine {
            reference: &line.reference,
            designation: &line.designation,
            eligible_qty: line.eligible_qty,
            prices: LinePrices {
                unit_price: line.unit_price_ht,
                deposit: line.deposit_ht,
            },
        }
    }
}

/// A line of the merged cart as the cart shows it: with its BL line's reference, designation and
/// eligible quantity (empty and 0 when the BL line is not known), and the estimated credit of its
/// reason (none without a reason, for a reason the line does not allow, and for reasons known
/// only after inspection).
pub fn priced_line(
    table: &ReasonTable,
    line: &MergedLine,
    delivered: Option<&DeliveredLine<'_>>,
) -> api::CartLine {
    let reason = line.reason.as_deref().and_then(ReasonCode::parse);
    let estimate = match (&reason, delivered) {
        (Some(reason), Some(delivered)) => table
            .estimate(reason.as_str(), &delivered.prices, line.qty)
            .ok()
            .flatten(),
        _ => None,
    };
    let fee = match (&reason, delivered) {
        (Some(reason), Some(delivered)) => table.fee(reason.as_str(), &delivered.prices, line.qty),
        _ => None,
    };
    api::CartLine {
        delivery_note: line.delivery_note.clone(),
        line_no: line.line_no,
        reference: delivered.map_or_else(String::new, |d| d.reference.to_owned()),
        designation: delivered.map_or_else(String::new, |d| d.designation.to_owned()),
        qty: line.qty,
        reason,
        eligible_qty: delivered.map_or(0, |d| d.eligible_qty),
        estimated_credit_ht: estimate,
        fee_ht: fee,
        updated_at: line.updated_at.clone(),
        photos: line.photos.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{DeviceId, Hlc};
    use crate::money::Money;

    fn codes(list: &[&str]) -> Vec<ReasonCode> {
        list.iter().map(|c| ReasonCode::parse(c).unwrap()).collect()
    }

    /// The cases of the three former copies: the app's `cart_add`/`cart_set` (A), the backend's
    /// `POST /cart/ops` (O) and `POST /return-requests` (R).
    #[test]
    fn the_edit_check() {
        use EditRefusal::*;
        let plain = &codes(&["order_error", "new_part", "defective"]);
        let with_deposit = &codes(&["deposit", "order_error", "new_part"]);
        fn line(eligible_qty: u32, allowed_reasons: &[ReasonCode]) -> EditableLine<'_> {
            EditableLine {
                eligible_qty,
                allowed_reasons,
            }
        }
        /// What, qty, reason, qty in the cart, the BL line, expected.
        type Case<'a> = (
            &'a str,
            Option<u32>,
            Option<&'a str>,
            Option<u32>,
            Option<EditableLine<'a>>,
            Result<(), EditRefusal>,
        );
        #[rustfmt::skip]
        let cases: Vec<Case<'_>> = vec![
            // what,                                  qty,     reason,             in cart, line,                      expected
            ("A R: one unit, allowed reason",         Some(1), Some("new_part"),   None,    Some(line(2, plain)),      Ok(())),
            ("A O: all the eligible units",           Some(2), None,               None,    Some(line(2, plain)),      Ok(())),
            ("A O R: above eligible",                 Some(3), None,               None,    Some(line(2, plain)),      Err(QuantityExceeded { eligible: 2 })),
            ("A R: zero",                             Some(0), Some("new_part"),   None,    Some(line(2, plain)),      Err(InvalidQuantity)),
            ("R: zero on an unknown line",            Some(0), Some("new_part"),   None,    None,                      Err(InvalidQuantity)),
            ("A O R: unknown line",                   Some(1), None,               None,    None,                      Err(UnknownLine)),
            ("A O R: deposit on a line without one",  None,    Some("deposit"),    None,    Some(line(2, plain)),      Err(ReasonNotAllowed)),
            ("A O R: a reason that does not exist",   Some(1), Some("no_such"),    None,    Some(line(2, plain)),      Err(ReasonNotAllowed)),
            ("O R: deposit on a line with one",       Some(1), Some("deposit"),    None,    Some(line(2, with_deposit)), Ok(())),
            ("R: bad reason and too many",            Some(9), Some("deposit"),    None,    Some(line(2, plain)),      Err(ReasonNotAllowed)),
            ("A: new line, nothing eligible",         None,    None,               None,    Some(line(0, plain)),      Err(QuantityExceeded { eligible: 0 })),
            ("O: new line without qty is one unit",   None,    Some("new_part"),   None,    Some(line(1, plain)),      Ok(())),
            ("O: new line without qty, none eligible", None,   Some("new_part"),   None,    Some(line(0, plain)),      Err(QuantityExceeded { eligible: 0 })),
            ("A: reason only, line within eligible",  None,    Some("defective"),  Some(2), Some(line(2, plain)),      Ok(())),
            ("A O: reason only, line now above",      None,    Some("defective"),  Some(3), Some(line(2, plain)),      Err(QuantityExceeded { eligible: 2 })),
            ("A: in cart, nothing eligible any more", None,    Some("defective"),  Some(1), Some(line(0, plain)),      Err(QuantityExceeded { eligible: 0 })),
            ("A O: lower the qty of a line in cart",  Some(1), None,               Some(3), Some(line(2, plain)),      Ok(())),
            ("O: a put with neither field",           None,    None,               Some(2), Some(line(2, plain)),      Ok(())),
        ];
        for (what, qty, reason, current_qty, line, expected) in cases {
            let edit = LineEdit {
                qty,
                reason,
                current_qty,
            };
            assert_eq!(check_edit(&edit, line.as_ref()), expected, "{what}");
        }
    }

    #[test]
    fn refusals_have_a_stable_code_and_french_words() {
        #[rustfmt::skip]
        let cases = [
            (EditRefusal::InvalidQuantity, "invalid_quantity", "La quantité doit être d'au moins 1 : pour retirer la ligne, supprimez-la"),
            (EditRefusal::UnknownLine, "unknown_line", "Cette ligne de BL est introuvable"),
            (EditRefusal::ReasonNotAllowed, "reason_not_allowed", "Ce motif n'est pas autorisé pour cette ligne"),
            (EditRefusal::QuantityExceeded { eligible: 3 }, "quantity_exceeded", "Quantité supérieure à la quantité éligible (3)"),
            (EditRefusal::QuantityExceeded { eligible: 0 }, "quantity_exceeded", "Cette ligne n'a plus de quantité éligible au retour"),
        ];
        for (refusal, code, message) in cases {
            assert_eq!(refusal.code(), code);
            assert_eq!(refusal.message(), message);
            assert_eq!(refusal.to_string(), message);
        }
    }

    /// The cases of the two former copies: the app's cart screen (A) and the backend's `GET /cart`
    /// (S).
    #[test]
    fn the_priced_line() {
        let at = Hlc::new(1_764_000_000_000, 0, DeviceId::new("phone").unwrap()).unwrap();
        let merged = |qty, reason: Option<&str>| MergedLine {
            delivery_note: "250001106".into(),
            line_no: 2,
            qty,
            reason: reason.map(str::to_owned),
            photos: Vec::new(),
            updated_at: at.clone(),
        };
        let m = |s: &str| Money::parse(s).unwrap();
        let plain = DeliveredLine {
            reference: "BP420",
            designation: "PLAQ FREIN",
            eligible_qty: 4,
            prices: LinePrices {
                unit_price: m("17.27"),
                deposit: None,
            },
        };
        let exchange = DeliveredLine {
            prices: LinePrices {
                unit_price: m("120.00"),
                deposit: Some(m("35.50")),
            },
            ..plain
        };
        let table = ReasonTable::default();
        #[rustfmt::skip]
        let cases: Vec<(&str, MergedLine, Option<DeliveredLine<'_>>, Option<&str>)> = vec![
            ("A S: rate 100 %",                   merged(3, Some("new_part")), Some(plain), Some("51.81")),
            ("A S: rate 90 %, rounded half-up",   merged(1, Some("customer_cancellation")), Some(plain), Some("15.54")),
            ("A S: deposit × qty",                merged(2, Some("deposit")), Some(exchange), Some("71.00")),
            ("A S: known after inspection",       merged(2, Some("defective")), Some(plain), None),
            ("A S: no reason yet",                merged(2, None), Some(plain), None),
            ("A S: a reason the line lacks",      merged(2, Some("deposit")), Some(plain), None),
            ("A: the BL is not cached",           merged(2, Some("new_part")), None, None),
        ];
        for (what, line, delivered, estimate) in cases {
            let priced = priced_line(&table, &line, delivered.as_ref());
            assert_eq!(priced.estimated_credit_ht, estimate.map(m), "{what}");
            assert_eq!(priced.delivery_note, line.delivery_note, "{what}");
            assert_eq!(priced.line_no, line.line_no, "{what}");
            assert_eq!(priced.qty, line.qty, "{what}");
            assert_eq!(priced.updated_at, line.updated_at, "{what}");
            assert_eq!(
                priced.reason.as_ref().map(ReasonCode::as_str),
                line.reason.as_deref(),
                "{what}"
            );
            match delivered {
                Some(d) => {
                    assert_eq!(priced.reference, d.reference, "{what}");
                    assert_eq!(priced.designation, d.designation, "{what}");
                    assert_eq!(priced.eligible_qty, d.eligible_qty, "{what}");
                }
                None => {
                    assert_eq!(priced.reference, "", "{what}");
                    assert_eq!(priced.designation, "", "{what}");
                    assert_eq!(priced.eligible_qty, 0, "{what}");
                }
            }
        }
    }
}
