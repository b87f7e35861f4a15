//! Return reasons (*motifs*) and the credit each one lets the customer expect.
//!
//! The backend serves the table (`GET /api/v1/reasons`); [`ReasonTable::default`] is the table of
//! the specification. A line's estimate is rounded half-up to the cent; a reason whose credit is
//! only known after inspection gives no amount (shown as "-").

use crate::error_code::ErrorCode;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::eligibility::ReturnPeriod;
use crate::money::Money;
use crate::photo::PhotoRule;

/// A reason's stable code, such as `order_error`: lower-case ASCII letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ReasonCode(String);

impl ReasonCode {
    /// Accepts 1–32 characters among `a-z`, `0-9` and `_`.
    pub fn parse(text: &str) -> Option<ReasonCode> {
        let ok = (1..=32).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        ok.then(|| ReasonCode(text.to_owned()))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ReasonCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ReasonCode::parse(&text).ok_or_else(|| serde::de::Error::custom("code de motif invalide"))
    }
}

/// How a reason's credit is estimated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Estimate {
    /// Unit net price × quantity × rate.
    Rate {
        /// The share of the net price credited, such as `0.90`.
        #[serde(with = "rust_decimal::serde::str")]
        rate: Decimal,
    },
    /// Deposit (core charge) × quantity.
    Deposit,
    /// Known only after the quality inspection: no amount.
    AfterInspection,
}

/// A fee the distributor keeps on returns for a reason (v1.1), such as a restocking fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// The share of the net price kept, such as `0.10`.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// The French label: "Frais de remise en stock 10 %".
    pub label: String,
}

/// One reason of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The stable code.
    pub code: ReasonCode,
    /// The French label.
    pub label: String,
    /// Whether only lines with a deposit allow it.
    pub deposit_only: bool,
    /// How its credit is estimated.
    pub estimate: Estimate,
    /// The fee taken out of the credit, for reasons that have one (v1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<Fee>,
    /// Whether it asks for photos of the part (v1.1; `none` from older backends).
    #[serde(default)]
    pub photos: PhotoRule,
}

/// What a reason is checked and estimated against: the delivered line's prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePrices {
    /// Unit net price HT.
    pub unit_price: Money,
    /// Deposit (core charge) per unit, for exchange parts.
    pub deposit: Option<Money>,
}

/// Why a reason cannot be used on a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    /// The code is not in the table or the line does not allow it.
    #[error("Ce motif n'est pas autorisé pour cette ligne")]
    NotAllowed,
}

impl ReasonError {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::ReasonNotAllowed
    }
}

/// The table of reasons the backend offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReasonTable(pub Vec<Reason>);

impl Default for ReasonTable {
    fn default() -> Self {
        let rate = |r: Decimal| Estimate::Rate { rate: r };
        let reason = |code: &str, label: &str, deposit_only, estimate| Reason {
            code: ReasonCode(code.to_owned()),
            label: label.to_owned(),
            deposit_only,
            estimate,
            fee: None,
            photos: if code == "defective" {
                PhotoRule::Optional
            } else {
                PhotoRule::None
            },
        };
        ReasonTable(vec![
            reason("deposit", "Consigne", true, Estimate::Deposit),
            reason(
                "order_error",
                "Erreur commande",
                false,
                rate(Decimal::new(100, 2)),
            ),
            reason("new_part", "Pièce neuve", false, rate(Decimal::new(100, 2))),
            reason(
                "defective",
                "Pièce défectueuse",
                false,
                Estimate::AfterInspection,
            ),
            reason(
                "late_delivery",
                "Retard de livraison",
                false,
                rate(Decimal::new(100, 2)),
            ),
            Reason {
                fee: Some(Fee {
                    rate: Decimal::new(10, 2),
                    label: "Frais de remise en stock 10 %".to_owned(),
                }),
                ..reason(
                    "customer_cancellation",
                    "Annulation client",
                    false,
                    rate(Decimal::new(90, 2)),
                )
            },
        ])
    }
}

impl ReasonTable {
    /// The reason with this code, if the table has it.
    pub fn get(&self, code: &str) -> Option<&Reason> {
        self.0.iter().find(|r| r.code.as_str() == code)
    }

    /// The same table where the reasons `codes` require a photo (a backend's setting:
    /// `RETOUR_PHOTOS_REQUIRED`); unknown codes are ignored.
    pub fn with_photos_required<S: AsRef<str>>(mut self, codes: &[S]) -> ReasonTable {
        for reason in &mut self.0 {
            if codes.iter().any(|c| c.as_ref() == reason.code.as_str()) {
                reason.photos = PhotoRule::Required;
            }
        }
        self
    }

    /// Whether the reason `code` asks for photos (`none` for a code the table does not have).
    pub fn photo_rule(&self, code: &str) -> PhotoRule {
        self.get(code).map_or(PhotoRule::None, |r| r.photos)
    }

    /// The reasons a line allows: all of them, except deposit-only ones on lines without a
    /// deposit.
    pub fn allowed_for(&self, prices: &LinePrices) -> Vec<ReasonCode> {
        self.0
            .iter()
            .filter(|r| !r.deposit_only || prices.deposit.is_some())
            .map(|r| r.code.clone())
            .collect()
    }

    /// The reasons a line allows today, in its return period (v1.1): every reason the line allows
    /// inside the window, the deposit-only ones alone after it until the deposit is due, none
    /// after that.
    pub fn allowed_today(&self, prices: &LinePrices, period: ReturnPeriod) -> Vec<ReasonCode> {
        match period {
            ReturnPeriod::Window => self.allowed_for(prices),
            ReturnPeriod::DepositOnly => self
                .0
                .iter()
                .filter(|r| r.deposit_only && prices.deposit.is_some())
                .map(|r| r.code.clone())
                .collect(),
            ReturnPeriod::Closed => Vec::new(),
        }
    }

    /// The fee a reason takes on `qty` units of a line: the gross amount (unit price × qty)
    /// minus the line's estimate, so that both add up to the gross exactly; `None` for reasons
    /// without a fee, and for reasons the line does not allow.
    pub fn fee(&self, code: &str, prices: &LinePrices, qty: u32) -> Option<Money> {
        let reason = self.get(code)?;
        reason.fee.as_ref()?;
        let estimate = self.estimate(code, prices, qty).ok()??;
        let gross = prices.unit_price.times(qty, Decimal::ONE);
        Some(Money::round(gross.amount() - estimate.amount()))
    }

    /// Checks that the line allows this reason, then estimates the credit for `qty` units:
    /// `Ok(None)` when the amount is only known after inspection.
    pub fn estimate(
        &self,
        code: &str,
        prices: &LinePrices,
        qty: u32,
    ) -> Result<Option<Money>, ReasonError> {
        let reason = self.get(code).ok_or(ReasonError::NotAllowed)?;
        if reason.deposit_only && prices.deposit.is_none() {
            return Err(ReasonError::NotAllowed);
        }
        Ok(match &reason.estimate {
            Estimate::Rate { rate } => Some(prices.unit_price.times(qty, *rate)),
            Estimate::Deposit => prices.deposit.map(|d| d.times(qty, Decimal::ONE)),
            Estimate::AfterInspection => None,
        })
    }
}

/// The estimated total of some lines: the sum of the lines' rounded estimates; lines known only
/// after inspection count for nothing.
pub fn total(estimates: impl IntoIterator<Item = Option<Money>>) -> Money {
    estimates.into_iter().flatten().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices(unit: &str, deposit: Option<&str>) -> LinePrices {
        LinePrices {
            unit_price: Money::parse(unit).unwrap(),
            deposit: deposit.map(|d| Money::parse(d).unwrap()),
        }
    }

    fn check(code: &str, p: LinePrices, qty: u32, expected: Result<Option<&str>, ReasonError>) {
        let got = ReasonTable::default()
            .estimate(code, &p, qty)
            .map(|m| m.map(|m| m.to_string()));
        assert_eq!(got, expected.map(|m| m.map(str::to_owned)), "{code} x{qty}");
    }

    #[test]
    fn estimates_per_reason() {
        let plain = prices("19.19", None);
        let exchange = prices("152.40", Some("45.00"));
        check("order_error", plain, 3, Ok(Some("57.57")));
        check("new_part", plain, 1, Ok(Some("19.19")));
        check("late_delivery", plain, 2, Ok(Some("38.38")));
        check("customer_cancellation", plain, 1, Ok(Some("17.27")));
        check("customer_cancellation", plain, 3, Ok(Some("51.81")));
        check("defective", plain, 2, Ok(None));
        check("deposit", exchange, 2, Ok(Some("90.00")));
        check("deposit", plain, 1, Err(ReasonError::NotAllowed));
        check("unknown", plain, 1, Err(ReasonError::NotAllowed));
        check(
            "customer_cancellation",
            prices("0.05", None),
            1,
            Ok(Some("0.05")),
        );
        check(
            "customer_cancellation",
            prices("0.15", None),
            1,
            Ok(Some("0.14")),
        );
    }

    #[test]
    fn deposit_reason_only_on_lines_with_a_deposit() {
        let table = ReasonTable::default();
        let codes = |p| {
            table
                .allowed_for(&p)
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(prices("10", None)),
            [
                "order_error",
                "new_part",
                "defective",
                "late_delivery",
                "customer_cancellation"
            ]
        );
        assert_eq!(codes(prices("10", Some("5"))).len(), 6);
    }

    #[test]
    fn labels_and_wire_form() {
        let json = serde_json::to_value(ReasonTable::default()).unwrap();
        assert_eq!(
            json[5],
            serde_json::json!({"code": "customer_cancellation", "label": "Annulation client",
                "deposit_only": false, "estimate": {"kind": "rate", "rate": "0.90"},
                "fee": {"rate": "0.10", "label": "Frais de remise en stock 10 %"},
                "photos": "none"})
        );
        assert!(json[1].get("fee").is_none(), "no fee on other reasons");
        assert_eq!(json[0]["estimate"], serde_json::json!({"kind": "deposit"}));
        assert_eq!(
            json[3]["estimate"],
            serde_json::json!({"kind": "after_inspection"})
        );
        let labels: Vec<_> = ReasonTable::default()
            .0
            .into_iter()
            .map(|r| r.label)
            .collect();
        assert_eq!(
            labels,
            [
                "Consigne",
                "Erreur commande",
                "Pièce neuve",
                "Pièce défectueuse",
                "Retard de livraison",
                "Annulation client"
            ]
        );
    }

    #[test]
    fn the_fee_and_the_estimate_add_up_to_the_gross() {
        let table = ReasonTable::default();
        let plain = prices("19.19", None);
        // 19.19 × 0.90 = 17.271 → 17.27; the fee is what is left of the gross: 1.92.
        assert_eq!(
            table
                .fee("customer_cancellation", &plain, 1)
                .map(|m| m.to_string()),
            Some("1.92".to_owned())
        );
        assert_eq!(
            table
                .fee("customer_cancellation", &plain, 3)
                .map(|m| m.to_string()),
            Some("5.76".to_owned())
        );
        assert_eq!(table.fee("new_part", &plain, 1), None);
        assert_eq!(table.fee("unknown", &plain, 1), None);
        for qty in 1..50 {
            for unit in ["0.01", "0.15", "7.35", "19.19", "152.40"] {
                let p = prices(unit, None);
                let fee = table.fee("customer_cancellation", &p, qty).unwrap();
                let estimate = table
                    .estimate("customer_cancellation", &p, qty)
                    .unwrap()
                    .unwrap();
                assert_eq!(fee + estimate, p.unit_price.times(qty, Decimal::ONE));
            }
        }
    }

    #[test]
    fn reasons_allowed_today_follow_the_return_period() {
        let table = ReasonTable::default();
        let names = |p, period| {
            table
                .allowed_today(&p, period)
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        let exchange = prices("152.40", Some("45.00"));
        assert_eq!(names(exchange, ReturnPeriod::Window).len(), 6);
        assert_eq!(names(exchange, ReturnPeriod::DepositOnly), ["deposit"]);
        assert!(names(exchange, ReturnPeriod::Closed).is_empty());
        assert!(names(prices("10", None), ReturnPeriod::DepositOnly).is_empty());
    }

    #[test]
    fn a_reason_can_require_a_photo() {
        let table = ReasonTable::default();
        assert_eq!(table.photo_rule("defective"), PhotoRule::Optional);
        assert_eq!(table.photo_rule("new_part"), PhotoRule::None);
        assert_eq!(table.photo_rule("unknown"), PhotoRule::None);
        let json = serde_json::to_value(&table).unwrap();
        assert_eq!(json[3]["photos"], "optional");
        let strict = table.with_photos_required(&["defective", "nope"]);
        assert_eq!(strict.photo_rule("defective"), PhotoRule::Required);
        assert_eq!(strict.photo_rule("order_error"), PhotoRule::None);
        // An older backend's table, without the field, reads as "none".
        let old: Reason = serde_json::from_value(serde_json::json!({"code": "new_part",
            "label": "Pièce neuve", "deposit_only": false,
            "estimate": {"kind": "rate", "rate": "1.00"}}))
        .unwrap();
        assert_eq!(old.photos, PhotoRule::None);
    }

    #[test]
    fn total_is_the_sum_of_rounded_lines() {
        let unit = Money::parse("0.15").unwrap();
        let line = unit.times(1, Decimal::new(90, 2));
        // 0.135 rounds to 0.14 per line; three lines make 0.42, not round(0.405) = 0.41.
        assert_eq!(
            total([Some(line), Some(line), Some(line), None]).to_string(),
            "0.42"
        );
    }
}
