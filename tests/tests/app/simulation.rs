//! Seeded simulation of the cart's sync: 3 devices with real stores (SQLite files on a RAM disk)
//! make random edits while partitions come and go, pushes lose their answers or arrive twice,
//! pulls arrive shuffled, duplicated and re-delivered, and devices crash and restart. The server
//! is an in-process model of the backend's op log (accepts each op once, refuses ops on unknown
//! lines, pages its log by cursor). After healing, every device shows the server's cart, every op
//! a device made is either merged by the server or refused by it, and every op the server merged
//! is on every device. 1,000 seeds by default (`RETOUR_SIM_SEEDS`); a failing seed is printed and
//! can be replayed alone with `RETOUR_SIM_SEED`.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{ensure, Context, Result};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use retour_domain::api::{CartOp, RejectedOp};
use retour_domain::cart::CartState;
use retour_store::{Durability, OpStatus, Store};
use uuid::Uuid;

/// The line number the model server does not know (its ops are refused as `unknown_line`).
const UNKNOWN_LINE: u32 = 9;

#[derive(Default)]
struct ModelServer {
    log: Vec<CartOp>,
    ids: HashSet<Uuid>,
    state: CartState,
}

impl ModelServer {
    fn push(&mut self, ops: &[CartOp]) -> Vec<RejectedOp> {
        let mut rejected = Vec::new();
        for op in ops {
            if self.ids.contains(&op.op_id) {
                continue;
            }
            if op.line_no == UNKNOWN_LINE || self.state.apply(op).is_err() {
                rejected.push(RejectedOp {
                    op_id: op.op_id,
                    code: "unknown_line".into(),
                    message: "Cette ligne de BL est introuvable".into(),
                });
                continue;
            }
            self.ids.insert(op.op_id);
            self.log.push(op.clone());
        }
        rejected
    }

    fn page(&self, after: u64, limit: usize) -> (Vec<CartOp>, u64) {
        let start = (after as usize).min(self.log.len());
        let end = (start + limit).min(self.log.len());
        (self.log[start..end].to_vec(), end as u64)
    }
}

struct SimDevice {
    path: PathBuf,
    store: Store,
    online: bool,
    clock: u64,
}

impl SimDevice {
    fn restart(&mut self) -> Result<()> {
        // Dropping the connection mid-flight is what a crash does to the process; every call
        // that returned had committed.
        let path = self.path.clone();
        self.store = Store::open_with(&path, Durability::Off).context("reopen")?;
        Ok(())
    }
}

fn push_once(
    device: &mut SimDevice,
    server: &mut ModelServer,
    rng: &mut StdRng,
    lossy: bool,
) -> Result<()> {
    let limit = rng.random_range(1..=8);
    let ops = device.store.outbox_ops(limit)?;
    if ops.is_empty() {
        return Ok(());
    }
    let mut rejected = server.push(&ops);
    if lossy && rng.random_bool(0.15) {
        // Delivered twice: the second answer has no refusals for ops already merged.
        rejected.extend(server.push(&ops));
    }
    if lossy && rng.random_bool(0.2) {
        return Ok(()); // The answer was lost: the ops stay in the outbox.
    }
    let sent: Vec<Uuid> = ops.iter().map(|op| op.op_id).collect();
    device.store.acknowledge(&sent, &rejected)?;
    Ok(())
}

fn pull_once(
    device: &mut SimDevice,
    server: &ModelServer,
    rng: &mut StdRng,
    lossy: bool,
) -> Result<usize> {
    let mut after = device.store.pull_cursor()?;
    if lossy && after > 0 && rng.random_bool(0.2) {
        after = rng.random_range(0..after); // Re-delivery of older ops.
    }
    let (mut ops, cursor) = server.page(after, rng.random_range(1..=6));
    let n = ops.len();
    if lossy {
        ops.shuffle(rng);
        if !ops.is_empty() && rng.random_bool(0.3) {
            let dup = ops[rng.random_range(0..ops.len())].clone();
            ops.push(dup);
        }
    }
    device.store.merge_remote(&ops, Some(cursor))?;
    Ok(n)
}

fn run(seed: u64, dir: &std::path::Path) -> Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut server = ModelServer::default();
    let mut devices = Vec::new();
    for i in 0..3 {
        let path = dir.join(format!("seed{seed}-device{i}.sqlite"));
        devices.push(SimDevice {
            store: Store::open_with(&path, Durability::Off)?,
            path,
            online: true,
            // Clocks that disagree by minutes, as phones do.
            clock: 1_764_000_000_000 + rng.random_range(0..300_000),
        });
    }
    let mut made: Vec<(usize, Uuid)> = Vec::new();
    let steps = rng.random_range(20..60);
    for _ in 0..steps {
        let d = rng.random_range(0..devices.len());
        let device = &mut devices[d];
        device.clock += rng.random_range(0..50);
        match rng.random_range(0..100) {
            0..=39 => {
                let bl = if rng.random_bool(0.5) {
                    "250000001"
                } else {
                    "250000002"
                };
                let line = if rng.random_bool(0.05) {
                    UNKNOWN_LINE
                } else {
                    rng.random_range(1..=4)
                };
                let present = device.store.cart().line(bl, line).is_some();
                let op = if present && rng.random_bool(0.35) {
                    device.store.remove(bl, line, device.clock)?
                } else {
                    let qty = rng.random_bool(0.6).then(|| rng.random_range(1..=5));
                    let reason = rng
                        .random_bool(0.5)
                        .then(|| ["new_part", "defective"][rng.random_range(0..2)].to_owned());
                    Some(device.store.put(bl, line, qty, reason, device.clock)?)
                };
                if let Some(op) = op {
                    made.push((d, op.op_id));
                }
            }
            40..=59 if device.online => push_once(device, &mut server, &mut rng, true)?,
            60..=79 if device.online => {
                pull_once(device, &server, &mut rng, true)?;
            }
            80..=89 => device.restart()?,
            90..=99 => device.online = !device.online,
            _ => {}
        }
    }

    // Heal: everyone online, no more faults, until nothing moves.
    for device in &mut devices {
        device.online = true;
    }
    for _ in 0..2 {
        for device in devices.iter_mut() {
            while device.store.pending_op_count()? > 0 {
                push_once(device, &mut server, &mut rng, false)?;
            }
        }
        for device in devices.iter_mut() {
            while pull_once(device, &server, &mut rng, false)? > 0 {}
        }
    }

    let expected = server.state.lines();
    for (i, device) in devices.iter_mut().enumerate() {
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
        for id in &server.ids {
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
            Some((_, OpStatus::Accepted)) => ensure!(server.ids.contains(id), "op {id} lost"),
            Some((line, OpStatus::Rejected)) => {
                ensure!(line == UNKNOWN_LINE, "op {id} refused for nothing")
            }
            other => anyhow::bail!("op {id} made on device {d} is {other:?}"),
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
                .unwrap_or(1_000u64);
            (0..n).collect()
        }
    };
    let started = Instant::now();
    for &seed in &seeds {
        let dir = retour_tests::fast_tempdir().expect("temp dir");
        let result = catch_unwind(AssertUnwindSafe(|| run(seed, dir.path())));
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
