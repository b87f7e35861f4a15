//! `cargo xtask audit`: the dependency advisory check, offline. `cargo audit` (installed by
//! `setup`, pinned) reads `Cargo.lock` against the snapshot of the RustSec advisory database in
//! `../shared/advisory-db/` (see its `SNAPSHOT.md`: advisories published after the snapshot's
//! date are not in it) without fetching anything. Every finding fails the check, warnings
//! (unmaintained, unsound, yanked) included, unless `.cargo/audit.toml` writes it down with its
//! reason.

use std::path::PathBuf;

use anyhow::{bail, Result};

/// The cargo-audit release `setup` installs.
pub(crate) const CARGO_AUDIT_VERSION: &str = "0.22.2";

/// The advisory database snapshot, beside the repository (`shared/` sits next to the clone).
fn advisory_db() -> PathBuf {
    crate::root().join("../shared/advisory-db")
}

pub fn run(args: &[String]) -> Result<()> {
    let db = advisory_db();
    if !db.join("crates").is_dir() {
        bail!(
            "no advisory database snapshot at {} (its crates/ folder is missing)",
            db.display()
        );
    }
    let db = db.display().to_string();
    let mut audit = vec![
        "audit",
        "--db",
        &db,
        "--no-fetch",
        "--deny",
        "warnings",
        "--file",
        "Cargo.lock",
    ];
    audit.extend(args.iter().map(String::as_str));
    crate::run("cargo", &audit)
}
