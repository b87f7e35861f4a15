//! The USB keyboard-wedge burst parser: a table of keystroke sequences and what they are.

use retour_scan::{parse_burst, Keystroke, WedgeKey, WedgeListener, WedgeOutcome};

/// Keystrokes for `text` typed `gap_ms` apart from `start_ms`, then `end` (if any) after `gap_ms`.
fn typed(text: &str, start_ms: u64, gap_ms: u64, end: Option<WedgeKey>) -> Vec<Keystroke> {
    let mut keys: Vec<Keystroke> = text
        .chars()
        .enumerate()
        .map(|(i, c)| Keystroke::char(c, start_ms + i as u64 * gap_ms))
        .collect();
    if let Some(key) = end {
        keys.push(Keystroke {
            key,
            at_ms: start_ms + text.chars().count() as u64 * gap_ms,
        });
    }
    keys
}

/// What the outcome should be: a code with kind and normalised form, a person, or incomplete.
#[derive(Debug, PartialEq)]
enum Expect {
    Code(&'static str, &'static str, &'static str),
    Person,
    Incomplete,
}

fn check(keys: &[Keystroke], expected: Expect, what: &str) {
    let got = match parse_burst(keys) {
        WedgeOutcome::Code(code) => {
            let class = code.classification.expect("classified");
            let (kind, normalized) = (class.kind(), class.normalized());
            assert_eq!(
                Expect::Code(
                    Box::leak(code.text.into_boxed_str()),
                    kind,
                    Box::leak(normalized.into_boxed_str())
                ),
                expected,
                "{what}"
            );
            return;
        }
        WedgeOutcome::PersonTyping => Expect::Person,
        WedgeOutcome::Incomplete => Expect::Incomplete,
    };
    assert_eq!(got, expected, "{what}");
}

#[test]
fn burst_table() {
    use Expect::*;
    use WedgeKey::{Enter, Tab};
    let table: Vec<(&str, Vec<Keystroke>, Expect)> = vec![
        (
            "BL printed form, Enter",
            typed("00250001106", 0, 8, Some(Enter)),
            Code("00250001106", "delivery_note", "250001106"),
        ),
        (
            "EAN-13 with Tab",
            typed("4006381333931", 100, 5, Some(Tab)),
            Code("4006381333931", "gtin", "04006381333931"),
        ),
        (
            "AIM prefix kept in the text, read through by the classification",
            typed("]E04006381333931", 0, 4, Some(Enter)),
            Code("]E04006381333931", "gtin", "04006381333931"),
        ),
        (
            "CR sent as a character ends the burst",
            typed("00250001106\r", 0, 6, None),
            Code("00250001106", "delivery_note", "250001106"),
        ),
        (
            "GS1-128 with a GS separator",
            typed("]C1010345312000001110ABC\u{1d}21XYZ", 0, 3, Some(Enter)),
            Code(
                "]C1010345312000001110ABC\u{1d}21XYZ",
                "gtin",
                "03453120000011",
            ),
        ),
        (
            "supplier reference",
            typed("REF-8X21", 0, 10, Some(Enter)),
            Code("REF-8X21", "reference", "REF8X21"),
        ),
        (
            "a leading Tab is ignored",
            [
                vec![Keystroke { key: Tab, at_ms: 0 }],
                typed("00250001106", 5, 5, Some(Enter)),
            ]
            .concat(),
            Code("00250001106", "delivery_note", "250001106"),
        ),
        (
            "a person typing",
            typed("00250001106", 0, 140, Some(Enter)),
            Person,
        ),
        (
            "fast typist, one long pause",
            [
                typed("00250", 0, 20, None),
                typed("001106", 400, 20, Some(Enter)),
            ]
            .concat(),
            Person,
        ),
        (
            "too short to be a code",
            typed("12", 0, 5, Some(Enter)),
            Person,
        ),
        ("no Enter yet", typed("00250001106", 0, 5, None), Incomplete),
    ];
    for (what, keys, expected) in table {
        check(&keys, expected, what);
    }
}

#[test]
fn the_listener_separates_bursts_from_typing() {
    let mut listener = WedgeListener::new();
    // A person types slowly: each pause restarts, Enter alone is theirs.
    for key in typed("abc", 0, 200, Some(WedgeKey::Enter)) {
        let outcome = listener.push(key);
        if key.key == WedgeKey::Enter {
            assert_eq!(outcome, Some(WedgeOutcome::PersonTyping));
        } else {
            assert_eq!(outcome, None);
        }
    }
    // Then a scanner burst.
    let mut last = None;
    for key in typed("00250001106", 5_000, 6, Some(WedgeKey::Enter)) {
        last = listener.push(key);
    }
    match last {
        Some(WedgeOutcome::Code(code)) => assert_eq!(code.text, "00250001106"),
        other => panic!("expected a code, got {other:?}"),
    }
}
