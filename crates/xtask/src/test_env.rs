//! The environment every test run gets, the same on a laptop and in CI: a virtual display
//! (Xvfb, for the real Tauri window), a private D-Bus session with an unlocked gnome-keyring
//! (a real Secret Service for the keychain tests), and keyring data in a throw-away directory.

use std::path::Path;
use std::process::{Command, ExitStatus};

use anyhow::{bail, Context, Result};

/// The password that unlocks the throw-away keyring; an empty one would ask a GUI prompt.
const KEYRING_PASSWORD: &str = "retour-test-keyring";

/// Runs `cargo <args>` inside the test environment.
pub fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("$ xvfb-run -a dbus-run-session -- cargo {}", args.join(" "));
    let status = run_inside(args, &[], None)?;
    if !status.success() {
        bail!("cargo {} failed: {status}", args.join(" "));
    }
    Ok(())
}

/// Runs `cargo <args>` inside the test environment with the variables `env`, its output (both
/// streams) into the file `log`; returns whether it succeeded.
pub fn cargo_logged(args: &[&str], env: &[(&str, String)], log: &Path) -> Result<bool> {
    let file =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    Ok(run_inside(args, env, Some(file))?.success())
}

fn run_inside(
    args: &[&str],
    env: &[(&str, String)],
    log: Option<std::fs::File>,
) -> Result<ExitStatus> {
    let data_home = std::env::temp_dir().join(format!("retour-keyring-{}", std::process::id()));
    std::fs::create_dir_all(&data_home).context("cannot create the keyring directory")?;
    let script = format!(
        "echo {KEYRING_PASSWORD} | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
         && exec cargo \"$@\""
    );
    let mut command = Command::new("xvfb-run");
    command
        .args([
            "-a",
            "-s",
            "-screen 0 1280x1024x24",
            "dbus-run-session",
            "--",
        ])
        .args(["sh", "-c", &script, "sh"])
        .args(args)
        .current_dir(crate::root())
        .env_remove(crate::XTASK_ONLY_VARIABLE)
        .env("XDG_DATA_HOME", &data_home)
        .env("RETOUR_TEST_KEYRING", "1")
        // A test that fails with an error prints the error, not a backtrace that pushes it out of
        // the tail CI keeps (panics still follow RUST_BACKTRACE).
        .env("RUST_LIB_BACKTRACE", "0")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    if let Some(log) = log {
        command.stdout(log.try_clone()?).stderr(log);
    }
    let status = command
        .status()
        .context("cannot start xvfb-run (is the xvfb package installed?)");
    let _ = std::fs::remove_dir_all(&data_home);
    status
}
