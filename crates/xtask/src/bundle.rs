//! `cargo xtask bundle`: the installable packages through tauri-cli. Here (Linux) that is the
//! `.deb`; the AppImage needs tools tauri-cli downloads at bundle time, which this machine cannot
//! reach, and the Windows (MSI/NSIS), macOS and mobile packages need their own platforms — their
//! settings are in `src-tauri/tauri.conf.json`.

use std::process::Command;

use anyhow::{bail, Context, Result};

pub fn run(args: &[String]) -> Result<()> {
    let mut bundles = vec!["deb".to_owned()];
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--bundles" => {
                bundles = rest
                    .next()
                    .context("--bundles needs a list, e.g. deb,appimage")?
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            other => bail!(
                "unknown argument {other:?}; usage: cargo xtask bundle [--bundles deb[,appimage]]"
            ),
        }
    }
    if !tauri_cli_installed() {
        eprintln!("tauri-cli is missing: installing it (about 9 minutes on 2 cores)");
        crate::run(
            "cargo",
            &["install", "tauri-cli", "--version", "^2", "--locked"],
        )?;
    }
    let list = bundles.join(",");
    let dir = crate::root().join("src-tauri");
    eprintln!("$ cargo tauri build --bundles {list} (in src-tauri)");
    let status = Command::new("cargo")
        .args(["tauri", "build", "--bundles", &list])
        .current_dir(&dir)
        .env("CI", "true")
        .status()
        .context("cannot start cargo tauri")?;
    if !status.success() {
        if bundles.iter().any(|b| b == "appimage") {
            eprintln!("note: the AppImage needs linuxdeploy, which tauri-cli downloads; without network access it cannot be built here");
        }
        bail!("cargo tauri build failed: {status}");
    }
    let out = crate::root().join("target/release/bundle");
    for kind in &bundles {
        let folder = out.join(kind);
        if let Ok(entries) = std::fs::read_dir(&folder) {
            for entry in entries.flatten() {
                println!("{}", entry.path().display());
            }
        }
    }
    Ok(())
}

fn tauri_cli_installed() -> bool {
    Command::new("cargo")
        .args(["tauri", "--version"])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("tauri-cli 2"))
        .unwrap_or(false)
}
