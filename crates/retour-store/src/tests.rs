//! Unit tests of the store: durability across reopen, outbox, acknowledgements, merges, caches.

use super::*;
use retour_domain::api::ReturnRequestLine;

fn check_lines(store: &Store, expected: &[(&str, u32, u32, Option<&str>)]) {
    let got: Vec<_> = store
        .cart_lines()
        .into_iter()
        .map(|l| (l.delivery_note, l.line_no, l.qty, l.reason))
        .collect();
    let want: Vec<_> = expected
        .iter()
        .map(|(dn, n, q, r)| (dn.to_string(), *n, *q, r.map(str::to_owned)))
        .collect();
    assert_eq!(got, want);
    assert_eq!(store.stored_cart_lines().unwrap(), store.cart_lines());
}

#[test]
fn edits_survive_reopen_and_wait_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let device;
    {
        let mut store = Store::open(&path).unwrap();
        device = store.device_id().clone();
        store.put("250001106", 1, Some(2), None, 1_000).unwrap();
        store
            .put("250001106", 2, None, Some("new_part".into()), 1_000)
            .unwrap();
        store
            .put("250001106", 1, None, Some("defective".into()), 1_001)
            .unwrap();
        assert!(store.remove("250001106", 2, 1_002).unwrap().is_some());
        assert!(store.remove("250001106", 9, 1_002).unwrap().is_none());
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.device_id(), &device);
    check_lines(&store, &[("250001106", 1, 2, Some("defective"))]);
    assert_eq!(store.pending_op_count().unwrap(), 4);
    assert_eq!(store.outbox_ops(2).unwrap().len(), 2);
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn clock_never_goes_back_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let first = Store::open(&path)
        .unwrap()
        .put("1", 1, Some(1), None, 5_000)
        .unwrap();
    // The wall clock went back: the new op must still be after the first.
    let second = Store::open(&path)
        .unwrap()
        .put("1", 1, Some(2), None, 10)
        .unwrap();
    assert!(second.at > first.at);
}

#[test]
fn a_rejected_op_leaves_the_cart_and_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("a.sqlite")).unwrap();
    let good = store.put("1", 1, Some(1), None, 1).unwrap();
    let bad = store.put("1", 2, Some(99), None, 2).unwrap();
    store
        .acknowledge(
            &[good.op_id, bad.op_id],
            &[RejectedOp {
                op_id: bad.op_id,
                code: "quantity_exceeded".into(),
                message: "Quantité supérieure".into(),
            }],
        )
        .unwrap();
    check_lines(&store, &[("1", 1, 1, None)]);
    assert_eq!(store.pending_op_count().unwrap(), 0);
    assert_eq!(store.rejected_ops().unwrap()[0].op_id, bad.op_id);
}

#[test]
fn ops_refused_for_a_wrong_date_no_longer_push_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let mut store = Store::open(&path).unwrap();
    let now = 1_764_000_000_000u64;
    let kept = store.put("1", 1, Some(1), None, now).unwrap();
    // The device's date jumps a year ahead: its next op is stamped then, and refused.
    let year = 365 * 86_400_000;
    let ahead = store.put("1", 2, Some(1), None, now + year).unwrap();
    store
        .acknowledge(
            &[kept.op_id, ahead.op_id],
            &[RejectedOp {
                op_id: ahead.op_id,
                code: "clock_ahead".into(),
                message: "La date de cet appareil est en avance".into(),
            }],
        )
        .unwrap();
    check_lines(&store, &[("1", 1, 1, None)]);
    assert_eq!(store.rejected_ops().unwrap()[0].code, "clock_ahead");
    // The date set right again, the next op is stamped by it, not after the refused one; so
    // after a restart too.
    let next = store.put("1", 2, Some(1), None, now + 1_000).unwrap();
    assert_eq!(next.at.millis(), now + 1_000);
    drop(store);
    let mut store = Store::open(&path).unwrap();
    let after = store.put("1", 3, Some(1), None, now + 2_000).unwrap();
    assert_eq!(after.at.millis(), now + 2_000);
}

#[test]
fn remote_ops_merge_once_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Store::open(&dir.path().join("a.sqlite")).unwrap();
    let mut b = Store::open(&dir.path().join("b.sqlite")).unwrap();
    let op1 = a.put("1", 1, Some(3), None, 100).unwrap();
    let op2 = a.put("1", 1, None, Some("new_part".into()), 101).unwrap();
    assert_eq!(
        b.merge_remote(&[op2.clone(), op1.clone(), op2.clone()], Some(2))
            .unwrap(),
        2
    );
    assert_eq!(
        b.merge_remote(std::slice::from_ref(&op1), Some(1)).unwrap(),
        0
    );
    assert_eq!(b.pull_cursor().unwrap(), 2);
    check_lines(&b, &[("1", 1, 3, Some("new_part"))]);
    // b's next op is after what it observed, even with a clock far behind.
    let op3 = b.remove("1", 1, 0).unwrap().unwrap();
    assert!(op3.at > op2.at);
    assert_eq!(op3.seen.as_ref(), Some(&op2.at));
    // Our own op coming back from the backend acknowledges it.
    a.merge_remote(&[op1], None).unwrap();
    assert_eq!(a.pending_op_count().unwrap(), 1);
}

#[test]
fn submissions_are_written_before_sending_and_finish_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    let body = ReturnRequestBody {
        lines: vec![ReturnRequestLine {
            delivery_note: "1".into(),
            line_no: 1,
            qty: 1,
            reason: retour_domain::reason::ReasonCode::parse("new_part"),
            photos: Vec::new(),
        }],
    };
    let key = Store::open(&path)
        .unwrap()
        .create_submission(&body, Utc::now())
        .unwrap()
        .idempotency_key;
    let mut store = Store::open(&path).unwrap();
    let pending = store.pending_submissions().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].idempotency_key, key);
    assert_eq!(pending[0].body, body);
    store.count_submission_attempt(&key).unwrap();
    store
        .finish_submission_refused(&key, "service_closed", "Fermé", Utc::now())
        .unwrap();
    assert!(store.pending_submissions().unwrap().is_empty());
    let s = store.submission(&key).unwrap().unwrap();
    assert_eq!(s.attempts, 1);
    assert!(
        matches!(s.state, SubmissionState::Refused { ref code, .. } if code == "service_closed")
    );
}

#[test]
fn caches_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("a.sqlite")).unwrap();
    let now = Utc::now();
    let day: NaiveDate = "2026-11-20".parse().unwrap();
    let summary = DeliveryNoteSummary {
        number: "250001106".into(),
        delivered_on: day,
        total_ht: "10.00".parse().unwrap(),
    };
    store
        .save_delivery_note_list(std::slice::from_ref(&summary), now)
        .unwrap();
    assert_eq!(
        store.delivery_notes_without_detail().unwrap(),
        ["250001106"]
    );
    assert!(store.delivery_note("250001106").unwrap().is_none());
    let note = DeliveryNote {
        number: summary.number.clone(),
        delivered_on: day,
        total_ht: summary.total_ht,
        lines: vec![],
    };
    store.save_delivery_note(&note, now).unwrap();
    assert_eq!(store.delivery_note("250001106").unwrap().unwrap().0, note);
    assert_eq!(store.delivery_notes_since(day).unwrap(), [summary]);
    assert!(store
        .delivery_notes_since(day.succ_opt().unwrap())
        .unwrap()
        .is_empty());
    store.cache_put("k", &vec![1, 2], now).unwrap();
    assert_eq!(store.cache_get::<Vec<i32>>("k").unwrap().unwrap().0, [1, 2]);

    // Pruning the BLs older than the cached days keeps those with a line in the cart (a deposit
    // returned past the window).
    let old = |number: &str| DeliveryNote {
        number: number.into(),
        delivered_on: "2026-09-05".parse().unwrap(),
        total_ht: "45.00".parse().unwrap(),
        lines: vec![],
    };
    store.save_delivery_note(&old("250000790"), now).unwrap();
    store.save_delivery_note(&old("250000791"), now).unwrap();
    store
        .put("250000790", 1, Some(1), Some("deposit".into()), 1_000)
        .unwrap();
    store.prune_delivery_notes(day).unwrap();
    assert!(store.delivery_note("250000790").unwrap().is_some());
    assert!(store.delivery_note("250000791").unwrap().is_none());
    assert!(store.delivery_note("250001106").unwrap().is_some());
}

#[test]
fn inspection_sees_a_torn_cart_before_open_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        store.put("250001106", 1, Some(2), None, 1_000).unwrap();
        store.put("250001106", 2, Some(1), None, 1_001).unwrap();
    }
    let clean = Store::inspect_file(&path).unwrap();
    assert_eq!(clean.integrity, "ok");
    assert_eq!(clean.op_ids.len(), 2);
    assert_eq!(clean.stored_lines, clean.replayed_lines);

    // A line written without its op, as a torn write would leave it.
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE cart_lines SET qty = 7 WHERE line_no = 2", [])
        .unwrap();
    let torn = Store::inspect_file(&path).unwrap();
    assert_ne!(torn.stored_lines, torn.replayed_lines);
    assert_eq!(torn.replayed_lines, clean.replayed_lines);

    // Opening repairs it from the log, and the inspection agrees again.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.cart_lines(), clean.replayed_lines);
    drop(store);
    assert_eq!(Store::inspect_file(&path).unwrap(), clean);
}

#[test]
fn a_new_epoch_makes_every_accepted_op_pending_again_and_the_cursor_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Store::open(&dir.path().join("a.sqlite")).unwrap();
    let mut b = Store::open(&dir.path().join("b.sqlite")).unwrap();
    let mine = a.put("1", 1, Some(1), None, 100).unwrap();
    let refused = a.put("1", 2, Some(99), None, 101).unwrap();
    let theirs = b.put("1", 3, Some(2), None, 102).unwrap();
    let reject = RejectedOp {
        op_id: refused.op_id,
        code: "quantity_exceeded".into(),
        message: "Quantité supérieure".into(),
    };
    a.acknowledge(&[mine.op_id, refused.op_id], &[reject])
        .unwrap();
    a.merge_remote(std::slice::from_ref(&theirs), Some(9))
        .unwrap();
    assert_eq!(
        (a.pending_op_count().unwrap(), a.pull_cursor().unwrap()),
        (0, 9)
    );
    assert_eq!(a.cart_epoch().unwrap(), None);

    a.start_cart_epoch("e2").unwrap();
    // Ours and the one pulled from another device go again; the refused one does not.
    let again: Vec<_> = a
        .outbox_ops(10)
        .unwrap()
        .iter()
        .map(|op| op.op_id)
        .collect();
    assert_eq!(again, [mine.op_id, theirs.op_id]);
    assert_eq!(a.pull_cursor().unwrap(), 0);
    assert_eq!(a.cart_epoch().unwrap().as_deref(), Some("e2"));
    check_lines(&a, &[("1", 1, 1, None), ("1", 3, 2, None)]);
}
