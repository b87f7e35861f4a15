//! How many units of a delivered line can still be returned.
//!
//! eligible = delivered − already returned − in open requests, and nothing once the BL is older
//! than the return window (counted in the distributor's calendar days).

use chrono::NaiveDate;

/// The default return window, in days.
pub const DEFAULT_RETURN_WINDOW_DAYS: u32 = 30;

/// What is known of one delivered line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineHistory {
    /// Units delivered.
    pub delivered: u32,
    /// Units already returned (in closed files, as accepted).
    pub returned: u32,
    /// Units in files not yet closed.
    pub in_open_requests: u32,
}

/// Whether a BL delivered on `delivered_on` is still inside the return window on `today`. A BL
/// dated in the future (a clock ahead) is inside.
pub fn within_window(delivered_on: NaiveDate, today: NaiveDate, window_days: u32) -> bool {
    (today - delivered_on).num_days() <= i64::from(window_days)
}

/// The last day a BL delivered on `delivered_on` can be returned (every reason but `deposit`).
pub fn return_deadline(delivered_on: NaiveDate, window_days: u32) -> NaiveDate {
    delivered_on + chrono::Days::new(u64::from(window_days))
}

/// Paris calendar days left until `deadline` (0 on the day itself); `None` once it has passed.
pub fn days_left(deadline: NaiveDate, today: NaiveDate) -> Option<u32> {
    u32::try_from((deadline - today).num_days()).ok()
}

/// The units that can still be returned; never negative.
pub fn eligible_qty(
    line: LineHistory,
    delivered_on: NaiveDate,
    today: NaiveDate,
    window_days: u32,
) -> u32 {
    if !within_window(delivered_on, today, window_days) {
        return 0;
    }
    line.delivered
        .saturating_sub(line.returned)
        .saturating_sub(line.in_open_requests)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: (u32, u32, u32), age_days: i64, expected: u32) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let delivered_on = today - chrono::Duration::days(age_days);
        let history = LineHistory {
            delivered: line.0,
            returned: line.1,
            in_open_requests: line.2,
        };
        assert_eq!(
            eligible_qty(history, delivered_on, today, DEFAULT_RETURN_WINDOW_DAYS),
            expected,
            "{line:?} aged {age_days} days"
        );
    }

    #[test]
    fn the_deadline_is_the_last_day_of_the_window() {
        let delivered = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let deadline = return_deadline(delivered, DEFAULT_RETURN_WINDOW_DAYS);
        assert_eq!(deadline, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert!(within_window(
            delivered,
            deadline,
            DEFAULT_RETURN_WINDOW_DAYS
        ));
        assert!(!within_window(
            delivered,
            deadline + chrono::Days::new(1),
            DEFAULT_RETURN_WINDOW_DAYS
        ));
        assert_eq!(days_left(deadline, deadline), Some(0));
        assert_eq!(days_left(deadline, delivered), Some(30));
        assert_eq!(days_left(deadline, deadline + chrono::Days::new(1)), None);
    }

    #[test]
    fn eligible_quantities() {
        check((4, 0, 0), 0, 4);
        check((4, 1, 0), 3, 3);
        check((4, 1, 2), 3, 1);
        check((4, 3, 1), 3, 0);
        check((4, 3, 3), 3, 0);
        check((4, 0, 0), 30, 4);
        check((4, 0, 0), 31, 0);
        check((4, 0, 0), 400, 0);
        check((4, 0, 0), -1, 4);
        check((0, 0, 0), 1, 0);
    }
}
