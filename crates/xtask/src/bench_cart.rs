//! `cargo xtask bench-cart`: the app core's cart figures on the release build, against the real
//! `retour-server` in-process on loopback — a cart edit on a 500-line cart (p99 ≤ 2 ms; on a RAM
//! disk and on the real disk, each beside a bare SQLite commit as the floor), a sync of 500
//! pending ops (≤ 200 ms), and the backend's `POST /cart/ops` at 10 and 5,000 ops of history.
//! The measuring code is the `retour-bench-cart` binary of the test package; this builds and
//! runs it.

use anyhow::Result;

pub fn run(args: &[String]) -> Result<()> {
    let mut cargo_args = vec![
        "run",
        "--release",
        "--quiet",
        "-p",
        "retour-tests",
        "--bin",
        "retour-bench-cart",
        "--",
    ];
    cargo_args.extend(args.iter().map(String::as_str));
    crate::run("cargo", &cargo_args)
}
