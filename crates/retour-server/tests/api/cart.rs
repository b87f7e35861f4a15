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

/// A small deterministic generator, so that a failure can be replayed.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The cart lines that matter to a device: BL, line, quantity, reason, clock of the last put.
fn line_tuples(lines: &Value) -> Vec<(String, u64, u64, Option<String>, String)> {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["delivery_note"].as_str().unwrap().to_owned(),
                l["line_no"].as_u64().unwrap(),
                l["qty"].as_u64().unwrap(),
                l["reason"].as_str().map(str::to_owned),
                l["updated_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_with_5000_ops_of_history_gets_the_right_cart() {
    use retour_domain::cart::{CartOp, CartState};

    let server = start().await;
    let token = server.customer_a().await;
    // Every line of customer A with something eligible and a reason that is not deposit-only.
    let mut targets = Vec::new();
    let list = server.get("/api/v1/delivery-notes?days=31", &token).await;
    for item in list.ok(200)["items"].as_array().unwrap() {
        let number = item["number"].as_str().unwrap();
        let note = server
            .get(&format!("/api/v1/delivery-notes/{number}"), &token)
            .await;
        for line in note.ok(200)["lines"].as_array().unwrap() {
            let eligible = line["eligible_qty"].as_u64().unwrap();
            let reasons: Vec<String> = line["allowed_reasons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_owned())
                .filter(|r| r != "deposit")
                .collect();
            if eligible >= 1 && !reasons.is_empty() {
                targets.push((
                    number.to_owned(),
                    line["line_no"].as_u64().unwrap(),
                    eligible,
                    reasons,
                ));
            }
        }
    }
    assert!(targets.len() >= 5, "{} eligible lines", targets.len());
    targets.truncate(12);

    // 5,000 ops from three devices on a dozen lines: puts of a quantity and/or a reason, and
    // removes that saw some earlier op of their line (so some concurrent edits survive them).
    let mut rng = Xorshift(0x5eed_cafe_f00d);
    let devices = ["phone", "pc", "tablet"];
    let t0 = 1_764_000_000_000u64;
    let mut ops: Vec<Value> = Vec::new();
    let mut clocks_of: Vec<Vec<String>> = vec![Vec::new(); targets.len()];
    for i in 0..5_000u64 {
        let which = rng.below(targets.len() as u64) as usize;
        let (bl, line, eligible, reasons) = &targets[which];
        let at = clock(t0 + i / 3, (i % 3) as u32, devices[rng.below(3) as usize]);
        let seen = &clocks_of[which];
        let (_, op) = if !seen.is_empty() && rng.below(4) == 0 {
            let saw = &seen[seen.len() - 1 - rng.below(seen.len().min(3) as u64) as usize];
            remove(&at, saw, bl, *line)
        } else {
            let qty = (rng.below(3) > 0).then(|| 1 + rng.below(*eligible));
            let reason = (qty.is_none() || rng.below(2) == 0)
                .then(|| reasons[rng.below(reasons.len() as u64) as usize].as_str());
            put(&at, bl, *line, qty, reason)
        };
        clocks_of[which].push(at);
        ops.push(op);
    }
    let expected_state = CartState::from_ops(
        &ops.iter()
            .map(|op| serde_json::from_value::<CartOp>(op.clone()).unwrap())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let expected: Vec<_> = expected_state
        .lines()
        .into_iter()
        .map(|l| {
            (
                l.delivery_note,
                u64::from(l.line_no),
                u64::from(l.qty),
                l.reason,
                l.updated_at.to_string(),
            )
        })
        .collect();
    assert!(!expected.is_empty());

    // Sent in batches of 500 in a scrambled order, one of them twice: order and duplication
    // change nothing.
    let batches: Vec<&[Value]> = ops.chunks(500).collect();
    let order = [7, 2, 9, 0, 4, 4, 1, 8, 3, 6, 5];
    let mut last = Value::Null;
    for i in order {
        let answer = server
            .post("/api/v1/cart/ops", &token, json!({"ops": batches[i]}))
            .await;
        assert_eq!(answer.ok(200)["rejected"], json!([]), "batch {i}");
        last = answer.body.clone();
    }
    assert_eq!(line_tuples(&last["lines"]), expected);
    assert_eq!(last["count"], expected.len());
    let cart = server.get("/api/v1/cart", &token).await;
    assert_eq!(line_tuples(&cart.ok(200)["lines"]), expected);
    assert_eq!(cart.body["estimated_total_ht"], last["estimated_total_ht"]);

    // A new device pulls the whole log from the start, page by page, and merges the same cart.
    let mut cursor = 0;
    let mut pulled = Vec::new();
    loop {
        let page = server
            .get(&format!("/api/v1/cart/ops?after={cursor}"), &token)
            .await;
        let page_ops = page.ok(200)["ops"].as_array().unwrap().clone();
        if page_ops.is_empty() {
            break;
        }
        cursor = page.body["cursor"].as_u64().unwrap();
        pulled.extend(
            page_ops
                .into_iter()
                .map(|op| serde_json::from_value::<CartOp>(op).unwrap()),
        );
    }
    assert_eq!(pulled.len(), 5_000);
    assert_eq!(CartState::from_ops(&pulled).unwrap(), expected_state);
    assert_eq!(cart.body["version"], cursor);

    // One more edit on top of the long history lands on the stored state.
    let (bl, line, _, reasons) = &targets[0];
    let (_, more) = put(
        &clock(t0 + 10_000, 0, "phone"),
        bl,
        *line,
        Some(1),
        Some(&reasons[0]),
    );
    let answer = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [more]}))
        .await;
    let body = answer.ok(200);
    let edited = body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["delivery_note"] == bl.as_str() && l["line_no"] == *line)
        .expect("the edited line is in the cart");
    assert_eq!(edited["qty"], 1);
    assert_eq!(edited["reason"], reasons[0].as_str());
    assert_eq!(body["version"].as_u64().unwrap(), cursor + 1);
}

/// The schema says `integer`, and JSON Schema counts `2.0` as the integer 2 (schemathesis sends
/// such numbers): line numbers and quantities written that way are read as whole numbers, in
/// cart ops and in return requests; a real fraction is still a malformed body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_numbers_written_with_a_zero_fraction_are_integers() {
    let server = start().await;
    let token = server.customer_a().await;
    let (bl, l, _, _) = server.eligible_line(&token, 1).await;
    let (_, mut op) = put(
        &clock(1_764_000_000_000, 0, "pc"),
        &bl,
        l,
        None,
        Some("new_part"),
    );
    op["line_no"] = json!(l as f64);
    op["qty"] = json!(1.0);
    let answer = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [op.clone()]}))
        .await;
    assert_eq!(answer.ok(200)["rejected"], json!([]), "{:#}", answer.body);
    let cart = server.get("/api/v1/cart", &token).await;
    assert_eq!(cart.ok(200)["lines"][0]["qty"], 1);

    let body = json!({"lines": [{"delivery_note": bl, "line_no": l as f64, "qty": 1.0, "reason": "new_part"}]});
    server
        .submit(&token, &crate::common::key(), body)
        .await
        .ok(201);

    op["qty"] = json!(1.5);
    server
        .post("/api/v1/cart/ops", &token, json!({"ops": [op]}))
        .await
        .problem(400, "invalid_body");
}

/// An op stamped more than a day ahead of the server's clock (a device with a wrong date) is
/// refused on its own with `clock_ahead`, and so never wins the later edits of other devices;
/// the other ops of the batch apply, a drift of an hour is accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_op_from_a_device_whose_date_is_ahead_is_rejected_alone() {
    let server = start().await;
    let token = server.customer_a().await;
    let lines = server.eligible_lines(&token, 2, 2).await;
    let ((bl, line, ..), (bl2, line2, ..)) = (&lines[0], &lines[1]);
    let now = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap();
    let hour = 3_600_000;
    let (ahead_id, ahead) = put(
        &clock(now + 49 * hour, 0, "phone"),
        bl,
        *line,
        Some(2),
        Some("new_part"),
    );
    let (_, drifting) = put(
        &clock(now + hour, 0, "tablet"),
        bl2,
        *line2,
        Some(1),
        Some("new_part"),
    );
    let answer = server
        .post(
            "/api/v1/cart/ops",
            &token,
            json!({"ops": [ahead, drifting]}),
        )
        .await;
    let body = answer.ok(200).clone();
    assert_eq!(body["rejected"].as_array().unwrap().len(), 1, "{body:#}");
    assert_eq!(body["rejected"][0]["op_id"], ahead_id.as_str());
    assert_eq!(body["rejected"][0]["code"], "clock_ahead");
    let message = body["rejected"][0]["message"].as_str().unwrap();
    assert!(message.contains("réglez la date"), "{message}");
    assert_eq!(body["count"], 1);
    assert_eq!(body["lines"][0]["delivery_note"], bl2.as_str());

    // A device on time edits the line now: its edit is the cart's, not the refused one's.
    let (_, on_time) = put(&clock(now, 0, "pc"), bl, *line, Some(1), Some("new_part"));
    let answer = server
        .post("/api/v1/cart/ops", &token, json!({"ops": [on_time]}))
        .await;
    let body = answer.ok(200).clone();
    assert_eq!(body["rejected"], json!([]));
    let edited = body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["delivery_note"] == bl.as_str() && l["line_no"] == *line)
        .expect("the line edited on time");
    assert_eq!(edited["qty"], 1);
    let log = server.get("/api/v1/cart/ops?after=0", &token).await;
    let ids: Vec<&str> = log.ok(200)["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["op_id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&ahead_id.as_str()), "{ids:?}");
    assert_eq!(ids.len(), 2);
}
