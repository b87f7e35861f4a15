//! `cargo xtask bundle`: the installable packages through tauri-cli. Here (Linux) that is the
//! `.deb`; the AppImage needs tools tauri-cli downloads at bundle time, which this machine cannot
//! reach, and the Windows (MSI/NSIS), macOS and mobile packages need their own platforms — their
//! settings are in `src-tauri/tauri.conf.json`.
//!
//! Two packages, both built with the `dist` profile (stripped, fat LTO): the production one,
//! without the embedded demo backend (feature `demo` off: the app needs a return server), and,
//! with `--demo`, the demo one that starts the reference backend with demo accounts when no server
//! is configured. Each `.deb` is listed with its size; the demo one is renamed `…-demo.deb` so that
//! both can sit side by side in `target/dist/bundle/deb/`.

use std::process::Command;

use anyhow::{bail, Context, Result};

pub fn run(args: &[String]) -> Result<()> {
    let mut bundles = vec!["deb".to_owned()];
    let mut demo = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--demo" => demo = true,
            "--bundles" => {
                bundles = rest
                    .next()
                    .context("--bundles needs a list, e.g. deb,appimage")?
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            other => bail!(
                "unknown argument {other:?}; usage: cargo xtask bundle [--demo] [--bundles deb[,appimage]]"
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
    let mut command = vec![
        "tauri",
        "build",
        "--bundles",
        &list,
        "--",
        "--profile",
        "dist",
    ];
    if !demo {
        command.push("--no-default-features");
    }
    eprintln!("$ cargo {} (in src-tauri)", command.join(" "));
    let status = Command::new("cargo")
        .args(&command)
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
    let out = crate::root().join("target/dist/bundle");
    for kind in &bundles {
        let folder = out.join(kind);
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let mut path = entry.path();
            let name = path.to_string_lossy().into_owned();
            let fresh = !name.contains("-demo.");
            if demo && fresh && name.ends_with(&format!(".{kind}")) {
                let renamed = name.replace(&format!(".{kind}"), &format!("-demo.{kind}"));
                std::fs::rename(&path, &renamed)?;
                path = renamed.into();
            }
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            println!("{} ({:.1} MB)", path.display(), size as f64 / 1e6);
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
