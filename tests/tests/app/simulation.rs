//! Seeded simulation of the cart's sync: 3 devices with real stores (SQLite files on a RAM disk)
//! each drive the real sync state machine (`retour_sync::cart_sync`, the one `SyncEngine` drives)
//! against the real `retour-server` router, in-process (`tower`'s `oneshot`, no sockets), over a
//! copy of a database seeded with the demo data. They make random edits (now and then on a BL line
//! that does not exist) while partitions come and go, pushes lose their answers or arrive twice,
//! pulled pages arrive shuffled, duplicated or re-delivered from an older cursor, and devices
//! crash and restart mid-sync. Each step moves one device's sync by one request, so syncs of
//! several devices interleave, in batches of 1 to 8 ops.
//!
//! After healing, every device shows the server's cart, every op a device made is either merged
//! by the server or refused by it (only those on the unknown line), and every op the server
//! merged is on every device. 200 seeds by default (`RETOUR_SIM_SEEDS`); a failing seed is printed
//! and can be replayed alone with `RETOUR_SIM_SEED`.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use retour_domain::api::{
    self, CartOp, CartOpsPage, CartOpsRequest, CartOpsResponse, DeliveryNote, DeliveryNoteList,
};
use retour_domain::cart::CartLine;
use retour_server::AppState;
use retour_store::{Durability, OpStatus, Store};
use retour_sync::cart_sync::{CartSync, Next};
use serde::de::DeserializeOwned;
use tower::ServiceExt as _;
use uuid::Uuid;

/// The line number no BL has (its ops are refused as `unknown_line`).
const UNKNOWN_LINE: u32 = 99;
/// At most this many BL lines are edited.
const LINES: usize = 8;
/// A template older than this is made again, so that its access token is still valid.
const TEMPLATE_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// A BL line the devices edit: what the server accepts on it.
#[derive(Debug, Clone)]
struct EditableLine {
    delivery_note: String,
    line_no: u32,
    /// The largest quantity a put may ask (the eligible quantity, at most 5).
    max_qty: u32,
    reasons: Vec<String>,
}

/// A server database seeded once, with the demo customer signed in: every seed serves a copy.
struct Template {
    dir: tempfile::TempDir,
    token: String,
    lines: Vec<EditableLine>,
    made: Instant,
}

impl Template {
    async fn make() -> Result<Template> {
        let dir = retour_tests::fast_tempdir()?;
        let state = AppState::for_dir(dir.path())?;
        retour_server::running::seed_demo(&state).await?;
        let mut backend = Backend {
            router: retour_server::router(state),
            token: String::new(),
        };
        let login = serde_json::json!({
            "email": retour_tests::EMAIL,
            "password": retour_tests::PASSWORD,
            "device_name": "simulation",
        });
        let session: api::Session = backend
            .call("POST", "/api/v1/auth/login", Some(login.to_string()))
            .await?;
        backend.token = session.access_token;
        let list: DeliveryNoteList = backend
            .call("GET", "/api/v1/delivery-notes?days=31", None)
            .await?;
        let mut lines = Vec::new();
        for item in &list.items {
            let note: DeliveryNote = backend
                .call(
                    "GET",
                    &format!("/api/v1/delivery-notes/{}", item.number),
                    None,
                )
                .await?;
            for line in note.lines {
                if line.eligible_qty > 0 && !line.allowed_reasons.is_empty() {
                    lines.push(EditableLine {
                        delivery_note: note.number.clone(),
                        line_no: line.line_no,
                        max_qty: line.eligible_qty.min(5),
                        reasons: line
                            .allowed_reasons
                            .iter()
                            .map(|r| r.as_str().to_owned())
                            .collect(),
                    });
                }
            }
        }
        lines.truncate(LINES);
        ensure!(lines.len() == LINES, "the demo data has too few open lines");
        let token = backend.token.clone();
        // Closing every connection leaves one self-contained database file to copy.
        drop(backend);
        Ok(Template {
            dir,
            token,
            lines,
            made: Instant::now(),
        })
    }

    /// A server over a fresh copy of the template's database.
    fn serve_copy(&self, dir: &Path) -> Result<Backend> {
        for entry in std::fs::read_dir(self.dir.path())? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                std::fs::copy(entry.path(), dir.join(entry.file_name()))?;
            }
        }
        let state = AppState::for_dir(dir)?;
        Ok(Backend {
            router: retour_server::router(state),
            token: self.token.clone(),
        })
    }
}

/// The real server's router, called in-process as the demo customer.
struct Backend {
    router: axum::Router,
    token: String,
}

impl Backend {
    /// One request; anything but `200` is a failure of the test.
    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        uri: &str,
        body: Option<String>,
    ) -> Result<T> {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        if !self.token.is_empty() {
            request = request.header("authorization", format!("Bearer {}", self.token));
        }
        let request = request.body(Body::from(body.unwrap_or_default()))?;
        let response = self.router.clone().oneshot(request).await?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
        if status != StatusCode::OK {
            bail!(
                "{method} {uri}: {status} {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        serde_json::from_slice(&bytes).with_context(|| format!("{method} {uri}"))
    }

    async fn push(&self, ops: &[CartOp]) -> Result<CartOpsResponse> {
        let body = serde_json::to_string(&CartOpsRequest { ops: ops.to_vec() })?;
        self.call("POST", "/api/v1/cart/ops", Some(body)).await
    }

    async fn pull(&self, after: u64) -> Result<CartOpsPage> {
        self.call("GET", &format!("/api/v1/cart/ops?after={after}"), None)
            .await
    }

    /// The server's cart, as the devices' merged lines.
    async fn cart_lines(&self) -> Result<Vec<CartLine>> {
        let cart: api::Cart = self.call("GET", "/api/v1/cart", None).await?;
        Ok(cart
            .lines
            .into_iter()
            .map(|l| CartLine {
                delivery_note: l.delivery_note,
                line_no: l.line_no,
                qty: l.qty,
                reason: l.reason.map(|r| r.as_str().to_owned()),
                photos: l.photos,
                updated_at: l.updated_at,
            })
            .collect())
    }

    /// Every op the server accepted, read page by page.
    async fn accepted_ops(&self) -> Result<HashSet<Uuid>> {
        let mut ids = HashSet::new();
        let mut after = 0;
        loop {
            let page = self.pull(after).await?;
            if page.ops.is_empty() {
                return Ok(ids);
            }
            ids.extend(page.ops.iter().map(|op| op.op_id));
            after = page.cursor;
        }
    }
}

struct SimDevice {
    path: PathBuf,
    store: Store,
    online: bool,
    clock: u64,
    /// The sync under way, if any: it moves one request per step.
    sync: Option<CartSync>,
}

impl SimDevice {
    fn restart(&mut self) -> Result<()> {
        // Dropping the connection mid-flight is what a crash does to the process; every call
        // that returned had committed. The sync under way is lost with the process.
        let path = self.path.clone();
        self.store = Store::open_with(&path, Durability::Off).context("reopen")?;
        self.sync = None;
        Ok(())
    }

    /// Moves the device's sync (a new one, in batches of 1 to 8 ops, when none is under way) by
    /// one request to the backend, with the network's faults when `lossy`. Returns whether the
    /// sync goes on.
    async fn sync_step(
        &mut self,
        backend: &Backend,
        rng: &mut StdRng,
        lossy: bool,
    ) -> Result<bool> {
        let mut sync = match self.sync.take() {
            Some(sync) => sync,
            None => CartSync::new(self.store.pull_cursor()?, self.store.cart_epoch()?)
                .with_batch_limit(rng.random_range(1..=8)),
        };
        loop {
            match sync.poll() {
                Next::ReadOutbox { limit } => sync.outbox(self.store.outbox_ops(limit)?)?,
                Next::Push(ops) => {
                    let mut answer = backend.push(&ops).await?;
                    if lossy && rng.random_bool(0.15) {
                        // Delivered twice: the second answer is the one that arrives.
                        answer = backend.push(&ops).await?;
                    }
                    if lossy && rng.random_bool(0.2) {
                        // The answer was lost: the sync fails, the ops stay in the outbox.
                        return Ok(false);
                    }
                    let ack = sync.pushed(answer.rejected, answer.epoch)?;
                    self.store.acknowledge(&ack.sent, &ack.rejected)?;
                    break;
                }
                Next::Pull { after } => {
                    let mut asked = after;
                    if lossy && after > 0 && rng.random_bool(0.2) {
                        asked = rng.random_range(0..after); // Re-delivery of older ops.
                    }
                    let mut page = backend.pull(asked).await?;
                    if lossy {
                        page.ops.shuffle(rng);
                        if !page.ops.is_empty() && rng.random_bool(0.3) {
                            let dup = page.ops[rng.random_range(0..page.ops.len())].clone();
                            page.ops.push(dup);
                        }
                    }
                    let Some(merge) = sync.pulled(page)? else {
                        break;
                    };
                    let new = self.store.merge_remote(&merge.ops, Some(merge.cursor))?;
                    sync.merged(new)?;
                    break;
                }
                Next::NewEpoch(epoch) => {
                    self.store.start_cart_epoch(&epoch)?;
                    sync.epoch_recorded()?;
                }
                Next::Awaiting => bail!("the sync awaits an answer it was given"),
                Next::Done(_) => return Ok(false),
            }
        }
        self.sync = Some(sync);
        Ok(true)
    }
}

async fn run(seed: u64, template: &Template, dir: &Path) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let server_dir = dir.join("server");
    std::fs::create_dir_all(&server_dir)?;
    let backend = template.serve_copy(&server_dir)?;
    let mut devices = Vec::new();
    for i in 0..3 {
        let path = dir.join(format!("device{i}.sqlite"));
        devices.push(SimDevice {
            store: Store::open_with(&path, Durability::Off)?,
            path,
            online: true,
            // Clocks that disagree by minutes, as phones do.
            clock: 1_764_000_000_000 + rng.random_range(0..300_000),
            sync: None,
        });
    }
    let lines = &template.lines;
    let mut made: Vec<(usize, Uuid)> = Vec::new();
    let steps = rng.random_range(20..60);
    for _ in 0..steps {
        let d = rng.random_range(0..devices.len());
        let device = &mut devices[d];
        device.clock += rng.random_range(0..50);
        match rng.random_range(0..100) {
            0..=39 => {
                let line = &lines[rng.random_range(0..lines.len())];
                let line_no = if rng.random_bool(0.05) {
                    UNKNOWN_LINE
                } else {
                    line.line_no
                };
                let bl = &line.delivery_note;
                let present = device.store.cart().line(bl, line_no).is_some();
                let op = if present && rng.random_bool(0.35) {
                    device.store.remove(bl, line_no, device.clock)?
                } else {
                    let qty = rng
                        .random_bool(0.6)
                        .then(|| rng.random_range(1..=line.max_qty));
                    let reason = rng
                        .random_bool(0.5)
                        .then(|| line.reasons[rng.random_range(0..line.reasons.len())].clone());
                    Some(device.store.put(bl, line_no, qty, reason, device.clock)?)
                };
                if let Some(op) = op {
                    made.push((d, op.op_id));
                }
            }
            40..=79 if device.online => {
                device.sync_step(&backend, &mut rng, true).await?;
            }
            80..=89 => device.restart()?,
            90..=99 => {
                // Going offline fails the request under way, and with it the sync.
                device.online = !device.online;
                device.sync = None;
            }
            _ => {}
        }
    }

    // Heal: everyone online, no more faults, every device syncs to the end, twice round.
    for device in &mut devices {
        device.online = true;
    }
    for _ in 0..2 {
        for device in devices.iter_mut() {
            while device.sync_step(&backend, &mut rng, false).await? {}
            // A sync that ended on a lost answer, or that was under way, ends with a full one.
            while device.sync_step(&backend, &mut rng, false).await? {}
        }
    }

    let expected = backend.cart_lines().await?;
    let accepted = backend.accepted_ops().await?;
    for (i, device) in devices.iter_mut().enumerate() {
        ensure!(
            device.store.pending_op_count()? == 0,
            "device {i} still has pending ops"
        );
        ensure!(
            device.store.cart_lines() == expected,
            "device {i} differs from the server"
        );
        device.restart()?;
        ensure!(
            device.store.cart_lines() == expected,
            "device {i} differs after restart"
        );
        ensure!(
            device.store.stored_cart_lines()? == expected,
            "device {i}: stored lines"
        );
        let log: std::collections::HashMap<Uuid, OpStatus> = device
            .store
            .ops()?
            .into_iter()
            .map(|(op, status)| (op.op_id, status))
            .collect();
        for id in &accepted {
            ensure!(
                log.get(id) == Some(&OpStatus::Accepted),
                "device {i} lacks server op {id}"
            );
        }
    }
    for (d, id) in &made {
        let status = devices[*d]
            .store
            .ops()?
            .into_iter()
            .find(|(op, _)| op.op_id == *id)
            .map(|(op, status)| (op.line_no, status));
        match status {
            Some((_, OpStatus::Accepted)) => ensure!(accepted.contains(id), "op {id} lost"),
            Some((line, OpStatus::Rejected)) => {
                ensure!(line == UNKNOWN_LINE, "op {id} refused for nothing")
            }
            other => bail!("op {id} made on device {d} is {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn three_devices_converge_whatever_the_network_does() {
    let seeds: Vec<u64> = match std::env::var("RETOUR_SIM_SEED") {
        Ok(seed) => vec![seed.parse().expect("RETOUR_SIM_SEED is a number")],
        Err(_) => {
            let n = std::env::var("RETOUR_SIM_SEEDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(200u64);
            (0..n).collect()
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let started = Instant::now();
    let mut template = runtime.block_on(Template::make()).expect("the template");
    for &seed in &seeds {
        if template.made.elapsed() > TEMPLATE_LIFETIME {
            template = runtime.block_on(Template::make()).expect("the template");
        }
        let dir = retour_tests::fast_tempdir().expect("temp dir");
        let result = catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(run(seed, &template, dir.path()))
        }));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                panic!("simulation failed with seed {seed} (RETOUR_SIM_SEED={seed}): {e:#}")
            }
            Err(_) => panic!("simulation panicked with seed {seed} (RETOUR_SIM_SEED={seed})"),
        }
    }
    println!("{} seeds converged in {:?}", seeds.len(), started.elapsed());
}
