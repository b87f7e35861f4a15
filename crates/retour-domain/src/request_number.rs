//! The number of a return request that people read out on the phone: `R-2026-000123`, a sequence
//! that starts again at 1 each year, the year being the Paris year in which the request was
//! recorded. The backend keeps the counters; this module says which year's counter a request
//! takes and how its number is written.

use std::fmt;

use chrono::{DateTime, Datelike, Utc};

use crate::hours::PARIS;

/// The first letter of every request number.
const PREFIX: &str = "R";

/// How many digits the sequence has at least (zero-padded).
const SEQUENCE_DIGITS: usize = 6;

/// The year whose counter a request recorded at `created_at` takes: its Paris calendar year (a
/// request sent at 00:30 in Paris on 1 January belongs to the new year, though it is still
/// 31 December in UTC).
pub fn request_year(created_at: DateTime<Utc>) -> i32 {
    created_at.with_timezone(&PARIS).year()
}

/// A return request's number: its year and its rank within that year (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestNumber {
    /// The Paris year of the request.
    pub year: i32,
    /// Its rank within the year, from 1.
    pub sequence: u64,
}

impl fmt::Display for RequestNumber {
    /// `R-<year>-<sequence on at least six digits>`: `R-2026-000123`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}-{}-{:0width$}",
            self.year,
            self.sequence,
            width = SEQUENCE_DIGITS
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_with_the_year_and_six_digits() {
        let number = RequestNumber {
            year: 2026,
            sequence: 123,
        };
        assert_eq!(number.to_string(), "R-2026-000123");
        let big = RequestNumber {
            year: 2027,
            sequence: 1_234_567,
        };
        assert_eq!(big.to_string(), "R-2027-1234567");
    }

    #[test]
    fn the_year_is_the_paris_year() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(request_year(at("2026-12-31T22:59:59Z")), 2026);
        assert_eq!(request_year(at("2026-12-31T23:00:00Z")), 2027);
        assert_eq!(request_year(at("2027-06-30T22:30:00Z")), 2027);
    }
}
