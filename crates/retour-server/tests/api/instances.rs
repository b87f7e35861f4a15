//! Several instances of the server over one database, as behind a load balancer: what one
//! instance accepts, the others respect (eligibility, idempotency keys), and devices syncing
//! through different instances see the same log, in the same order, and the same cart.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::common::{key, start, Server};

fn line(bl: &str, line_no: u64, qty: u64) -> Value {
    json!({"delivery_note": bl, "line_no": line_no, "qty": qty, "reason": "new_part"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_submits_of_one_line_through_two_instances_never_exceed_eligible() {
    let first = Arc::new(start().await);
    let second = Arc::new(first.another_instance().await);
    let token = first.customer_a().await;
    let (bl, l, eligible, _) = first.eligible_line(&token, 1).await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let server = if i % 2 == 0 { &first } else { &second }.clone();
            let (token, body) = (token.clone(), json!({"lines": [line(&bl, l, 1)]}));
            tokio::spawn(async move { server.submit(&token, &key(), body).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status.as_u16() {
            201 => created += 1,
            409 => {
                answer.problem(409, "quantity_exceeded");
            }
            other => panic!("unexpected {other}: {:?}", answer.body),
        }
    }
    assert_eq!(created, eligible.min(100), "exactly the eligible units");
    for server in [&first, &second] {
        let note = server
            .get(&format!("/api/v1/delivery-notes/{bl}"), &token)
            .await;
        let after = note.ok(200)["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["line_no"] == l)
            .unwrap()
            .clone();
        assert_eq!(after["eligible_qty"], eligible - created, "{after:#}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_replayed_on_the_other_instance_creates_nothing() {
    let first = start().await;
    let second = first.another_instance().await;
    let token = first.customer_a().await;
    let (bl, l, eligible, _) = first.eligible_line(&token, 2).await;
    let files = |server: &Server| {
        let token = token.clone();
        let server_base = server.base.clone();
        let client = server.client.clone();
        async move {
            let answer = client
                .get(format!("{server_base}/api/v1/dossiers?per_page=1"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let body: Value = answer.json().await.unwrap();
            body["total"].as_u64().expect("a total")
        }
    };
    let before = files(&first).await;
    let k = key();
    let body = json!({"lines": [line(&bl, l, 1)]});
    let made = first.submit(&token, &k, body.clone()).await.ok(201).clone();
    // The device lost the answer; its retry reaches the other instance.
    let replayed = second.submit(&token, &k, body).await;
    assert_eq!(replayed.ok(201), &made, "the same answer");
    assert_eq!(
        files(&second).await,
        before + made["dossiers"].as_array().unwrap().len() as u64
    );
    let note = second
        .get(&format!("/api/v1/delivery-notes/{bl}"), &token)
        .await;
    let after = note.ok(200)["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["line_no"] == l)
        .unwrap()["eligible_qty"]
        .clone();
    assert_eq!(after, eligible - 1, "one unit returned, not two");
    // The same key with another body, on the other instance: refused as on the first.
    second
        .submit(&token, &k, json!({"lines": [line(&bl, l, 2)]}))
        .await
        .problem(422, "idempotency_mismatch");
}

/// A device: its name, the instance it syncs through, the ops it wrote and the log as it read it.
struct Device {
    name: &'static str,
    server: Arc<Server>,
    written: Vec<(String, String, (String, u64), u64)>,
    read: Vec<Value>,
    cursor: u64,
}

impl Device {
    /// Reads the log after its cursor until nothing is left.
    async fn pull(&mut self, token: &str) {
        loop {
            let page = self
                .server
                .get(&format!("/api/v1/cart/ops?after={}", self.cursor), token)
                .await;
            let ops = page.ok(200)["ops"].as_array().unwrap().clone();
            self.cursor = page.body["cursor"].as_u64().unwrap();
            if ops.is_empty() {
                return;
            }
            self.read.extend(ops);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_syncing_through_different_instances_converge() {
    let first = Arc::new(start().await);
    let second = Arc::new(first.another_instance().await);
    let third = Arc::new(first.another_instance().await);
    let token = first.customer_a().await;
    let lines = first.eligible_lines(&token, 3, 3).await;
    // An hour ago, so that no clock is ahead of the server's.
    let t0 = (first.state.now().timestamp_millis() - 3_600_000) as u64;
    let devices = [("phone", &first), ("tablet", &second), ("counter", &third)];
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(d, (name, server))| {
            let (server, token, lines) = (server.clone(), token.clone(), lines.clone());
            tokio::spawn(async move {
                let mut device = Device {
                    name,
                    server,
                    written: Vec::new(),
                    read: Vec::new(),
                    cursor: 0,
                };
                for round in 0..12u64 {
                    let mut ops = Vec::new();
                    for (i, (bl, l, eligible, _)) in lines.iter().enumerate() {
                        // Each device's clock interleaves with the others'.
                        let ms = t0 + round * 1_000 + (i as u64) * 100 + d as u64 * 7;
                        let at = format!("{ms:013}-0000-{}", device.name);
                        let qty = 1 + (round + d as u64 + i as u64) % eligible;
                        let op_id = uuid::Uuid::new_v4().to_string();
                        ops.push(json!({"op_id": op_id, "at": at, "kind": "put",
                            "delivery_note": bl, "line_no": l, "qty": qty, "reason": "new_part"}));
                        device.written.push((op_id, at, (bl.clone(), *l), qty));
                    }
                    let answer = device
                        .server
                        .post("/api/v1/cart/ops", &token, json!({"ops": ops}))
                        .await;
                    assert_eq!(answer.ok(200)["rejected"], json!([]), "{}", device.name);
                    device.pull(&token).await;
                }
                device
            })
        })
        .collect();
    let mut devices = Vec::new();
    for task in tasks {
        devices.push(task.await.unwrap());
    }
    // Once all are done, each reads what is left: every device then holds the whole log, in the
    // same order, each op once, though it read most of it while the others were writing.
    for device in &mut devices {
        device.pull(&token).await;
    }
    let ids = |device: &Device| -> Vec<String> {
        device
            .read
            .iter()
            .map(|op| op["op_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let log = ids(&devices[0]);
    assert_eq!(log.len(), 3 * 12 * lines.len(), "every op, once");
    for device in &devices[1..] {
        assert_eq!(ids(device), log, "{} read the same log", device.name);
    }
    // The cart is the last write of each line (by clock), the same through every instance.
    let mut last: BTreeMap<(String, u64), (String, u64)> = BTreeMap::new();
    for device in &devices {
        for (_, at, line, qty) in &device.written {
            let entry = last.entry(line.clone()).or_insert((at.clone(), *qty));
            if at > &entry.0 {
                *entry = (at.clone(), *qty);
            }
        }
    }
    for server in [&first, &second, &third] {
        let cart = server.get("/api/v1/cart", &token).await;
        for (bl, l, _, _) in &lines {
            let found = cart.ok(200)["lines"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["delivery_note"] == bl.as_str() && x["line_no"] == *l)
                .unwrap_or_else(|| panic!("line {bl}/{l} in the cart"))
                .clone();
            assert_eq!(
                found["qty"],
                last[&(bl.clone(), *l)].1,
                "{bl}/{l} through {}",
                server.base
            );
        }
    }
}
