//! The cart as a merge of operations: the rules of `API.md`'s `CartOp` as table tests, and the
//! merge's guarantees (any order, any duplication, no lost edit, convergence) as property tests.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::select;
use retour_domain::cart::{
    CartLine, CartOp, CartOpError, CartState, Clock, DeviceId, DeviceIdError, Hlc, HlcError,
    LineKey, OpKind,
};
use uuid::Uuid;

const BASE: u64 = 1_764_000_000_000;

fn hlc(s: &str) -> Hlc {
    s.parse().unwrap_or_else(|e| panic!("bad clock {s}: {e}"))
}

fn dev(s: &str) -> DeviceId {
    DeviceId::new(s).unwrap()
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn put(
    n: u128,
    at: &str,
    bl: &str,
    line_no: u32,
    qty: Option<u32>,
    reason: Option<&str>,
) -> CartOp {
    CartOp::put(id(n), hlc(at), bl, line_no, qty, reason.map(str::to_owned))
}

fn remove(n: u128, at: &str, bl: &str, line_no: u32, seen: &str) -> CartOp {
    CartOp::remove(id(n), hlc(at), bl, line_no, hlc(seen))
}

fn line(bl: &str, line_no: u32, qty: u32, reason: Option<&str>, updated_at: &str) -> CartLine {
    CartLine {
        delivery_note: bl.to_owned(),
        line_no,
        qty,
        reason: reason.map(str::to_owned),
        photos: Vec::new(),
        updated_at: hlc(updated_at),
    }
}

/// Applies `ops` in order and checks the visible cart.
fn check(ops: &[CartOp], expected: &[CartLine]) {
    let state = CartState::from_ops(ops).unwrap();
    assert_eq!(state.lines(), expected, "ops: {ops:#?}");
    assert_eq!(state.len(), expected.len());
    // The same ops backwards give the same cart.
    let reversed = CartState::from_ops(ops.iter().rev()).unwrap();
    assert_eq!(reversed, state);
}

// ---------------------------------------------------------------------------------------------
// Table tests that read like the specification.

#[test]
fn a_put_adds_a_line_and_the_latest_put_sets_its_fields() {
    let t1 = "1764340800000-0000-phone";
    let t2 = "1764340800000-0001-phone";
    let t3 = "1764340800001-0000-tablet";
    check(
        &[put(1, t1, "123456789", 1, None, None)],
        &[line("123456789", 1, 1, None, t1)],
    );
    check(
        &[
            put(1, t1, "123456789", 1, Some(2), None),
            put(2, t2, "123456789", 1, None, Some("defective")),
            put(3, t3, "123456789", 1, Some(3), None),
        ],
        &[line("123456789", 1, 3, Some("defective"), t3)],
    );
    // The greatest `at` wins, not the last to arrive.
    check(
        &[
            put(3, t3, "123456789", 1, Some(3), None),
            put(1, t1, "123456789", 1, Some(2), None),
        ],
        &[line("123456789", 1, 3, None, t3)],
    );
}

#[test]
fn photos_are_one_list_and_the_latest_put_that_carries_one_wins() {
    let a = "a".repeat(64);
    let b = "b".repeat(64);
    let t1 = "1764340800000-0000-phone";
    let t2 = "1764340800000-0001-tablet";
    let t3 = "1764340800000-0002-phone";
    let first = put(1, t1, "250001106", 1, Some(1), None).with_photos(vec![a.clone(), b.clone()]);
    let second = put(2, t2, "250001106", 1, None, None).with_photos(vec![b.clone()]);
    // A put without photos (a quantity change) keeps the list.
    let third = put(3, t3, "250001106", 1, Some(2), None);
    let state = CartState::from_ops([&third, &first, &second]).unwrap();
    let line = state.line("250001106", 1).unwrap();
    assert_eq!(line.photos, vec![b.clone()]);
    assert_eq!(line.qty, 2);
    // The stored merge state joins back to the same line, and one stored before photos existed
    // (no `photos` key) still loads.
    let merge = serde_json::to_value(state.line_merge("250001106", 1).unwrap()).unwrap();
    let mut copy = CartState::new();
    copy.join_line_merge(first.key(), &serde_json::from_value(merge.clone()).unwrap());
    assert_eq!(copy.line("250001106", 1), Some(line));
    let mut old = merge;
    old.as_object_mut().unwrap().remove("photos");
    let old: retour_domain::cart::LineMerge = serde_json::from_value(old).unwrap();
    let mut copy = CartState::new();
    copy.join_line_merge(first.key(), &old);
    assert!(copy.line("250001106", 1).unwrap().photos.is_empty());
    // More than five, or something that is no photo id, is refused as an op.
    let six = put(4, t3, "250001106", 1, None, None).with_photos(vec![a.clone(); 6]);
    assert!(six.validate().is_err());
    let bad = put(5, t3, "250001106", 1, None, None).with_photos(vec!["x".into()]);
    assert!(bad.validate().is_err());
    let empty = put(6, t3, "250001106", 1, None, None).with_photos(Vec::new());
    let mut cleared = state.clone();
    cleared.apply(&empty).unwrap();
    assert!(cleared.line("250001106", 1).unwrap().photos.is_empty());
}

#[test]
fn the_same_bl_line_put_on_two_devices_is_one_cart_line() {
    let phone = "1764340800000-0000-phone";
    let tablet = "1764340800000-0000-tablet";
    check(
        &[
            put(1, phone, "123456789", 4, Some(1), Some("new_part")),
            put(2, tablet, "123456789", 4, Some(2), None),
        ],
        // Same millisecond and counter: the device id orders them, "tablet" after "phone".
        &[line("123456789", 4, 2, Some("new_part"), tablet)],
    );
}

#[test]
fn a_remove_takes_out_what_it_has_seen() {
    let t1 = "1764340800000-0000-phone";
    let t2 = "1764340801000-0000-phone";
    check(
        &[
            put(1, t1, "123456789", 1, Some(2), None),
            remove(2, t2, "123456789", 1, t1),
        ],
        &[],
    );
}

#[test]
fn a_concurrent_edit_keeps_a_removed_line() {
    let base = "1764340800000-0000-phone";
    let tablet_edit = "1764340805000-0000-tablet";
    let phone_remove = "1764340806000-0000-phone";
    // The phone removed the line having seen only `base`; the tablet had changed the quantity
    // meanwhile, offline: the line stays, with the tablet's quantity.
    check(
        &[
            put(1, base, "123456789", 1, Some(2), Some("order_error")),
            put(2, tablet_edit, "123456789", 1, Some(5), None),
            remove(3, phone_remove, "123456789", 1, base),
        ],
        &[line("123456789", 1, 5, Some("order_error"), tablet_edit)],
    );
    // Had the phone seen the tablet's edit, the remove would have taken the line out.
    check(
        &[
            put(1, base, "123456789", 1, Some(2), Some("order_error")),
            put(2, tablet_edit, "123456789", 1, Some(5), None),
            remove(3, phone_remove, "123456789", 1, tablet_edit),
        ],
        &[],
    );
}

#[test]
fn a_line_put_again_after_a_remove_comes_back() {
    let t1 = "1764340800000-0000-phone";
    let t2 = "1764340801000-0000-phone";
    let t3 = "1764340802000-0000-phone";
    // Fields are last-writer-wins over all puts: a put again without `qty` shows the last quantity
    // any put carried; the app sends `qty` when it adds a line to start afresh.
    check(
        &[
            put(1, t1, "123456789", 1, Some(4), Some("defective")),
            remove(2, t2, "123456789", 1, t1),
            put(3, t3, "123456789", 1, None, None),
        ],
        &[line("123456789", 1, 4, Some("defective"), t3)],
    );
}

#[test]
fn replaying_an_op_changes_nothing() {
    let a = put(1, "1764340800000-0000-phone", "123456789", 1, Some(2), None);
    let b = remove(
        2,
        "1764340801000-0000-phone",
        "123456789",
        1,
        "1764340800000-0000-phone",
    );
    let once = CartState::from_ops([&a, &b]).unwrap();
    let again = CartState::from_ops([&a, &b, &a, &b, &b, &a]).unwrap();
    assert_eq!(once, again);
    assert_eq!(once.lines(), vec![]);
}

#[test]
fn lines_are_sorted_by_delivery_note_then_line_number() {
    let t = "1764340800000-0000-phone";
    check(
        &[
            put(1, t, "900000001", 2, None, None),
            put(2, t, "100000002", 7, None, None),
            put(3, t, "900000001", 1, None, None),
            put(4, t, "100000002", 10, None, None),
        ],
        &[
            line("100000002", 7, 1, None, t),
            line("100000002", 10, 1, None, t),
            line("900000001", 1, 1, None, t),
            line("900000001", 2, 1, None, t),
        ],
    );
}

#[test]
fn ties_on_the_clock_go_to_the_greater_op_id() {
    let t = "1764340800000-0000-phone";
    let ops = [
        put(1, t, "1", 1, Some(2), Some("deposit")),
        put(2, t, "1", 1, Some(3), Some("new_part")),
    ];
    check(&ops, &[line("1", 1, 3, Some("new_part"), t)]);
}

#[test]
fn seen_for_and_max_at() {
    let t1 = "1764340800000-0000-phone";
    let t2 = "1764340801000-0000-phone";
    let t3 = "1764340802000-0000-tablet";
    let mut state = CartState::new();
    assert_eq!(state.seen_for("123456789", 1), None);
    assert_eq!(state.max_at(), None);
    state
        .apply(&put(1, t1, "123456789", 1, None, None))
        .unwrap();
    state.apply(&put(2, t3, "555", 2, None, None)).unwrap();
    state.apply(&remove(3, t2, "123456789", 1, t1)).unwrap();
    // The remove's own `at` counts: it is the latest op of the line.
    assert_eq!(state.seen_for("123456789", 1), Some(&hlc(t2)));
    assert_eq!(state.seen_for("555", 2), Some(&hlc(t3)));
    assert_eq!(state.seen_for("555", 3), None);
    assert_eq!(state.max_at(), Some(&hlc(t3)));
    assert!(state.line("123456789", 1).is_none());
    assert_eq!(state.line("555", 2), Some(line("555", 2, 1, None, t3)));
    assert!(!state.is_empty());
}

#[test]
fn structural_errors() {
    let t1 = "1764340800000-0000-phone";
    let t2 = "1764340801000-0000-phone";
    let mut remove_with_qty = remove(1, t2, "1", 1, t1);
    remove_with_qty.qty = Some(1);
    let mut remove_with_reason = remove(1, t2, "1", 1, t1);
    remove_with_reason.reason = Some("deposit".into());
    let mut remove_without_seen = remove(1, t2, "1", 1, t1);
    remove_without_seen.seen = None;
    let mut put_with_seen = put(1, t1, "1", 1, None, None);
    put_with_seen.seen = Some(hlc(t1));
    let cases = [
        (put(1, t1, "1", 1, Some(0), None), CartOpError::ZeroQuantity),
        (
            put(1, t1, "", 1, None, None),
            CartOpError::EmptyDeliveryNote,
        ),
        (put_with_seen, CartOpError::PutWithSeen),
        (remove_without_seen, CartOpError::RemoveWithoutSeen),
        (remove(1, t1, "1", 1, t1), CartOpError::SeenNotBeforeAt),
        (remove(1, t1, "1", 1, t2), CartOpError::SeenNotBeforeAt),
        (remove_with_qty, CartOpError::RemoveWithFields),
        (remove_with_reason, CartOpError::RemoveWithFields),
    ];
    for (op, error) in cases {
        assert_eq!(op.validate(), Err(error.clone()), "{op:?}");
        // A rejected op leaves the cart as it was.
        let mut state = CartState::new();
        assert_eq!(state.apply(&op), Err(error));
        assert_eq!(state, CartState::new());
    }
    for ok in [
        put(1, t1, "1", 1, None, None),
        put(1, t1, "1", 1, Some(1), Some("x")),
        remove(1, t2, "1", 1, t1),
    ] {
        assert_eq!(ok.validate(), Ok(()));
    }
}

#[test]
fn ops_on_the_wire() {
    let op = put(
        0x1234,
        "1764340800000-0003-phone_1",
        "123456789",
        2,
        Some(3),
        Some("defective"),
    );
    let json = serde_json::to_string(&op).unwrap();
    assert_eq!(
        json,
        r#"{"op_id":"00000000-0000-0000-0000-000000001234","at":"1764340800000-0003-phone_1","kind":"put","delivery_note":"123456789","line_no":2,"qty":3,"reason":"defective"}"#
    );
    assert_eq!(serde_json::from_str::<CartOp>(&json).unwrap(), op);

    let op = remove(
        0x1,
        "1764340800001-0000-phone",
        "123456789",
        2,
        "1764340800000-0003-phone_1",
    );
    let json = serde_json::to_string(&op).unwrap();
    assert_eq!(
        json,
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"1764340800001-0000-phone","kind":"remove","delivery_note":"123456789","line_no":2,"seen":"1764340800000-0003-phone_1"}"#
    );
    assert_eq!(serde_json::from_str::<CartOp>(&json).unwrap(), op);

    // Optional fields may be absent or null, and unknown fields are ignored.
    let op: CartOp = serde_json::from_str(
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"1764340800000-0000-a","kind":"put","delivery_note":"1","line_no":1,"qty":null,"extra":1}"#,
    )
    .unwrap();
    assert_eq!(
        (op.kind, op.qty, op.reason.clone(), op.seen.clone()),
        (OpKind::Put, None, None, None)
    );

    for bad in [
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"1764340800000-0000-a","kind":"upsert","delivery_note":"1","line_no":1}"#,
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"1764340800000-0000-a","kind":"Put","delivery_note":"1","line_no":1}"#,
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"176434080000-0000-a","kind":"put","delivery_note":"1","line_no":1}"#,
        r#"{"op_id":"not-a-uuid","at":"1764340800000-0000-a","kind":"put","delivery_note":"1","line_no":1}"#,
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"1764340800000-0000-a","kind":"put","delivery_note":"1","line_no":-1}"#,
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"1764340800000-0000-a","kind":"put","delivery_note":"1"}"#,
        r#"{"op_id":"00000000-0000-0000-0000-000000000001","at":"1764340800000-0000-a","kind":"put","delivery_note":"1","line_no":1,"qty":"2"}"#,
    ] {
        assert!(serde_json::from_str::<CartOp>(bad).is_err(), "{bad}");
    }
}

#[test]
fn clock_strings() {
    let ok = [
        ("0000000000000-0000-a", 0, 0, "a"),
        (
            "1764340800000-0042-phone-2_X",
            1_764_340_800_000,
            42,
            "phone-2_X",
        ),
        ("9999999999999-9999-Z", 9_999_999_999_999, 9_999, "Z"),
        ("1764340800000-0000--", 1_764_340_800_000, 0, "-"),
        ("1764340800000-0000-a-b-c", 1_764_340_800_000, 0, "a-b-c"),
    ];
    for (text, millis, counter, device) in ok {
        let c = hlc(text);
        assert_eq!(
            (c.millis(), c.counter(), c.device().as_str()),
            (millis, counter, device)
        );
        assert_eq!(c.to_string(), text);
        assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{text}\""));
        assert_eq!(
            serde_json::from_str::<Hlc>(&format!("\"{text}\"")).unwrap(),
            c
        );
    }
    let long = format!("1764340800000-0000-{}", "x".repeat(64));
    assert_eq!(hlc(&long).device().as_str().len(), 64);

    let shape = |s: &str| (s.to_owned(), Err(HlcError::Shape(s.to_owned())));
    let cases = [
        shape(""),
        shape("1764340800000-0000"),
        shape("1764340800000-0000-"),
        shape("176434080000-0000-a"),
        shape("17643408000000-0000-a"),
        shape("1764340800000-000-a"),
        shape("1764340800000-00000-a"),
        shape("1764340800000_0000-a"),
        shape("176434080000a-0000-a"),
        shape("+764340800000-0000-a"),
        shape("1764340800000-+000-a"),
        shape("١٧٦٤٣٤٠٨٠٠٠٠٠-0000-a"),
        (
            format!("{long}x"),
            Err(HlcError::Device(DeviceIdError::TooLong(65))),
        ),
        (
            "1764340800000-0000-a b".into(),
            Err(HlcError::Device(DeviceIdError::BadChar(' '))),
        ),
        (
            "1764340800000-0000-é".into(),
            Err(HlcError::Device(DeviceIdError::BadChar('é'))),
        ),
        (
            "1764340800000-0000-a.b".into(),
            Err(HlcError::Device(DeviceIdError::BadChar('.'))),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(text.parse::<Hlc>(), expected, "{text:?}");
    }
    assert!(serde_json::from_str::<Hlc>("1764340800000").is_err());
    assert_eq!(DeviceId::new(""), Err(DeviceIdError::Empty));
}

#[test]
fn next_clock() {
    let phone = dev("phone");
    let cases: [(Option<&str>, u64, &str); 7] = [
        (None, 1_764_340_800_000, "1764340800000-0000-phone"),
        (
            Some("1764340800000-0000-phone"),
            1_764_340_800_005,
            "1764340800005-0000-phone",
        ),
        (
            Some("1764340800000-0000-phone"),
            1_764_340_800_000,
            "1764340800000-0001-phone",
        ),
        // The wall clock went back: the clock stays ahead.
        (
            Some("1764340800000-0007-tablet"),
            1_764_340_700_000,
            "1764340800000-0008-phone",
        ),
        // The counter overflows into the next millisecond.
        (
            Some("1764340800000-9999-phone"),
            1_764_340_800_000,
            "1764340800001-0000-phone",
        ),
        (
            Some("1764340800000-9999-tablet"),
            1_764_340_799_000,
            "1764340800001-0000-phone",
        ),
        (None, 0, "0000000000000-0000-phone"),
    ];
    for (last, now, expected) in cases {
        let last = last.map(hlc);
        assert_eq!(
            Hlc::next(last.as_ref(), now, &phone),
            hlc(expected),
            "{last:?} {now}"
        );
    }

    let mut clock = Clock::new(phone.clone(), None);
    assert_eq!(clock.tick(BASE), hlc("1764000000000-0000-phone"));
    clock.observe(&hlc("1764000000500-0003-tablet"));
    assert_eq!(clock.tick(BASE + 10), hlc("1764000000500-0004-phone"));
    // Observing an older clock changes nothing.
    clock.observe(&hlc("1764000000000-0009-tablet"));
    assert_eq!(clock.tick(BASE + 10), hlc("1764000000500-0005-phone"));
    assert_eq!(clock.last(), Some(&hlc("1764000000500-0005-phone")));
    assert_eq!(clock.device(), &phone);
}

// ---------------------------------------------------------------------------------------------
// Property tests.

fn device() -> impl Strategy<Value = DeviceId> {
    select(vec!["A", "B", "phone-2", "tablet_1"]).prop_map(dev)
}

/// Clocks in a narrow range, so that ops often collide on the same line and millisecond.
fn clock() -> impl Strategy<Value = Hlc> {
    (0u64..30, 0u16..3, device()).prop_map(|(ms, c, d)| Hlc::new(BASE + ms, c, d).unwrap())
}

fn key() -> impl Strategy<Value = (&'static str, u32)> {
    (select(vec!["123456789", "42", "7"]), 1u32..4)
}

fn op() -> impl Strategy<Value = CartOp> {
    let put = (
        any::<u128>(),
        clock(),
        key(),
        proptest::option::of(1u32..6),
        proptest::option::of(select(vec!["deposit", "order_error", "defective"])),
    )
        .prop_map(|(n, at, (bl, line_no), qty, reason)| {
            CartOp::put(id(n), at, bl, line_no, qty, reason.map(str::to_owned))
        });
    let remove = (any::<u128>(), clock(), key(), 0u64..12, 0u16..3, device())
        .prop_map(|(n, at, (bl, line_no), back, c, d)| {
            let seen = Hlc::new(at.millis().saturating_sub(back), c, d).unwrap();
            CartOp::remove(id(n), at, bl, line_no, seen)
        })
        .prop_filter("a remove's seen is before its at", |op| {
            op.validate().is_ok()
        });
    prop_oneof![3 => put, 2 => remove]
}

fn ops() -> impl Strategy<Value = Vec<CartOp>> {
    proptest::collection::vec(op(), 0..40)
}

/// The same ops, each any number of times, in any order.
fn reordered(ops: Vec<CartOp>) -> impl Strategy<Value = (Vec<CartOp>, Vec<CartOp>)> {
    let n = ops.len().max(1);
    (Just(ops), proptest::collection::vec(0..n, 0..30)).prop_flat_map(|(ops, extra)| {
        let mut all = ops.clone();
        if !ops.is_empty() {
            all.extend(extra.iter().map(|&i| ops[i].clone()));
        }
        (Just(ops), Just(all).prop_shuffle())
    })
}

/// Shuffles `items` with the random numbers `seeds` (Fisher-Yates).
fn shuffle<T>(items: &mut [T], seeds: &[usize]) {
    for i in (1..items.len()).rev() {
        items.swap(i, seeds[i % seeds.len()] % (i + 1));
    }
}

/// The cart computed straight from the words of `API.md`, from the set of ops.
fn spec_cart(ops: &[CartOp]) -> Vec<CartLine> {
    let mut by_line: BTreeMap<LineKey, Vec<&CartOp>> = BTreeMap::new();
    for op in ops {
        by_line.entry(op.key()).or_default().push(op);
    }
    by_line
        .into_iter()
        .filter_map(|(key, ops)| {
            let puts: Vec<&CartOp> = ops
                .iter()
                .copied()
                .filter(|o| o.kind == OpKind::Put)
                .collect();
            let seens: Vec<&Hlc> = ops.iter().filter_map(|o| o.seen.as_ref()).collect();
            // In the cart while it has a put whose `at` is greater than every `seen`.
            let present = puts.iter().any(|p| seens.iter().all(|s| p.at > **s));
            if !present {
                return None;
            }
            // For each field, the put with the greatest `at` (then op id, then value) wins.
            let qty = puts
                .iter()
                .filter_map(|p| p.qty.map(|q| (&p.at, p.op_id, q)))
                .max()
                .map_or(1, |(_, _, q)| q);
            let reason = puts
                .iter()
                .filter_map(|p| p.reason.as_ref().map(|r| (&p.at, p.op_id, r)))
                .max()
                .map(|(_, _, r)| r.clone());
            let updated_at = puts.iter().map(|p| &p.at).max().unwrap().clone();
            Some(CartLine {
                delivery_note: key.delivery_note,
                line_no: key.line_no,
                qty,
                reason,
                photos: Vec::new(),
                updated_at,
            })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any order and any duplication of the same ops gives the same cart.
    #[test]
    fn any_order_and_any_duplication_give_the_same_cart(
        (ops, shuffled) in ops().prop_flat_map(reordered)
    ) {
        let once = CartState::from_ops(&ops).unwrap();
        let again = CartState::from_ops(&shuffled).unwrap();
        prop_assert_eq!(&once, &again);
        prop_assert_eq!(once.lines(), again.lines());
        // Applying everything a second time changes nothing either.
        let mut twice = again.clone();
        for op in &ops {
            twice.apply(op).unwrap();
        }
        prop_assert_eq!(&twice, &once);
    }

    /// A backend that keeps each line's merge state (stored as JSON and loaded back) instead of
    /// replaying its log gets the same cart: split the ops anywhere, store the first part's lines,
    /// load only the lines the second part touches and apply it there.
    #[test]
    fn stored_line_merges_give_the_same_cart_as_replaying_the_log(
        ops in ops(), split in 0usize..64
    ) {
        let split = split.min(ops.len());
        let (before, after) = ops.split_at(split);
        let stored: BTreeMap<LineKey, String> = {
            let state = CartState::from_ops(before).unwrap();
            before
                .iter()
                .map(CartOp::key)
                .map(|k| {
                    let merge = state.line_merge(&k.delivery_note, k.line_no).unwrap();
                    (k, serde_json::to_string(merge).unwrap())
                })
                .collect()
        };
        let mut patch = CartState::new();
        for key in after.iter().map(CartOp::key) {
            if let Some(json) = stored.get(&key) {
                patch.join_line_merge(key, &serde_json::from_str(json).unwrap());
            }
        }
        for op in after {
            patch.apply(op).unwrap();
        }
        let mut loaded = CartState::new();
        for (key, json) in &stored {
            loaded.join_line_merge(key.clone(), &serde_json::from_str(json).unwrap());
        }
        for key in after.iter().map(CartOp::key) {
            loaded.join_line_merge(key.clone(), patch.line_merge(&key.delivery_note, key.line_no).unwrap());
        }
        prop_assert_eq!(loaded, CartState::from_ops(&ops).unwrap());
    }

    /// The merged cart is exactly what `API.md` says, and a remove never hides an edit it did not
    /// see: every line with a put later than all of its removes' `seen` is in the cart.
    #[test]
    fn the_cart_is_what_the_specification_says(ops in ops()) {
        let state = CartState::from_ops(&ops).unwrap();
        let expected = spec_cart(&ops);
        prop_assert_eq!(state.lines(), expected);
        for op in ops.iter().filter(|o| o.kind == OpKind::Put) {
            let unseen = ops
                .iter()
                .filter(|o| o.key() == op.key())
                .filter_map(|o| o.seen.as_ref())
                .all(|seen| op.at > *seen);
            if unseen {
                prop_assert!(state.line(&op.delivery_note, op.line_no).is_some());
            }
        }
        for key in ops.iter().map(CartOp::key) {
            let greatest = ops.iter().filter(|o| o.key() == key).map(|o| &o.at).max();
            prop_assert_eq!(state.seen_for(&key.delivery_note, key.line_no), greatest);
        }
        prop_assert_eq!(state.max_at(), ops.iter().map(|o| &o.at).max());
    }

    /// Two devices start from the same cart; one removes a line while the other, not having seen
    /// the remove, edits it: once both have each other's ops the line is there with the edit.
    #[test]
    fn a_remove_never_hides_an_edit_it_did_not_see(
        base in ops(),
        first in clock(),
        (bl, line_no) in key(),
        remover_now in 0u64..60,
        edits in proptest::collection::vec((0u64..60, proptest::option::of(1u32..6)), 0..4),
        last_qty in 1u32..6,
        last_reason in select(vec!["deposit", "order_error", "defective"]),
        order in proptest::collection::vec(any::<usize>(), 64),
    ) {
        let mut base = base;
        base.insert(0, CartOp::put(id(0), first, bl, line_no, None, None));
        let shared = CartState::from_ops(&base).unwrap();

        // The remover has seen exactly the shared ops.
        let mut remover = Clock::new(dev("remover"), shared.max_at().cloned());
        let seen = shared.seen_for(bl, line_no).unwrap().clone();
        let removal = CartOp::remove(id(1), remover.tick(BASE + remover_now), bl, line_no, seen);

        // The editor has seen the shared ops too, but not the remove.
        let mut editor = Clock::new(dev("editor"), shared.max_at().cloned());
        let mut edit_ops: Vec<CartOp> = edits
            .iter()
            .enumerate()
            .map(|(i, &(now, qty))| {
                CartOp::put(id(10 + i as u128), editor.tick(BASE + now), bl, line_no, qty, None)
            })
            .collect();
        let last = CartOp::put(
            id(99),
            editor.tick(BASE),
            bl,
            line_no,
            Some(last_qty),
            Some(last_reason.to_owned()),
        );
        edit_ops.push(last.clone());

        let mut all: Vec<CartOp> = base.clone();
        all.push(removal.clone());
        all.extend(edit_ops.iter().cloned());
        shuffle(&mut all, &order);
        let merged = CartState::from_ops(&all).unwrap();
        let expected = CartLine {
            delivery_note: bl.to_owned(),
            line_no,
            qty: last_qty,
            reason: Some(last_reason.to_owned()),
            photos: Vec::new(),
            updated_at: last.at.clone(),
        };
        prop_assert_eq!(merged.line(bl, line_no), Some(expected));

        // Had the remover seen the edits, the line would be gone.
        let mut knowing = CartState::from_ops(&base).unwrap();
        for op in &edit_ops {
            knowing.apply(op).unwrap();
        }
        let mut remover = Clock::new(dev("remover"), knowing.max_at().cloned());
        let seen = knowing.seen_for(bl, line_no).unwrap().clone();
        knowing
            .apply(&CartOp::remove(id(2), remover.tick(BASE + remover_now), bl, line_no, seen))
            .unwrap();
        prop_assert_eq!(knowing.line(bl, line_no), None);
    }

    /// Two replicas that each applied some of the ops converge once each applies the other's ops,
    /// and the join of their states is the same cart.
    #[test]
    fn replicas_converge(
        ops in ops(),
        sides in proptest::collection::vec(0u8..3, 40),
        order in proptest::collection::vec(any::<usize>(), 40),
    ) {
        // Side 0: only replica A saw the op; 1: only B; 2: both.
        let a_ops: Vec<&CartOp> =
            ops.iter().zip(&sides).filter(|(_, s)| **s != 1).map(|(o, _)| o).collect();
        let b_ops: Vec<&CartOp> =
            ops.iter().zip(&sides).filter(|(_, s)| **s != 0).map(|(o, _)| o).collect();
        let a = CartState::from_ops(a_ops.iter().copied()).unwrap();
        let b = CartState::from_ops(b_ops.iter().copied()).unwrap();
        let all = CartState::from_ops(&ops).unwrap();

        // Exchanging ops, in some order.
        let mut to_a = b_ops.clone();
        shuffle(&mut to_a, &order);
        let mut a_then = a.clone();
        for op in to_a {
            a_then.apply(op).unwrap();
        }
        let mut b_then = b.clone();
        for op in a_ops.iter().rev() {
            b_then.apply(op).unwrap();
        }
        prop_assert_eq!(&a_then, &b_then);
        prop_assert_eq!(&a_then, &all);
        prop_assert_eq!(a_then.lines(), b_then.lines());

        // Exchanging states: the join is commutative, idempotent and gives the same cart.
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        prop_assert_eq!(&ab, &ba);
        prop_assert_eq!(&ab, &all);
        let mut again = ab.clone();
        again.merge(&a);
        again.merge(&ab);
        prop_assert_eq!(&again, &ab);
    }

    /// Clocks order as their strings, and read back what they write.
    #[test]
    fn clocks_order_as_strings(
        x in (0u64..=9_999_999_999_999, 0u16..=9_999, "[A-Za-z0-9_-]{1,64}"),
        y in (0u64..=9_999_999_999_999, 0u16..=9_999, "[A-Za-z0-9_-]{1,64}"),
        same_ms in any::<bool>(),
    ) {
        let a = Hlc::new(x.0, x.1, dev(&x.2)).unwrap();
        let b = Hlc::new(if same_ms { x.0 } else { y.0 }, y.1, dev(&y.2)).unwrap();
        let (sa, sb) = (a.to_string(), b.to_string());
        prop_assert_eq!(a.cmp(&b), sa.cmp(&sb));
        prop_assert_eq!(sa.parse::<Hlc>().unwrap(), a);
        prop_assert_eq!(sb.parse::<Hlc>().unwrap(), b);
    }

    /// A device's clocks only go up, and past everything it has observed, whatever its wall clock
    /// does.
    #[test]
    fn a_device_clock_passes_everything_it_has_seen(
        events in proptest::collection::vec((0u64..50, proptest::option::of(clock())), 1..60)
    ) {
        let mut clock = Clock::new(dev("me"), None);
        let mut greatest: Option<Hlc> = None;
        for (now, remote) in events {
            if let Some(remote) = remote {
                clock.observe(&remote);
                if greatest.as_ref().is_none_or(|g| *g < remote) {
                    greatest = Some(remote);
                }
            }
            let at = clock.tick(BASE + now * 7 % 40);
            if let Some(g) = &greatest {
                prop_assert!(at > *g, "{} after {}", at, g);
            }
            prop_assert!(at.to_string() > greatest.as_ref().map(Hlc::to_string).unwrap_or_default());
            greatest = Some(at);
        }
    }
}

#[test]
fn a_clock_more_than_a_day_ahead_of_the_backend_is_too_far_ahead() {
    use retour_domain::cart::MAX_CLOCK_AHEAD_MS;
    let now = chrono::DateTime::from_timestamp_millis(1_764_000_000_000).unwrap();
    let at = |millis: u64| Hlc::new(millis, 0, dev("phone")).unwrap();
    let now_ms = 1_764_000_000_000;
    // Behind, on time, a time zone off (14 h) and exactly a day ahead are all accepted.
    for millis in [
        0,
        now_ms - 1,
        now_ms,
        now_ms + 14 * 3_600_000,
        now_ms + MAX_CLOCK_AHEAD_MS,
    ] {
        assert!(!at(millis).is_too_far_ahead_of(now), "{millis}");
    }
    for millis in [
        now_ms + MAX_CLOCK_AHEAD_MS + 1,
        now_ms + 365 * 86_400_000,
        9_999_999_999_999,
    ] {
        assert!(at(millis).is_too_far_ahead_of(now), "{millis}");
    }
}
