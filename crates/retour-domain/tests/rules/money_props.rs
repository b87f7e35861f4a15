//! The money of v1.1 as properties: for any decisions and credit notes, the reconciliation's
//! totals are the sums of its items and every line is in exactly one state; the deposits
//! wallet and the report add up; a deposit line's return period across the 30-day window and its
//! due date, at Paris midnight on the days the clocks change.

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use retour_domain::credits::{reconcile, CreditState, Credited, DecidedLine};
use retour_domain::deposits::{self, DepositLine, DepositState};
use retour_domain::eligibility::{
    days_left, deposit_due_on, eligible_in, return_period, Delays, LineHistory, ReturnPeriod,
};
use retour_domain::hours::paris_today;
use retour_domain::reason::{LinePrices, ReasonTable};
use retour_domain::report::{self, ReportDecision, ReportLine};
use retour_domain::Money;
use rust_decimal::Decimal;

fn cents(n: u32) -> Money {
    Money::round(Decimal::new(i64::from(n), 2))
}

fn day(offset: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(offset))
}

/// Decided lines (expected cents, decided day), credit-note lines (index of the decided line or
/// beyond: a line not decided, amount cents, issued day), and a day.
type DecisionsAndCredits = (Vec<(u32, u32)>, Vec<(usize, u32, u32)>, u32);

/// Decided lines (file, expected cents, decided day) and credit-note lines (index of the
/// decided line or beyond: a line not decided, amount cents, issued day).
fn decisions_and_credits() -> impl Strategy<Value = DecisionsAndCredits> {
    (
        prop::collection::vec((0u32..100_000, 0u32..300), 0..25),
        prop::collection::vec((0usize..30, 0u32..100_000, 0u32..400), 0..40),
        300u32..500,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_reconciliation_adds_up_and_each_line_has_one_state(
        (decided, credits, today) in decisions_and_credits()
    ) {
        let lines: Vec<DecidedLine> = decided
            .iter()
            .enumerate()
            .map(|(i, (expected, on))| DecidedLine {
                dossier: format!("{:08}", 10_000_000 + i),
                line_no: 1,
                reference: format!("REF{i}"),
                designation: "PIÈCE".into(),
                decided_on: day(*on),
                expected: cents(*expected),
            })
            .collect();
        let notes: Vec<Credited> = credits
            .iter()
            .enumerate()
            .map(|(n, (i, amount, on))| Credited {
                dossier: format!("{:08}", 10_000_000 + i),
                line_no: 1,
                credit_note: format!("AV{}", n % 7),
                issued_on: day(*on),
                amount: cents(*amount),
            })
            .collect();
        let today = day(today);
        let got = reconcile(&lines, &notes, today);

        // One item per decided line expecting something.
        let expecting = lines.iter().filter(|l| l.expected > Money::ZERO).count();
        prop_assert_eq!(got.items.len(), expecting);

        let sum = |f: &dyn Fn(&retour_domain::credits::CreditItem) -> Option<Money>| -> Money {
            got.items.iter().filter_map(f).sum()
        };
        prop_assert_eq!(got.expected_ht, sum(&|i| Some(i.expected_ht)));
        prop_assert_eq!(got.credited_ht, sum(&|i| Some(i.credited_ht)));
        prop_assert_eq!(
            got.awaiting_ht,
            sum(&|i| (i.state == CreditState::Awaiting).then_some(i.expected_ht))
        );
        prop_assert_eq!(
            got.short_ht,
            sum(&|i| (i.state == CreditState::Short)
                .then(|| Money::round(i.expected_ht.amount() - i.credited_ht.amount())))
        );

        for item in &got.items {
            // What the credit notes say of this line.
            let credited: Money = notes
                .iter()
                .filter(|n| n.dossier == item.dossier && n.line_no == item.line_no)
                .map(|n| n.amount)
                .sum();
            prop_assert_eq!(item.credited_ht, credited);
            // Exactly one state holds, and it is the one given.
            let holds = [
                (CreditState::Awaiting, credited == Money::ZERO),
                (CreditState::Credited, credited > Money::ZERO && credited == item.expected_ht),
                (CreditState::Short, credited > Money::ZERO && credited < item.expected_ht),
                (CreditState::Over, credited > item.expected_ht),
            ];
            let states: Vec<CreditState> =
                holds.iter().filter(|(_, h)| *h).map(|(s, _)| *s).collect();
            prop_assert_eq!(states, vec![item.state]);
            if item.state.is_waiting() {
                prop_assert_eq!(
                    i64::from(item.waiting_days),
                    (today - item.decided_on).num_days().max(0)
                );
            }
        }
        // Those waiting come first, longest waiting first.
        let waiting: Vec<bool> = got.items.iter().map(|i| i.state.is_waiting()).collect();
        let mut sorted = waiting.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        prop_assert_eq!(waiting, sorted);
        for pair in got.items.windows(2) {
            if pair[0].state.is_waiting() == pair[1].state.is_waiting() {
                prop_assert!(pair[0].waiting_days >= pair[1].waiting_days);
            }
        }
    }

    #[test]
    fn the_deposits_wallet_adds_up(
        lines in prop::collection::vec((0u32..200, 1u32..4, 0u32..4, 0u32..4, 1u32..10_000), 0..20),
        today in 100u32..300,
    ) {
        let lines: Vec<DepositLine> = lines
            .iter()
            .enumerate()
            .map(|(i, (on, delivered, returned, in_return, deposit))| DepositLine {
                delivery_note: format!("{}", 250_000_000 + i),
                line_no: 1,
                reference: "R".into(),
                designation: "D".into(),
                delivered_on: day(*on),
                delivered: *delivered,
                returned: (*returned).min(*delivered),
                in_return: (*in_return).min(delivered - (*returned).min(*delivered)),
                deposit: cents(*deposit),
            })
            .collect();
        let today = day(today);
        let w = deposits::wallet(&lines, today, 90);
        let open = || w.items.iter().filter(|i| i.state == DepositState::Open);
        prop_assert_eq!(w.at_stake_ht, open().map(|i| i.at_stake_ht).sum::<Money>());
        prop_assert_eq!(
            w.due_soon_ht,
            open().filter(|i| i.days_left.is_some_and(|d| d <= 14)).map(|i| i.at_stake_ht).sum::<Money>()
        );
        prop_assert!(w.due_soon_ht <= w.at_stake_ht);
        for pair in w.items.windows(2) {
            prop_assert!(pair[0].due_on <= pair[1].due_on);
        }
        for i in &w.items {
            prop_assert_eq!(i.at_stake_ht, i.deposit_ht.times(i.open_qty, Decimal::ONE));
            let holds = [
                (DepositState::Open, i.open_qty > 0 && today <= i.due_on),
                (DepositState::Expired, i.open_qty > 0 && today > i.due_on),
                (DepositState::InReturn, i.open_qty == 0 && i.state == DepositState::InReturn),
                (DepositState::Refunded, i.open_qty == 0 && i.state == DepositState::Refunded),
            ];
            prop_assert_eq!(holds.iter().filter(|(_, h)| *h).count(), 1);
            prop_assert_eq!(i.days_left.is_some(), today <= i.due_on);
        }
    }

    #[test]
    fn the_report_adds_up(
        lines in prop::collection::vec(
            (0u32..400, 0usize..4, 1u32..6, 0u32..6, 1u32..20_000, prop::bool::ANY, 0usize..5),
            0..40,
        ),
        from in 0u32..200,
        length in 0u32..366,
    ) {
        let reasons = ReasonTable::default();
        let codes = ["new_part", "customer_cancellation", "defective", "order_error"];
        let lines: Vec<ReportLine> = lines
            .iter()
            .enumerate()
            .map(|(i, (on, reason, qty, accepted, price, decided, reference))| {
                let prices = LinePrices { unit_price: cents(*price), deposit: None };
                let accepted = (*accepted).min(*qty);
                ReportLine {
                    dossier: format!("{}", i / 2),
                    created_on: day(*on),
                    reference: format!("REF{reference}"),
                    designation: "D".into(),
                    reason: codes[*reason].into(),
                    qty: *qty,
                    estimated: reasons.estimate(codes[*reason], &prices, *qty).ok().flatten(),
                    prices,
                    decision: decided.then(|| ReportDecision {
                        accepted_qty: accepted,
                        refused_qty: qty - accepted,
                        credited: reasons
                            .estimate(codes[*reason], &prices, accepted)
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| prices.unit_price.times(accepted, Decimal::ONE)),
                        refusal_reason: (accepted < *qty)
                            .then_some(retour_domain::decision::RefusalReason::Fitted),
                    }),
                }
            })
            .collect();
        let (from, to) = (day(from), day(from + length));
        prop_assert!(report::check_period(from, to).is_ok());
        let r = report::report(&lines, from, to, &reasons);
        let inside: Vec<&ReportLine> =
            lines.iter().filter(|l| l.created_on >= from && l.created_on <= to).collect();
        prop_assert_eq!(r.pieces, inside.iter().map(|l| l.qty).sum::<u32>());
        prop_assert_eq!(r.pieces, r.by_month.iter().map(|m| m.pieces).sum::<u32>());
        prop_assert_eq!(r.pieces, r.by_reason.iter().map(|m| m.pieces).sum::<u32>());
        prop_assert_eq!(r.credited_ht, r.by_month.iter().map(|m| m.credited_ht).sum::<Money>());
        prop_assert_eq!(r.credited_ht, r.by_reason.iter().map(|m| m.credited_ht).sum::<Money>());
        prop_assert_eq!(
            r.refusals.iter().map(|x| x.pieces).sum::<u32>(),
            inside.iter().filter_map(|l| l.decision).map(|d| d.refused_qty).sum::<u32>()
        );
        prop_assert!(r.by_reference.len() <= 10);
        // Every month of the period is there, once, in order.
        let months: Vec<&str> = r.by_month.iter().map(|m| m.month.as_str()).collect();
        let mut sorted = months.clone();
        sorted.sort();
        sorted.dedup();
        prop_assert_eq!(&months, &sorted);
        prop_assert_eq!(months.first().copied(), Some(&*from.format("%Y-%m").to_string()));
        prop_assert_eq!(months.last().copied(), Some(&*to.format("%Y-%m").to_string()));
    }

    #[test]
    fn a_lines_period_only_moves_forward(delivered in 0u32..400, has_deposit in prop::bool::ANY) {
        let delivered_on = day(delivered);
        let delays = Delays::default();
        let mut last = ReturnPeriod::Window;
        for age in 0u32..200 {
            let today = delivered_on + chrono::Days::new(u64::from(age));
            let period = return_period(delivered_on, has_deposit, today, delays);
            let expected = if age <= 30 {
                ReturnPeriod::Window
            } else if has_deposit && age <= 90 {
                ReturnPeriod::DepositOnly
            } else {
                ReturnPeriod::Closed
            };
            prop_assert_eq!(period, expected, "age {}", age);
            let rank = |p: ReturnPeriod| match p {
                ReturnPeriod::Window => 0,
                ReturnPeriod::DepositOnly => 1,
                ReturnPeriod::Closed => 2,
            };
            prop_assert!(rank(period) >= rank(last));
            last = period;
        }
    }
}

/// An instant written with its Paris offset.
fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_deposit_line_after_the_window_allows_the_deposit_alone_until_its_due_date() {
    let table = ReasonTable::default();
    let exchange = LinePrices {
        unit_price: Money::parse("152.40").unwrap(),
        deposit: Some(Money::parse("45.00").unwrap()),
    };
    let plain = LinePrices {
        deposit: None,
        ..exchange
    };
    let delivered_on = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let history = LineHistory {
        delivered: 2,
        returned: 0,
        in_open_requests: 1,
    };
    let delays = Delays::default();
    let check = |age: u64, prices: &LinePrices, reasons: &[&str], eligible: u32| {
        let today = delivered_on + chrono::Days::new(age);
        let period = return_period(delivered_on, prices.deposit.is_some(), today, delays);
        let allowed: Vec<String> = table
            .allowed_today(prices, period)
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        assert_eq!(allowed, reasons, "age {age}");
        assert_eq!(eligible_in(history, period), eligible, "age {age}");
    };
    let all = [
        "deposit",
        "order_error",
        "new_part",
        "defective",
        "late_delivery",
        "customer_cancellation",
    ];
    check(30, &exchange, &all, 1);
    check(31, &exchange, &["deposit"], 1);
    check(90, &exchange, &["deposit"], 1);
    check(91, &exchange, &[], 0);
    check(30, &plain, &all[1..], 1);
    check(31, &plain, &[], 0);
}

#[test]
fn the_due_date_ends_at_paris_midnight_on_the_days_the_clocks_change() {
    let delays = Delays::default();
    // (due date, the last instant of that Paris day, the first of the next one)
    let cases = [
        // Summer time starts at 02:00 on 29 March 2026: the day has 23 hours.
        (
            "2026-03-29",
            "2026-03-29T23:59:59+02:00",
            "2026-03-30T00:00:00+02:00",
        ),
        // The day before: still winter time.
        (
            "2026-03-28",
            "2026-03-28T23:59:59+01:00",
            "2026-03-29T00:00:00+01:00",
        ),
        // Winter time comes back at 03:00 on 25 October 2026: the day has 25 hours.
        (
            "2026-10-25",
            "2026-10-25T23:59:59+01:00",
            "2026-10-26T00:00:00+01:00",
        ),
        (
            "2026-10-24",
            "2026-10-24T23:59:59+02:00",
            "2026-10-25T00:00:00+02:00",
        ),
    ];
    for (due, last, next) in cases {
        let due: NaiveDate = due.parse().unwrap();
        let delivered_on = due - chrono::Days::new(90);
        assert_eq!(deposit_due_on(delivered_on, 90), due);
        let (last, next) = (paris_today(at(last)), paris_today(at(next)));
        assert_eq!(last, due, "{due}: still the due day in Paris");
        assert_eq!(
            return_period(delivered_on, true, last, delays),
            ReturnPeriod::DepositOnly,
            "{due}"
        );
        assert_eq!(days_left(due, last), Some(0));
        assert_eq!(
            next,
            due + chrono::Days::new(1),
            "{due}: Paris midnight passed"
        );
        assert_eq!(
            return_period(delivered_on, true, next, delays),
            ReturnPeriod::Closed,
            "{due}"
        );
        assert_eq!(days_left(due, next), None);
        // The wallet agrees: open on the last instant, expired from midnight.
        let line = DepositLine {
            delivery_note: "250000790".into(),
            line_no: 1,
            reference: "0986041850".into(),
            designation: "ALTERNATEUR REMAN 90A".into(),
            delivered_on,
            delivered: 1,
            returned: 0,
            in_return: 0,
            deposit: Money::parse("45.00").unwrap(),
        };
        assert_eq!(deposits::item(&line, last, 90).state, DepositState::Open);
        assert_eq!(deposits::item(&line, next, 90).state, DepositState::Expired);
    }
    // The same window across a DST change: 30 Paris days, whatever the hours in them.
    let delivered_on: NaiveDate = "2026-03-01".parse().unwrap();
    assert_eq!(
        return_period(
            delivered_on,
            false,
            paris_today(at("2026-03-31T23:59:59+02:00")),
            delays
        ),
        ReturnPeriod::Window
    );
    assert_eq!(
        return_period(
            delivered_on,
            false,
            paris_today(at("2026-04-01T00:00:00+02:00")),
            delays
        ),
        ReturnPeriod::Closed
    );
}

#[test]
fn the_deposit_days_change_the_due_date() {
    let delivered_on: NaiveDate = "2026-01-10".parse().unwrap();
    let delays = Delays {
        window_days: 30,
        deposit_days: 45,
    };
    let day = |n: u64| delivered_on + chrono::Days::new(n);
    assert_eq!(
        return_period(delivered_on, true, day(45), delays),
        ReturnPeriod::DepositOnly
    );
    assert_eq!(
        return_period(delivered_on, true, day(46), delays),
        ReturnPeriod::Closed
    );
    // A deposit delay shorter than the window never shortens the window.
    let short = Delays {
        window_days: 30,
        deposit_days: 10,
    };
    assert_eq!(
        return_period(delivered_on, true, day(30), short),
        ReturnPeriod::Window
    );
    assert_eq!(
        return_period(delivered_on, true, day(31), short),
        ReturnPeriod::Closed
    );
}
