//! Project automation, in Rust so that it runs wherever cargo does: `cargo xtask <task>`.
//!
//! `setup` installs what a fresh machine lacks, `test` runs every test CI runs (the cargo tests,
//! schemathesis against the served API, the offline advisory check), `tidy` checks the
//! architecture invariants, `ci` adds the format, tidy and lint checks. `soak` runs the proofs at
//! their real counts (not in CI).

mod audit;
mod bench_app;
mod bench_cart;
mod bench_scan;
mod bench_server;
mod bindings;
mod bundle;
mod demo;
mod postgres;
mod schemathesis;
mod screenshots;
mod server;
mod setup;
mod soak;
mod test_env;
mod tidy;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  setup        install the system packages and cargo tools the project needs
  test         setup, then run every test (what CI runs, minus fmt and clippy): the cargo tests,
               schemathesis against the served API (debug build), the advisory check
  audit        the dependency advisory check, offline, against ../shared/advisory-db
  soak         the proofs at their real counts, with a table (each count an option; not in CI)
  ci           fmt --check, tidy, clippy with warnings denied, then test
  tidy         check the architecture invariants (--graph prints the crate graph, --graph --write
               puts it in ARCHITECTURE.md)
  demo         build and run the app (embedded demo backend, or --server URL)
  bindings     write ui/js/commands.js from the Tauri commands (--check: fail when stale)
  bundle       the production .deb (dist profile, no demo backend) with tauri-cli; --demo: the demo one
  bench-app    release-build figures: cold start, idle memory, scanner burst
  bench-cart   release-build figures: cart edit on a 500-line cart, sync of 500 ops on loopback,
               POST /cart/ops at 10 and 5,000 ops of history
  bench-scan   our barcode decoder vs zxing-cpp (PyPI, venv under target/) on the same pixels
  bench-server load the release retour-server with wrk: req/s, p50/p99 of reads and submits over
               SQLite, PostgreSQL and N PostgreSQL instances (--db sqlite|postgres|both, --instances N)
  schemathesis run schemathesis (PyPI, in a venv under target/) against the served OpenAPI
  screenshots  run the real-window test and copy its screenshots into docs/screenshots/
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(task) = args.first() else {
        print!("{USAGE}");
        return Ok(());
    };
    let rest = &args[1..];
    match task.as_str() {
        "setup" => setup::run(),
        "test" => test(rest),
        "audit" => audit::run(rest),
        "soak" => soak::run(rest),
        "ci" => ci(rest),
        "tidy" => tidy::run(rest),
        "demo" => demo::run(rest),
        "bindings" => bindings::run(&root(), rest),
        "bundle" => bundle::run(rest),
        "bench-app" => bench_app::run(rest),
        "bench-cart" => bench_cart::run(rest),
        "bench-scan" => bench_scan::run(rest),
        "bench-server" => bench_server::run(rest),
        "schemathesis" => schemathesis::run(rest),
        "screenshots" => screenshots::run(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
}

/// The workspace root (the parent of `crates/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask lives in crates/xtask")
        .to_path_buf()
}

/// Set by `cargo run` for xtask itself; a build script (ring's) reruns when it changes, so nested
/// cargo commands go without it and share their build with a plain `cargo test`.
pub const XTASK_ONLY_VARIABLE: &str = "CARGO_MANIFEST_DIR";

/// Runs a command in the workspace root and fails if it fails.
pub fn run(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .env_remove(XTASK_ONLY_VARIABLE)
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    if !status.success() {
        bail!("{program} {} failed: {status}", args.join(" "));
    }
    Ok(())
}

/// Runs one step of `test` or `ci` and says how long it took (CI's log keeps the tail: these
/// lines tell where its minutes went).
fn timed(step: &str, run: impl FnOnce() -> Result<()>) -> Result<()> {
    let started = Instant::now();
    let result = run();
    eprintln!(
        "xtask: {step} {} in {} s",
        if result.is_ok() { "passed" } else { "FAILED" },
        started.elapsed().as_secs()
    );
    result
}

fn test(extra: &[String]) -> Result<()> {
    timed("setup", setup::run)?;
    timed("audit", || audit::run(&[]))?;
    // Every failing test binary is reported in one run (`--no-fail-fast`); the build is its own
    // step so that its time shows apart from the tests'.
    let base = ["test", "--workspace", "--all-targets", "--no-fail-fast"];
    let extra = extra.iter().map(String::as_str);
    let build: Vec<&str> = base
        .into_iter()
        .chain(["--no-run"])
        .chain(extra.clone())
        .collect();
    let args: Vec<&str> = base.into_iter().chain(extra).collect();
    timed("test build", || test_env::cargo(&build))?;
    timed("tests", || test_env::cargo_tests_beside_the_window(&args))?;
    timed("schemathesis", schemathesis::run_in_ci)
}

fn ci(extra: &[String]) -> Result<()> {
    timed("fmt", || run("cargo", &["fmt", "--all", "--check"]))?;
    timed("tidy", || tidy::run(&[]))?;
    timed("setup", setup::run)?;
    timed("clippy", || {
        run(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
    })?;
    test(extra)
}
