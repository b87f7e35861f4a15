//! Reading counts (line numbers, quantities) from JSON: the API's schema says `integer`, and JSON
//! Schema counts `3.0` as the integer 3, so a whole number written with a zero fraction is read
//! as that number. Any other fraction, a negative number or one past `u32` is refused.
//! Use with `#[serde(deserialize_with = "crate::whole_number::deserialize")]` (or `::option`).

use serde::de::{self, Deserializer, Visitor};

struct WholeNumber;

impl Visitor<'_> for WholeNumber {
    type Value = u32;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a whole number from 0 to 4294967295")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u32, E> {
        u32::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u32, E> {
        if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
            // Whole and in range: the conversion is exact.
            Ok(v as u32)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }
}

/// A required count.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    deserializer.deserialize_any(WholeNumber)
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
