//! Opening hours: open or closed at the boundaries, the next change across the week and on the
//! daylight-saving change days, configuration parsing and the API table.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use retour_domain::hours::{
    day_label_fr, format_hours_fr, paris_instant, paris_today, HoursError, Interval, Schedule,
    ScheduleDay, TimeOfDay, PARIS,
};

/// Reads an instant written with its offset, so that a Paris time on a change day is unambiguous.
fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad instant {s}: {e}"))
        .with_timezone(&Utc)
}

/// Checks `is_open` and `next_change` of `schedule` at `now`.
fn check(schedule: &Schedule, now: &str, open: bool, next_change: Option<&str>) {
    let at = t(now);
    assert_eq!(
        schedule.is_open(at),
        open,
        "is_open at {now} for {schedule}"
    );
    assert_eq!(
        schedule.next_change(at),
        next_change.map(t),
        "next_change at {now} for {schedule}"
    );
}

fn sched(config: &str) -> Schedule {
    config
        .parse()
        .unwrap_or_else(|e| panic!("bad config {config}: {e}"))
}

#[test]
fn default_schedule_at_its_boundaries() {
    let s = Schedule::default();
    // Monday 30 November 2026, winter time (+01:00).
    let cases = [
        (
            "2026-11-30T04:59:59+01:00",
            false,
            "2026-11-30T05:00:00+01:00",
        ),
        (
            "2026-11-30T05:00:00+01:00",
            true,
            "2026-11-30T22:00:00+01:00",
        ),
        (
            "2026-11-30T12:00:00+01:00",
            true,
            "2026-11-30T22:00:00+01:00",
        ),
        (
            "2026-11-30T21:59:59+01:00",
            true,
            "2026-11-30T22:00:00+01:00",
        ),
        (
            "2026-11-30T22:00:00+01:00",
            false,
            "2026-12-01T05:00:00+01:00",
        ),
        (
            "2026-11-30T23:59:59+01:00",
            false,
            "2026-12-01T05:00:00+01:00",
        ),
        (
            "2026-12-01T00:00:00+01:00",
            false,
            "2026-12-01T05:00:00+01:00",
        ),
        // Sub-second precision: still closed a nanosecond before opening.
        (
            "2026-11-30T04:59:59.999999999+01:00",
            false,
            "2026-11-30T05:00:00+01:00",
        ),
        (
            "2026-11-30T21:59:59.999+01:00",
            true,
            "2026-11-30T22:00:00+01:00",
        ),
        // Saturday evening to Monday morning over the closed Sunday.
        (
            "2026-12-05T21:59:59+01:00",
            true,
            "2026-12-05T22:00:00+01:00",
        ),
        (
            "2026-12-05T22:00:00+01:00",
            false,
            "2026-12-07T05:00:00+01:00",
        ),
        (
            "2026-12-06T00:00:00+01:00",
            false,
            "2026-12-07T05:00:00+01:00",
        ),
        (
            "2026-12-06T12:00:00+01:00",
            false,
            "2026-12-07T05:00:00+01:00",
        ),
        (
            "2026-12-06T23:59:59+01:00",
            false,
            "2026-12-07T05:00:00+01:00",
        ),
        // Summer time (+02:00): the same local hours.
        (
            "2026-06-01T04:59:59+02:00",
            false,
            "2026-06-01T05:00:00+02:00",
        ),
        (
            "2026-06-01T05:00:00+02:00",
            true,
            "2026-06-01T22:00:00+02:00",
        ),
        (
            "2026-06-06T22:00:00+02:00",
            false,
            "2026-06-08T05:00:00+02:00",
        ),
        // The device's zone does not matter: the same instant written in UTC.
        ("2026-11-30T03:59:59Z", false, "2026-11-30T04:00:00Z"),
        ("2026-11-30T04:00:00Z", true, "2026-11-30T21:00:00Z"),
        ("2026-06-01T02:59:59Z", false, "2026-06-01T03:00:00Z"),
        ("2026-06-01T03:00:00Z", true, "2026-06-01T20:00:00Z"),
    ];
    for (now, open, next) in cases {
        check(&s, now, open, Some(next));
    }
}

#[test]
fn default_schedule_on_the_daylight_saving_days_of_2026() {
    let s = Schedule::default();
    let cases = [
        // Spring forward on Sunday 29 March: the closed Sunday spans the change.
        (
            "2026-03-28T21:59:59+01:00",
            true,
            "2026-03-28T22:00:00+01:00",
        ),
        (
            "2026-03-28T22:00:00+01:00",
            false,
            "2026-03-30T05:00:00+02:00",
        ),
        (
            "2026-03-29T01:59:59+01:00",
            false,
            "2026-03-30T05:00:00+02:00",
        ),
        (
            "2026-03-29T03:00:00+02:00",
            false,
            "2026-03-30T05:00:00+02:00",
        ),
        (
            "2026-03-30T04:59:59+02:00",
            false,
            "2026-03-30T05:00:00+02:00",
        ),
        (
            "2026-03-30T05:00:00+02:00",
            true,
            "2026-03-30T22:00:00+02:00",
        ),
        // Fall back on Sunday 25 October.
        (
            "2026-10-24T22:00:00+02:00",
            false,
            "2026-10-26T05:00:00+01:00",
        ),
        (
            "2026-10-25T02:30:00+02:00",
            false,
            "2026-10-26T05:00:00+01:00",
        ),
        (
            "2026-10-25T02:30:00+01:00",
            false,
            "2026-10-26T05:00:00+01:00",
        ),
        (
            "2026-10-26T05:00:00+01:00",
            true,
            "2026-10-26T22:00:00+01:00",
        ),
    ];
    for (now, open, next) in cases {
        check(&s, now, open, Some(next));
    }
}

#[test]
fn boundaries_inside_the_skipped_hour_take_effect_when_the_gap_ends() {
    // On 29 March 2026, Paris clocks go from 01:59:59 (+01:00) to 03:00:00 (+02:00).
    let opens_in_gap = sched(r#"{"sunday":"02:30-10:00"}"#);
    let closes_in_gap = sched(r#"{"sunday":"00:00-02:30","monday":"05:00-22:00"}"#);
    let inside_gap = sched(r#"{"sunday":"02:10-02:50"}"#);
    let opens_at_three = sched(r#"{"sunday":"03:00-10:00"}"#);
    let cases: [(&Schedule, &str, bool, &str); 10] = [
        (
            &opens_in_gap,
            "2026-03-29T01:59:59+01:00",
            false,
            "2026-03-29T03:00:00+02:00",
        ),
        (
            &opens_in_gap,
            "2026-03-29T03:00:00+02:00",
            true,
            "2026-03-29T10:00:00+02:00",
        ),
        (
            &opens_in_gap,
            "2026-03-29T09:59:59+02:00",
            true,
            "2026-03-29T10:00:00+02:00",
        ),
        (
            &closes_in_gap,
            "2026-03-29T01:59:59+01:00",
            true,
            "2026-03-29T03:00:00+02:00",
        ),
        (
            &closes_in_gap,
            "2026-03-29T03:00:00+02:00",
            false,
            "2026-03-30T05:00:00+02:00",
        ),
        // Both boundaries in the gap: the interval is empty that day, so the next opening is a
        // week later.
        (
            &inside_gap,
            "2026-03-29T01:00:00+01:00",
            false,
            "2026-04-05T02:10:00+02:00",
        ),
        (
            &inside_gap,
            "2026-03-29T03:00:00+02:00",
            false,
            "2026-04-05T02:10:00+02:00",
        ),
        (
            &inside_gap,
            "2026-04-05T02:49:59+02:00",
            true,
            "2026-04-05T02:50:00+02:00",
        ),
        (
            &opens_at_three,
            "2026-03-29T01:59:59+01:00",
            false,
            "2026-03-29T03:00:00+02:00",
        ),
        (
            &opens_at_three,
            "2026-03-29T03:00:00+02:00",
            true,
            "2026-03-29T10:00:00+02:00",
        ),
    ];
    for (s, now, open, next) in cases {
        check(s, now, open, Some(next));
    }
}

#[test]
fn boundaries_inside_the_repeated_hour_take_effect_at_the_first_occurrence() {
    // On 25 October 2026, Paris clocks go from 02:59:59 (+02:00) back to 02:00:00 (+01:00).
    let opens_in_overlap = sched(r#"{"sunday":"02:30-10:00"}"#);
    let closes_in_overlap = sched(r#"{"sunday":"00:00-02:30","monday":"05:00-22:00"}"#);
    let cases: [(&Schedule, &str, bool, &str); 9] = [
        (
            &opens_in_overlap,
            "2026-10-25T02:29:59+02:00",
            false,
            "2026-10-25T02:30:00+02:00",
        ),
        (
            &opens_in_overlap,
            "2026-10-25T02:30:00+02:00",
            true,
            "2026-10-25T10:00:00+01:00",
        ),
        // The second pass through 02:00–02:30 stays open: an interval is one span of real time.
        (
            &opens_in_overlap,
            "2026-10-25T02:00:00+01:00",
            true,
            "2026-10-25T10:00:00+01:00",
        ),
        (
            &opens_in_overlap,
            "2026-10-25T02:29:59+01:00",
            true,
            "2026-10-25T10:00:00+01:00",
        ),
        (
            &opens_in_overlap,
            "2026-10-25T09:59:59+01:00",
            true,
            "2026-10-25T10:00:00+01:00",
        ),
        (
            &closes_in_overlap,
            "2026-10-25T02:29:59+02:00",
            true,
            "2026-10-25T02:30:00+02:00",
        ),
        (
            &closes_in_overlap,
            "2026-10-25T02:30:00+02:00",
            false,
            "2026-10-26T05:00:00+01:00",
        ),
        // ... and the second pass does not reopen a closed service.
        (
            &closes_in_overlap,
            "2026-10-25T02:00:00+01:00",
            false,
            "2026-10-26T05:00:00+01:00",
        ),
        (
            &closes_in_overlap,
            "2026-10-25T02:15:00+01:00",
            false,
            "2026-10-26T05:00:00+01:00",
        ),
    ];
    for (s, now, open, next) in cases {
        check(s, now, open, Some(next));
    }
}

#[test]
fn next_change_across_the_week() {
    let thursday_only = sched(r#"{"thursday":"09:00-12:00"}"#);
    let wednesday_only = sched(r#"{"wednesday":"09:00-12:00"}"#);
    let through_midnight = sched(r#"{"monday":"05:00-24:00","tuesday":"00:00-22:00"}"#);
    let cases: [(&Schedule, &str, bool, &str); 7] = [
        // After Thursday's closing, the next opening is a whole week later.
        (
            &thursday_only,
            "2026-12-03T12:00:00+01:00",
            false,
            "2026-12-10T09:00:00+01:00",
        ),
        (
            &thursday_only,
            "2026-12-03T08:59:59+01:00",
            false,
            "2026-12-03T09:00:00+01:00",
        ),
        (
            &wednesday_only,
            "2026-12-03T10:00:00+01:00",
            false,
            "2026-12-09T09:00:00+01:00",
        ),
        // Monday's 24:00 meets Tuesday's 00:00: no change at midnight.
        (
            &through_midnight,
            "2026-11-30T23:00:00+01:00",
            true,
            "2026-12-01T22:00:00+01:00",
        ),
        (
            &through_midnight,
            "2026-12-01T00:00:00+01:00",
            true,
            "2026-12-01T22:00:00+01:00",
        ),
        (
            &through_midnight,
            "2026-12-01T22:00:00+01:00",
            false,
            "2026-12-07T05:00:00+01:00",
        ),
        (
            &through_midnight,
            "2026-11-30T04:00:00+01:00",
            false,
            "2026-11-30T05:00:00+01:00",
        ),
    ];
    for (s, now, open, next) in cases {
        check(s, now, open, Some(next));
    }
}

#[test]
fn schedules_that_never_change() {
    let all_day = r#"{"monday":"00:00-24:00","tuesday":"00:00-24:00","wednesday":"00:00-24:00","thursday":"00:00-24:00","friday":"00:00-24:00","saturday":"00:00-24:00","sunday":"00:00-24:00"}"#;
    for now in [
        "2026-11-29T12:00:00Z",
        "2026-03-29T01:00:00Z",
        "2026-10-25T00:30:00Z",
    ] {
        check(&Schedule::always(), now, true, None);
        check(&sched("always"), now, true, None);
        check(&sched(all_day), now, true, None);
        check(&sched("{}"), now, false, None);
    }
}

#[test]
fn a_year_of_changes_agrees_with_the_local_clock() {
    // The default hours are far from the DST hours, so the local-time rule holds all year long.
    let s = Schedule::default();
    let local_rule = |at: DateTime<Utc>| {
        let local = at.with_timezone(&PARIS);
        let minute = local.hour() * 60 + local.minute();
        local.weekday() != Weekday::Sun && (5 * 60..22 * 60).contains(&minute)
    };
    let end = t("2027-01-01T00:00:00Z");
    let mut at = t("2026-01-01T00:00:00Z");
    while at < end {
        assert_eq!(s.is_open(at), local_rule(at), "at {at}");
        at += Duration::minutes(7);
    }
    let mut at = t("2026-01-01T00:00:00Z");
    let mut changes = 0;
    while at < end {
        let next = s.next_change(at).expect("the default schedule changes");
        assert!(next > at);
        assert_eq!(
            s.is_open(next - Duration::seconds(1)),
            s.is_open(at),
            "before {next}"
        );
        assert_ne!(s.is_open(next), s.is_open(at), "at {next}");
        let local = next.with_timezone(&PARIS);
        assert!(matches!(
            (local.hour(), local.minute(), local.second()),
            (5 | 22, 0, 0)
        ));
        at = next;
        if at < end {
            changes += 1;
        }
    }
    // 2026 is 52 weeks of 6 open days and one more day, Thursday 31 December.
    assert_eq!(changes, 2 * (52 * 6 + 1));
}

#[test]
fn paris_calendar_date() {
    let cases = [
        ("2026-11-29T22:59:59Z", "2026-11-29"),
        ("2026-11-29T23:00:00Z", "2026-11-30"),
        ("2026-06-30T21:59:59Z", "2026-06-30"),
        ("2026-06-30T22:00:00Z", "2026-07-01"),
        ("2026-03-29T00:59:59Z", "2026-03-29"),
        ("2026-10-25T23:30:00Z", "2026-10-26"),
    ];
    for (now, date) in cases {
        assert_eq!(paris_today(t(now)).to_string(), date, "at {now}");
    }
}

#[test]
fn local_times_resolve_to_instants() {
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let hm = |h, m| TimeOfDay::from_hm(h, m).unwrap();
    let cases = [
        ("2026-03-29", hm(1, 59), "2026-03-29T01:59:00+01:00"),
        ("2026-03-29", hm(2, 0), "2026-03-29T03:00:00+02:00"),
        ("2026-03-29", hm(2, 59), "2026-03-29T03:00:00+02:00"),
        ("2026-03-29", hm(3, 0), "2026-03-29T03:00:00+02:00"),
        ("2026-10-25", hm(2, 0), "2026-10-25T02:00:00+02:00"),
        ("2026-10-25", hm(2, 59), "2026-10-25T02:59:00+02:00"),
        ("2026-10-25", hm(3, 0), "2026-10-25T03:00:00+01:00"),
        ("2026-10-24", hm(24, 0), "2026-10-25T00:00:00+02:00"),
    ];
    for (date, time, instant) in cases {
        assert_eq!(
            paris_instant(d(date), time),
            Some(t(instant)),
            "{date} {time}"
        );
    }
}

#[test]
fn configuration_errors() {
    let bad_hours = |day: &str, value: &str| HoursError::BadHours {
        day: day.into(),
        value: value.into(),
    };
    let order = |o: &str, c: &str| HoursError::OpensNotBeforeCloses {
        opens: o.parse().unwrap(),
        closes: c.parse().unwrap(),
    };
    let cases = [
        (
            r#"{"mon":"05:00-22:00"}"#,
            HoursError::UnknownDay("mon".into()),
        ),
        (
            r#"{"Monday":"05:00-22:00"}"#,
            HoursError::UnknownDay("Monday".into()),
        ),
        (
            r#"{"lundi":"closed"}"#,
            HoursError::UnknownDay("lundi".into()),
        ),
        (
            r#"{"monday":"5:00-22:00"}"#,
            HoursError::BadTime("5:00".into()),
        ),
        (
            r#"{"monday":"05:60-22:00"}"#,
            HoursError::BadTime("05:60".into()),
        ),
        (
            r#"{"monday":"05:00-24:01"}"#,
            HoursError::BadTime("24:01".into()),
        ),
        (
            r#"{"monday":"05:00-25:00"}"#,
            HoursError::BadTime("25:00".into()),
        ),
        (
            r#"{"monday":"05h00-22:00"}"#,
            HoursError::BadTime("05h00".into()),
        ),
        (r#"{"monday":"-22:00"}"#, HoursError::BadTime("".into())),
        (r#"{"monday":"22:00-05:00"}"#, order("22:00", "05:00")),
        (r#"{"monday":"05:00-05:00"}"#, order("05:00", "05:00")),
        (r#"{"monday":"24:00-24:00"}"#, order("24:00", "24:00")),
        (r#"{"monday":"05:00"}"#, bad_hours("monday", "05:00")),
        (r#"{"monday":"open"}"#, bad_hours("monday", "open")),
        (r#"{"monday":""}"#, bad_hours("monday", "")),
        (
            r#"{"monday":"05:00-22:00","monday":"closed"}"#,
            HoursError::DuplicateDay("monday".into()),
        ),
    ];
    for (config, error) in cases {
        assert_eq!(config.parse::<Schedule>(), Err(error), "{config}");
    }
    for config in [
        "",
        "sometimes",
        "ALWAYS",
        "[]",
        r#"{"monday":5}"#,
        r#"{"monday":null}"#,
        "{",
    ] {
        assert!(
            matches!(config.parse::<Schedule>(), Err(HoursError::Syntax(_))),
            "{config:?}"
        );
    }
}

#[test]
fn configuration_forms() {
    // Unnamed days are closed, spaces are allowed around the values, and 24:00 closes a day.
    let s = sched(r#" { "saturday" : " 08:00 - 12:00 ", "friday": "00:00-24:00" } "#);
    assert_eq!(s.hours(Weekday::Mon), None);
    assert_eq!(s.hours(Weekday::Fri), Some(Interval::ALL_DAY));
    assert_eq!(
        s.hours(Weekday::Sat).map(|i| i.to_string()),
        Some("08:00-12:00".into())
    );
    assert_eq!(
        s.to_string(),
        r#"{"monday":"closed","tuesday":"closed","wednesday":"closed","thursday":"closed","friday":"00:00-24:00","saturday":"08:00-12:00","sunday":"closed"}"#
    );
    assert_eq!(sched(" always\n"), Schedule::always());
    assert!(Schedule::always().is_always_open());
    assert!(!Schedule::default().is_always_open());
}

#[test]
fn round_trips() {
    let default_text = r#"{"monday":"05:00-22:00","tuesday":"05:00-22:00","wednesday":"05:00-22:00","thursday":"05:00-22:00","friday":"05:00-22:00","saturday":"05:00-22:00","sunday":"closed"}"#;
    assert_eq!(Schedule::default().to_string(), default_text);
    assert_eq!(Schedule::always().to_string(), "always");
    let schedules = [
        Schedule::default(),
        Schedule::always(),
        sched("{}"),
        sched(r#"{"sunday":"02:30-10:00","monday":"00:00-24:00"}"#),
    ];
    for s in schedules {
        let text = s.to_string();
        assert_eq!(sched(&text), s, "Display then FromStr: {text}");
        let json = serde_json::to_string(&s).unwrap();
        let expected = if s.is_always_open() {
            "\"always\"".to_owned()
        } else {
            text.clone()
        };
        assert_eq!(json, expected, "serde writes the configuration form");
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), s);
        // A string holding the JSON text is accepted as well, as from an environment variable.
        let quoted = serde_json::to_string(&text).unwrap();
        assert_eq!(serde_json::from_str::<Schedule>(&quoted).unwrap(), s);
        // The API table gives back the same hours (always-open becomes seven whole days).
        let back = Schedule::from_api_days(&s.to_api_days()).unwrap();
        for at in [
            "2026-11-29T12:00:00Z",
            "2026-11-30T04:30:00Z",
            "2026-03-29T01:30:00Z",
        ] {
            assert_eq!(back.is_open(t(at)), s.is_open(t(at)), "{text} at {at}");
        }
        if !s.is_always_open() {
            assert_eq!(back, s);
        }
    }
    let err = serde_json::from_str::<Schedule>(r#"{"monday":"22:00-05:00"}"#).unwrap_err();
    assert!(err.to_string().contains("is not before"), "{err}");
}

#[test]
fn api_table() {
    let json = serde_json::to_string(&Schedule::default().to_api_days()).unwrap();
    let expected = concat!(
        r#"[{"day":"monday","opens":"05:00","closes":"22:00"},"#,
        r#"{"day":"tuesday","opens":"05:00","closes":"22:00"},"#,
        r#"{"day":"wednesday","opens":"05:00","closes":"22:00"},"#,
        r#"{"day":"thursday","opens":"05:00","closes":"22:00"},"#,
        r#"{"day":"friday","opens":"05:00","closes":"22:00"},"#,
        r#"{"day":"saturday","opens":"05:00","closes":"22:00"},"#,
        r#"{"day":"sunday","closed":true}]"#
    );
    assert_eq!(json, expected);
    let days: Vec<ScheduleDay> = serde_json::from_str(expected).unwrap();
    assert_eq!(Schedule::from_api_days(&days).unwrap(), Schedule::default());

    // A server may list only its open days, and may add fields.
    let days: Vec<ScheduleDay> =
        serde_json::from_str(r#"[{"day":"friday","opens":"08:00","closes":"24:00","note":"x"}]"#)
            .unwrap();
    let s = Schedule::from_api_days(&days).unwrap();
    assert_eq!(s, sched(r#"{"friday":"08:00-24:00"}"#));
    assert_eq!(
        serde_json::from_str::<ScheduleDay>(r#"{"day":"sunday","closed":true,"opens":null}"#)
            .unwrap(),
        ScheduleDay::Closed { day: Weekday::Sun }
    );

    for bad in [
        r#"{"day":"sunday"}"#,
        r#"{"day":"sunday","closed":false}"#,
        r#"{"day":"sunday","closed":true,"opens":"05:00"}"#,
        r#"{"day":"monday","opens":"05:00","closes":"22:00","closed":true}"#,
        r#"{"day":"monday","opens":"05:00"}"#,
        r#"{"day":"monday","opens":"22:00","closes":"05:00"}"#,
        r#"{"day":"monday","opens":"5:00","closes":"22:00"}"#,
        r#"{"day":"Monday","closed":true}"#,
        r#"{"day":"funday","closed":true}"#,
        r#"{"closed":true}"#,
    ] {
        assert!(serde_json::from_str::<ScheduleDay>(bad).is_err(), "{bad}");
    }
    let twice = [
        ScheduleDay::Closed { day: Weekday::Mon },
        ScheduleDay::Open {
            day: Weekday::Mon,
            hours: Interval::ALL_DAY,
        },
    ];
    assert_eq!(
        Schedule::from_api_days(&twice),
        Err(HoursError::DuplicateDay("monday".into()))
    );
}

#[test]
fn french_labels_for_the_closed_screen() {
    let labels: Vec<_> = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .map(day_label_fr)
    .collect();
    assert_eq!(
        labels,
        ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
    );
    let hours = Interval::new("05:00".parse().unwrap(), "22:00".parse().unwrap()).unwrap();
    assert_eq!(format_hours_fr(Some(hours)), "05:00 \u{2013} 22:00");
    assert_eq!(format_hours_fr(Some(hours)), "05:00 – 22:00");
    assert_eq!(format_hours_fr(None), "Fermé");
    assert_eq!(format_hours_fr(Some(Interval::ALL_DAY)), "00:00 – 24:00");

    let rows: Vec<_> = Schedule::default()
        .french_rows()
        .into_iter()
        .map(|r| (r.day, r.label, r.hours))
        .collect();
    #[rustfmt::skip]
    let expected = [
        ("monday", "Lundi", "05:00 – 22:00"),
        ("tuesday", "Mardi", "05:00 – 22:00"),
        ("wednesday", "Mercredi", "05:00 – 22:00"),
        ("thursday", "Jeudi", "05:00 – 22:00"),
        ("friday", "Vendredi", "05:00 – 22:00"),
        ("saturday", "Samedi", "05:00 – 22:00"),
        ("sunday", "Dimanche", "Fermé"),
    ];
    assert_eq!(
        rows,
        expected.map(|(d, l, h)| (d, l, h.to_owned())).to_vec()
    );

    let days = Schedule::default().to_api_days();
    assert_eq!(
        (days[0].label_fr(), days[0].hours_fr()),
        ("Lundi", "05:00 – 22:00".to_owned())
    );
    assert_eq!(
        (days[6].label_fr(), days[6].hours_fr()),
        ("Dimanche", "Fermé".to_owned())
    );
}

#[test]
fn times_of_day() {
    let cases = [
        ("00:00", Some(0)),
        ("05:00", Some(300)),
        ("23:59", Some(1439)),
        ("24:00", Some(1440)),
    ];
    for (text, minutes) in cases {
        let parsed = text.parse::<TimeOfDay>().ok();
        assert_eq!(parsed.map(TimeOfDay::minutes), minutes, "{text}");
        assert_eq!(parsed.unwrap().to_string(), text);
    }
    for bad in [
        "24:01", "23:60", "1:00", "01:0", "001:00", " 01:00", "01-00", "ab:cd", "+1:00",
    ] {
        assert_eq!(
            bad.parse::<TimeOfDay>(),
            Err(HoursError::BadTime(bad.into())),
            "{bad}"
        );
    }
    assert_eq!(TimeOfDay::from_minutes(1441), None);
    assert_eq!(TimeOfDay::from_hm(24, 30), None);
    assert!(Interval::new(TimeOfDay::END_OF_DAY, TimeOfDay::MIDNIGHT).is_err());
}
