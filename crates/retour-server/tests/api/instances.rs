//! Several instances of the server over one database, as behind a load balancer: what one
//! instance accepts, the others respect (eligibility, idempotency keys), and devices syncing
//! through different instances see the same log, in the same order, and the same cart. A
//! revocation through one instance is refused at once by the others, although they had just
//! checked (and cached) the token; the throttles count attempts spread over instances.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use reqwest::Method;
use retour_server::demo::{CUSTOMER_A, CUSTOMER_PASSWORD};
use serde_json::{json, Value};

use crate::common::{key, start, start_with_clock, Answer, Server, TestClock};

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
        let after = server.bl_line(&token, &bl, l).await;
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
    let after = second.bl_line(&token, &bl, l).await["eligible_qty"].clone();
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

/// Two instances over one database sharing `clock`, the first with the demo data.
async fn two_instances(
    clock: &TestClock,
    adjust: impl FnOnce(&mut retour_server::Config),
) -> (Server, Server) {
    let a = start_with_clock(adjust, clock).await;
    let b = a.another_instance().await;
    (a, b)
}

/// Sets `clock` to the start of the next minute, so that a test's attempts fall in one minute.
fn start_of_a_minute(clock: &TestClock) {
    let next = (Utc::now().timestamp().div_euclid(60) + 1) * 60;
    clock.set(DateTime::from_timestamp(next, 0).expect("an instant"));
}

async fn public(server: &Server, path: &str, body: serde_json::Value) -> Answer {
    server.call(Method::POST, path, None, Some(body)).await
}

/// Asserts a `429` with a `Retry-After` within the minute.
async fn assert_throttled(server: &Server, path: &str, body: serde_json::Value) {
    let response = server
        .client
        .post(format!("{}{path}", server.base))
        .json(&body)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 429, "{path} on {}", server.base);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_one_instance_is_refused_at_once_by_the_other() {
    let clock = TestClock::default();
    let (a, b) = two_instances(&clock, |_| {}).await;
    let token = a.customer_a().await;
    // B checks the token, and trusts it (its cache) for the next requests.
    b.get("/api/v1/cart", &token).await.ok(200);
    b.get("/api/v1/cart", &token).await.ok(200);
    let out = a
        .call(Method::POST, "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(out.status.as_u16(), 204);
    b.get("/api/v1/cart", &token)
        .await
        .problem(401, "unauthorized");
    a.get("/api/v1/cart", &token)
        .await
        .problem(401, "unauthorized");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_on_one_instance_signs_out_the_other_at_once() {
    let clock = TestClock::default();
    let (a, b) = two_instances(&clock, |_| {}).await;
    let first = a.customer_a().await;
    let second = b.customer_a().await;
    for token in [&first, &second] {
        b.get("/api/v1/cart", token).await.ok(200);
        a.get("/api/v1/cart", token).await.ok(200);
    }
    public(
        &a,
        "/api/v1/auth/password/forgot",
        json!({"email": CUSTOMER_A}),
    )
    .await
    .ok(202);
    let link = a.last_link_token();
    public(
        &a,
        "/api/v1/auth/password/reset",
        json!({"token": link, "new_password": "Nouveau-Secret-77"}),
    )
    .await
    .ok(204);
    for token in [&first, &second] {
        b.get("/api/v1/cart", token)
            .await
            .problem(401, "unauthorized");
    }
    // The old password no longer works on either; the new one does, and its token on both.
    let old = json!({"email": CUSTOMER_A, "password": CUSTOMER_PASSWORD});
    public(&b, "/api/v1/auth/login", old)
        .await
        .problem(401, "invalid_credentials");
    let token = b.login(CUSTOMER_A, "Nouveau-Secret-77").await;
    a.get("/api/v1/cart", &token).await.ok(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_from_one_address_are_counted_across_instances() {
    let clock = TestClock::default();
    start_of_a_minute(&clock);
    let (a, b) = two_instances(&clock, |c| c.login_per_ip_per_minute = 4).await;
    // Four attempts, two on each: each instance alone would allow two more.
    for i in 0..4 {
        let server = if i % 2 == 0 { &a } else { &b };
        let body = json!({"email": format!("nobody{i}@nowhere.fr"), "password": "x"});
        public(server, "/api/v1/auth/login", body)
            .await
            .problem(401, "invalid_credentials");
    }
    let body = json!({"email": "nobody9@nowhere.fr", "password": "x"});
    assert_throttled(&b, "/api/v1/auth/login", body.clone()).await;
    assert_throttled(&a, "/api/v1/auth/login", body).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_requests_for_one_account_are_counted_across_instances() {
    let clock = TestClock::default();
    start_of_a_minute(&clock);
    // Three links a minute per account (the default), ten per address.
    let (a, b) = two_instances(&clock, |_| {}).await;
    for server in [&a, &b, &a] {
        public(
            server,
            "/api/v1/auth/password/forgot",
            json!({"email": CUSTOMER_A}),
        )
        .await
        .ok(202);
    }
    assert_throttled(
        &b,
        "/api/v1/auth/unlock/request",
        json!({"email": CUSTOMER_A}),
    )
    .await;
    // Another account is not held back by this one.
    public(
        &b,
        "/api/v1/auth/password/forgot",
        json!({"email": "nobody@nowhere.fr"}),
    )
    .await
    .ok(202);
}
