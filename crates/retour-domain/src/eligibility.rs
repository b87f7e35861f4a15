//! How many units of a delivered line can still be returned.
//!
//! eligible = delivered − already returned − in open requests, and nothing once the BL is older
//! than the return window (counted in the distributor's calendar days) — except a line with a
//! deposit, which stays returnable with the deposit reason alone until its deposit is due
//! ([`return_period`], v1.1). A BL line read from the
//! API says why it has nothing to return ([`line_availability`]), and a whole BL too
//! ([`note_availability`]): the app's screens show these states, never a bare "0".

use chrono::NaiveDate;
use serde::Serialize;

use crate::api::DeliveryNoteLine;

/// The default return window, in days.
pub const DEFAULT_RETURN_WINDOW_DAYS: u32 = 30;

/// The default number of days after delivery by which an exchange part's old part must come back
/// for its deposit to be refunded (`RETOUR_DEPOSIT_DAYS`).
pub const DEFAULT_DEPOSIT_DAYS: u32 = 90;

/// The two delays that decide what a delivered line can still be returned for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delays {
    /// The return window, in days after delivery (every reason).
    pub window_days: u32,
    /// The deposit delay, in days after delivery (the deposit reason, on lines with a deposit).
    pub deposit_days: u32,
}

impl Default for Delays {
    fn default() -> Self {
        Delays {
            window_days: DEFAULT_RETURN_WINDOW_DAYS,
            deposit_days: DEFAULT_DEPOSIT_DAYS,
        }
    }
}

/// Which reasons a delivered line can still be returned for, today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnPeriod {
    /// Inside the return window: every reason the line allows.
    Window,
    /// Past the window, a line with a deposit, up to its due date: the deposit reason alone.
    DepositOnly,
    /// Nothing any more.
    Closed,
}

/// The last day a deposit paid on a line delivered on `delivered_on` can be claimed back.
pub fn deposit_due_on(delivered_on: NaiveDate, deposit_days: u32) -> NaiveDate {
    delivered_on + chrono::Days::new(u64::from(deposit_days))
}

/// Which reasons a line delivered on `delivered_on` (with a deposit or not) allows on `today`,
/// both Paris dates. The deposit delay never shortens the window.
pub fn return_period(
    delivered_on: NaiveDate,
    has_deposit: bool,
    today: NaiveDate,
    delays: Delays,
) -> ReturnPeriod {
    if within_window(delivered_on, today, delays.window_days) {
        ReturnPeriod::Window
    } else if has_deposit && today <= deposit_due_on(delivered_on, delays.deposit_days) {
        ReturnPeriod::DepositOnly
    } else {
        ReturnPeriod::Closed
    }
}

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

/// The last day a BL line can still be returned, as a line shows it ("À retourner avant le 28/12
/// (J-3)"): inside the return window its deadline; past it, a line with a deposit until its
/// deposit is due (for the deposit reason alone). `None` once both have passed (or for a line
/// from a backend that gives neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineWindow {
    /// The last day (Paris).
    pub last_day: NaiveDate,
    /// Paris calendar days left until `last_day` (0 on the day itself).
    pub days_left: u32,
    /// Only the deposit can still be claimed back (past the return window).
    pub deposit_only: bool,
}

/// Days left from which a line's window is shown as urgent (J-3).
pub const URGENT_DAYS: u32 = 3;

/// The window of a BL line on `today`, from the dates the API gives (see [`LineWindow`]).
pub fn line_window(
    return_deadline: Option<NaiveDate>,
    deposit_due_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<LineWindow> {
    if let Some(days) = return_deadline.and_then(|d| days_left(d, today)) {
        return return_deadline.map(|last_day| LineWindow {
            last_day,
            days_left: days,
            deposit_only: false,
        });
    }
    let due = deposit_due_on?;
    days_left(due, today).map(|days| LineWindow {
        last_day: due,
        days_left: days,
        deposit_only: true,
    })
}

/// The units that can still be returned today in the given period; never negative.
pub fn eligible_in(line: LineHistory, period: ReturnPeriod) -> u32 {
    if period == ReturnPeriod::Closed {
        return 0;
    }
    line.delivered
        .saturating_sub(line.returned)
        .saturating_sub(line.in_open_requests)
}

/// The units that can still be returned inside the return window alone (a line without a
/// deposit); never negative.
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

/// Whether a BL line, or a whole BL, can be returned, and if not why: a stable code for the
/// front ends (`state`), which say it in their language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Availability {
    /// Something can still be returned.
    Returnable,
    /// The return window has passed: nothing can be returned since `since` (the day after the
    /// last one, a Paris date).
    WindowPassed {
        /// The first day the BL could no longer be returned.
        since: NaiveDate,
    },
    /// Every unit delivered is already returned or in a return file.
    AllReturned,
    /// Nothing to return for another reason (a line without units).
    NotEligible,
}

impl Availability {
    /// What to tell a person in French when nothing can be returned (`None` when something
    /// can): the text the CLI prints and the app's French table repeats.
    pub fn french(&self) -> Option<String> {
        match self {
            Availability::Returnable => None,
            Availability::WindowPassed { since } => Some(format!(
                "Délai de retour dépassé depuis le {}",
                since.format("%d/%m/%Y")
            )),
            Availability::AllReturned => {
                Some("Toutes les pièces de ce BL ont déjà été retournées".to_owned())
            }
            Availability::NotEligible => Some("Plus rien à retourner sur ce BL".to_owned()),
        }
    }
}

/// Why a BL line as the API gives it can or cannot be returned. Judged on the server's own
/// figures: `eligible_qty`, `returned_qty`, and `days_left` (absent once `return_deadline`
/// has passed).
pub fn line_availability(line: &DeliveryNoteLine) -> Availability {
    if line.eligible_qty > 0 {
        return Availability::Returnable;
    }
    if line.delivered_qty > 0 && line.returned_qty >= line.delivered_qty {
        return Availability::AllReturned;
    }
    match (line.return_deadline, line.days_left) {
        (Some(deadline), None) => Availability::WindowPassed {
            since: deadline + chrono::Days::new(1),
        },
        _ => Availability::NotEligible,
    }
}

/// Why a whole BL can or cannot be returned: returnable when one line is; every line already
/// returned; else past its window when a line is (the lines of a BL share their delivery day);
/// else not eligible. A BL without lines is not eligible.
pub fn note_availability(lines: &[DeliveryNoteLine]) -> Availability {
    let states: Vec<Availability> = lines.iter().map(line_availability).collect();
    if states.contains(&Availability::Returnable) {
        return Availability::Returnable;
    }
    if !states.is_empty() && states.iter().all(|s| *s == Availability::AllReturned) {
        return Availability::AllReturned;
    }
    states
        .iter()
        .find(|s| matches!(s, Availability::WindowPassed { .. }))
        .copied()
        .unwrap_or(Availability::NotEligible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;

    fn line(
        delivered: u32,
        returned: u32,
        eligible: u32,
        days_left: Option<u32>,
    ) -> DeliveryNoteLine {
        DeliveryNoteLine {
            line_no: 1,
            reference: "0 986 494 824".into(),
            brand: "BOSCH".into(),
            designation: "Plaquettes".into(),
            gtin: None,
            delivered_qty: delivered,
            returned_qty: returned,
            eligible_qty: eligible,
            unit_price_ht: Money::parse("10.00").unwrap(),
            deposit_ht: None,
            allowed_reasons: vec![],
            return_deadline: NaiveDate::from_ymd_opt(2026, 11, 28),
            days_left,
            deposit_due_on: None,
        }
    }

    #[test]
    fn a_line_says_why_it_cannot_be_returned() {
        let since = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(
            line_availability(&line(3, 1, 2, Some(4))),
            Availability::Returnable
        );
        assert_eq!(
            line_availability(&line(3, 3, 0, Some(4))),
            Availability::AllReturned
        );
        // Past the window, a line already returned says so; the others say since when.
        assert_eq!(
            line_availability(&line(3, 3, 0, None)),
            Availability::AllReturned
        );
        assert_eq!(
            line_availability(&line(3, 1, 0, None)),
            Availability::WindowPassed { since }
        );
        // An older backend without the deadline: no date to give.
        let mut old = line(3, 0, 0, None);
        old.return_deadline = None;
        assert_eq!(line_availability(&old), Availability::NotEligible);
    }

    #[test]
    fn a_note_says_why_nothing_can_be_returned() {
        let since = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let returned = line(2, 2, 0, Some(3));
        let open = line(2, 0, 2, Some(3));
        let past = line(2, 0, 0, None);
        let past_returned = line(2, 2, 0, None);
        assert_eq!(
            note_availability(&[returned.clone(), open]),
            Availability::Returnable
        );
        assert_eq!(
            note_availability(&[returned.clone(), returned.clone()]),
            Availability::AllReturned
        );
        assert_eq!(
            note_availability(&[past_returned, past]),
            Availability::WindowPassed { since }
        );
        assert_eq!(note_availability(&[]), Availability::NotEligible);
    }

    #[test]
    fn the_french_says_since_when_in_paris_days() {
        let since = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(
            Availability::WindowPassed { since }.french().as_deref(),
            Some("Délai de retour dépassé depuis le 29/11/2026")
        );
        assert_eq!(Availability::Returnable.french(), None);
        assert_eq!(
            serde_json::to_value(Availability::WindowPassed { since }).unwrap(),
            serde_json::json!({"state": "window_passed", "since": "2026-11-29"})
        );
    }

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

    #[test]
    fn a_line_window_is_its_deadline_then_its_deposit_due_date() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let (deadline, due) = (Some(day(12, 28)), NaiveDate::from_ymd_opt(2027, 2, 25));
        let window = line_window(deadline, due, day(12, 25)).unwrap();
        assert_eq!(
            (window.last_day, window.days_left, window.deposit_only),
            (day(12, 28), 3, false)
        );
        assert_eq!(
            line_window(deadline, None, day(12, 28)).unwrap().days_left,
            0
        );
        assert_eq!(line_window(deadline, None, day(12, 29)), None);
        let deposit = line_window(deadline, due, day(12, 29)).unwrap();
        assert!(deposit.deposit_only);
        assert_eq!(deposit.days_left, 58);
        assert_eq!(line_window(None, None, day(12, 1)), None);
    }
}
