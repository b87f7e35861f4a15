//! Installs what a fresh machine lacks: Debian packages (when running as root), PostgreSQL
//! started with the tests' role ([`crate::postgres`]), `tauri-driver`
//! and the pinned npm package of the real-window layout check
//! (`tests/ui-check`, axe-core).
//! Each step first checks whether it is needed, so a second run costs nothing.

use std::process::{Command, Stdio};

use anyhow::{bail, Result};

/// Debian packages the build and the tests need.
const APT_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libclang-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    "poppler-utils",
    "xdotool",
    "postgresql",
];

/// Installs the missing Debian packages, then the cargo tools.
pub fn run() -> Result<()> {
    apt_packages()?;
    crate::postgres::ensure_running()?;
    tauri_driver()?;
    ui_check()
}

/// axe-core, pinned by `tests/ui-check/package-lock.json`, which the real-window tests inject into
/// the page: `npm ci` when its installed copy is missing.
fn ui_check() -> Result<()> {
    let package = crate::root().join("tests/ui-check");
    if package.join("node_modules/axe-core/axe.min.js").exists() {
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&package)
        .status()?;
    if !status.success() {
        bail!("npm ci in {} failed: {status}", package.display());
    }
    Ok(())
}

/// `tauri-driver`, the WebDriver server the real-window tests drive the app through.
fn tauri_driver() -> Result<()> {
    let home = std::env::var("HOME").unwrap_or_default();
    if std::path::Path::new(&home)
        .join(".cargo/bin/tauri-driver")
        .exists()
    {
        return Ok(());
    }
    crate::run(
        "cargo",
        &["install", "tauri-driver", "--version", "^2", "--locked"],
    )
}

/// Installs the missing Debian packages.
fn apt_packages() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| !installed(p))
        .chain(node_missing())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "missing Debian packages: {}\ninstall them with: sudo apt-get install --no-install-recommends {}",
            missing.join(" "),
            missing.join(" ")
        );
    }
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    apt(&args)
}

/// Node and npm, for `npm ci`: Debian's packages, unless the machine already has both (from
/// whichever source).
fn node_missing() -> Vec<&'static str> {
    let found = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if found("node") && found("npm") {
        Vec::new()
    } else {
        vec!["nodejs", "npm"]
    }
}

fn apt(args: &[&str]) -> Result<()> {
    eprintln!("$ apt-get {}", args.join(" "));
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()?;
    if !status.success() {
        bail!("apt-get {} failed: {status}", args.join(" "));
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
