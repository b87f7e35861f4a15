//! The shared cart: ops from several devices, per-op rejections, the op log.

use serde_json::{json, Value};

use crate::common::start;

fn clock(ms: u64, counter: u32, device: &str) -> String {
    format!("{ms:013}-{counter:04}-{device}")
}

fn put(at: &str, bl: &str, line: u64, qty: Option<u64>, reason: Option<&str>) -> (String, Value) {
    let id = uuid::Uuid::new_v4().to_string();
    let mut op =
        json!({"op_id": id, "at": at, "kind": "put", "delivery_note": bl, "line_no": line});
    if let Some(qty) = qty {
        op["qty"] = json!(qty);
    }
    if let Some(reason) = reason {
        op["reason"] = json!(reason);
    }
    (id, op)
}

fn remove(at: &str, seen: &str, bl: &str, line: u64) -> (String, Value) {
    let id = uuid::Uuid::new_v4().to_string();
    (
        id.clone(),
        json!({"op_id": id, "at": at, "kind": "remove", "delivery_note": bl, "line_no": line, "seen": seen}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ops_merge_and_bad_ones_are_rejected_one_by_one() {
    let server = start().await;
    let token = server.customer_a().await;
    let empty = server.get("/api/v1/cart", &token).await;
    assert_eq!(empty.ok(200)["count"], 0);
    assert_eq!(empty.body["estimated_total_ht"], "0.00");

    let (bl, line, eligible, reasons) = server.eligible_line(&token, 2).await;
    assert!(reasons.iter().any(|r| r == "new_part"));
    let foreign = server.foreign_bl().await;
    let t0 = 1_764_000_000_000u64;
    let (_, phone) = put(&clock(t0, 0, "phone"), &bl, line, Some(1), Some("new_part"));
    let (unknown_id, unknown) = put(&clock(t0, 1, "phone"), &foreign, 1, Some(1), None);
    let (too_many_id, too_many) = put(&clock(t0, 2, "phone"), &bl, line, Some(eligible + 1), None);
    let (deposit_id, deposit) = put(&clock(t0, 3, "phone"), &bl, line, None, Some("deposit"));
    let (missing_id, missing) = put(&clock(t0, 4, "phone"), &bl, 999, Some(1), None);
    let answer = server
        .post(
            "/api/v1/cart/ops",
            &token,
            json!({"ops": [phone.clone(), unknown, too_many, deposit, missing]}),
        )
        .await;
    let body = answer.ok(200).clone();
    assert_eq!(body["count"], 1);
    let rejected: Vec<(String, String)> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["op_id"].as_str().unwrap().to_owned(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (unknown_id, "unknown_line".to_owned()),
            (too_many_id, "quantity_exceeded".to_owned()),
            (deposit_id, "reason_not_allowed".to_owned()),
            (missing_id, "unknown_line".to_owned()),
        ]
    );
    assert!(body["rejected"][0]["message"].as_str().unwrap().len() > 5);
    let cart_line = &body["lines"][0];
    assert_eq!(cart_line["delivery_note"], bl.as_str());
    assert_eq!(cart_line["qty"], 1);
    assert_eq!(cart_line["reason"], "new_part");
    assert_eq!(cart_line["eligible_qty"], eligible);
    assert_eq!(cart_line["estimated_credit_ht"], body["estimated_total_ht"]);
    let version = body["version"].as_u64().unwrap();

    // Replaying an op changes nothing.
    let replay = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [phone]}))
        .await;
    assert_eq!(replay.ok(200)["version"], version);
    assert_eq!(replay.body["rejected"], json!([]));

    // A second device edits the qty later; a remove that saw only the phone's op keeps the line.
    let (_, pc) = put(&clock(t0 + 10, 0, "pc"), &bl, line, Some(2), None);
    let (_, stale_remove) = remove(
        &clock(t0 + 5, 0, "phone"),
        &clock(t0, 0, "phone"),
        &bl,
        line,
    );
    let answer = server
        .post(
            "/api/v1/cart/ops",
            &server.customer_a().await,
            json!({"ops": [stale_remove, pc]}),
        )
        .await;
    let body = answer.ok(200);
    assert_eq!(
        body["count"], 1,
        "a concurrent edit the remover never saw keeps the line"
    );
    assert_eq!(body["lines"][0]["qty"], 2);
    assert_eq!(body["lines"][0]["reason"], "new_part");
    assert_eq!(body["lines"][0]["updated_at"], clock(t0 + 10, 0, "pc"));

    // A remove that saw everything removes it.
    let (_, full_remove) = remove(
        &clock(t0 + 20, 0, "pc"),
        &clock(t0 + 10, 0, "pc"),
        &bl,
        line,
    );
    let answer = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [full_remove]}))
        .await;
    assert_eq!(answer.ok(200)["count"], 0);

    // The log gives every accepted op, in order, from a cursor.
    let log = server.get("/api/v1/cart/ops?after=0", &token).await;
    let ops = log.ok(200)["ops"].as_array().unwrap().clone();
    assert_eq!(ops.len(), 4);
    let cursor = log.body["cursor"].as_u64().unwrap();
    let later = server
        .get(&format!("/api/v1/cart/ops?after={cursor}"), &token)
        .await;
    assert_eq!(later.ok(200)["ops"], json!([]));
    assert_eq!(later.body["cursor"], cursor);
    let partial = server
        .get(&format!("/api/v1/cart/ops?after={}", cursor - 1), &token)
        .await;
    assert_eq!(partial.ok(200)["ops"].as_array().unwrap().len(), 1);
    server
        .get("/api/v1/cart/ops?after=-1", &token)
        .await
        .problem(400, "invalid_query");

    // Another customer sees none of it.
    let other = server.customer_b().await;
    assert_eq!(server.get("/api/v1/cart", &other).await.ok(200)["count"], 0);
    assert_eq!(
        server.get("/api/v1/cart/ops", &other).await.ok(200)["ops"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_ops() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, line, _, _) = server.eligible_line(&token, 1).await;
    let ops: Vec<Value> = (0..501)
        .map(|i| put(&clock(1_764_000_000_000, i, "d"), &bl, line, Some(1), None).1)
        .collect();
    server
        .post("/api/v1/cart/ops", &token, json!({"ops": ops}))
        .await
        .problem(400, "too_many_ops");
    let (_, good) = put(&clock(1_764_000_000_000, 0, "d"), &bl, line, Some(1), None);
    for bad in [
        json!({"ops": [{"op_id": "x"}]}),
        json!({"ops": "nope"}),
        json!({"ops": [], "customer_id": 2}),
        json!({"ops": [{"op_id": uuid::Uuid::new_v4(), "at": "yesterday", "kind": "put", "delivery_note": bl, "line_no": line}]}),
        json!({"ops": [{"op_id": uuid::Uuid::new_v4(), "at": clock(1, 0, "d"), "kind": "upsert", "delivery_note": bl, "line_no": line}]}),
        json!({"ops": [{"op_id": uuid::Uuid::new_v4(), "at": clock(1, 0, "d"), "kind": "put", "delivery_note": bl, "line_no": -1}]}),
        json!([good]),
    ] {
        server
            .post("/api/v1/cart/ops", &token, bad)
            .await
            .problem(400, "invalid_body");
    }
    // A put with qty 0 or a remove without `seen` is refused alone.
    let (zero_id, mut zero) = put(&clock(1_764_000_000_000, 1, "d"), &bl, line, None, None);
    zero["qty"] = json!(0);
    let (_, good) = put(&clock(1_764_000_000_000, 2, "d"), &bl, line, Some(1), None);
    let answer = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [zero, good]}))
        .await;
    assert_eq!(answer.ok(200)["count"], 1);
    assert_eq!(answer.body["rejected"][0]["op_id"], zero_id);
    assert_eq!(answer.body["rejected"][0]["code"], "invalid_op");
}
