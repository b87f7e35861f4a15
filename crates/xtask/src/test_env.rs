//! The environment every test run gets, the same on a laptop and in CI: a virtual display
//! (Xvfb, for the real Tauri window), a private D-Bus session with an unlocked gnome-keyring
//! (a real Secret Service for the keychain tests), and keyring data in a throw-away directory.

use std::path::Path;
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{bail, Context, Result};

/// The password that unlocks the throw-away keyring; an empty one would ask a GUI prompt.
const KEYRING_PASSWORD: &str = "retour-test-keyring";

/// Runs `cargo <args>` inside the test environment.
pub fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("$ xvfb-run -a dbus-run-session -- cargo {}", args.join(" "));
    let status = run_inside(args, &[], None, FIRST_DISPLAY)?;
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
    Ok(run_inside(args, env, Some(file), FIRST_DISPLAY)?.success())
}

/// The module every real-window test is in (`src-tauri/tests/ui_e2e/`), as test names show it.
const REAL_WINDOW: &str = "real_window::";

/// The server's API suite, run a second time with its data in PostgreSQL.
const API_SUITE: &[&str] = &["test", "--workspace", "--test", "api", "--no-fail-fast"];

/// The database the API suite's PostgreSQL run makes (again) for itself.
const API_DATABASE: &str = "retour_api_tests";

/// Runs `cargo <args>` (a `cargo test` of every target) as two runs side by side, each in its own
/// test environment: the real-window tests, which mostly wait on the window, and all the others,
/// which mostly compute, followed on that side by the server's API suite again with its data in
/// PostgreSQL (`RETOUR_TEST_POSTGRES`; every test in a schema of its own). The same targets
/// everywhere, so the same build: only the test filter differs (`real_window::`,
/// `--skip real_window::`, `--test api`). Each run's output goes to a log under `target/`,
/// printed once all are done, failing ones last (CI's log keeps the tail).
pub fn cargo_tests_beside_the_window(args: &[&str]) -> Result<()> {
    let harness = |filter: &[&'static str]| -> Vec<&str> {
        let mut all = args.to_vec();
        if !all.contains(&"--") {
            all.push("--");
        }
        all.extend(filter);
        all
    };
    let window_args = harness(&[REAL_WINDOW]);
    let other_args = harness(&["--skip", REAL_WINDOW]);
    let logs = crate::root().join("target");
    std::fs::create_dir_all(&logs)?;
    let window_log = logs.join("tests-real-window.log");
    let other_log = logs.join("tests-other.log");
    let postgres_log = logs.join("tests-api-postgres.log");
    eprintln!(
        "$ cargo {} & (cargo {}; cargo {} with RETOUR_TEST_POSTGRES) (in test environments; logs under {})",
        window_args.join(" "),
        other_args.join(" "),
        API_SUITE.join(" "),
        logs.display()
    );
    let (window, others, postgres) = std::thread::scope(|scope| {
        // Their displays are looked for from different numbers: two `xvfb-run -a` started at
        // once from the same one can both take it.
        let window = scope.spawn(|| {
            let log = std::fs::File::create(&window_log)?;
            run_inside(&window_args, &[], Some(log), FIRST_DISPLAY + 100)
        });
        let others = std::fs::File::create(&other_log)
            .map_err(anyhow::Error::from)
            .and_then(|log| run_inside(&other_args, &[], Some(log), FIRST_DISPLAY));
        let postgres = crate::postgres::fresh_database(API_DATABASE).and_then(|url| {
            let log = std::fs::File::create(&postgres_log)?;
            run_inside(
                API_SUITE,
                &[("RETOUR_TEST_POSTGRES", url)],
                Some(log),
                FIRST_DISPLAY,
            )
        });
        (window.join(), others, postgres)
    });
    let window = window
        .map_err(|_| anyhow::anyhow!("the real-window run panicked"))??
        .success();
    let others = others?.success();
    let postgres = postgres?.success();
    let mut sides = [
        ("the real-window tests", window, &window_log),
        ("the other tests", others, &other_log),
        ("the API suite on PostgreSQL", postgres, &postgres_log),
    ];
    sides.sort_by_key(|(_, passed, _)| !passed);
    for (what, passed, log) in &sides {
        eprintln!(
            "===== {what}: {} =====",
            if *passed { "passed" } else { "FAILED" }
        );
        let text = std::fs::read(log).with_context(|| format!("cannot read {}", log.display()))?;
        eprintln!("{}", String::from_utf8_lossy(&text));
    }
    let failed: Vec<&str> = sides
        .iter()
        .filter(|(_, passed, _)| !passed)
        .map(|(what, _, _)| *what)
        .collect();
    if !failed.is_empty() {
        bail!("{} failed", failed.join(" and "));
    }
    Ok(())
}

/// The display number `xvfb-run -a` looks for a free one from (its own default).
const FIRST_DISPLAY: u32 = 99;

fn run_inside(
    args: &[&str],
    env: &[(&str, String)],
    log: Option<std::fs::File>,
    first_display: u32,
) -> Result<ExitStatus> {
    // One keyring directory per environment: two run side by side.
    static ENVIRONMENTS: AtomicU32 = AtomicU32::new(0);
    let data_home = std::env::temp_dir().join(format!(
        "retour-keyring-{}-{}",
        std::process::id(),
        ENVIRONMENTS.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&data_home).context("cannot create the keyring directory")?;
    let script = format!(
        "echo {KEYRING_PASSWORD} | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
         && exec cargo \"$@\""
    );
    let mut command = Command::new("xvfb-run");
    command
        .args([
            "-a",
            "-n",
            &first_display.to_string(),
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
        // WebKit's GL under Xvfb has no shader cache directory to write to: it said so on every
        // start, thousands of lines that buried the tests' own output.
        .env("MESA_SHADER_CACHE_DISABLE", "true")
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
