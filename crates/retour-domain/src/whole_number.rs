//! Reading counts (line numbers, quantities) from JSON: the API's schema says `integer`, and JSON
//! Schema counts `3.0` as the integer 3, so a whole number written with a zero fraction is read
//! as that number. Any other fraction, a negative number or one past `u32` (past 2^53 - 1 for a
//! cursor) is refused.
//! Use with `#[serde(deserialize_with = "crate::whole_number::deserialize")]` (or `::option`,
//! `::cursor`).

use serde::de::{self, Deserializer, Visitor};

/// The greatest cursor (a notification's `seq`): the largest integer a JavaScript number holds
/// exactly, 2^53 - 1.
pub const MAX_CURSOR: u64 = (1 << 53) - 1;

/// A whole number from 0 to `max`, written as an integer or with a zero fraction.
struct WholeNumber {
    max: u64,
}

impl Visitor<'_> for WholeNumber {
    type Value = u64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a whole number from 0 to {}", self.max)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v <= self.max {
            Ok(v)
        } else {
            Err(E::invalid_value(de::Unexpected::Unsigned(v), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        // Both maxima (u32::MAX, 2^53 - 1) are exact as f64, so whole and in range converts exactly.
        if v.fract() == 0.0 && (0.0..=self.max as f64).contains(&v) {
            Ok(v as u64)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

/// A required count.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let max = u64::from(u32::MAX);
    let v = deserializer.deserialize_any(WholeNumber { max })?;
    Ok(u32::try_from(v).expect("at most u32::MAX"))
}

/// A required cursor, 0 to [`MAX_CURSOR`].
pub fn cursor<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    deserializer.deserialize_any(WholeNumber { max: MAX_CURSOR })
}

/// An optional count (`null` or absent is `None`; pair with `#[serde(default)]`).
pub fn option<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    struct Maybe;
    impl<'de> Visitor<'de> for Maybe {
        type Value = Option<u32>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Option<u32>, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<u32>, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<u32>, D::Error> {
            deserialize(d).map(Some)
        }
    }
    deserializer.deserialize_option(Maybe)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Counts {
        #[serde(deserialize_with = "super::deserialize")]
        line_no: u32,
        #[serde(default, deserialize_with = "super::option")]
        qty: Option<u32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Cursor {
        #[serde(deserialize_with = "super::cursor")]
        up_to: u64,
    }

    #[test]
    fn a_cursor_is_a_whole_number_a_javascript_number_holds() {
        let read = |json: &str| serde_json::from_str::<Cursor>(json).map(|c| c.up_to);
        assert_eq!(read(r#"{"up_to": 101324216.0}"#).unwrap(), 101_324_216);
        assert_eq!(
            read(r#"{"up_to": 9007199254740991}"#).unwrap(),
            super::MAX_CURSOR
        );
        for bad in [
            r#"{"up_to": 9007199254740992}"#,
            r#"{"up_to": -1}"#,
            r#"{"up_to": 1.5}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    fn read(json: &str) -> Result<Counts, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn whole_numbers_are_read_however_they_are_written() {
        let want = Counts {
            line_no: 3,
            qty: Some(2),
        };
        assert_eq!(read(r#"{"line_no": 3, "qty": 2}"#).unwrap(), want);
        assert_eq!(read(r#"{"line_no": 3.0, "qty": 2.0}"#).unwrap(), want);
        assert_eq!(read(r#"{"line_no": 3e0, "qty": 2}"#).unwrap(), want);
        assert_eq!(read(r#"{"line_no": 3}"#).unwrap().qty, None);
        assert_eq!(read(r#"{"line_no": 3, "qty": null}"#).unwrap().qty, None);
        assert_eq!(
            read(r#"{"line_no": 4294967295.0}"#).unwrap().line_no,
            u32::MAX
        );
    }

    #[test]
    fn fractions_negatives_and_overflows_are_refused() {
        for bad in [
            r#"{"line_no": 3.5}"#,
            r#"{"line_no": -1}"#,
            r#"{"line_no": -1.0}"#,
            r#"{"line_no": 4294967296}"#,
            r#"{"line_no": 4294967296.0}"#,
            r#"{"line_no": "3"}"#,
            r#"{"line_no": 3, "qty": 0.5}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
