//! `cargo xtask bench-app`: the app's own figures on the release build, against a real
//! `retour-server` on loopback — cold start until the login screen is rendered, idle memory of the
//! app and its WebView processes (each process's share), a USB-scanner burst until the BL is
//! rendered, and the WebView camera's first frame until the BL is rendered ([`camera`]).
//!
//! The window reports what it rendered through the shell's `ui_rendered` command into the file
//! named by `RETOUR_BENCH_FILE` (nothing is written without it). Keystrokes are real X events
//! typed by `xdotool`, as a USB scanner types them. Without a display the whole bench re-runs
//! itself under Xvfb with a D-Bus session and an unlocked keyring, like the tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

mod camera;

use crate::server::{
    http_auth, login, start_built_server, wait_ready, Profile, DEMO_EMAIL, DEMO_PASSWORD,
};

/// Cold starts measured (after one warm-up start).
const STARTS: usize = 5;
/// Bursts measured.
const BURSTS: usize = 7;
/// How long the app sits idle before its memory is read.
const IDLE: Duration = Duration::from_secs(5);
/// Idle memory readings.
const MEMORY_ROUNDS: usize = 5;
const KEYRING_PASSWORD: &str = "retour-bench-keyring";

/// `cargo xtask bench-app [--debug] [--memory]`: `--debug` measures the debug build instead
/// (indicative only); `--memory` only the idle memory (to compare settings quickly: the app
/// inherits the bench's environment, e.g. `JSC_useJIT=0 cargo xtask bench-app --memory`).
pub fn run(args: &[String]) -> Result<()> {
    let inside = args.iter().any(|a| a == "--inside");
    let debug = args.iter().any(|a| a == "--debug");
    let memory_only = args.iter().any(|a| a == "--memory");
    if !inside {
        let mut app = vec!["build", "-p", "retour-tauri", "--bin", "retour-tauri"];
        let mut server = vec!["build", "-p", "retour-server"];
        if !debug {
            app.push("--release");
            server.push("--release");
        }
        crate::run("cargo", &app)?;
        crate::run("cargo", &server)?;
        if std::env::var_os("DISPLAY").is_none() {
            return rerun_under_xvfb(debug, memory_only);
        }
    }
    bench(if debug { "debug" } else { "release" }, memory_only)
}

fn rerun_under_xvfb(debug: bool, memory_only: bool) -> Result<()> {
    let me = std::env::current_exe()?;
    let data_home =
        std::env::temp_dir().join(format!("retour-bench-keyring-{}", std::process::id()));
    std::fs::create_dir_all(&data_home)?;
    let script = format!("echo {KEYRING_PASSWORD} | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$0\" bench-app --inside {} {}", if debug { "--debug" } else { "" }, if memory_only { "--memory" } else { "" });
    let status = Command::new("xvfb-run")
        .args([
            "-a",
            "-s",
            "-screen 0 1280x1024x24",
            "dbus-run-session",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .arg(me)
        .env("XDG_DATA_HOME", &data_home)
        .status()
        .context("cannot start xvfb-run")?;
    let _ = std::fs::remove_dir_all(&data_home);
    if !status.success() {
        bail!("bench failed: {status}");
    }
    Ok(())
}

fn built(profile: &str, name: &str) -> PathBuf {
    crate::root().join("target").join(profile).join(name)
}

fn bench(profile: &str, memory_only: bool) -> Result<()> {
    println!("profile: {profile}");
    if Command::new("xdotool").arg("version").output().is_err() {
        bail!("xdotool is missing: apt-get install xdotool");
    }
    let work = std::env::temp_dir().join(format!("retour-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let built = if profile == "debug" {
        Profile::Debug
    } else {
        Profile::Release
    };
    let (server, port) = start_built_server(built, &work.join("server"), &[], 1000)?;
    wait_ready(port)?;
    let url = format!("http://127.0.0.1:{port}");
    let bl = first_delivery_note(port)?;
    let data_dir = work.join("app-data");
    let report = work.join("rendered.txt");

    // Cold start: process spawn until the login screen is rendered.
    let mut starts = Vec::new();
    for i in 0..=if memory_only { 0 } else { STARTS } {
        let started = Instant::now();
        let mut app = App::start_to_login(profile, &url, &data_dir, &report)?;
        let elapsed = started.elapsed();
        if i > 0 {
            starts.push(elapsed);
        }
        app.stop();
    }
    starts.sort();
    if !memory_only {
        println!(
            "cold start to login rendered: median {} ms (min {} ms, max {} ms, {STARTS} runs)",
            starts[STARTS / 2].as_millis(),
            starts[0].as_millis(),
            starts[STARTS - 1].as_millis()
        );
    }

    // Idle memory on the login screen.
    let mut idle = Vec::new();
    for _ in 0..MEMORY_ROUNDS {
        let mut app = App::start_to_login(profile, &url, &data_dir, &report)?;
        std::thread::sleep(IDLE);
        idle.push(memory_of_tree(app.child.id())?);
        app.stop();
    }
    idle.sort_by_key(|m| m.total().pss);
    let m = &idle[idle.len() / 2];
    let total = m.total();
    println!(
        "idle memory after {IDLE:?} (median of {MEMORY_ROUNDS} by PSS): RSS {:.0} MB, PSS {:.0} MB, private {:.0} MB ({} processes: app + WebKit)",
        mb(total.rss),
        mb(total.pss),
        mb(total.private),
        m.0.len()
    );
    for (name, each) in &m.0 {
        println!(
            "  {name:<22} PSS {:>5.1} MB  RSS {:>5.1} MB  private {:>5.1} MB",
            mb(each.pss),
            mb(each.rss),
            mb(each.private)
        );
    }

    if memory_only {
        drop(server);
        let _ = std::fs::remove_dir_all(&work);
        return Ok(());
    }

    // Scanner burst: sign in with the keyboard, open the declare screen, scan the BL repeatedly.
    let mut app = App::start_to_login(profile, &url, &data_dir, &report)?;
    let window = app.window()?;
    xdotool(&["type", "--window", &window, "--delay", "20", DEMO_EMAIL])?;
    xdotool(&["key", "--window", &window, "Tab"])?;
    xdotool(&["type", "--window", &window, "--delay", "20", DEMO_PASSWORD])?;
    xdotool(&["key", "--window", &window, "Return"])?;
    wait_for_line(&report, "home", Duration::from_secs(30))?;
    xdotool(&["key", "--window", &window, "Return"])?;
    wait_for_line(&report, "declare", Duration::from_secs(30))?;
    let mut after_enter = Vec::new();
    let mut from_first_key = Vec::new();
    for _ in 0..BURSTS {
        let before = lines(&report, "bl").len();
        // A scanner types about one character per 1–5 ms; xdotool's smallest steady delay.
        xdotool(&[
            "type",
            "--window",
            &window,
            "--delay",
            "4",
            &format!("00{bl}"),
        ])?;
        xdotool(&["key", "--window", &window, "Return"])?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while lines(&report, "bl").len() == before {
            if Instant::now() > deadline {
                let shot = work.join("burst-failed.png");
                let _ = Command::new("import")
                    .args(["-window", "root"])
                    .arg(&shot)
                    .status();
                bail!("the burst did not open the BL (screen: {})", shot.display());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let line = lines(&report, "bl").pop().unwrap_or_default();
        let mut fields = line
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse::<f64>().unwrap_or(f64::NAN));
        after_enter.push(fields.next().unwrap_or(f64::NAN));
        from_first_key.push(fields.next().unwrap_or(f64::NAN));
    }
    app.stop();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    println!(
        "scanner burst → BL rendered: median {:.0} ms after the final Enter ({:.0} ms from the first keystroke), {BURSTS} bursts",
        median(&mut after_enter),
        median(&mut from_first_key)
    );

    // The WebView camera: first frame on screen → BL rendered.
    let mut frames = camera::frame_to_bl(
        &self::built(profile, "retour-tauri"),
        &url,
        &work.join("camera-data"),
        &bl,
    )?;
    let (min, max) = (
        frames.iter().copied().fold(f64::INFINITY, f64::min),
        frames.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "webview camera frame → BL rendered: median {:.0} ms (min {min:.0} ms, max {max:.0} ms, {} opens)",
        median(&mut frames),
        camera::OPENS
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// The app process, stopped with SIGTERM.
struct App {
    child: Child,
}

impl App {
    /// Starts the app of `profile` and waits until it has rendered its login screen.
    fn start_to_login(profile: &str, server: &str, data_dir: &Path, report: &Path) -> Result<App> {
        let _ = std::fs::remove_file(report);
        let app = App::spawn(&built(profile, "retour-tauri"), server, data_dir, report)?;
        wait_for_line(report, "login", Duration::from_secs(30))?;
        Ok(app)
    }

    fn spawn(binary: &Path, server: &str, data_dir: &Path, report: &Path) -> Result<App> {
        let child = Command::new(binary)
            .env("RETOUR_SERVER", server)
            .env("RETOUR_DATA_DIR", data_dir)
            .env("RETOUR_BENCH_FILE", report)
            .env("RETOUR_LANG", "fr")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start the release app")?;
        Ok(App { child })
    }

    /// The X window id of the app's window.
    fn window(&self) -> Result<String> {
        let out = Command::new("xdotool")
            .args([
                "search",
                "--sync",
                "--onlyvisible",
                "--pid",
                &self.child.id().to_string(),
            ])
            .output()?;
        let id = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        if id.is_empty() {
            bail!("no window for the app");
        }
        xdotool(&["windowfocus", "--sync", &id])?;
        Ok(id)
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The newest BL of the demo customer.
fn first_delivery_note(port: u16) -> Result<String> {
    let token = login(port)?;
    let (status, answer) = http_auth(port, "/api/v1/delivery-notes?days=7", &token)?;
    if status != 200 {
        bail!("delivery notes: {status}");
    }
    json_string(&answer, "number").context("no delivery note")
}

/// The first `"key":"value"` string of a JSON text (enough for two known answers).
fn json_string(text: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

fn xdotool(args: &[&str]) -> Result<()> {
    let status = Command::new("xdotool")
        .args(args)
        .status()
        .context("xdotool")?;
    if !status.success() {
        bail!("xdotool {args:?} failed");
    }
    Ok(())
}

/// The report's lines that start with `screen`.
fn lines(report: &Path, screen: &str) -> Vec<String> {
    std::fs::read_to_string(report)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(screen))
        .map(str::to_owned)
        .collect()
}

fn wait_for_line(report: &Path, screen: &str, limit: Duration) -> Result<()> {
    let deadline = Instant::now() + limit;
    while lines(report, screen).is_empty() {
        if Instant::now() > deadline {
            bail!("the app never rendered {screen}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

/// The memory of a process and all its descendants, by process name (`/proc/PID/comm`: the app,
/// `WebKitWebProces`, `WebKitNetworkPr`, …), in the order they were found.
fn memory_of_tree(root: u32) -> Result<TreeMemory> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let ppid = after_name
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0);
        parents.push((pid, ppid));
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    let mut by_name: Vec<(String, Memory)> = Vec::new();
    for pid in &tree {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let mut memory = Memory::default();
        for line in rollup.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let bytes = value
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024;
            match key {
                "Rss" => memory.rss += bytes,
                "Pss" => memory.pss += bytes,
                "Private_Clean" | "Private_Dirty" => memory.private += bytes,
                _ => {}
            }
        }
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some((_, sum)) => sum.add(memory),
            None => by_name.push((name, memory)),
        }
    }
    Ok(TreeMemory(by_name))
}

/// The memory of a process tree, by process name.
#[derive(Debug, Default, Clone)]
struct TreeMemory(Vec<(String, Memory)>);

impl TreeMemory {
    fn total(&self) -> Memory {
        let mut total = Memory::default();
        for (_, m) in &self.0 {
            total.add(*m);
        }
        total
    }
}

/// The memory of processes, in bytes: resident (shared pages counted in every process),
/// proportional (shared pages split between their users) and private to them.
#[derive(Debug, Default, Clone, Copy)]
struct Memory {
    rss: u64,
    pss: u64,
    private: u64,
}

impl Memory {
    fn add(&mut self, other: Memory) {
        self.rss += other.rss;
        self.pss += other.pss;
        self.private += other.private;
    }
}
