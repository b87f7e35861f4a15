//! `cargo xtask audit`: the dependency advisory check, offline. The RustSec client library
//! (`rustsec`, the one cargo-audit is built on, without its git fetching) reads `Cargo.lock`
//! against the snapshot of the RustSec advisory database in `../shared/advisory-db/` (see its
//! `SNAPSHOT.md`: advisories published after the snapshot's date are not in it). Every finding
//! fails the check, informational ones (unmaintained, unsound, notice) included, unless
//! `.cargo/audit.toml` (cargo-audit's own file, so `cargo audit` agrees) writes it down with its
//! reason. Linked into xtask rather than installed: installing cargo-audit cost CI six minutes.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use rustsec::advisory::{Id, Informational};
use rustsec::report::{Report, Settings};
use rustsec::{Database, Lockfile};

/// The advisory database snapshot, beside the repository (`shared/` sits next to the clone).
fn advisory_db() -> PathBuf {
    crate::root().join("../shared/advisory-db")
}

/// The advisories `.cargo/audit.toml` ignores (`[advisories] ignore`).
fn ignored() -> Result<Vec<Id>> {
    let path = crate::root().join(".cargo/audit.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let config: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not TOML", path.display()))?;
    let ids = config
        .get("advisories")
        .and_then(|a| a.get("ignore"))
        .and_then(|i| i.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default();
    ids.iter()
        .map(|id| {
            let id = id.as_str().context("an ignored advisory is not a string")?;
            Id::from_str(id).with_context(|| format!("{id} is not an advisory id"))
        })
        .collect()
}

pub fn run(args: &[String]) -> Result<()> {
    if let Some(arg) = args.first() {
        bail!("`cargo xtask audit` takes no argument (got {arg})");
    }
    let db_path = advisory_db();
    if !db_path.join("crates").is_dir() {
        bail!(
            "no advisory database snapshot at {} (its crates/ folder is missing)",
            db_path.display()
        );
    }
    let db = Database::open(&db_path)
        .with_context(|| format!("cannot read the advisories in {}", db_path.display()))?;
    let lockfile = Lockfile::load(crate::root().join("Cargo.lock")).context("Cargo.lock")?;
    let settings = Settings {
        ignore: ignored()?,
        informational_warnings: vec![
            Informational::Notice,
            Informational::Unmaintained,
            Informational::Unsound,
        ],
        ..Settings::default()
    };
    let report = Report::generate(&db, &lockfile, &settings);
    let mut findings = Vec::new();
    for vulnerability in &report.vulnerabilities.list {
        findings.push(format!(
            "{} {} {}: {}",
            vulnerability.advisory.id,
            vulnerability.package.name,
            vulnerability.package.version,
            vulnerability.advisory.title
        ));
    }
    for (kind, warnings) in &report.warnings {
        for warning in warnings {
            let (id, title) = warning
                .advisory
                .as_ref()
                .map(|a| (a.id.to_string(), a.title.as_str()))
                .unwrap_or_default();
            findings.push(format!(
                "{id} {} {} ({}): {title}",
                warning.package.name,
                warning.package.version,
                kind.as_str()
            ));
        }
    }
    eprintln!(
        "audit: {} packages of Cargo.lock against {} advisories of the snapshot, {} ignored with \
         their reasons in .cargo/audit.toml",
        lockfile.packages.len(),
        db.iter().count(),
        settings.ignore.len()
    );
    if !findings.is_empty() {
        bail!(
            "{} advisories apply (write one down in .cargo/audit.toml only with its reason):\n{}",
            findings.len(),
            findings.join("\n")
        );
    }
    Ok(())
}
