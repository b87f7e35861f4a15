//! The test harness: a served backend over a temporary directory, and request helpers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use retour_mail::spool_reader::{self, ReadMail};
use retour_server::running::RunningServer;
use retour_server::{demo, AppState, Config};
use serde_json::{json, Value};

/// A running server with its directory, stopped when dropped.
pub struct Server {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub _dir: tempfile::TempDir,
    _running: RunningServer,
}

/// An answer: status, headers and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Answer {
    /// Asserts the answer is a problem document with this status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "{}",
            self.content_type
        );
        assert_eq!(self.body["code"], code, "{:#}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(self.body["type"].is_string());
        &self.body
    }

    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        &self.body
    }
}

/// Starts a server over the demo data with the test configuration (always open).
pub async fn start() -> Server {
    start_with(|_| {}).await
}

/// A clock the test moves forward: the real time plus an offset.
#[derive(Clone, Default)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    /// Moves the clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        self.0.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Sets the clock to `at`, or up to a millisecond after it, never before (it then goes on at
    /// the real pace).
    pub fn set(&self, at: chrono::DateTime<chrono::Utc>) {
        let offset = at - chrono::Utc::now();
        self.0
            .store(offset.num_milliseconds() + 1, Ordering::SeqCst);
    }

    /// The clock as a server takes it (`AppState::with_clock`).
    pub fn server_clock(&self) -> retour_server::Clock {
        self.clock()
    }

    fn clock(&self) -> retour_server::Clock {
        let offset = self.0.clone();
        Arc::new(move || {
            chrono::Utc::now() + chrono::Duration::milliseconds(offset.load(Ordering::SeqCst))
        })
    }
}

/// A test's configuration: everything under `dir` ([`Config::for_dir`]); its database is a SQLite
/// file there, or, when `RETOUR_TEST_POSTGRES` names a PostgreSQL database (the suite's second
/// run, `cargo xtask test`), a schema of its own in that database.
pub fn test_config(dir: &Path) -> Config {
    let mut config = Config::for_dir(dir);
    if let Ok(url) = std::env::var("RETOUR_TEST_POSTGRES") {
        config.db = postgres_schema(&url).into();
    }
    config
}

/// Creates a new schema in the PostgreSQL database `url` names and returns the URL whose
/// connections work in it (`search_path`; `public` after it holds the `citext` extension).
fn postgres_schema(url: &str) -> String {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let create = {
        let (url, schema) = (url.to_owned(), schema.clone());
        // The blocking client must not run on the test's async runtime: a thread of its own.
        move || -> Result<(), postgres::Error> {
            let mut client = postgres::Client::connect(&url, postgres::NoTls)?;
            client.batch_execute(&format!("CREATE SCHEMA {schema}"))
        }
    };
    std::thread::spawn(create)
        .join()
        .expect("the thread creating the schema")
        .unwrap_or_else(|e| panic!("creating a schema in RETOUR_TEST_POSTGRES: {e}"));
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}options=-c%20search_path%3D{schema}%2Cpublic")
}

/// Another connection in the middle of writing: until dropped it holds what a submit writes —
/// SQLite's write lock (`BEGIN IMMEDIATE`), or with PostgreSQL the tables of requests and files
/// locked against writers (readers go on, as beside SQLite's writer).
pub struct WritesHeld {
    release: Option<std::sync::mpsc::Sender<()>>,
    holder: Option<std::thread::JoinHandle<()>>,
}

impl WritesHeld {
    pub fn new(server: &Server) -> WritesHeld {
        use retour_server::db::Location;
        let location = Location::parse(&server.state.config().db);
        let (held, wait_held) = std::sync::mpsc::channel();
        let (release, wait_release) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || match location {
            Location::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("open the database");
                conn.execute_batch("BEGIN IMMEDIATE")
                    .expect("take the write lock");
                held.send(()).expect("the test waits");
                let _ = wait_release.recv();
                conn.execute_batch("ROLLBACK").expect("release the lock");
            }
            Location::Postgres(url) => {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
                let mut tx = client.transaction().expect("begin");
                tx.batch_execute(
                    "LOCK TABLE return_requests, dossiers, dossier_lines IN EXCLUSIVE MODE",
                )
                .expect("lock the tables");
                held.send(()).expect("the test waits");
                let _ = wait_release.recv();
                tx.rollback().expect("release the locks");
            }
        });
        wait_held.recv().expect("the lock is held");
        WritesHeld {
            release: Some(release),
            holder: Some(holder),
        }
    }
}

impl Drop for WritesHeld {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(holder) = self.holder.take() {
            holder.join().expect("the holder lets go");
        }
    }
}

/// Starts a server after letting `adjust` change the test configuration.
pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Server {
    start_with_clock(adjust, &TestClock::default()).await
}

/// Starts a server whose clock is `clock`, after letting `adjust` change the configuration.
pub async fn start_with_clock(adjust: impl FnOnce(&mut Config), clock: &TestClock) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(dir.path());
    adjust(&mut config);
    let state = AppState::new(config)
        .expect("state")
        .with_clock(clock.clock());
    let running = RunningServer::start_demo(state.clone())
        .await
        .expect("server");
    Server {
        base: running.url().to_owned(),
        state,
        client: reqwest::Client::new(),
        _dir: dir,
        _running: running,
    }
}

impl Server {
    /// Another instance of the server over the same data (database, mail spool) and clock, as a
    /// load balancer would have beside this one: its own port, its own memory.
    pub async fn another_instance(&self) -> Server {
        let first = self.state.clone();
        let state = AppState::new(self.state.config().clone())
            .expect("state")
            .with_clock(Arc::new(move || first.now()));
        let running = RunningServer::start(state.clone()).await.expect("server");
        Server {
            base: running.url().to_owned(),
            state,
            client: reqwest::Client::new(),
            _dir: tempfile::tempdir().expect("temp dir"),
            _running: running,
        }
    }

    /// Stops serving (the port then refuses connections); the data stays.
    pub async fn stop(&mut self) {
        self._running.stop().await.expect("the server stops");
    }

    /// Serves again on the same port with the same data.
    pub async fn restart(&mut self) {
        self._running.restart().await.expect("the server restarts");
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// Sends a prepared request.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        self.try_send(request).await.expect("request")
    }

    /// Sends a prepared request; a transport failure is returned, not a panic.
    pub async fn try_send(&self, request: reqwest::RequestBuilder) -> reqwest::Result<Answer> {
        let response = request.send().await?;
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.bytes().await?.to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer {
            status,
            content_type,
            body,
            bytes,
        })
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Logs in and returns the whole session.
    pub async fn session(&self, email: &str, password: &str) -> Value {
        let answer = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password, "device_name": "test"})),
            )
            .await;
        answer.ok(200).clone()
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        self.session(email, password).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Customer A's token.
    pub async fn customer_a(&self) -> String {
        self.login(demo::CUSTOMER_A, demo::CUSTOMER_PASSWORD).await
    }

    /// Customer B's token.
    pub async fn customer_b(&self) -> String {
        self.login(demo::CUSTOMER_B, demo::CUSTOMER_PASSWORD).await
    }

    /// The staff's token.
    pub async fn staff(&self) -> String {
        self.login(demo::STAFF, demo::STAFF_PASSWORD).await
    }

    /// Submits a return request with an idempotency key.
    pub async fn submit(&self, token: &str, key: &str, body: Value) -> Answer {
        let request = self
            .client
            .post(format!("{}/api/v1/return-requests", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        self.send(request).await
    }

    /// The pré-accord PDF of the request `id`, fetched with `token`.
    pub async fn preaccord(&self, id: &str, token: &str) -> Answer {
        self.get(
            &format!("/api/v1/return-requests/{id}/preaccord.pdf"),
            token,
        )
        .await
    }

    /// Asserts that the request `id`, fetched by another customer (`other`'s token), answers
    /// exactly like a missing one: the same `404` problem, byte for byte.
    pub async fn assert_foreign_request_is_missing(&self, id: &str, other: &str) {
        let theirs = self.preaccord(id, other).await;
        let missing = self
            .preaccord(&uuid::Uuid::new_v4().to_string(), other)
            .await;
        theirs.problem(404, "not_found");
        assert_eq!(theirs.bytes, missing.bytes);
    }

    /// Sends what the outbox holds now (as the server's sender does), so the spool is complete.
    pub fn deliver_mail(&self) -> usize {
        retour_server::mail::deliver_due(&self.state).expect("the outbox delivers")
    }

    /// The `.eml` files of the spool, oldest first, once the outbox is delivered.
    pub fn mails(&self) -> Vec<PathBuf> {
        self.deliver_mail();
        spool_reader::spool_files(&self.state.config().mail_spool).expect("the spool")
    }

    /// The newest message of the spool, once the outbox is delivered.
    pub fn last_mail(&self) -> ReadMail {
        self.deliver_mail();
        spool_reader::newest(&self.state.config().mail_spool).expect("a message in the spool")
    }

    /// The token in the link of the newest message.
    pub fn last_link_token(&self) -> String {
        self.last_mail().link_token().expect("a link with a token")
    }

    /// A line of customer A that can be returned: `(BL, line_no, eligible, allowed reasons)`,
    /// taking the first one with at least `min` eligible units and without a deposit.
    pub async fn eligible_line(&self, token: &str, min: u64) -> (String, u64, u64, Vec<String>) {
        self.eligible_lines(token, min, 1).await.remove(0)
    }

    /// The first `count` lines of customer A that [`Server::eligible_line`] could pick.
    pub async fn eligible_lines(
        &self,
        token: &str,
        min: u64,
        count: usize,
    ) -> Vec<(String, u64, u64, Vec<String>)> {
        let mut found = Vec::new();
        let list = self.get("/api/v1/delivery-notes?days=31", token).await;
        for item in list.ok(200)["items"].as_array().unwrap() {
            let number = item["number"].as_str().unwrap();
            let note = self
                .get(&format!("/api/v1/delivery-notes/{number}"), token)
                .await;
            for line in note.ok(200)["lines"].as_array().unwrap() {
                let eligible = line["eligible_qty"].as_u64().unwrap();
                if eligible >= min && line.get("deposit_ht").is_none() {
                    let reasons = line["allowed_reasons"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_owned())
                        .collect();
                    found.push((
                        number.to_owned(),
                        line["line_no"].as_u64().unwrap(),
                        eligible,
                        reasons,
                    ));
                    if found.len() == count {
                        return found;
                    }
                }
            }
        }
        panic!(
            "{} eligible lines with {min} units, not {count}",
            found.len()
        );
    }

    /// One line of a BL as the customer's token reads it now (`GET /delivery-notes/{bl}`).
    pub async fn bl_line(&self, token: &str, bl: &str, line_no: u64) -> Value {
        let note = self
            .get(&format!("/api/v1/delivery-notes/{bl}"), token)
            .await;
        note.ok(200)["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["line_no"] == line_no)
            .unwrap_or_else(|| panic!("line {line_no} on BL {bl}"))
            .clone()
    }

    /// A BL number of customer B.
    pub async fn foreign_bl(&self) -> String {
        let token = self.customer_b().await;
        let list = self.get("/api/v1/delivery-notes?days=31", &token).await;
        list.ok(200)["items"][0]["number"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A fresh idempotency key.
pub fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}
