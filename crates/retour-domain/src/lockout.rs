//! How failed logins slow a source down: growing delays, never a hard lock.
//!
//! Failures are counted per account **and** per source (a client address, or a known device of
//! the account: a device that signed in before and shows its device cookie), and also per account
//! over every unknown source. Each count lets a few failures through freely, then each further
//! failure makes that source wait longer — 30 s, 1 min, 2 min, … up to 15 min — before its next
//! try. A known device is judged only by its own failures, so an attacker's guesses from
//! elsewhere never slow the real user's devices down. The same rule applies to e-mails with no
//! account, so a delay (`423`) tells nothing about which e-mails exist. A success clears its
//! source's count; the e-mailed unlock link and a password reset clear every count of the
//! account.

use chrono::{DateTime, Duration, Utc};

/// The failures a single source (an address or a known device) gets before it must wait.
pub const FREE_FAILURES_PER_SOURCE: u32 = 5;
/// The failures the account gets from all unknown sources together before they must wait.
pub const FREE_FAILURES_PER_ACCOUNT: u32 = 20;
/// The first wait.
pub const FIRST_DELAY: Duration = Duration::seconds(30);
/// The longest wait.
pub const MAX_DELAY: Duration = Duration::minutes(15);
/// How long a count is remembered after its last failure.
pub const FORGET_AFTER: Duration = Duration::hours(24);

/// Until when a count of `failures` (this one included) at `now` makes its source wait, given the
/// `free` failures it is allowed; `None` while it is still within them.
pub fn wait_until(failures: u32, free: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let over = failures.checked_sub(free)?;
    let doublings = over.min(16);
    let delay = FIRST_DELAY * 2i32.pow(doublings);
    Some(now + delay.min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_after_the_free_failures_and_stop_at_the_longest() {
        let now = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(wait_until(4, 5, now), None);
        assert_eq!(wait_until(5, 5, now), Some(now + Duration::seconds(30)));
        assert_eq!(wait_until(6, 5, now), Some(now + Duration::minutes(1)));
        assert_eq!(wait_until(7, 5, now), Some(now + Duration::minutes(2)));
        assert_eq!(wait_until(9, 5, now), Some(now + Duration::minutes(8)));
        assert_eq!(wait_until(10, 5, now), Some(now + MAX_DELAY));
        assert_eq!(wait_until(u32::MAX, 5, now), Some(now + MAX_DELAY));
    }
}
