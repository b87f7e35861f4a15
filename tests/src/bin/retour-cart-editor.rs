//! A child process for the kill -9 test: edits the cart of the store at `argv[1]` as fast as it
//! can, printing each op's id on its own line once the op is committed, until it is killed.

#![forbid(unsafe_code)]

use std::io::Write;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use retour_store::Store;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or_else(|| anyhow::anyhow!("usage: retour-cart-editor STORE SEED"))?;
    let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut store = Store::open(std::path::Path::new(path))?;
    let stdout = std::io::stdout();
    for i in 0..1_000_000u64 {
        let bl = format!("25000{:04}", rng.random_range(0..4));
        let line = rng.random_range(1..=25);
        let now = 1_764_000_000_000 + i;
        let op = if rng.random_bool(0.25) {
            store.remove(&bl, line, now)?
        } else {
            let qty = rng.random_bool(0.7).then(|| rng.random_range(1..=9));
            let reason = rng.random_bool(0.5).then(|| "new_part".to_owned());
            Some(store.put(&bl, line, qty, reason, now)?)
        };
        if let Some(op) = op {
            let mut out = stdout.lock();
            writeln!(out, "{}", op.op_id)?;
            out.flush()?;
        }
    }
    Ok(())
}
