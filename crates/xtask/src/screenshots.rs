//! `cargo xtask screenshots`: runs the real-window test (which writes every screen at phone and
//! desktop sizes under `target/screenshots/`, never into the repository) in the test environment,
//! then replaces the committed pictures of `docs/screenshots/` with them.

use std::path::Path;

use anyhow::{bail, Context, Result};

pub fn run(args: &[String]) -> Result<()> {
    if let Some(other) = args.first() {
        bail!("unknown argument {other:?} (cargo xtask screenshots takes none)");
    }
    crate::setup::run()?;
    let root = crate::root();
    let fresh = root.join("target/screenshots");
    let _ = std::fs::remove_dir_all(&fresh);
    crate::test_env::cargo(&["test", "-p", "retour-tauri", "--test", "ui_e2e"])?;
    let shots = pngs(&fresh)?;
    if shots.is_empty() {
        bail!(
            "the real-window test wrote no screenshot into {}",
            fresh.display()
        );
    }
    let docs = root.join("docs/screenshots");
    std::fs::create_dir_all(&docs)?;
    for old in pngs(&docs)? {
        std::fs::remove_file(docs.join(&old))?;
    }
    for name in &shots {
        std::fs::copy(fresh.join(name), docs.join(name))
            .with_context(|| format!("copying {name}"))?;
    }
    eprintln!(
        "{} screenshots copied into docs/screenshots/ (review them with git diff)",
        shots.len()
    );
    Ok(())
}

/// The `.png` file names of a folder, sorted.
fn pngs(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect();
    names.sort();
    Ok(names)
}
