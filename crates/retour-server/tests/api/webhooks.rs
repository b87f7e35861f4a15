//! Webhooks (API v1.1): a real receiver on 127.0.0.1 checks every `Retour-Signature` with the
//! hook's secret and records what it gets; the server's own sender delivers (the tests wait for
//! the receiver, never sleep), retries a 500 with the same event id within 60 s, delivers what
//! waited across a restart, loses nothing while the receiver is down for an hour (the server's
//! clock moved forward), gives up after 24 h, logs every try, and stops with a deleted hook.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use reqwest::Method;
use retour_domain::webhook::{DeliveryState, WebhookBody};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::common::{key, start, start_with_clock, Server, TestClock};

const SECRET: &str = "whsec_test_0123456789";
const EMITTED: [&str; 4] = [
    "return_request.created",
    "dossier.status_changed",
    "dossier.closed",
    "dossier.message",
];
/// How long a test waits for the server's sender to post something (it polls every second).
const WAIT: Duration = Duration::from_secs(20);

/// What the receiver got in one request.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    kind: String,
    body: Value,
    /// The signature checked with the hook's secret over `"<t>.<body>"`.
    signed: bool,
    /// The signature's `t`.
    t: i64,
}

struct Shared {
    secret: String,
    /// The statuses to answer, in order; 200 once they are used up.
    script: Mutex<VecDeque<u16>>,
    tx: mpsc::UnboundedSender<Received>,
}

/// A webhook receiver served on a loopback port.
struct Receiver {
    url: String,
    rx: mpsc::UnboundedReceiver<Received>,
    task: tokio::task::JoinHandle<()>,
}

/// Whether `header` is `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`; its `t`.
fn verify(secret: &str, header: &str, body: &[u8]) -> Option<i64> {
    let (t, v1) = header.split_once(',')?;
    let t = t.strip_prefix("t=")?;
    let v1 = hex::decode(v1.strip_prefix("v1=")?).ok()?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&v1).ok()?;
    t.parse().ok()
}

async fn receive(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = headers
        .get("retour-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let t = verify(&shared.secret, header, &body);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let status = shared.script.lock().unwrap().pop_front().unwrap_or(200);
    let _ = shared.tx.send(Received {
        id: json["id"].as_str().unwrap_or("").to_owned(),
        kind: json["type"].as_str().unwrap_or("").to_owned(),
        body: json,
        signed: t.is_some(),
        t: t.unwrap_or(0),
    });
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    /// Serves on `addr` (port 0: any), answering `script` first, then 200.
    async fn start_on(addr: SocketAddr, secret: &str, script: &[u16]) -> Receiver {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            secret: secret.to_owned(),
            script: Mutex::new(script.iter().copied().collect()),
            tx,
        });
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, rx, task }
    }

    async fn start(script: &[u16]) -> Receiver {
        Receiver::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), SECRET, script).await
    }

    /// The next request, waiting for the server's sender at most [`WAIT`].
    async fn next(&mut self) -> Received {
        tokio::time::timeout(WAIT, self.rx.recv())
            .await
            .expect("the server posts within the wait")
            .expect("the receiver runs")
    }

    /// The next `n` requests, in the order they came.
    async fn take(&mut self, n: usize) -> Vec<Received> {
        let mut got = Vec::new();
        for _ in 0..n {
            got.push(self.next().await);
        }
        got
    }

    /// What came without waiting.
    fn already(&mut self) -> Vec<Received> {
        let mut got = Vec::new();
        while let Ok(r) = self.rx.try_recv() {
            got.push(r);
        }
        got
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address where nothing listens (bound, then let go).
async fn dead_address() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Registers a hook through the staff API; its id.
async fn register(server: &Server, staff: &str, url: &str, events: &[&str]) -> String {
    let hook = server
        .post(
            "/api/v1/staff/webhooks",
            staff,
            json!({"url": url, "events": events, "secret": SECRET}),
        )
        .await;
    let hook = hook.ok(201);
    assert!(hook.get("secret").is_none(), "{hook:#}");
    hook["id"].as_str().unwrap().to_owned()
}

/// Customer A sends one unit of a line; the request.
async fn send_request(server: &Server, token: &str) -> Value {
    let (bl, line_no, _, _) = server.eligible_line(token, 1).await;
    let body = json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": 1, "reason": "new_part"}]});
    server.submit(token, &key(), body).await.ok(201).clone()
}

async fn message(server: &Server, path: &str, token: &str, text: &str) -> Value {
    server
        .post(
            path,
            token,
            json!({"message_id": uuid::Uuid::new_v4(), "text": text}),
        )
        .await
        .ok(201)
        .clone()
}

async fn deliveries(server: &Server, staff: &str, hook: &str) -> Vec<Value> {
    server
        .get(&format!("/api/v1/staff/webhooks/{hook}/deliveries"), staff)
        .await
        .ok(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits for the delivery pass running now (its tries logged), then tries what is due.
async fn settle(server: &Server) {
    retour_server::webhook::deliver_due(&server.state)
        .await
        .unwrap();
}

fn instant(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value.as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_are_for_staff_checked_and_never_show_their_secret() {
    let server = start().await;
    let staff = server.staff().await;
    let a = server.customer_a().await;
    let hooks = "/api/v1/staff/webhooks";
    let good = json!({"url": "https://erp.example.fr/retour", "events": ["dossier.closed"], "secret": SECRET});

    for (body, code, field) in [
        (
            json!({"url": "ftp://erp.example.fr/", "events": ["dossier.closed"], "secret": SECRET}),
            "invalid_webhook_url",
            "url",
        ),
        (
            json!({"url": "erp.example.fr", "events": ["dossier.closed"], "secret": SECRET}),
            "invalid_webhook_url",
            "url",
        ),
        (
            json!({"url": "https://erp.example.fr:99999/", "events": ["dossier.closed"], "secret": SECRET}),
            "invalid_webhook_url",
            "url",
        ),
        (
            json!({"url": "https://erp.example.fr", "events": ["dossier.opened"], "secret": SECRET}),
            "invalid_event_type",
            "events",
        ),
        (
            json!({"url": "https://erp.example.fr", "events": [], "secret": SECRET}),
            "invalid_event_type",
            "events",
        ),
        (
            json!({"url": "https://erp.example.fr", "events": ["dossier.closed"], "secret": "trop court"}),
            "invalid_webhook_secret",
            "secret",
        ),
    ] {
        let refused = server.post(hooks, &staff, body).await;
        let problem = refused.problem(422, code);
        assert_eq!(problem["errors"][0]["field"], field, "{problem:#}");
        assert!(
            problem["detail"].as_str().unwrap().contains("webhook") || code == "invalid_event_type"
        );
    }
    server
        .post(
            hooks,
            &staff,
            json!({"url": "https://a.fr", "events": ["dossier.closed"]}),
        )
        .await
        .problem(400, "invalid_body");

    // A customer's token is refused on every staff route, and so is no token.
    let made = register(&server, &staff, "https://erp.example.fr/retour", &EMITTED).await;
    let one = format!("{hooks}/{made}");
    let log = format!("{one}/deliveries");
    server.post(hooks, &a, good).await.problem(403, "forbidden");
    server.get(hooks, &a).await.problem(403, "forbidden");
    server.get(&log, &a).await.problem(403, "forbidden");
    server
        .call(Method::DELETE, &one, Some(&a), None)
        .await
        .problem(403, "forbidden");
    server
        .call(Method::GET, hooks, None, None)
        .await
        .problem(401, "unauthorized");

    // The list shows the hook, never its secret.
    let list = server.get(hooks, &staff).await;
    let items = list.ok(200)["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], made.as_str());
    assert_eq!(items[0]["url"], "https://erp.example.fr/retour");
    assert_eq!(items[0]["events"], json!(EMITTED));
    assert!(!String::from_utf8_lossy(&list.bytes).contains(SECRET));
    assert_eq!(
        deliveries(&server, &staff, &made).await,
        Vec::<Value>::new()
    );

    // Unknown ids, well formed or not, are missing.
    for id in [uuid::Uuid::new_v4().to_string(), "pas-un-id".to_owned()] {
        server
            .get(&format!("{hooks}/{id}/deliveries"), &staff)
            .await
            .problem(404, "not_found");
        server
            .call(Method::DELETE, &format!("{hooks}/{id}"), Some(&staff), None)
            .await
            .problem(404, "not_found");
    }
    server
        .call(Method::DELETE, &one, Some(&staff), None)
        .await
        .ok(204);
    server.get(&log, &staff).await.problem(404, "not_found");
    server
        .call(Method::DELETE, &one, Some(&staff), None)
        .await
        .problem(404, "not_found");
    assert_eq!(server.get(hooks, &staff).await.ok(200)["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_comes_signed_and_a_500_is_retried_with_the_same_id_within_a_minute() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let staff = server.staff().await;
    let a = server.customer_a().await;
    let mut receiver = Receiver::start(&[500]).await;
    let hook = register(&server, &staff, &receiver.url, &EMITTED).await;

    let request = send_request(&server, &a).await;
    let number = request["dossiers"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = receiver.next().await;
    assert!(first.signed, "{:#}", first.body);
    assert_eq!(first.kind, "return_request.created");
    assert_eq!(first.body["data"]["request"]["id"], request["id"]);
    assert!(first.body["data"]["customer"]["code"]
        .as_str()
        .is_some_and(|c| !c.is_empty()));
    let mut keys: Vec<&String> = first.body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["at", "data", "id", "type"]);

    // Answered 500: the server schedules the next try within 60 s and makes it (by its clock)
    // with the same event.
    settle(&server).await;
    let waiting = deliveries(&server, &staff, &hook).await;
    assert_eq!(waiting[0]["state"], "pending");
    let failed_at = instant(&waiting[0]["attempts"][0]["at"]);
    let wait = instant(&waiting[0]["next_attempt_at"]) - failed_at;
    assert!(wait <= chrono::Duration::seconds(60), "{wait}");
    clock.advance(chrono::Duration::seconds(60));
    let again = receiver.next().await;
    assert!(again.signed);
    assert_eq!(again.id, first.id);
    assert_eq!(again.body, first.body);
    assert!(again.t >= first.t);

    settle(&server).await;
    let log = deliveries(&server, &staff, &hook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["event_id"], first.id.as_str());
    assert_eq!(log[0]["type"], "return_request.created");
    assert_eq!(log[0]["state"], "delivered");
    assert!(log[0].get("next_attempt_at").is_none());
    let tries = log[0]["attempts"].as_array().unwrap();
    assert_eq!(tries.len(), 2, "{log:#?}");
    assert_eq!(tries[0]["status_code"], 500);
    assert_eq!(tries[1]["status_code"], 200);
    assert!(tries[0]["duration_ms"].is_u64());
    assert_eq!(instant(&tries[0]["at"]), failed_at);

    // The staff moves the file on, both sides write, the staff closes it with a refusal.
    let events = format!("/api/v1/staff/dossiers/{number}/events");
    server
        .post(&events, &staff, json!({"status": "received"}))
        .await
        .ok(200);
    let received = receiver.next().await;
    assert_eq!(received.kind, "dossier.status_changed");
    assert_eq!(received.body["data"]["dossier"], number.as_str());
    assert_eq!(received.body["data"]["from"], "sent");
    assert_eq!(received.body["data"]["to"], "received");

    let written = message(
        &server,
        &format!("/api/v1/dossiers/{number}/messages"),
        &a,
        "Le carton est-il arrivé ?",
    )
    .await;
    let got = receiver.next().await;
    assert_eq!(got.kind, "dossier.message");
    assert_eq!(got.body["data"]["message"], written);
    assert_eq!(got.body["data"]["message"]["author"], "customer");
    let reply = message(
        &server,
        &format!("/api/v1/staff/dossiers/{number}/messages"),
        &staff,
        "Oui, bien reçu.",
    )
    .await;
    let got = receiver.next().await;
    assert_eq!(got.kind, "dossier.message");
    assert_eq!(got.body["data"]["message"], reply);

    let line_no = request["dossiers"][0]["lines"][0]["line_no"].clone();
    server
        .post(
            &events,
            &staff,
            json!({"status": "closed", "outcome": "refused",
                "lines": [{"line_no": line_no, "accepted_qty": 0, "refusal_reason": "fitted"}]}),
        )
        .await
        .ok(200);
    let mut closing = receiver.take(2).await;
    closing.sort_by(|x, y| x.kind.cmp(&y.kind));
    assert_eq!(closing[0].kind, "dossier.closed");
    assert_eq!(
        closing[0].body["data"]["dossier"]["number"],
        number.as_str()
    );
    assert_eq!(closing[0].body["data"]["dossier"]["status"], "closed");
    assert_eq!(
        closing[0].body["data"]["dossier"]["lines"][0]["decision"]["refusal_reason"],
        "fitted"
    );
    assert_eq!(closing[1].kind, "dossier.status_changed");
    assert_eq!(closing[1].body["data"]["to"], "closed");
    assert!(closing.iter().all(|r| r.signed));
    assert!(receiver.already().is_empty());

    settle(&server).await;
    let log = deliveries(&server, &staff, &hook).await;
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|d| d["state"] == "delivered"));
    assert_eq!(log[5]["event_id"], first.id.as_str(), "newest first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_waits_while_the_server_is_stopped_is_delivered_after_its_restart() {
    let clock = TestClock::default();
    let mut server = start_with_clock(|_| {}, &clock).await;
    let a = server.customer_a().await;
    let mut receiver = Receiver::start(&[500]).await;
    // Registered as `retour-server staff webhooks add` does.
    let hook = retour_server::staff_webhook_add(
        server.state.db(),
        &WebhookBody {
            url: receiver.url.clone(),
            events: vec!["dossier.message".to_owned()],
            secret: SECRET.to_owned(),
        },
        server.state.now(),
    )
    .unwrap();
    let request = send_request(&server, &a).await;
    let number = request["dossiers"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/dossiers/{number}/messages");
    message(&server, &path, &a, "Premier message").await;
    let refused = receiver.next().await;
    assert_eq!(refused.kind, "dossier.message");
    settle(&server).await;

    // Stopped: the retry waits, and a reply written meanwhile (as `staff reply` does) waits too.
    server.stop().await;
    let reply = retour_server::staff_reply(
        server.state.db(),
        &number,
        "Réponse pendant l'arrêt",
        server.state.now(),
    )
    .unwrap();
    clock.advance(chrono::Duration::minutes(3));
    assert!(receiver.already().is_empty());
    server.restart().await;

    let mut got = receiver.take(2).await;
    assert!(got.iter().all(|r| r.signed));
    got.sort_by_key(|r| r.id != refused.id);
    assert_eq!(got[0].id, refused.id);
    assert_eq!(got[0].body, refused.body);
    assert_eq!(got[1].body["data"]["message"]["id"], reply.id.as_str());
    settle(&server).await;
    let log = retour_server::staff_webhook_deliveries(server.state.db(), &hook.id).unwrap();
    assert_eq!(log.items.len(), 2);
    assert!(log
        .items
        .iter()
        .all(|d| d.state == DeliveryState::Delivered));
    assert_eq!(log.items[1].attempts.len(), 2, "{:#?}", log.items[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_for_an_hour_loses_nothing() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let staff = server.staff().await;
    let a = server.customer_a().await;
    let down = dead_address().await;
    let hook = register(
        &server,
        &staff,
        &format!("http://{down}/hook"),
        &["dossier.message"],
    )
    .await;
    let request = send_request(&server, &a).await;
    let number = request["dossiers"][0]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/dossiers/{number}/messages");
    let mut written = Vec::new();
    for text in ["Un", "Deux", "Trois"] {
        written.push(message(&server, &path, &a, text).await["id"].clone());
    }

    // An hour of failed tries, five minutes at a time.
    for _ in 0..12 {
        retour_server::webhook::deliver_due(&server.state)
            .await
            .unwrap();
        clock.advance(chrono::Duration::minutes(5));
    }
    // (Access tokens last less than the hour that passed.)
    let staff = server.staff().await;
    let log = deliveries(&server, &staff, &hook).await;
    assert_eq!(log.len(), 3);
    for delivery in &log {
        assert_eq!(delivery["state"], "pending", "{delivery:#}");
        let tries = delivery["attempts"].as_array().unwrap();
        assert!(tries.len() >= 5, "{delivery:#}");
        assert!(tries
            .iter()
            .all(|t| t["error"] == "connexion impossible" && t.get("status_code").is_none()));
        assert!(delivery["next_attempt_at"].is_string());
    }

    // Back up: within the next wait (at most an hour and a fifth), everything arrives, once.
    let mut receiver = Receiver::start_on(down, SECRET, &[]).await;
    clock.advance(chrono::Duration::minutes(73));
    retour_server::webhook::deliver_due(&server.state)
        .await
        .unwrap();
    let got = receiver.take(3).await;
    assert!(got.iter().all(|r| r.signed && r.kind == "dossier.message"));
    let mut texts: Vec<&str> = got
        .iter()
        .map(|r| r.body["data"]["message"]["text"].as_str().unwrap())
        .collect();
    texts.sort_unstable();
    assert_eq!(texts, ["Deux", "Trois", "Un"]);
    let mut ids: Vec<&Value> = got
        .iter()
        .map(|r| &r.body["data"]["message"]["id"])
        .collect();
    ids.sort_by_key(|v| v.to_string());
    written.sort_by_key(|v| v.to_string());
    assert_eq!(ids, written.iter().collect::<Vec<_>>());
    retour_server::webhook::deliver_due(&server.state)
        .await
        .unwrap();
    assert!(receiver.already().is_empty(), "nothing twice");
    let staff = server.staff().await;
    let log = deliveries(&server, &staff, &hook).await;
    for delivery in &log {
        assert_eq!(delivery["state"], "delivered");
        let tries = delivery["attempts"].as_array().unwrap();
        assert_eq!(tries.last().unwrap()["status_code"], 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_failing_for_24_hours_is_given_up_and_logged_failed() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let staff = server.staff().await;
    let a = server.customer_a().await;
    let down = dead_address().await;
    let hook = register(
        &server,
        &staff,
        &format!("http://{down}/hook"),
        &["return_request.created"],
    )
    .await;
    send_request(&server, &a).await;
    let started = clock_now(&server);
    for _ in 0..26 {
        retour_server::webhook::deliver_due(&server.state)
            .await
            .unwrap();
        clock.advance(chrono::Duration::hours(1));
    }
    retour_server::webhook::deliver_due(&server.state)
        .await
        .unwrap();
    let staff = server.staff().await;
    let log = deliveries(&server, &staff, &hook).await;
    assert_eq!(log[0]["state"], "failed", "{:#}", log[0]);
    assert!(log[0].get("next_attempt_at").is_none());
    let tries = log[0]["attempts"].as_array().unwrap();
    assert!(tries.len() >= 12, "{}", tries.len());
    let last = instant(&tries.last().unwrap()["at"]);
    assert!(
        last - started <= chrono::Duration::hours(25),
        "{}",
        last - started
    );
    assert!(
        last - started >= chrono::Duration::hours(23),
        "{}",
        last - started
    );
}

fn clock_now(server: &Server) -> chrono::DateTime<chrono::Utc> {
    server.state.now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_hook_gets_nothing_more() {
    let clock = TestClock::default();
    let server = start_with_clock(|_| {}, &clock).await;
    let staff = server.staff().await;
    let a = server.customer_a().await;
    let down = dead_address().await;
    let gone = register(
        &server,
        &staff,
        &format!("http://{down}/hook"),
        &["return_request.created"],
    )
    .await;
    let mut kept_receiver = Receiver::start(&[]).await;
    let kept = register(
        &server,
        &staff,
        &kept_receiver.url,
        &["return_request.created"],
    )
    .await;

    send_request(&server, &a).await;
    assert_eq!(kept_receiver.next().await.kind, "return_request.created");
    settle(&server).await;
    assert_eq!(
        deliveries(&server, &staff, &gone).await[0]["state"],
        "pending"
    );

    server
        .call(
            Method::DELETE,
            &format!("/api/v1/staff/webhooks/{gone}"),
            Some(&staff),
            None,
        )
        .await
        .ok(204);
    // Its receiver comes up; neither the waiting event nor a new one reaches it.
    let mut gone_receiver = Receiver::start_on(down, SECRET, &[]).await;
    send_request(&server, &a).await;
    assert_eq!(kept_receiver.next().await.kind, "return_request.created");
    clock.advance(chrono::Duration::hours(2));
    retour_server::webhook::deliver_due(&server.state)
        .await
        .unwrap();
    assert!(gone_receiver.already().is_empty());
    assert!(kept_receiver.already().is_empty());
    let staff = server.staff().await;
    let list = server.get("/api/v1/staff/webhooks", &staff).await;
    let ids: Vec<&str> = list.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [kept.as_str()]);
    assert_eq!(deliveries(&server, &staff, &kept).await.len(), 2);
}
