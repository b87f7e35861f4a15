//! Money: exact decimal euros HT, rounded half-up to the cent, written as two-decimal strings.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An amount in euros, excluding VAT, always held to the cent.
///
/// On the wire it is a string with two decimals (`"17.27"`), never a JSON number, so no client
/// ever sees a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

/// Why a text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a decimal number.
    #[error("Montant invalide")]
    NotANumber,
    /// More than two decimals.
    #[error("Montant invalide : deux décimales au plus")]
    TooPrecise,
    /// Below zero.
    #[error("Montant invalide : il ne peut pas être négatif")]
    Negative,
}

impl Money {
    /// Zero euros.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds any decimal half-up to the cent (half away from zero, which is half-up for the
    /// non-negative amounts we handle).
    pub fn round(value: Decimal) -> Money {
        let mut cents = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        cents.rescale(2);
        Money(cents)
    }

    /// Parses a non-negative amount with at most two decimals (`"12"`, `"12.3"`, `"12.34"`).
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let text = text.trim();
        let plain = text.trim_start_matches('-');
        if plain.is_empty()
            || !plain.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            || plain.starts_with('.')
            || plain.len() > 24
        {
            return Err(MoneyError::NotANumber);
        }
        let value = Decimal::from_str(text).map_err(|_| MoneyError::NotANumber)?;
        if value.scale() > 2 && value.normalize().scale() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        if value.is_sign_negative() && !value.is_zero() {
            return Err(MoneyError::Negative);
        }
        Ok(Money::round(value))
    }

    /// The exact decimal value.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// This unit amount times a quantity, then times a rate, rounded once at the end.
    pub fn times(self, qty: u32, rate: Decimal) -> Money {
        Money::round(self.0 * Decimal::from(qty) * rate)
    }

    /// The amount as a French reader expects it: `1 234,56 €`, thousands separated by a narrow
    /// no-break space (U+202F) and the sign `€` after a no-break space (U+00A0).
    pub fn format_fr(self) -> String {
        let (sign, units, cents) = self.parts();
        format!("{sign}{},{cents}\u{A0}€", group(units, '\u{202F}'))
    }

    /// The amount as an English reader expects it: `€1,234.56`.
    pub fn format_en(self) -> String {
        let (sign, units, cents) = self.parts();
        format!("{sign}€{}.{cents}", group(units, ','))
    }

    /// The sign (`-` or nothing), the whole euros' digits and the two digits of cents.
    fn parts(self) -> (&'static str, String, String) {
        let plain = self.to_string();
        let (sign, digits) = match plain.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", plain.as_str()),
        };
        let (units, cents) = digits.split_once('.').unwrap_or((digits, "00"));
        (sign, units.to_owned(), cents.to_owned())
    }
}

/// Digits with `separator` between groups of three, from the right.
fn group(digits: String, separator: char) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(separator);
        }
        grouped.push(c);
    }
    grouped
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Money::parse(s)
    }
}

impl Add for Money {
    type Output = Money;

    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Money::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rounds_half_up_to_the_cent() {
        for (value, expected) in [
            (dec!(17.265), "17.27"),
            (dec!(17.2649), "17.26"),
            (dec!(0.005), "0.01"),
            (dec!(0.004999), "0.00"),
            (dec!(12), "12.00"),
            (dec!(2.675), "2.68"),
            (dec!(1.125), "1.13"),
        ] {
            assert_eq!(Money::round(value).to_string(), expected, "{value}");
        }
    }

    #[test]
    fn parses_amounts() {
        assert_eq!(Money::parse("12").unwrap().to_string(), "12.00");
        assert_eq!(Money::parse("12.3").unwrap().to_string(), "12.30");
        assert_eq!(Money::parse(" 0.10 ").unwrap().to_string(), "0.10");
        assert_eq!(Money::parse("1.230").unwrap().to_string(), "1.23");
        assert_eq!(Money::parse("1.234"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("-1"), Err(MoneyError::Negative));
        assert_eq!(Money::parse("abc"), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse(""), Err(MoneyError::NotANumber));
        assert_eq!(Money::parse("1e3"), Err(MoneyError::NotANumber));
    }

    #[test]
    fn wire_form_is_a_two_decimal_string() {
        let m = Money::parse("17.2").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"17.20\"");
        assert_eq!(
            serde_json::from_str::<Money>("\"17.27\"").unwrap(),
            Money::round(dec!(17.27))
        );
        assert!(serde_json::from_str::<Money>("17.27").is_err());
    }

    /// The cases of the former copies: the pré-accord's `format_money` (P), the CLI's `euros` (C)
    /// and the window's `money()` in `ui/js/dom.js` (U), whose output these equal.
    #[test]
    fn french_and_english() {
        #[rustfmt::skip]
        let cases = [
            // amount,        French,                                      English
            ("17.27",         "17,27\u{A0}€",                              "€17.27"),          // P C U
            ("0",             "0,00\u{A0}€",                               "€0.00"),           // P U
            ("0.5",           "0,50\u{A0}€",                               "€0.50"),           // U
            ("999",           "999,00\u{A0}€",                             "€999.00"),         // P
            ("1000",          "1\u{202F}000,00\u{A0}€",                    "€1,000.00"),       // U
            ("1234.5",        "1\u{202F}234,50\u{A0}€",                    "€1,234.50"),       // P U
            ("1251.77",       "1\u{202F}251,77\u{A0}€",                    "€1,251.77"),       // P C
            ("123456",        "123\u{202F}456,00\u{A0}€",                  "€123,456.00"),
            ("1234567.5",     "1\u{202F}234\u{202F}567,50\u{A0}€",         "€1,234,567.50"),   // P
        ];
        for (amount, french, english) in cases {
            let m = Money::parse(amount).unwrap();
            assert_eq!(m.format_fr(), french, "{amount}");
            assert_eq!(m.format_en(), english, "{amount}");
        }
        let negative = Money::round(dec!(-1234.5));
        assert_eq!(negative.format_fr(), "-1\u{202F}234,50\u{A0}€");
        assert_eq!(negative.format_en(), "-€1,234.50");
    }

    #[test]
    fn times_rounds_once() {
        let unit = Money::parse("19.19").unwrap();
        assert_eq!(unit.times(3, dec!(0.90)).to_string(), "51.81");
        assert_eq!(unit.times(1, dec!(0.90)).to_string(), "17.27");
    }
}
