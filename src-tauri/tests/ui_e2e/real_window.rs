//! End to end in the real window: the debug build of the Tauri app, driven through `tauri-driver`
//! and WebKitWebDriver, against a real `retour-server` on loopback (no mocks).
//!
//! Each test starts its own server (in-process, on its own port, with the demo seed), its own
//! `tauri-driver` on a free port, and the app with `RETOUR_SERVER` and `RETOUR_DATA_DIR` pointing
//! at them. Waits are bounded polls on the DOM, never fixed sleeps. Screenshots of every screen at
//! phone and desktop sizes go to `target/screenshots/` (`cargo xtask screenshots` refreshes the
//! committed copies in `docs/screenshots/`). Each screenshot is followed by the layout and
//! accessibility check (`tests/ui-check/layout-check.js`, with axe-core) at the same size: a
//! screen that fails it fails the scenario.
//!
//! The tests need a display (`cargo xtask test` runs them under Xvfb with a D-Bus session and an
//! unlocked keyring) and `tauri-driver` (installed by `cargo xtask setup`).

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use retour_server::demo::{
    CUSTOMER_A as CUSTOMER, CUSTOMER_B, CUSTOMER_PASSWORD as PASSWORD, STAFF, STAFF_PASSWORD,
};
use retour_server::running::RunningServer;
use retour_tests::spool_reader;
use serde_json::{json, Value};

/// How long a DOM condition may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);
/// How often a DOM condition is checked.
const POLL: Duration = Duration::from_millis(50);
/// Phone and desktop window sizes of the screenshots.
const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);

/// The layout and accessibility check run in the page after each screenshot.
const LAYOUT_CHECK: &str = include_str!("../../../tests/ui-check/layout-check.js");

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Where the screenshots go: `target/screenshots/` (or under `CARGO_TARGET_DIR`), never a tracked
/// folder; `cargo xtask screenshots` copies them into `docs/screenshots/`.
fn screenshot_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target"))
        .join("screenshots")
}

/// Every WebDriver and API call gives up after two minutes instead of waiting forever.
fn http() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::AgentBuilder::new()
            .timeout(std::time::Duration::from_secs(120))
            .build()
    })
}

/// WebKitGTK's web process now and then dies under Xvfb, and the page then never answers
/// WebDriver again. That one cause, seen for sure (the app still runs but its web process is
/// gone: [`WebProcessWatch`]), gets one more try in a fresh window; any other failure fails at
/// once. The first failure is printed either way.
fn with_one_retry(scenario: impl Fn() -> Result<()>) -> Result<()> {
    stop_leftover_apps();
    WEB_PROCESS_DIED.store(false, Ordering::SeqCst);
    let Err(first) = scenario() else {
        return Ok(());
    };
    if !WEB_PROCESS_DIED.load(Ordering::SeqCst) {
        eprintln!("the scenario failed (WebKit's web process was alive: no second try): {first:#}");
        return Err(first);
    }
    eprintln!("WebKit's web process died; once more in a fresh window. The failure was: {first:#}");
    stop_leftover_apps();
    WEB_PROCESS_DIED.store(false, Ordering::SeqCst);
    scenario()
}

/// Set when a [`WebProcessWatch`] saw the app's web process die under a live app.
static WEB_PROCESS_DIED: AtomicBool = AtomicBool::new(false);

/// Watches, while a window is open, the app that `tauri-driver` started and its WebKit web
/// process: once a web process of the app has been seen, none left while the app still runs
/// means it died (the cause [`with_one_retry`] retries). It looks every 200 ms and once more
/// when dropped, which is before the driver ends the app.
struct WebProcessWatch {
    stop: Arc<AtomicBool>,
    look: Arc<dyn Fn() -> bool + Send + Sync>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WebProcessWatch {
    fn start(driver_pid: u32, app: &Path) -> WebProcessWatch {
        let app = std::fs::canonicalize(app).unwrap_or_else(|_| app.to_path_buf());
        let seen = AtomicBool::new(false);
        // One look: true when the web process died under the live app.
        let look: Arc<dyn Fn() -> bool + Send + Sync> = Arc::new(move || {
            let table = processes();
            let Some(app_pid) = descendants(&table, driver_pid).into_iter().find(|pid| {
                std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app)
            }) else {
                return false;
            };
            let web = descendants(&table, app_pid).into_iter().any(|pid| {
                table
                    .iter()
                    .any(|p| p.0 == pid && p.2.starts_with("WebKitWebProces"))
            });
            if web {
                seen.store(true, Ordering::SeqCst);
                return false;
            }
            if !seen.load(Ordering::SeqCst) {
                return false;
            }
            if !WEB_PROCESS_DIED.swap(true, Ordering::SeqCst) {
                eprintln!("WebKit's web process of the app ({app_pid}) is gone");
            }
            true
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let (stop, look) = (stop.clone(), look.clone());
            move || {
                while !stop.load(Ordering::SeqCst) && !look() {
                    std::thread::sleep(POLL * 4);
                }
            }
        });
        WebProcessWatch {
            stop,
            look,
            thread: Some(thread),
        }
    }
}

impl Drop for WebProcessWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        (self.look)();
    }
}

/// Every process as (pid, parent pid, command name), from `/proc`.
fn processes() -> Vec<(u32, u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid …": the name may hold spaces and parentheses.
            let (open, close) = (stat.find('(')?, stat.rfind(')')?);
            let ppid = stat[close + 1..].split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, stat[open + 1..close].to_owned()))
        })
        .collect()
}

/// The processes under `root`, at any depth.
fn descendants(table: &[(u32, u32, String)], root: u32) -> Vec<u32> {
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(table.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    found.remove(0);
    found
}

/// The app's WebKit web processes under a `tauri-driver`.
fn web_processes(driver_pid: u32) -> Vec<u32> {
    let table = processes();
    descendants(&table, driver_pid)
        .into_iter()
        .filter(|pid| {
            table
                .iter()
                .any(|p| p.0 == *pid && p.2.starts_with("WebKitWebProces"))
        })
        .collect()
}

/// The second try is for one cause only: a scenario failing with its web process alive fails at
/// once; one whose web process is killed under the live window is tried again in a fresh window.
#[test]
fn only_a_dead_web_process_gets_a_second_try() -> Result<()> {
    let _one = one_at_a_time();
    let tries = AtomicU32::new(0);
    let failed = with_one_retry(|| {
        tries.fetch_add(1, Ordering::SeqCst);
        let world = World::start("always")?;
        world.window.on_screen("login")?;
        bail!("a planted failure, the web process alive")
    });
    let error = failed.err().context("the planted failure passed")?;
    assert!(
        format!("{error:#}").contains("a planted failure"),
        "{error:#}"
    );
    assert_eq!(
        tries.load(Ordering::SeqCst),
        1,
        "a failure with a live web process is not tried again"
    );

    let tries = AtomicU32::new(0);
    with_one_retry(|| {
        let first = tries.fetch_add(1, Ordering::SeqCst) == 0;
        let world = World::start("always")?;
        let w = &world.window;
        w.on_screen("login")?;
        if first {
            let driver = world._driver.child.id();
            for pid in web_processes(driver) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            w.find("#login-submit")?.click()?;
            bail!("the page still answers with its web process killed");
        }
        w.find("#login-submit")?;
        w.window_close()
    })?;
    assert_eq!(
        tries.load(Ordering::SeqCst),
        2,
        "a dead web process gets one more try"
    );
    Ok(())
}

/// The window of a failed try can outlive its driver (WebKitWebDriver gone, the app re-parented
/// to init). The app is single-instance: every later launch would hand over to that leftover and
/// never open a WebDriver session, so one failure would fail every scenario after it. Windows
/// are one at a time (the caller holds [`one_at_a_time`]), so before a try no app of this run's
/// binary may be running: stop any, and wait until they are gone.
fn stop_leftover_apps() {
    let Ok(app) = app_binary() else { return };
    let pattern = app.to_string_lossy().into_owned();
    let _ = Command::new("pkill")
        .args(["-KILL", "-f", &pattern])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && Command::new("pgrep")
            .args(["-f", &pattern])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    {
        std::thread::sleep(POLL);
    }
}

/// One window at a time: the machine has two cores and one Xvfb display.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The app's debug binary, which cargo builds for this test with the features of the same run
/// (a separate `cargo build -p retour-tauri` would resolve them differently and compile about a
/// hundred crates a second time).
fn app_binary() -> Result<PathBuf> {
    Ok(PathBuf::from(env!("CARGO_BIN_EXE_retour-tauri")))
}

fn free_port() -> Result<u16> {
    Ok(StdListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn tauri_driver_path() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_default();
    let installed = Path::new(&home).join(".cargo/bin/tauri-driver");
    if installed.exists() {
        installed
    } else {
        PathBuf::from("tauri-driver")
    }
}

// ---------------------------------------------------------------------------------------------
// The real server, in-process on loopback.

/// A `retour-server` on its own port and directory (the shared `RunningServer`, on a runtime of
/// its own since these tests are synchronous); it can be stopped and started again on the same
/// port with the same database (the offline test).
struct Server {
    runtime: tokio::runtime::Runtime,
    running: RunningServer,
    _dir: tempfile::TempDir,
    /// How far ahead of the real clock the server's runs, in seconds (a test moves it on to
    /// expire the access token).
    ahead_s: Arc<AtomicI64>,
}

impl Server {
    /// Starts a server with the demo seed; `schedule` is `always` or the JSON of RETOUR_SCHEDULE.
    fn start(schedule: &str) -> Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let dir = tempfile::tempdir()?;
        let mut config = retour_server::config::Config::for_dir(dir.path());
        config.schedule = schedule.parse().map_err(|e| anyhow!("schedule: {e}"))?;
        let ahead_s = Arc::new(AtomicI64::new(0));
        let clock: retour_server::Clock = {
            let ahead_s = ahead_s.clone();
            Arc::new(move || {
                chrono::Utc::now() + chrono::Duration::seconds(ahead_s.load(Ordering::SeqCst))
            })
        };
        let state = retour_server::AppState::new(config)?.with_clock(clock);
        let running = runtime.block_on(RunningServer::start_demo(state))?;
        Ok(Server {
            runtime,
            running,
            _dir: dir,
            ahead_s,
        })
    }

    /// Moves the server's clock past the access tokens' lifetime: the app's next call is refused
    /// with a 401 and the app refreshes its tokens.
    fn expire_access_tokens(&self) {
        self.ahead_s.store(
            (retour_server::auth::ACCESS_TTL + chrono::Duration::minutes(1)).num_seconds(),
            Ordering::SeqCst,
        );
    }

    fn url(&self) -> String {
        self.running.url().to_owned()
    }

    /// Stops serving (connections are refused afterwards).
    fn stop(&mut self) -> Result<()> {
        Ok(self.runtime.block_on(self.running.stop())?)
    }

    /// Serves again on the same address with the same database.
    fn restart(&mut self) -> Result<()> {
        Ok(self.runtime.block_on(self.running.restart())?)
    }

    /// Calls the server's API as `email`; returns the JSON answer.
    fn api(
        &self,
        email: &str,
        password: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let login: Value = http()
            .post(&format!("{}/api/v1/auth/login", self.url()))
            .send_json(json!({"email": email, "password": password, "device_name": "e2e"}))?
            .into_json()?;
        let token = login["access_token"].as_str().context("access_token")?;
        let request = http()
            .request(method, &format!("{}{}", self.url(), path))
            .set("Authorization", &format!("Bearer {token}"));
        let answer = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        match answer {
            Ok(response) => Ok(response.into_json().unwrap_or(Value::Null)),
            Err(ureq::Error::Status(code, response)) => {
                bail!("{method} {path}: {code} {}", response.into_string()?)
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Server {
    /// The `…<action>?token=…` link of the newest e-mail in the server's spool.
    fn last_mail_link(&self, action: &str) -> Result<String> {
        retour_server::mail::deliver_due(self.running.state())?;
        let mail = spool_reader::newest(&self.running.state().config().mail_spool)?;
        mail.link(action)
            .map(str::to_owned)
            .with_context(|| format!("no {action} link in: {}", mail.text))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

// ---------------------------------------------------------------------------------------------
// tauri-driver and a thin W3C WebDriver client.

/// A `tauri-driver` process on free ports; stopped with SIGTERM (SIGKILL would orphan
/// WebKitWebDriver).
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts `tauri-driver`; the app it launches inherits `env` (besides the server and data
    /// folder).
    fn start(server: &Server, data_dir: &Path, env: &[(&str, &Path)]) -> Result<Driver> {
        let port = free_port()?;
        let native = free_port()?;
        let child = Command::new(tauri_driver_path())
            .envs(env.iter().copied())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("RETOUR_SERVER", server.url())
            .env("RETOUR_DATA_DIR", data_dir)
            .env("RETOUR_LANG", "fr")
            // GPU compositing back on for these windows only (the app turns it off): without it,
            // WebKitGTK 2.50's WebDriver screenshot never answers once the view is narrower than
            // about 600 px (its wait for the next presented frame never ends), although the X
            // server shows the page painted and updated at that width. `cargo xtask bench-app`
            // drives the app as shipped (compositing off), its burst and camera included.
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start tauri-driver (cargo xtask setup installs it)")?;
        let driver = Driver { child, port };
        let started = Instant::now();
        while http()
            .get(&format!("{}/status", driver.url()))
            .call()
            .is_err()
        {
            if started.elapsed() > WAIT {
                bail!("tauri-driver did not answer on port {port}");
            }
            std::thread::sleep(POLL);
        }
        Ok(driver)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(POLL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session: the app's window.
struct Window {
    base: String,
}

/// An element of the page.
#[derive(Clone)]
struct El {
    base: String,
    id: String,
}

fn answer(result: Result<ureq::Response, ureq::Error>, what: &str) -> Result<Value> {
    match result {
        Ok(response) => {
            let body: Value = response.into_json()?;
            Ok(body["value"].clone())
        }
        Err(ureq::Error::Status(code, response)) => {
            let body = response.into_string().unwrap_or_default();
            bail!("{what}: WebDriver {code}: {body}")
        }
        Err(e) => bail!("{what}: {e}"),
    }
}

impl Window {
    fn open(driver: &Driver, app: &Path) -> Result<Window> {
        let caps =
            json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}});
        let value = answer(
            http()
                .post(&format!("{}/session", driver.url()))
                .send_json(caps),
            "new session",
        )?;
        let id = value["sessionId"].as_str().context("sessionId")?;
        let window = Window {
            base: format!("{}/session/{id}", driver.url()),
        };
        window.size(DESKTOP)?;
        Ok(window)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value> {
        answer(
            http().post(&format!("{}{path}", self.base)).send_json(body),
            path,
        )
    }

    fn get(&self, path: &str) -> Result<Value> {
        answer(http().get(&format!("{}{path}", self.base)).call(), path)
    }

    /// Runs JavaScript in the page and returns its value.
    fn js(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    fn find_now(&self, css: &str) -> Result<Option<El>> {
        let found = self.post("/elements", json!({"using": "css selector", "value": css}))?;
        Ok(found
            .as_array()
            .and_then(|a| a.first())
            .and_then(|e| e[ELEMENT].as_str())
            .map(|id| El {
                base: self.base.clone(),
                id: id.to_owned(),
            }))
    }

    /// Waits until an element matching `css` is in the page.
    fn find(&self, css: &str) -> Result<El> {
        let started = Instant::now();
        loop {
            if let Some(el) = self.find_now(css)? {
                return Ok(el);
            }
            if started.elapsed() > WAIT {
                bail!(
                    "no element {css} after {WAIT:?}; page: {}",
                    self.text("body").unwrap_or_default()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until `script` (a JS expression body returning a value) returns something truthy.
    fn until(&self, what: &str, script: &str) -> Result<Value> {
        let started = Instant::now();
        loop {
            let value = self.js(script, json!([]))?;
            if !(value.is_null()
                || value == json!(false)
                || value == json!("")
                || value == json!(0))
            {
                return Ok(value);
            }
            if started.elapsed() > WAIT {
                bail!(
                    "timed out waiting for {what}; page: {}",
                    self.text("body").unwrap_or_default()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the text of `css` contains `expected`.
    fn until_text(&self, css: &str, expected: &str) -> Result<String> {
        let script = format!(
            "const e = document.querySelector({css:?}); return e && e.textContent.includes({expected:?}) ? e.textContent : null;"
        );
        Ok(self
            .until(&format!("{css} to contain {expected:?}"), &script)?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    fn text(&self, css: &str) -> Result<String> {
        let value = self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
            json!([css]),
        )?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Clicks the element `css` names. A screen that re-rendered between the find and the click
    /// (a sync brought the cart back, say) leaves a stale reference, where a finger would simply
    /// have landed on the new node: the element is then found again, and must still be there.
    fn click(&self, css: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            match self.find(css)?.click() {
                Err(error) if tries < 3 && format!("{error:#}").contains("stale element") => {
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// Switches the app to its other language with one press of the header's button. The header
    /// is painted again with each sync state (often, while the server is down), so a press can be
    /// reported on a stale button after it landed on the new one: the page's language says
    /// whether it did, and a second press would switch back.
    fn switch_language(&self) -> Result<()> {
        let language = "return document.documentElement.lang";
        let before = self.js(language, json!([]))?;
        for _ in 0..3 {
            match self.find("#lang")?.click() {
                Err(error) if format!("{error:#}").contains("stale element") => {
                    if self.js(language, json!([]))? != before {
                        break;
                    }
                }
                other => {
                    other?;
                    break;
                }
            }
        }
        self.until(
            "the other language",
            &format!("return document.documentElement.lang !== {before}"),
        )?;
        Ok(())
    }

    /// Waits until the screen named `name` is rendered.
    fn on_screen(&self, name: &str) -> Result<()> {
        self.until(&format!("screen {name}"), &format!("return document.body.dataset.screen === {name:?} && document.getElementById('screen').children.length > 0"))?;
        Ok(())
    }

    fn size(&self, (width, height): (u32, u32)) -> Result<()> {
        self.post("/window/rect", json!({"width": width, "height": height}))?;
        // The page sees the new size once the window manager (none under Xvfb) and WebKit agree.
        self.until(
            "window size",
            &format!("return window.innerWidth === {width}"),
        )?;
        Ok(())
    }

    /// Hands a file input a JPEG as the phone's camera or a file picker would, and tells the page.
    fn choose_photo(&self, input_id: &str, jpeg: &[u8]) -> Result<()> {
        self.choose_file(input_id, jpeg, "IMG_0001.jpg", "image/jpeg")
    }

    /// Hands a file input a file (its name and type) as a file picker would, and tells the page.
    fn choose_file(&self, input_id: &str, bytes: &[u8], name: &str, mime: &str) -> Result<()> {
        use base64::Engine as _;
        self.js(
            "const input = document.getElementById(arguments[0]);
             const bytes = Uint8Array.from(atob(arguments[1]), (c) => c.charCodeAt(0));
             const files = new DataTransfer();
             files.items.add(new File([bytes], arguments[2], { type: arguments[3] }));
             input.files = files.files;
             input.dispatchEvent(new Event('change'));",
            json!([
                input_id,
                base64::engine::general_purpose::STANDARD.encode(bytes),
                name,
                mime
            ]),
        )?;
        Ok(())
    }

    /// Saves the current screen as `target/screenshots/<name>-phone.png` and `-desktop.png`.
    fn screenshots(&self, name: &str) -> Result<()> {
        use base64::Engine as _;
        let started = Instant::now();
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        for (suffix, size) in [("phone", PHONE), ("desktop", DESKTOP)] {
            self.size(size)?;
            self.js("return new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));", json!([]))?;
            let png = self.get("/screenshot")?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(png.as_str().context("screenshot")?)?;
            std::fs::write(dir.join(format!("{name}-{suffix}.png")), bytes)?;
            self.check_layout(&format!("{name}-{suffix}"))?;
        }
        eprintln!("screenshots {name}: {:?}", started.elapsed());
        Ok(())
    }

    /// The problems the layout and accessibility check finds on the current screen (axe-core is
    /// injected into the page first, once per page).
    fn layout_problems(&self) -> Result<Vec<String>> {
        let has_axe = "return typeof window.axe === 'object'";
        if self.js(has_axe, json!([]))? != json!(true) {
            let path = root().join("tests/ui-check/node_modules/axe-core/axe.min.js");
            let axe = std::fs::read_to_string(&path)
                .with_context(|| format!("{} (cargo xtask setup installs it)", path.display()))?;
            if self.js(&format!("{axe}\n{has_axe};"), json!([]))? != json!(true) {
                bail!("axe-core did not load in the page");
            }
        }
        Ok(serde_json::from_value(self.js(LAYOUT_CHECK, json!([]))?)?)
    }

    /// Fails, listing the problems, when the current screen does not pass the layout check.
    fn check_layout(&self, screen: &str) -> Result<()> {
        let problems = self.layout_problems()?;
        if !problems.is_empty() {
            bail!("layout check of {screen}:\n  {}", problems.join("\n  "));
        }
        Ok(())
    }

    /// Types `text` then Enter as one fast burst of key events, wherever the focus is: what a USB
    /// scanner does.
    fn burst(&self, text: &str) -> Result<()> {
        let mut keys = Vec::new();
        for c in text
            .chars()
            .map(String::from)
            .chain(std::iter::once("\u{E007}".to_owned()))
        {
            keys.push(json!({"type": "keyDown", "value": c}));
            keys.push(json!({"type": "keyUp", "value": c}));
        }
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "scanner", "actions": keys}]}),
        )?;
        Ok(())
    }
}

impl El {
    fn click(&self) -> Result<()> {
        answer(
            http()
                .post(&format!("{}/element/{}/click", self.base, self.id))
                .send_json(json!({})),
            "click",
        )
        .map(|_| ())
    }

    fn clear(&self) -> Result<()> {
        answer(
            http()
                .post(&format!("{}/element/{}/clear", self.base, self.id))
                .send_json(json!({})),
            "clear",
        )
        .map(|_| ())
    }

    fn type_text(&self, text: &str) -> Result<()> {
        answer(
            http()
                .post(&format!("{}/element/{}/value", self.base, self.id))
                .send_json(json!({"text": text})),
            "send keys",
        )
        .map(|_| ())
    }
}

/// A test's world: server, data dir, driver, window (and the watch on its web process, stopped
/// first).
struct World {
    _watch: WebProcessWatch,
    window: Window,
    _driver: Driver,
    data: tempfile::TempDir,
    /// The app's XDG data and cache homes: where WebKit keeps the WebView's own data (local
    /// storage, caches), one per world.
    webview: tempfile::TempDir,
    server: Server,
}

impl World {
    fn start(schedule: &str) -> Result<World> {
        World::start_with(schedule, |_, _| Ok(None))
    }

    /// Starts the world; `camera_image` may write, from the running server's data, a picture
    /// into the given folder for the app to film in place of a camera (`RETOUR_CAMERA_IMAGE`).
    fn start_with(
        schedule: &str,
        camera_image: impl FnOnce(&Server, &Path) -> Result<Option<PathBuf>>,
    ) -> Result<World> {
        let binary = app_binary()?;
        let started = Instant::now();
        let server = Server::start(schedule)?;
        eprintln!("server seeded and serving in {:?}", started.elapsed());
        let data = tempfile::tempdir()?;
        let picture = camera_image(&server, data.path())?;
        let webview = tempfile::tempdir()?;
        let (xdg_data, xdg_cache) = (webview.path().join("data"), webview.path().join("cache"));
        let mut env: Vec<(&str, &Path)> = vec![
            ("XDG_DATA_HOME", xdg_data.as_path()),
            ("XDG_CACHE_HOME", xdg_cache.as_path()),
        ];
        env.extend(picture.as_deref().map(|p| ("RETOUR_CAMERA_IMAGE", p)));
        let driver = Driver::start(&server, data.path(), &env)?;
        eprintln!("tauri-driver up in {:?}", started.elapsed());
        let window = Window::open(&driver, &binary)?;
        eprintln!("window open in {:?}", started.elapsed());
        Ok(World {
            _watch: WebProcessWatch::start(driver.child.id(), &binary),
            window,
            _driver: driver,
            data,
            webview,
            server,
        })
    }

    fn login(&self, email: &str, password: &str) -> Result<()> {
        let w = &self.window;
        w.on_screen("login")?;
        // Typed once the start-up is over (pending links looked at), as a person would: keys typed
        // while the page still starts could land in a field it focuses.
        w.until(
            "the app started",
            "return document.body.dataset.ready === 'true'",
        )?;
        let field = w.find("#login-email")?;
        field.clear()?;
        field.type_text(email)?;
        let field = w.find("#login-password")?;
        field.clear()?;
        field.type_text(password)?;
        // What is sent is what was typed: a screen painted again over the form would lose it.
        let typed = w.js(
            "return [document.getElementById('login-email').value, document.getElementById('login-password').value]",
            json!([]),
        )?;
        ensure!(
            typed == json!([email, password]),
            "the login form holds {typed}"
        );
        w.click("#login-submit")
    }
}

impl World {
    /// Opens `link` as the system does: a second launch of the app with the link, which the
    /// running one receives (single instance, deep link) while this one exits.
    fn open_link(&self, link: &str) -> Result<()> {
        let status = Command::new(app_binary()?)
            .arg(link)
            .env("RETOUR_SERVER", self.server.url())
            .env("RETOUR_DATA_DIR", self.data.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()?;
        ensure!(status.success(), "the second launch with {link}: {status}");
        Ok(())
    }

    /// The e-mail of the account the app is on, asked from the page.
    fn account(&self) -> Result<String> {
        let email = self.window.js(
            "return window.__TAURI__.core.invoke('session').then((s) => s.email);",
            json!([]),
        )?;
        Ok(email.as_str().unwrap_or_default().to_owned())
    }

    /// The kept tokens of `email` in the keychain (a "Se souvenir de moi" session).
    fn kept_tokens(&self, email: &str) -> Result<Vec<String>> {
        let tokens = retour_sync::TokenStore::keychain()
            .load(&self.server.url(), email)?
            .with_context(|| format!("no session of {email} in the keychain"))?;
        Ok(vec![tokens.access_token, tokens.refresh_token])
    }
}

/// A portal SSO link for `email`, signed as the Autossimo portal signs it.
fn sso_link(email: &str) -> Result<String> {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": email, "iat": now, "exp": now + 120, "jti": uuid_like()});
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(retour_server::config::TEST_SSO_SECRET.as_bytes()),
    )?;
    Ok(format!("retour://sso?token={token}"))
}

/// A token id unique in this run.
fn uuid_like() -> String {
    static NEXT: AtomicI64 = AtomicI64::new(0);
    format!(
        "e2e-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// A schedule closed today in Paris and open the other days 05:00–22:00.
fn closed_today_schedule() -> String {
    use chrono::Datelike;
    let today = retour_server::paris_today_now()
        .weekday()
        .num_days_from_monday() as usize;
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let open: Vec<String> = days
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != today)
        .map(|(_, d)| format!("\"{d}\":\"05:00-22:00\""))
        .collect();
    format!("{{{}}}", open.join(","))
}

// ---------------------------------------------------------------------------------------------
// The scenarios.

/// Login errors, then the whole return: BL validation, recent BL, detail, cart, save, send,
/// confirmation, tracking, a staff event moving the gauge; reference search; a scanner burst.
#[test]
fn declare_send_and_track_a_return() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start("always")?;
        let w = &world.window;

        w.on_screen("login")?;
        w.find("#demo-accounts").ok();
        w.click("#login-submit")?;
        w.until_text("#login-email-error", "Veuillez entrer un nom d'utilisateur")?;
        w.until_text("#login-password-error", "Veuillez entrer un mot de passe")?;
        w.screenshots("01-login-empty-fields")?;
        world.login(CUSTOMER, "mauvais-mot-de-passe")?;
        w.until("the wrong password message", "const e = document.getElementById('login-error'); return e && e.textContent.length > 5 ? e.textContent : null")?;
        w.screenshots("02-login-wrong-password")?;
        world.login(CUSTOMER, PASSWORD)?;
        w.on_screen("home")?;
        w.screenshots("03-home")?;

        w.click("#go-declare")?;
        w.on_screen("declare")?;
        w.find("#recent-bls .bl-row")?;
        let field = w.find("#bl-input")?;
        field.type_text("25A")?;
        w.until_text(
            "#bl-error",
            "Format incorrect, veuillez saisir uniquement des caractères numériques",
        )?;
        field.clear()?;
        field.type_text("2551290621")?;
        w.until_text(
            "#bl-error",
            "Nombre de caractère supérieur à 9, Veuillez vérifier votre N° de bon de livraison",
        )?;
        w.screenshots("04-declare-bl-too-long")?;
        field.clear()?;
        w.until(
            "the message to go",
            "return document.getElementById('bl-error').textContent === ''",
        )?;
        w.screenshots("05-declare")?;
        w.click("#bl-help")?;
        w.find("dialog[open] .bl-help-picture")?;
        w.screenshots("06-declare-where-is-the-number")?;
        w.click("dialog[open] [data-close]")?;

        // A recent BL with something eligible: its detail, select, cart.
        let recent = w.js(
            "return [...document.querySelectorAll('#recent-bls .bl-row')].map(r => r.dataset.bl)",
            json!([]),
        )?;
        let numbers: Vec<String> = serde_json::from_value(recent)?;
        let bl = w.open_a_bl_with_an_eligible_line(numbers.iter().map(String::as_str))?;
        w.screenshots("07-bl-detail")?;
        w.click("#bl-lines input[type=checkbox]:not(:disabled)")?;
        w.until(
            "the add button to be enabled",
            "return !document.getElementById('add-to-cart').disabled",
        )?;
        w.click("#add-to-cart")?;
        w.on_screen("cart")?;
        w.find(&format!("#cart-lines li[data-bl='{bl}']"))?;
        w.until(
            "send disabled while a reason is missing",
            "return document.getElementById('send-request').disabled",
        )?;
        w.screenshots("08-cart-reason-missing")?;

        // Quantity (when more than one is eligible) and a reason with a known estimate.
        let line = format!("#cart-lines li[data-bl='{bl}']");
        let plus_enabled = w.js(
            &format!(
                "const b = document.querySelector({:?}); return b && !b.disabled",
                format!("{line} .step:last-child")
            ),
            json!([]),
        )?;
        if plus_enabled == json!(true) {
            w.click(&format!("{line} .step:last-child"))?;
            w.until_text(&format!("{line} .qty"), "2")?;
        }
        w.click(&format!("{line} label[for$='-reason-order_error']"))?;
        w.until(
            "the reason to be saved",
            &format!(
                "return document.querySelector({:?})?.checked",
                format!("{line} input[value=order_error]")
            ),
        )?;
        w.until(
            "a line estimate",
            &format!(
                "return document.querySelector({:?})?.textContent.includes('€')",
                format!("{line} .line-credit")
            ),
        )?;
        let total = w.until("the running total", "const t = document.getElementById('cart-total')?.textContent; return t && /[1-9]/.test(t) && /^\\d{1,3}(\\u202f\\d{3})*,\\d{2}\\u00a0€$/.test(t) ? t : null")?;
        let total = total.as_str().unwrap_or_default().to_owned();
        w.click("#save-cart")?;
        w.until_text("#toast", "Votre panier est enregistré")?;
        w.screenshots("09-cart-saved")?;

        // Remove the line, then "Annuler" in its place: it is back with its quantity and reason.
        let qty = w.text(&format!("{line} .qty"))?;
        w.click(&format!("{line} .remove"))?;
        w.until_text("#cart-lines .cart-line-removed", "Ligne retirée")?;
        w.until(
            "the line to leave the cart",
            &format!("return !document.querySelector(\"#cart-lines .cart-line[data-bl='{bl}']\")"),
        )?;
        w.screenshots("09b-cart-line-removed")?;
        w.click("#undo-remove")?;
        w.find(&format!("#cart-lines .cart-line[data-bl='{bl}']"))?;
        w.until(
            "the line back with its reason",
            &format!(
                "return document.querySelector({:?})?.checked && !document.querySelector('.cart-line-removed')",
                format!("{line} input[value=order_error]")
            ),
        )?;
        assert_eq!(
            w.text(&format!("{line} .qty"))?,
            qty,
            "the quantity is back"
        );
        w.until_text("#cart-total", &total)?;
        w.click("#appbar .brand")?;
        w.on_screen("home")?;
        w.until(
        "the badge",
        "const b = document.getElementById('cart-badge'); return b && Number(b.textContent) > 0",
    )?;
        w.click("#go-cart")?;
        w.on_screen("cart")?;
        w.until(
            "send enabled",
            "return !document.getElementById('send-request').disabled",
        )?;
        w.click("#send-request")?;
        w.on_screen("confirmation")?;
        let amount = w.until_text("#confirm-amount", "€")?;
        assert_eq!(
            amount.trim(),
            total.trim(),
            "the confirmation shows the cart's estimate"
        );
        // The request by its number, never its id, and where the pré-accord went.
        let request_number = w.until_text("#request-number", "Demande n° R-")?;
        w.until_text("#preaccord-email", CUSTOMER)?;
        w.screenshots("10-confirmation")?;

        // Tracking: one file for this BL; a staff event moves its gauge.
        w.click("#go-tracking-after-send")?;
        w.on_screen("tracking")?;
        let card = format!("#file-cards li[data-bl='{bl}']");
        w.find(&card)?;
        let files = w.js(
            &format!(
                "return document.querySelectorAll({:?}).length",
                format!("{card}[data-status=sent]")
            ),
            json!([]),
        )?;
        assert_eq!(files, json!(1), "one file per BL");
        let number = w
            .js(
                &format!("return document.querySelector({card:?}).dataset.number"),
                json!([]),
            )?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        w.screenshots("11-tracking-open")?;
        world.server.api(
            STAFF,
            STAFF_PASSWORD,
            "POST",
            &format!("/api/v1/staff/dossiers/{number}/events"),
            Some(json!({"status": "received"})),
        )?;
        let started = Instant::now();
        loop {
            w.click("#tab-open")?;
            w.on_screen("tracking")?;
            let status = w.js(
                &format!("return document.querySelector({card:?})?.dataset.status"),
                json!([]),
            )?;
            if status == json!("received") {
                break;
            }
            if started.elapsed() > WAIT {
                bail!("the gauge did not move: {status}");
            }
            std::thread::sleep(POLL * 4);
        }
        w.until(
            "the gauge at step 2",
            &format!(
                "return document.querySelector({:?})?.dataset.step === '2'",
                format!("{card} .gauge")
            ),
        )?;
        w.click(&format!("{card} .file-link"))?;
        w.on_screen("dossier")?;
        w.find("#timeline li[data-status=received]")?;
        // The file names its request, and its pré-accord can be opened again from here.
        let file_request = w.until_text("#file-request", "R-")?;
        assert!(
            request_number.ends_with(file_request.trim()),
            "{request_number} / {file_request}"
        );
        w.find(".file-preaccord #open-preaccord")?;
        w.until_text(".file-preaccord #preaccord-email", CUSTOMER)?;
        w.screenshots("12-file-detail")?;
        // The line's reason is its label in each language, never the code `order_error`.
        w.until_text("#screen", "Erreur commande")?;
        w.switch_language()?;
        w.until_text("#screen", "Ordering error")?;
        w.screenshots("12-file-detail-en")?;
        let english = w.text("#screen")?;
        w.switch_language()?;
        w.until_text("#screen", "Erreur commande")?;
        if english.contains("order_error") || w.text("#screen")?.contains("order_error") {
            bail!("the file detail shows the reason's code: {english}");
        }
        w.js("location.hash = '#/tracking?tab=closed'", json!([]))?;
        w.until(
            "the closed tab",
            "return document.querySelector('#tab-closed.active')",
        )?;
        // A closed file's facts each under its label: no empty "Avoir n°", the quantities
        // returned and accepted, the decision.
        let unlabelled = w.js(
            "return [...document.querySelectorAll('.closed-facts > div')].filter(d => \
               !d.querySelector('dt').textContent.trim() || !d.querySelector('dd').textContent.trim()).map(d => d.textContent)",
            json!([]),
        )?;
        assert_eq!(
            unlabelled,
            json!([]),
            "closed facts without a label or a value"
        );
        w.until_text("#file-cards .closed-qty", "Retournée")?;
        w.until_text("#file-cards .closed-facts", "Décision")?;
        w.screenshots("13-tracking-closed")?;
        w.click(".title-row .info-button")?;
        w.find("dialog[open] .status-help")?;
        w.screenshots("14-statuses-help")?;
        w.click("dialog[open] [data-close]")?;
        w.click("#file-cards .file-card .file-link")?;
        w.on_screen("dossier")?;
        w.until_text("#screen .closed-facts", "Décision")?;
        w.until_text("#screen .pieces", "Retournée")?;
        w.screenshots("13b-file-detail-closed")?;
        w.switch_language()?;
        w.until_text("#screen .closed-facts", "Decision")?;
        w.screenshots("13b-file-detail-closed-en")?;
        w.switch_language()?;
        w.until_text("#screen .closed-facts", "Décision")?;

        // A supplier reference lists its BLs.
        w.js("location.hash = '#/declare'", json!([]))?;
        w.on_screen("declare")?;
        let reference = world.server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            &format!("/api/v1/delivery-notes/{bl}"),
            None,
        )?["lines"][0]["reference"]
            .as_str()
            .context("a reference")?
            .to_owned();
        w.find("#reference-input")?.type_text(&reference)?;
        w.click("#reference-search")?;
        w.on_screen("results")?;
        w.find(&format!("#lookup-results li[data-bl='{bl}']"))?;
        w.screenshots("15-reference-results")?;

        // A USB scanner burst, with no field focused, opens the BL (printed with its two zeros).
        w.js("location.hash = '#/declare'", json!([]))?;
        w.on_screen("declare")?;
        w.js(
            "document.activeElement && document.activeElement.blur()",
            json!([]),
        )?;
        let other = numbers.iter().find(|n| **n != bl).unwrap_or(&bl).clone();
        w.burst(&format!("00{other}"))?;
        w.on_screen("bl")?;
        w.until_text("#bl-number", &other)?;

        // Settings, English.
        w.click("#settings-link")?;
        w.on_screen("settings")?;
        // The return server's address is folded away from garages, and the old "Code lu" is gone.
        w.find("#advanced-settings:not([open])")?;
        let old_message = w.js(
            "const t = document.getElementById('toast'); return t.classList.contains('show') ? t.textContent : null",
            json!([]),
        )?;
        if !old_message.is_null() {
            bail!("a message of an earlier screen rides into the settings: {old_message}");
        }
        w.screenshots("16-settings")?;
        w.click("#advanced-settings summary")?;
        w.find("#advanced-settings[open] #server-url")?;
        w.screenshots("16b-settings-advanced")?;
        w.switch_language()?;
        w.until_text("h1", "SETTINGS")?;
        w.switch_language()?;
        w.until_text("h1", "RÉGLAGES")?;
        w.window_close()
    })
}

/// The layout check can fail: a box planted over the login button makes it report that button
/// as hidden, so does a footer stuck to the window's bottom over a control scrolled just into
/// view; a box wider than the window an overflow, and pale text axe-core's contrast rule.
#[test]
fn the_layout_check_fails_on_a_planted_overlap_overflow_and_pale_text() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start("always")?;
        let w = &world.window;
        w.on_screen("login")?;
        w.find("#login-submit")?;
        let names_button = |problems: &[String]| {
            problems
                .iter()
                .any(|p| p.starts_with("hidden control: button#login-submit"))
        };
        let before = w.layout_problems()?;
        if names_button(&before) {
            bail!("the login button is reported before anything covers it: {before:?}");
        }
        w.js(
            "const b = document.getElementById('login-submit').getBoundingClientRect(); \
             const cover = document.createElement('div'); cover.id = 'planted'; \
             Object.assign(cover.style, {position: 'fixed', left: b.left + 'px', top: b.top + 'px', \
               width: b.width + 'px', height: b.height + 'px', background: '#fff', zIndex: 50}); \
             document.body.append(cover);",
            json!([]),
        )?;
        let covered = w.layout_problems()?;
        if !covered.iter().any(|p| {
            p.starts_with("hidden control: button#login-submit") && p.contains("div#planted")
        }) {
            bail!("the planted box over the login button is not reported: {covered:?}");
        }
        // A control below the fold and a footer that sticks to the window's bottom after it: a
        // person's scroll brings the control just into view, where the footer covers it.
        w.js(
            "document.getElementById('planted').remove(); \
             const spacer = document.createElement('div'); spacer.id = 'spacer'; spacer.style.height = (2 * window.innerHeight) + 'px'; \
             const below = document.createElement('button'); below.id = 'below-the-fold'; below.type = 'button'; below.textContent = 'sous le pied'; \
             const footer = document.createElement('div'); footer.id = 'sticky-footer'; footer.textContent = 'pied collant'; \
             Object.assign(footer.style, {position: 'sticky', bottom: '0', height: '120px', background: '#ffffff', color: '#14202e'}); \
             document.getElementById('screen').append(spacer, below, footer);",
            json!([]),
        )?;
        let under_footer = w.layout_problems()?;
        if !under_footer.iter().any(|p| {
            p.starts_with("hidden control: button#below-the-fold")
                && p.contains("div#sticky-footer")
        }) {
            bail!("the control under the sticky footer is not reported: {under_footer:?}");
        }
        w.js(
            "for (const id of ['spacer', 'below-the-fold', 'sticky-footer']) document.getElementById(id).remove(); \
             const wide = document.createElement('p'); wide.id = 'too-wide'; wide.textContent = 'trop large'; \
             wide.style.width = (window.innerWidth + 200) + 'px'; document.getElementById('screen').append(wide);",
            json!([]),
        )?;
        let wide = w.layout_problems()?;
        if !wide.iter().any(|p| p.starts_with("overflow: the page is"))
            || !wide
                .iter()
                .any(|p| p.contains("p#too-wide") && p.contains("sticks out"))
        {
            bail!("the planted overflow is not reported: {wide:?}");
        }
        w.js(
            "document.getElementById('too-wide').remove(); \
             const pale = document.createElement('p'); pale.id = 'pale'; pale.textContent = 'texte pâle'; \
             Object.assign(pale.style, {color: '#c8c8c8', background: '#ffffff'}); \
             document.getElementById('screen').append(pale);",
            json!([]),
        )?;
        let pale = w.layout_problems()?;
        if !pale
            .iter()
            .any(|p| p.starts_with("axe color-contrast") && p.contains("#pale"))
        {
            bail!("the planted pale text is not reported: {pale:?}");
        }
        w.window_close()
    })
}

/// Outside opening hours the closed screen shows the week; tracking still works.
#[test]
fn closed_service_still_lets_tracking_work() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start(&closed_today_schedule())?;
        let w = &world.window;
        world.login(CUSTOMER, PASSWORD)?;
        w.on_screen("closed")?;
        w.until_text("#closed-title", "LE SERVICE EST ACTUELLEMENT FERMÉ")?;
        w.until_text("#hours", "05:00")?;
        w.until_text("#hours", "ermé")?;
        w.screenshots("17-service-closed")?;
        w.js("location.hash = '#/declare'", json!([]))?;
        w.on_screen("closed")?;
        w.click("#closed-track")?;
        w.on_screen("tracking")?;
        w.find("#file-cards .file-card")?;
        w.window_close()
    })
}

/// Offline: the server stops, the cart is edited, the server comes back, the edit reaches it.
#[test]
fn an_offline_cart_edit_syncs_when_the_server_is_back() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let mut world = World::start("always")?;
        world.login(CUSTOMER, PASSWORD)?;
        let w = &world.window;
        w.on_screen("home")?;
        w.click("#go-declare")?;
        w.on_screen("declare")?;
        let numbers: Vec<String> = serde_json::from_value(w.js(
        "return new Promise(r => { const t = setInterval(() => { const l = [...document.querySelectorAll('#recent-bls .bl-row')]; if (l.length) { clearInterval(t); r(l.map(e => e.dataset.bl)); } }, 50); })",
        json!([]),
    )?)?;
        let bl = w.open_a_bl_with_an_eligible_line(numbers.iter().map(String::as_str))?;
        w.click("#bl-lines input[type=checkbox]:not(:disabled)")?;
        w.click("#add-to-cart")?;
        w.on_screen("cart")?;
        let line = format!("#cart-lines li[data-bl='{bl}']");
        w.find(&line)?;
        w.click(&format!("{line} .pill-choice"))?;
        w.until(
            "the reason",
            &format!(
                "return [...document.querySelectorAll({:?})].some(r => r.checked)",
                format!("{line} input[type=radio]")
            ),
        )?;
        w.click("#save-cart")?;
        w.until(
            "everything synced",
            "return document.getElementById('pending-count')?.textContent === '0'",
        )?;

        world.server.stop()?;
        w.click("#save-cart")?;
        w.until(
            "the offline state",
            "return !!document.querySelector('#net.offline')",
        )?;
        w.click(&format!("{line} .pill-choice:last-of-type"))?;
        let reason = w.until(
            "the new reason",
            &format!(
                "return [...document.querySelectorAll({:?})].find(r => r.checked)?.value",
                format!("{line} input[type=radio]")
            ),
        )?;
        w.until(
            "a pending change",
            "return Number(document.getElementById('pending-count')?.textContent) > 0",
        )?;
        w.screenshots("18-offline-pending")?;

        world.server.restart()?;
        w.click("#save-cart")?;
        w.until("everything synced again", "return document.getElementById('pending-count')?.textContent === '0' && !!document.querySelector('#net.online')")?;
        let cart = world
            .server
            .api(CUSTOMER, PASSWORD, "GET", "/api/v1/cart", None)?;
        let on_server = cart["lines"]
            .as_array()
            .and_then(|l| l.iter().find(|l| l["delivery_note"] == json!(bl)))
            .context("the line on the server")?;
        assert_eq!(
            on_server["reason"], reason,
            "the offline edit reached the server"
        );
        world.window.window_close()
    })
}

/// Photos on a cart line (issue 13, item 3): "Ajouter une photo" takes a phone photo carrying
/// its GPS position (handed to the page's file input as the phone's camera would), the line shows
/// its thumbnail and what the reason asks, in French and in English at both sizes; the photo
/// leaves with the request and shows on the file.
#[test]
fn a_cart_line_takes_a_photo_and_the_file_shows_it() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start("always")?;
        world.login(CUSTOMER, PASSWORD)?;
        let w = &world.window;
        w.on_screen("home")?;
        w.click("#go-declare")?;
        w.on_screen("declare")?;
        let numbers: Vec<String> = serde_json::from_value(w.js(
            "return new Promise(r => { const t = setInterval(() => { const l = [...document.querySelectorAll('#recent-bls .bl-row')]; if (l.length) { clearInterval(t); r(l.map(e => e.dataset.bl)); } }, 50); })",
            json!([]),
        )?)?;
        let bl = w.open_a_bl_with_an_eligible_line(numbers.iter().map(String::as_str))?;
        w.click("#bl-lines input[type=checkbox]:not(:disabled)")?;
        w.click("#add-to-cart")?;
        w.on_screen("cart")?;
        let line = format!("#cart-lines li[data-bl='{bl}']");
        let id = w
            .js(
                "return document.querySelector(arguments[0]).id",
                json!([line]),
            )?
            .as_str()
            .context("the line's id")?
            .to_owned();
        w.click(&format!("label[for='{id}-reason-defective']"))?;
        w.until_text(
            &format!("{line} .photo-rule"),
            "Une photo aide l'inspection",
        )?;
        // The phone's camera hands the page a JPEG with the GPS position in its EXIF.
        w.choose_photo(
            &format!("{id}-photo-input"),
            &retour_tests::jpeg_with_gps(1600, 1200, 120),
        )?;
        w.until(
            "the thumbnail",
            &format!("return [...document.querySelectorAll({:?})].some(i => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0)", format!("{line} .photo-thumb")),
        )?;
        w.until_text(&format!("{line} .photo-count"), "1/5")?;
        w.find(&format!("#{id}-add-photo"))?;
        w.screenshots("34-cart-photos")?;
        w.switch_language()?;
        w.until_text(
            &format!("{line} .photo-rule"),
            "A photo helps the inspection",
        )?;
        w.until_text(&format!("#{id}-add-photo"), "Add a photo")?;
        w.screenshots("34-cart-photos-en")?;
        w.switch_language()?;
        w.until_text(&format!("#{id}-add-photo"), "Ajouter une photo")?;

        // Sent with the request; the file shows the photo.
        w.click("#send-request")?;
        w.on_screen("confirmation")?;
        let files = world
            .server
            .api(CUSTOMER, PASSWORD, "GET", "/api/v1/dossiers", None)?;
        let file = files["items"]
            .as_array()
            .and_then(|items| items.iter().find(|d| d["delivery_note"] == json!(bl)))
            .context("the file on the server")?;
        let photos = file["lines"][0]["photos"].clone();
        ensure!(photos.as_array().is_some_and(|p| p.len() == 1), "{photos}");
        let number = file["number"].as_str().context("its number")?.to_owned();
        w.js(
            "location.hash = '#/tracking/' + arguments[0]",
            json!([number]),
        )?;
        w.on_screen("dossier")?;
        w.until(
            "the file's thumbnail",
            "return [...document.querySelectorAll('.pieces .photo-thumb')].some(i => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0)",
        )?;
        w.until_text(
            "#timeline li.event.photo .event-text",
            "1 photo jointe à la demande",
        )?;
        w.screenshots("35-file-photos")?;

        // A message with a photo: previewed before it leaves, then in the thread.
        w.find("#message-text")?
            .type_text("La pièce telle que reçue, photo jointe.")?;
        w.choose_photo(
            "message-photo-input",
            &retour_tests::jpeg_with_gps(1200, 900, 60),
        )?;
        w.until(
            "the message's photo previewed",
            "return document.querySelectorAll('#message-photo-strip img').length === 1",
        )?;
        w.js(
            "document.getElementById('message-send').scrollIntoView({ block: 'end' })",
            json!([]),
        )?;
        w.screenshots("36-message-photo-chosen")?;
        w.click("#message-send")?;
        // Shown at once, waiting; then delivered by the sync (only then is it on the server).
        w.until(
            "the message's photo in the thread, delivered",
            "return [...document.querySelectorAll('#timeline li.event.message:not(.pending) .message-photos .photo-thumb')].some(i => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0) && !document.querySelector('#message-photo-strip img')",
        )?;
        let thread = world.server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            &format!("/api/v1/dossiers/{number}"),
            None,
        )?;
        let sent = thread["timeline"]
            .as_array()
            .and_then(|events| events.iter().rev().find_map(|e| e.get("message")))
            .context("the message on the server")?;
        ensure!(
            sent["photos"].as_array().is_some_and(|p| p.len() == 1),
            "{sent}"
        );
        w.js(
            "[...document.querySelectorAll('#timeline .message-photos')].pop().scrollIntoView({ block: 'center' })",
            json!([]),
        )?;
        w.screenshots("36-message-photo-sent")?;
        world.window.window_close()
    })
}

/// A file's story and its thread (PRODUCT.md screen 9), on the demo's refused file: each line's
/// decision in words (labels, never codes) with the staff's comment, the timeline oldest first
/// with who and when (Paris time), the reply of the returns service; a message written and sent;
/// an empty one refused in French; one written without network shown "En attente d'envoi", then
/// delivered once by the next sync. French and English, phone and desktop.
#[test]
fn a_file_tells_its_story_and_takes_a_message() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let mut world = World::start("always")?;
        let server = &world.server;
        let closed = server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            "/api/v1/dossiers?state=closed",
            None,
        )?;
        let mut found = None;
        for item in closed["items"].as_array().context("closed files")? {
            let n = item["number"].as_str().context("a number")?;
            let file = server.api(
                CUSTOMER,
                PASSWORD,
                "GET",
                &format!("/api/v1/dossiers/{n}"),
                None,
            )?;
            let refused = file["lines"].as_array().is_some_and(|lines| {
                lines
                    .iter()
                    .any(|l| l["decision"]["refused_qty"].as_u64().unwrap_or(0) > 0)
            });
            let thread = file["timeline"]
                .as_array()
                .is_some_and(|t| t.iter().any(|e| e["kind"] == "message"));
            if refused && thread {
                found = Some((n.to_owned(), file));
                break;
            }
        }
        let (number, file) = found.context("the demo's refused file with a thread")?;
        // The first event's time as Paris clocks showed it.
        let first_at = file["timeline"][0]["at"].as_str().context("an instant")?;
        let paris = chrono::DateTime::parse_from_rfc3339(first_at)?
            .with_timezone(&retour_domain::hours::PARIS)
            .format("%d/%m/%Y %H:%M")
            .to_string();

        world.login(CUSTOMER, PASSWORD)?;
        let w = &world.window;
        w.on_screen("home")?;
        w.js(&format!("location.hash = '#/tracking/{number}'"), json!([]))?;
        w.on_screen("dossier")?;
        w.until_text(
            "#screen .line-decision",
            "Pièce montée ou traces de montage — Renvoyée au garage",
        )?;
        w.until_text("#screen .line-decision", "Acceptée 0 / Refusée")?;
        w.until_text(
            "#screen .decision-comment",
            "Traces de serrage sur les fixations",
        )?;
        w.until_text("#timeline li:first-child .who", "Vous")?;
        w.until_text("#timeline li:first-child time", &paris)?;
        w.until_text("#timeline li:first-child", "Demande de retour envoyée")?;
        w.until_text("#timeline li.message.actor-staff .who", "Service retours")?;
        w.until_text(
            "#timeline li.message.actor-staff .bubble",
            "traces de serrage",
        )?;
        // The pré-accord reopens from the file.
        w.find(".file-preaccord #open-preaccord")?;
        let order = w.js(
            "return [...document.querySelectorAll('#timeline time')].map(t => t.getAttribute('datetime'))",
            json!([]),
        )?;
        let instants: Vec<String> = serde_json::from_value(order)?;
        let parsed = instants
            .iter()
            .map(|t| chrono::DateTime::parse_from_rfc3339(t))
            .collect::<Result<Vec<_>, _>>()?;
        ensure!(
            parsed.windows(2).all(|p| p[0] <= p[1]),
            "oldest first: {instants:?}"
        );
        let scroll_to = |css: &str| {
            w.js(
                &format!("document.querySelector({css:?}).scrollIntoView({{block: 'start'}})"),
                json!([]),
            )
        };
        scroll_to(".pieces.detailed")?;
        w.screenshots("30-dossier-timeline")?;
        w.switch_language()?;
        w.until_text(
            "#screen .line-decision",
            "Part fitted or showing fitting marks — Sent back to the garage",
        )?;
        w.until_text("#timeline li:first-child .who", "You")?;
        w.until_text(
            "#timeline li.message.actor-staff .who",
            "Returns department",
        )?;
        let english = w.text("#screen")?;
        // Codes that are not English words ("fitted" and "returned" are, in the labels).
        for code in [
            "out_of_window",
            "not_matching",
            "no_fault_found",
            "refusal_",
            "disposition_",
        ] {
            ensure!(
                !english.split_whitespace().any(|word| word.contains(code)),
                "a bare code {code:?} on the English screen: {english}"
            );
        }
        scroll_to(".pieces.detailed")?;
        w.screenshots("30-dossier-timeline-en")?;
        w.switch_language()?;
        w.until_text("#timeline li:first-child .who", "Vous")?;

        // An empty message is refused in French, nothing is sent.
        w.click("#message-send")?;
        w.until_text("#message-error", "Écrivez votre message avant de l'envoyer")?;
        // A message is written and sent: it ends the thread, from "Vous".
        let text = "Merci. Pouvez-vous joindre une photo des traces à votre réponse ?";
        w.find("#message-text")?.type_text(text)?;
        w.until_text(
            "#message-count",
            &format!("{} / 2000", text.chars().count()),
        )?;
        w.click("#message-send")?;
        w.until_text("#timeline li:last-child .bubble", text)?;
        w.until_text("#timeline li:last-child .who", "Vous")?;
        ensure!(
            w.find_now("#timeline li.outbox")?.is_none(),
            "the message left at once"
        );
        scroll_to("#timeline li:last-child")?;
        w.screenshots("31-dossier-message")?;
        w.switch_language()?;
        w.until_text("#message-form label", "Write to the returns department")?;
        scroll_to("#timeline li:last-child")?;
        w.screenshots("31-dossier-message-en")?;
        w.switch_language()?;
        w.until_text("#message-form label", "Écrire au service retours")?;

        // Without network the message waits, marked so, and leaves with the next sync, once.
        world.server.stop()?;
        let waiting = "Écrit sans réseau : il partira à la prochaine synchronisation.";
        w.find("#message-text")?.type_text(waiting)?;
        w.click("#message-send")?;
        w.until_text(
            "#timeline li.outbox.pending .message-state",
            "En attente d'envoi",
        )?;
        w.until_text("#timeline li.outbox.pending .bubble", waiting)?;
        scroll_to("#timeline li.outbox.pending")?;
        w.screenshots("31-dossier-message-pending")?;
        w.switch_language()?;
        w.until_text(
            "#timeline li.outbox.pending .message-state",
            "Waiting to be sent",
        )?;
        scroll_to("#timeline li.outbox.pending")?;
        w.screenshots("31-dossier-message-pending-en")?;
        w.switch_language()?;
        w.until_text(
            "#timeline li.outbox.pending .message-state",
            "En attente d'envoi",
        )?;

        world.server.restart()?;
        let w = &world.window;
        w.js("location.hash = '#/settings'", json!([]))?;
        w.on_screen("settings")?;
        w.click("#sync-now")?;
        w.until(
            "nothing waits",
            "return document.getElementById('pending-count')?.hidden === true && !!document.querySelector('#net.online')",
        )?;
        w.js(&format!("location.hash = '#/tracking/{number}'"), json!([]))?;
        w.on_screen("dossier")?;
        w.until_text("#timeline li:last-child .bubble", waiting)?;
        ensure!(
            w.find_now("#timeline li.outbox")?.is_none(),
            "nothing waits any more"
        );
        let file = world.server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            &format!("/api/v1/dossiers/{number}"),
            None,
        )?;
        let delivered = file["timeline"]
            .as_array()
            .context("timeline")?
            .iter()
            .filter(|e| e["message"]["text"] == json!(waiting))
            .count();
        assert_eq!(delivered, 1, "the waiting message reached the server once");
        world.window.window_close()
    })
}

/// "Mot de passe oublié ?" on the login screen: the link is e-mailed, a wrong code is refused in
/// French, the e-mailed link sets a new password, which then signs in.
#[test]
fn a_forgotten_password_is_reset_from_the_login_screen() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start("always")?;
        let w = &world.window;
        w.on_screen("login")?;
        w.click("#forgot-link")?;
        let email = w.find("#dialog-email")?;
        email.clear()?;
        email.type_text(CUSTOMER)?;
        w.click("dialog[open] form:first-of-type button.primary")?;
        w.until_text("dialog[open] p.info", "un e-mail vient de lui être envoyé")?;
        let link = world.server.last_mail_link("reset")?;

        w.click("dialog[open] form:first-of-type button.link")?;
        let token = w.find("#dialog-token")?;
        token.type_text("pas-le-bon-code")?;
        let new_password = "Nouveau-Passe-2027";
        w.find("#dialog-new-password")?.type_text(new_password)?;
        w.click("dialog[open] form:last-of-type button.primary")?;
        w.until_text("dialog[open] p.info", "n'est plus valable")?;
        w.screenshots("19-login-forgot-password")?;
        token.clear()?;
        token.type_text(&link)?;
        w.click("dialog[open] form:last-of-type button.primary")?;
        w.until_text("#toast", "Mot de passe modifié")?;

        world.login(CUSTOMER, new_password)?;
        w.on_screen("home")?;
        w.window_close()
    })
}

/// An Autossimo link for another garage while one is signed in (anyone's page can open one):
/// the window asks, naming the link's account and its garage and the account here; "Cancel"
/// (in English) leaves the app on its account; "Continuer" (in French) switches. Then the token
/// canary over the WebView's own data: after a real refresh (the server's clock moved past the
/// access token's lifetime), no token of either account (raw, base64, hex) is in any file of
/// the WebView's data and cache homes (WebKit's local storage, caches) nor of the data folder.
#[test]
fn an_sso_link_for_another_account_asks_first() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start("always")?;
        let w = &world.window;
        w.on_screen("login")?;
        let field = w.find("#login-email")?;
        field.clear()?;
        field.type_text(CUSTOMER)?;
        w.find("#login-password")?.type_text(PASSWORD)?;
        w.js(
            "document.getElementById('login-remember').checked = true; return true;",
            json!([]),
        )?;
        w.click("#login-submit")?;
        w.on_screen("home")?;
        let mut seen = world.kept_tokens(CUSTOMER)?;

        // In English, the link for B: asked, and "Cancel" keeps A.
        w.switch_language()?;
        world.open_link(&sso_link(CUSTOMER_B)?)?;
        w.find("#sso-confirm[open]")?;
        w.until_text("#sso-target", CUSTOMER_B)?;
        w.until_text("#sso-target", "customer account")?;
        w.until_text("#sso-current", &format!("You are signed in as {CUSTOMER}"))?;
        w.screenshots("20-sso-confirm-en")?;
        ensure!(world.account()? == CUSTOMER, "switched before the answer");
        w.click("#sso-cancel")?;
        w.until_text("#toast", "Sign-in cancelled")?;
        ensure!(world.account()? == CUSTOMER, "switched after Cancel");
        w.switch_language()?;

        // In French, the same question, and "Continuer" switches to B.
        world.open_link(&sso_link(CUSTOMER_B)?)?;
        w.find("#sso-confirm[open]")?;
        w.until_text("#sso-target", "Se connecter en tant que")?;
        w.until_text(
            "#sso-current",
            &format!("Vous êtes connecté en tant que {CUSTOMER}"),
        )?;
        w.screenshots("20-sso-confirm")?;
        w.click("#sso-continue")?;
        w.until("the account B", &format!("return window.__TAURI__.core.invoke('session').then((s) => s.email === {CUSTOMER_B:?});"))?;
        w.on_screen("home")?;
        let before = world.kept_tokens(CUSTOMER_B)?;
        seen.extend(before.clone());

        // A real refresh in the window: past the access token's life, the next call gets a 401.
        world.server.expire_access_tokens();
        w.js("location.hash = '#/tracking'; return true;", json!([]))?;
        w.on_screen("tracking")?;
        let started = Instant::now();
        let after = loop {
            let now = world.kept_tokens(CUSTOMER_B)?;
            if now != before {
                break now;
            }
            ensure!(
                started.elapsed() < WAIT,
                "the window never refreshed its tokens"
            );
            std::thread::sleep(POLL);
        };
        seen.extend(after);
        w.window_close()?;

        let mut files = retour_tests::files_under(world.webview.path());
        ensure!(
            !files.is_empty(),
            "WebKit kept nothing under {}: not the WebView's data folder",
            world.webview.path().display()
        );
        eprintln!("token canary: {} files of the WebView's data", files.len());
        files.extend(retour_tests::files_under(world.data.path()));
        for file in &files {
            let bytes = std::fs::read(file).unwrap_or_default();
            for token in &seen {
                for form in retour_tests::canary::forms(token) {
                    ensure!(
                        !retour_tests::canary::contains(&bytes, &form),
                        "a token is in {}",
                        file.display()
                    );
                }
            }
        }
        Ok(())
    })
}

/// The camera films a picture of a recent BL's barcode: the preview shows, then the BL opens.
#[test]
fn the_camera_preview_shows_and_a_filmed_bl_opens() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let mut filmed = String::new();
        let world = World::start_with("always", |server, dir| {
            let recent = server.api(
                CUSTOMER,
                PASSWORD,
                "GET",
                "/api/v1/delivery-notes?days=7",
                None,
            )?;
            filmed = recent["items"][0]["number"]
                .as_str()
                .context("a recent BL")?
                .to_owned();
            // The BL's printed barcode: its number with the two leading zeros, in Code 128.
            let picture = dir.join("photo-du-bl.png");
            std::fs::write(&picture, retour_tests::code128_png(&format!("00{filmed}"))?)?;
            Ok(Some(picture))
        })?;
        let w = &world.window;
        world.login(CUSTOMER, PASSWORD)?;
        w.on_screen("home")?;
        w.click("#go-declare").context("go declare")?;
        w.on_screen("declare")?;
        // The preview may be replaced by the BL within a moment: record the first one shown.
        w.js(
        "const p = document.getElementById('camera-preview'); window.__preview = null; \
         p.addEventListener('load', () => { if (!p.hidden && p.src.startsWith('data:image/jpeg;base64,')) \
         window.__preview = window.__preview || {width: p.naturalWidth, height: p.naturalHeight}; });",
        json!([]),
    )?;
        // The BL field has the focus on a desktop: bring the scan card back into view.
        w.js(
            "document.getElementById('camera-toggle').scrollIntoView({block: 'center'})",
            json!([]),
        )?;
        w.click("#camera-toggle").context("camera toggle")?;
        let preview = w.until(
            "a camera preview image",
            "return window.__preview && window.__preview.width > 0 ? window.__preview : null",
        )?;
        assert_eq!(preview["width"], json!(640), "{preview}");
        w.on_screen("bl")?;
        w.until_text("#bl-number", &filmed)?;
        w.window_close()
    })
}

/// The WebView camera (the path of Android and iOS, and of desktops where nokhwa finds none):
/// `getUserMedia` in the page, here a canvas that films a picture of a recent BL's barcode. A
/// refused camera and an unplugged one each say so in French and leave no preview; then the
/// preview plays, its frames go through the Rust scanner, and the BL opens.
#[test]
fn the_webview_camera_films_a_bl_and_opens_it() -> Result<()> {
    use base64::Engine as _;
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start("always")?;
        let recent = world.server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            "/api/v1/delivery-notes?days=7",
            None,
        )?;
        let filmed = recent["items"][0]["number"]
            .as_str()
            .context("a recent BL")?
            .to_owned();
        let picture = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD
                .encode(retour_tests::code128_png(&format!("00{filmed}"))?)
        );
        let w = &world.window;
        world.login(CUSTOMER, PASSWORD)?;
        w.on_screen("home")?;
        w.click("#go-declare").context("go declare")?;
        w.on_screen("declare")?;
        // The shell lets the page film (WebKitGTK's media stream is off unless enabled); the
        // camera it films is this canvas: blank, or the BL's barcode, as `window.__camera` says.
        // Replaced on the prototype: a property set on `navigator.mediaDevices` itself is lost
        // when the engine collects that object's JS wrapper and makes a new one.
        w.js(
            "const picture = arguments[0]; \
             if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false; \
             MediaDevices.prototype.getUserMedia = async () => { \
               window.__calls = (window.__calls || 0) + 1; \
               if (window.__camera === 'refused') throw new DOMException('refused', 'NotAllowedError'); \
               const canvas = document.createElement('canvas'); canvas.width = 640; canvas.height = 360; \
               const context = canvas.getContext('2d'); const image = new Image(); \
               if (window.__camera === 'bl') await new Promise((loaded, failed) => { \
                 image.onload = loaded; image.onerror = failed; image.src = picture; }); \
               const draw = () => { context.fillStyle = '#fff'; context.fillRect(0, 0, 640, 360); \
                 if (image.naturalWidth) context.drawImage(image, 0, 0); }; \
               draw(); setInterval(draw, 50); \
               const stream = canvas.captureStream(20); window.__tracks = stream.getVideoTracks(); \
               return stream; }; \
             new MutationObserver(() => { \
               const v = document.getElementById('webcam-preview'); \
               if (v && !v.dataset.watched) { v.dataset.watched = '1'; \
                 v.addEventListener('playing', () => { window.__played = v.videoWidth; }); } \
               const t = document.getElementById('toast'); \
               if (t && t.textContent && t.textContent !== window.__lastToast) { \
                 window.__lastToast = t.textContent; window.__messages.push(t.textContent); } \
             }).observe(document.body, {childList: true, subtree: true, characterData: true}); \
             window.__messages = []; \
             return true;",
            json!([picture]),
        )
        .and_then(|enabled| {
            if enabled == json!(true) {
                Ok(())
            } else {
                Err(anyhow!("the WebView offers no getUserMedia"))
            }
        })?;
        // No native camera on this machine: every scan screen (the driver's included) films in
        // the WebView.
        ensure!(
            chooses_webview_camera(w)?,
            "a shell without a camera films in the WebView"
        );
        let open_camera = || -> Result<()> {
            w.js(
                "document.getElementById('camera-toggle').scrollIntoView({block: 'center'})",
                json!([]),
            )?;
            w.click("#camera-toggle").context("camera toggle")
        };
        // The preview's width once it plays, or the camera's message (the BL may replace the
        // preview within a moment, so the page notes when it played).
        let playing = "return window.__played || (window.__messages.length ? \
                       window.__messages.join(' | ') + ' (getUserMedia calls: ' + window.__calls + ')' : null)";
        let gone = "return document.getElementById('webcam-preview') === null \
                    && document.getElementById('camera-toggle').textContent.includes('Ouvrir')";

        w.js("window.__camera = 'refused'", json!([]))?;
        open_camera()?;
        w.until_text("#camera-problem", "L'accès à la caméra a été refusé")?;
        w.until("no preview and the camera closed", gone)?;
        // The message stays in the scan card with the ways forward: type the number, a photo.
        w.find("#camera-problem #camera-type-number")?;
        w.until_text("#camera-problem", "importez une photo")?;
        w.js(
            "document.getElementById('camera-problem').scrollIntoView({block: 'center'})",
            json!([]),
        )?;
        w.screenshots("29-error-camera-refused")?;

        w.js(
            "window.__camera = 'blank'; window.__played = null; window.__messages = []",
            json!([]),
        )?;
        open_camera()?;
        let width = w.until("the blank preview to play", playing)?;
        assert_eq!(width, json!(640), "the camera did not start");
        w.js(
            "window.__tracks[0].dispatchEvent(new Event('ended'))",
            json!([]),
        )?;
        w.until_text("#camera-problem", "La caméra a été débranchée")?;
        w.until("no frozen preview after the unplug", gone)?;

        w.js(
            "window.__camera = 'bl'; window.__played = null; window.__messages = []",
            json!([]),
        )?;
        let clicked = Instant::now();
        open_camera()?;
        let width = w.until("the BL's preview to play", playing)?;
        assert_eq!(width, json!(640), "the camera did not start");
        w.on_screen("bl")?;
        w.until_text("#bl-number", &filmed)?;
        eprintln!(
            "webview camera: click to BL rendered in {} ms",
            clicked.elapsed().as_millis()
        );
        w.window_close()
    })
}

/// Every error state has a screen or a message with a way forward, in French (some in English
/// too), each with its screenshots: a BL not found on this account (another customer's answers
/// the same), a BL past its return window, a BL whose every piece is returned, a reference with
/// no BL, the native camera unplugged while filming, a BL offline that is not on the device, a
/// send refused in the background, and a session that expired (the cart kept).
#[test]
fn every_error_state_has_a_way_forward() -> Result<()> {
    use retour_server::demo::{PAST_WINDOW_BL, RETURNED_BL};
    let _one = one_at_a_time();
    with_one_retry(|| {
        // The camera films a grey picture (no code in it) until the file is removed.
        let mut picture = PathBuf::new();
        let mut world = World::start_with("always", |_, dir| {
            picture = dir.join("camera.png");
            image::RgbImage::from_pixel(320, 240, image::Rgb([190, 190, 190])).save(&picture)?;
            Ok(Some(picture.clone()))
        })?;
        let w = &world.window;
        world.login(CUSTOMER, PASSWORD)?;
        w.on_screen("home")?;
        let no_code_on_screen = |what: &str, codes: &[&str]| -> Result<()> {
            let text = w.text("#screen")?;
            for code in codes {
                if text.contains(code) {
                    bail!("{what} shows the code {code}: {text}");
                }
            }
            Ok(())
        };

        // A BL not on this account: the number typed, and the ways forward.
        w.js("location.hash = '#/bl/123456789'", json!([]))?;
        w.until_text(
            "#bl-not-found",
            "Le BL n° 123456789 est introuvable sur votre compte",
        )?;
        for way in [
            "#retype-bl",
            "#scan-bl",
            "#where-is-number",
            "#back-to-declare",
        ] {
            w.find(way)?;
        }
        no_code_on_screen("the unknown BL", &["not_found", "Ressource introuvable"])?;
        w.screenshots("21-error-bl-not-found")?;
        w.switch_language()?;
        w.until_text("#bl-not-found", "is not on your account")?;
        w.screenshots("21-error-bl-not-found-en")?;
        w.switch_language()?;
        w.until_text("#bl-not-found", "introuvable sur votre compte")?;
        // Another garage's BL answers exactly like a missing one.
        let foreign = world.server.api(
            retour_server::demo::CUSTOMER_B,
            PASSWORD,
            "GET",
            "/api/v1/delivery-notes?days=7",
            None,
        )?["items"][0]["number"]
            .as_str()
            .context("a BL of garage B")?
            .to_owned();
        w.js("location.hash = '#/bl/' + arguments[0]", json!([foreign]))?;
        w.until_text(
            "#bl-not-found",
            &format!("Le BL n° {foreign} est introuvable sur votre compte"),
        )?;
        w.click("#retype-bl")?;
        w.on_screen("declare")?;
        w.until(
            "the BL field focused",
            "return document.activeElement?.id === 'bl-input'",
        )?;

        // A BL past its window: since when, at the top and on each line; nothing to add.
        let since = (retour_server::paris_today_now() - chrono::Days::new(14))
            .format("%d/%m/%Y")
            .to_string();
        let past = format!("Délai de retour dépassé depuis le {since}");
        w.js(
            "location.hash = '#/bl/' + arguments[0]",
            json!([PAST_WINDOW_BL]),
        )?;
        w.until_text("#bl-window-passed", &past)?;
        let lines = w.js(
            "return [...document.querySelectorAll('#bl-lines .blocked')].map(e => e.textContent)",
            json!([]),
        )?;
        assert_eq!(
            lines,
            json!([past.clone(), past.clone()]),
            "each line says why"
        );
        if w.find_now("#add-to-cart")?.is_some() {
            bail!("a BL past its window offers to add to the cart");
        }
        no_code_on_screen("the BL past its window", &["window_passed", "0 (0 déjà"])?;
        w.screenshots("22-error-bl-past-window")?;
        w.switch_language()?;
        w.until_text("#bl-window-passed", "Return period over since")?;
        w.screenshots("22-error-bl-past-window-en")?;
        w.switch_language()?;
        w.until_text("#bl-window-passed", "Délai de retour dépassé")?;

        // A BL whose every piece is returned: said so, with the way to tracking.
        w.js(
            "location.hash = '#/bl/' + arguments[0]",
            json!([RETURNED_BL]),
        )?;
        w.until_text(
            "#bl-all-returned",
            "Toutes les pièces de ce BL ont déjà été retournées",
        )?;
        w.until_text("#bl-lines", "Déjà retournée ou en cours de retour")?;
        no_code_on_screen("the returned BL", &["all_returned"])?;
        w.screenshots("23-error-bl-all-returned")?;
        w.click("#all-returned-tracking")?;
        w.on_screen("tracking")?;

        // A reference no BL holds.
        w.js("location.hash = '#/declare'", json!([]))?;
        w.on_screen("declare")?;
        w.find("#reference-input")?.type_text("XYZ987654")?;
        w.click("#reference-search")?;
        w.on_screen("results")?;
        w.until_text("#reference-not-found", "XYZ987654")?;
        w.screenshots("24-error-reference-not-found")?;
        w.click("#retype-reference")?;
        w.on_screen("declare")?;
        w.until(
            "the reference field focused",
            "return document.activeElement?.id === 'reference-input'",
        )?;

        // The native camera unplugged while filming: the preview goes, the reason and the ways
        // forward stay.
        w.js(
            "document.getElementById('camera-toggle').scrollIntoView({block: 'center'})",
            json!([]),
        )?;
        w.click("#camera-toggle")?;
        w.until(
            "the camera preview",
            "const p = document.getElementById('camera-preview'); return p && !p.hidden && p.src.startsWith('data:image/jpeg')",
        )?;
        std::fs::remove_file(&picture)?;
        w.until_text("#camera-problem", "La caméra a été débranchée")?;
        w.until(
            "no frozen preview",
            "return document.getElementById('camera-preview').hidden \
             && document.getElementById('camera-toggle').textContent.includes('Ouvrir')",
        )?;
        w.until_text("#camera-problem", "importez une photo")?;
        w.js(
            "document.getElementById('camera-problem').scrollIntoView({block: 'center'})",
            json!([]),
        )?;
        no_code_on_screen("the lost camera", &["camera_lost"])?;
        w.screenshots("25-error-camera-unplugged")?;
        w.click("#camera-type-number")?;
        w.until(
            "the BL field focused",
            "return document.activeElement?.id === 'bl-input'",
        )?;

        // Offline, a BL never opened on this device: what works offline, and a retry.
        world.server.stop()?;
        w.js("location.hash = '#/bl/123123123'", json!([]))?;
        w.until_text("#bl-offline", "HORS CONNEXION")?;
        w.until_text("#bl-offline", "123123123")?;
        w.find("#retry")?;
        no_code_on_screen("the offline BL", &["unreachable"])?;
        w.screenshots("26-error-offline-bl")?;
        world.server.restart()?;
        w.click("#retry")?;
        w.until_text("#bl-not-found", "123123123")?;

        // A send refused in the background: the line went in the cart and the request left
        // offline; meanwhile the counter returned the whole line (another device, in-process
        // while the server is unreachable); the sync brings the refusal.
        let recent = world.server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            "/api/v1/delivery-notes?days=7",
            None,
        )?;
        let mut target = None;
        for item in recent["items"].as_array().context("recent BLs")? {
            let number = item["number"].as_str().unwrap_or_default();
            let note = world.server.api(
                CUSTOMER,
                PASSWORD,
                "GET",
                &format!("/api/v1/delivery-notes/{number}"),
                None,
            )?;
            if let Some(line) = note["lines"]
                .as_array()
                .and_then(|l| l.iter().find(|l| l["eligible_qty"].as_u64() > Some(0)))
            {
                target = Some((number.to_owned(), line.clone()));
                break;
            }
        }
        let (bl, line) = target.context("a recent BL with an eligible line")?;
        let line_no = line["line_no"].as_u64().context("line_no")?;
        w.js("location.hash = '#/bl/' + arguments[0]", json!([bl]))?;
        w.click(&format!("#line-{line_no}"))?;
        w.click("#add-to-cart")?;
        w.on_screen("cart")?;
        let cart_line = format!("#cart-lines li[data-bl='{bl}']");
        w.click(&format!("{cart_line} label[for$='-reason-order_error']"))?;
        w.until(
            "send enabled",
            "return !document.getElementById('send-request').disabled",
        )?;
        w.until(
            "everything synced",
            "return document.getElementById('pending-count')?.textContent === '0'",
        )?;
        world.server.stop()?;
        w.click("#send-request")?;
        // The send gives up for now: the request waits on the device.
        w.until_text("#toast", "Pas de réseau")?;
        w.until(
            "the request waiting to leave",
            "return Number(document.getElementById('pending-count')?.textContent) > 0",
        )?;
        world
            .server
            .return_in_process(&bl, line_no, line["eligible_qty"].as_u64().unwrap_or(1))?;
        world.server.restart()?;
        // "Synchroniser maintenant" rather than the 30 s of the background sync.
        w.js("window.__TAURI__.core.invoke('sync_now')", json!([]))?;
        w.until_text("#refusals", "Le serveur a refusé")?;
        w.click("#refusals-toggle")?;
        w.find("#refusals-list .refusal")?;
        // The send's "Pas de réseau" message of a moment ago has had its time.
        w.until(
            "the old message gone",
            "return !document.getElementById('toast').classList.contains('show')",
        )?;
        w.screenshots("27-error-send-refused")?;
        w.click("#refusals-seen")?;
        w.until(
            "the banner gone",
            "return document.getElementById('refusals').hidden",
        )?;

        // The session expires (the password is reset elsewhere, which ends every session): the
        // login screen says so with the e-mail filled in; signed in again, the cart is there.
        let kept = w.open_a_bl_with_an_eligible_line(
            recent["items"]
                .as_array()
                .context("recent BLs")?
                .iter()
                .map(|candidate| candidate["number"].as_str().unwrap_or_default()),
        )?;
        w.click("#bl-lines input[type=checkbox]:not(:disabled)")?;
        w.click("#add-to-cart")?;
        w.on_screen("cart")?;
        w.find(&format!("#cart-lines li[data-bl='{kept}']"))?;
        http()
            .post(&format!(
                "{}/api/v1/auth/password/forgot",
                world.server.url()
            ))
            .send_json(json!({"email": CUSTOMER}))?;
        let link = world.server.last_mail_link("reset")?;
        let token = link
            .split("token=")
            .nth(1)
            .context("the link's token")?
            .to_owned();
        let new_password = "Session-Finie-2027";
        http()
            .post(&format!(
                "{}/api/v1/auth/password/reset",
                world.server.url()
            ))
            .send_json(json!({"token": token, "new_password": new_password}))?;
        w.js("location.hash = '#/declare'", json!([]))?;
        w.on_screen("login")?;
        w.until_text("#login-expired", "Votre session a expiré, reconnectez-vous")?;
        let email = w.js(
            "return document.getElementById('login-email').value",
            json!([]),
        )?;
        assert_eq!(email, json!(CUSTOMER), "the e-mail is filled in");
        let toast = w.js(
            "return document.getElementById('toast').classList.contains('show')",
            json!([]),
        )?;
        assert_eq!(
            toast,
            json!(false),
            "no message of the last screen on the login"
        );
        w.screenshots("28-error-session-expired")?;
        let field = w.find("#login-password")?;
        field.type_text(new_password)?;
        w.click("#login-submit")?;
        w.on_screen("home")?;
        w.js("location.hash = '#/cart'", json!([]))?;
        w.on_screen("cart")?;
        w.find(&format!("#cart-lines li[data-bl='{kept}']"))?;
        // Signing out on purpose is not an expired session.
        w.click("#settings-link")?;
        w.on_screen("settings")?;
        w.click("#logout")?;
        w.on_screen("login")?;
        w.find("#login-submit")?;
        if w.find_now("#login-expired")?.is_some() {
            bail!("a sign-out says the session expired");
        }
        w.window_close()
    })
}

impl Server {
    /// Returns a whole line as garage A from another device, in-process through the server's
    /// router (it works while the server is not listening): the counter beat the app to it.
    fn return_in_process(&self, bl: &str, line_no: u64, qty: u64) -> Result<()> {
        use tower::ServiceExt as _;
        let router = retour_server::router(self.running.state().clone());
        let call = |method: &str, uri: &str, token: Option<&str>, body: Value| {
            let mut request = axum::http::Request::builder()
                .method(method)
                .uri(uri)
                .header("content-type", "application/json")
                .header("idempotency-key", uuid::Uuid::new_v4().to_string());
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let request = request.body(axum::body::Body::from(body.to_string()));
            let router = router.clone();
            self.runtime.block_on(async move {
                let response = router.oneshot(request?).await?;
                let status = response.status();
                let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
                let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                if !status.is_success() {
                    bail!("{uri}: {status} {value}");
                }
                Ok(value)
            })
        };
        let login = call(
            "POST",
            "/api/v1/auth/login",
            None,
            json!({"email": CUSTOMER, "password": PASSWORD, "device_name": "comptoir"}),
        )?;
        let token = login["access_token"].as_str().context("access_token")?;
        call(
            "POST",
            "/api/v1/return-requests",
            Some(token),
            json!({"lines": [{"delivery_note": bl, "line_no": line_no, "qty": qty, "reason": "order_error"}]}),
        )?;
        Ok(())
    }
}

impl Window {
    fn window_close(&self) -> Result<()> {
        answer(ureq::delete(&self.base).call(), "delete session").map(|_| ())
    }

    /// Opens the BLs `numbers` one after the other until one has a line that can still be
    /// returned, and returns its number (its detail is then on screen).
    fn open_a_bl_with_an_eligible_line<'a>(
        &self,
        numbers: impl IntoIterator<Item = &'a str>,
    ) -> Result<String> {
        for number in numbers {
            self.js("location.hash = '#/bl/' + arguments[0]", json!([number]))?;
            self.until_text("#bl-number", number)?;
            if self
                .find_now("#bl-lines input[type=checkbox]:not(:disabled)")?
                .is_some()
            {
                return Ok(number.to_owned());
            }
        }
        bail!("no BL with a line that can still be returned")
    }
}

// ---------------------------------------------------------------------------------------------
// Notifications: the OS notifications, the badge, the screen, the e-mail settings.

/// A desktop notification service on the test's D-Bus session bus, as a desktop has one: it owns
/// `org.freedesktop.Notifications` and records the title and body of every `Notify` call (what
/// the app raises through tauri-plugin-notification), until dropped.
struct NotificationService {
    shown: Arc<Mutex<Vec<(String, String)>>>,
    _bus: zbus::blocking::Connection,
}

struct Recorder {
    shown: Arc<Mutex<Vec<(String, String)>>>,
    next_id: AtomicU32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((summary, body));
        self.next_id.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".to_owned()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "retour-test".into(),
            "retour".into(),
            "1.0".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

impl NotificationService {
    /// Takes the name on the session bus of `DBUS_SESSION_BUS_ADDRESS` (dbus-run-session).
    fn start() -> Result<NotificationService> {
        let shown = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            shown: shown.clone(),
            next_id: AtomicU32::new(0),
        };
        let bus = zbus::blocking::connection::Builder::session()?
            .name("org.freedesktop.Notifications")?
            .serve_at("/org/freedesktop/Notifications", recorder)?
            .build()
            .context("no D-Bus session bus: run the test under dbus-run-session")?;
        Ok(NotificationService { shown, _bus: bus })
    }

    fn shown(&self) -> Vec<(String, String)> {
        self.shown.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits until a notification titled `title` was raised.
    fn until_shown(&self, title: &str) -> Result<(String, String)> {
        let started = Instant::now();
        loop {
            if let Some(found) = self.shown().into_iter().find(|(t, _)| t == title) {
                return Ok(found);
            }
            if started.elapsed() > WAIT {
                bail!("no OS notification {title:?}; raised: {:?}", self.shown());
            }
            std::thread::sleep(POLL);
        }
    }
}

#[test]
fn a_reply_raises_an_os_notification_a_badge_and_the_emails_are_set() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        let service = NotificationService::start()?;
        let world = World::start("always")?;
        let w = &world.window;
        world.login(CUSTOMER, PASSWORD)?;
        w.on_screen("home")?;
        // The demo's unread notifications: the badge on "SUIVRE VOS RETOURS", an OS notification
        // for each, pulled by the login's sync.
        let demo_unread = retour_server::demo::DEMO_UNREAD.to_string();
        w.until_text("#notif-badge", &demo_unread)?;
        let started = Instant::now();
        while service.shown().len() < retour_server::demo::DEMO_UNREAD {
            ensure!(started.elapsed() < WAIT, "raised: {:?}", service.shown());
            std::thread::sleep(POLL);
        }
        w.screenshots("32-notifications-home")?;

        // The returns service replies on one of the garage's files; the app's next sync brings
        // it: one OS notification with its title and the reply's start, the badge goes up.
        let files = world.server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            "/api/v1/dossiers?state=open",
            None,
        )?;
        let number = files["items"][0]["number"]
            .as_str()
            .context("an open file")?
            .to_owned();
        world.server.api(
            STAFF,
            STAFF_PASSWORD,
            "POST",
            &format!("/api/v1/staff/dossiers/{number}/messages"),
            Some(json!({"message_id": uuid::Uuid::new_v4().to_string(), "text": "Bonjour, la pièce est bien arrivée : contrôle demain."})),
        )?;
        w.js(
            "return window.__TAURI__.core.invoke('sync_now').then(() => true);",
            json!([]),
        )?;
        let title = format!("Dossier {number} : réponse du service retours");
        let (_, body) = service.until_shown(&title)?;
        ensure!(
            body == "Service Retours : « Bonjour, la pièce est bien arrivée : contrôle demain. »",
            "{body}"
        );
        let one_more = (retour_server::demo::DEMO_UNREAD + 1).to_string();
        w.until_text("#notif-badge", &one_more)?;

        // The Notifications screen: newest first, the reply unread on top.
        w.click("#go-notifications")?;
        w.on_screen("notifications")?;
        w.until_text(
            "#notification-list li:first-child .notification-title",
            &title,
        )?;
        w.find("#notification-list li.unread")?;
        w.screenshots("32-notifications-list")?;
        w.switch_language()?;
        w.until_text("h1", "Notifications")?;
        w.until_text("#unread-summary", "unread")?;
        w.until_text(
            "#notification-list li:first-child .notification-title",
            &format!("File {number}: reply from the returns department"),
        )?;
        w.screenshots("32-notifications-list-en")?;
        // In English, the next OS notification is titled in English too.
        world.server.api(
            STAFF,
            STAFF_PASSWORD,
            "POST",
            &format!("/api/v1/staff/dossiers/{number}/messages"),
            Some(json!({"message_id": uuid::Uuid::new_v4().to_string(), "text": "Contrôle terminé."})),
        )?;
        w.js(
            "return window.__TAURI__.core.invoke('sync_now').then(() => true);",
            json!([]),
        )?;
        service.until_shown(&format!("File {number}: reply from the returns department"))?;
        w.js("location.hash = '#/home'", json!([]))?;
        w.on_screen("home")?;
        w.until_text("#go-tracking", "TRACK")?;
        w.screenshots("32-notifications-home-en")?;
        w.switch_language()?;

        // A tap opens the file and marks it (and every older one) read: the badge goes.
        w.click("#go-notifications")?;
        w.on_screen("notifications")?;
        w.click("#notification-list li:first-child a")?;
        w.on_screen("dossier")?;
        w.until(
            "the file's hash",
            &format!("return location.hash === '#/tracking/{number}'"),
        )?;
        w.js("location.hash = '#/home'", json!([]))?;
        w.on_screen("home")?;
        w.until(
            "no unread badge",
            "const b = document.getElementById('notif-badge'); return b && b.hidden;",
        )?;

        // Settings: a switch per kind of e-mail, and the pré-accord address, checked in French.
        w.click("#settings-link")?;
        w.on_screen("settings")?;
        w.find("#email-preferences #email-status:not([disabled])")?;
        w.js(
            "document.getElementById('email-preferences').scrollIntoView(); return true;",
            json!([]),
        )?;
        w.screenshots("33-settings-emails")?;
        let address = w.find("#preaccord-email")?;
        address.clear()?;
        address.type_text("atelier@garage")?;
        w.click("#save-preferences")?;
        w.until_text("#preaccord-error", "Adresse e-mail incorrecte")?;
        w.js(
            "document.getElementById('email-preferences').scrollIntoView(); return true;",
            json!([]),
        )?;
        w.screenshots("33-settings-emails-error")?;
        let address = w.find("#preaccord-email")?;
        address.clear()?;
        address.type_text("compta@garage-martin.fr")?;
        w.click("#email-credits")?;
        w.click("#save-preferences")?;
        w.until_text("#toast", "Préférences d'e-mail enregistrées")?;
        let saved = world
            .server
            .api(CUSTOMER, PASSWORD, "GET", "/api/v1/me/preferences", None)?;
        ensure!(
            saved
                == json!({"emails": {"status": true, "messages": true, "credits": false, "deposits": true},
                "preaccord_email": "compta@garage-martin.fr"}),
            "{saved}"
        );
        w.switch_language()?;
        w.until_text("#email-preferences h2", "Notification e-mails")?;
        w.js(
            "document.getElementById('email-preferences').scrollIntoView(); return true;",
            json!([]),
        )?;
        w.screenshots("33-settings-emails-en")?;
        let address = w.find("#preaccord-email")?;
        address.clear()?;
        address.type_text("pas une adresse")?;
        w.click("#save-preferences")?;
        w.until_text("#preaccord-error", "Incorrect e-mail address")?;
        w.switch_language()?;
        w.window_close()
    })
}

/// The camera the scan screens (declare, the driver's QR code, the warranty form's VIN) choose:
/// `useWebcam` of `parts/webcam.js` in the page, `true` for the WebView's (a shell without a
/// native camera: Android, iOS, a desktop where nokhwa finds none).
fn chooses_webview_camera(w: &Window) -> Result<bool> {
    let chosen = w.js(
        "return import(new URL('js/parts/webcam.js', document.baseURI).href).then((m) => m.useWebcam())",
        json!([]),
    )?;
    chosen
        .as_bool()
        .with_context(|| format!("useWebcam answered {chosen}"))
}

/// Sets a form field's value as typed (date inputs included) and tells the page.
fn fill(w: &Window, id: &str, value: &str) -> Result<()> {
    w.js(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true }));",
        json!([id, value]),
    )?;
    Ok(())
}

/// The VIN on the door pillar's label, as the Code 39 prints it: the "imported" marker `I`, then
/// the VIN (a Honda Accord's).
const VIN_LABEL: &str = "I1HGCM82633A004352";

/// Brings the warranty form's VIN field to the top of the screen, under the header.
const SHOW_VIN: &str = "document.querySelector('.warranty-vin').scrollIntoView({block: 'start'}); \
                        window.scrollBy(0, -document.querySelector('header').offsetHeight - 8)";

/// Issue 15 in the real window (PRODUCT.md screens 16–17): a warranty claim started from a scan of
/// the part (a photo of its reference's barcode: "Garantie" on its BL line), each field's message
/// as it is typed (French, then English), the VIN filled by filming its Code 39 label (and a
/// part's barcode refused as "pas un VIN"), sent and tracked as "Garantie"; then
/// "Préparer l'enlèvement" shows the QR code, and the driver, signed in with a staff account in
/// the same app, reads it from a still picture of that screen (the phone screenshot: WebKit's
/// rendering of the SVG), enters parcels and name and confirms: every file is "Prise en charge
/// sur site" with the driver's name. Phone and desktop, with screenshots.
#[test]
fn a_warranty_claim_and_a_driver_handover() -> Result<()> {
    let _one = one_at_a_time();
    with_one_retry(|| {
        // The camera films the VIN label (RETOUR_CAMERA_IMAGE).
        let world = World::start_with("always", |_, dir| {
            let picture = dir.join("etiquette-vin.png");
            std::fs::write(&picture, retour_tests::code39_png(VIN_LABEL)?)?;
            Ok(Some(picture))
        })?;
        let server = &world.server;
        let notes = server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            "/api/v1/delivery-notes?days=7",
            None,
        )?;
        let bl = notes["items"][0]["number"]
            .as_str()
            .context("a recent BL")?
            .to_owned();
        let note = server.api(
            CUSTOMER,
            PASSWORD,
            "GET",
            &format!("/api/v1/delivery-notes/{bl}"),
            None,
        )?;
        let line = note["lines"]
            .as_array()
            .and_then(|lines| {
                lines
                    .iter()
                    .find(|l| l["delivered_qty"].as_u64() > l["returned_qty"].as_u64())
            })
            .context("a line to claim on")?;
        let reference = line["reference"]
            .as_str()
            .context("its reference")?
            .to_owned();
        let line_no = line["line_no"].as_u64().context("its number")?;
        world.login(CUSTOMER, PASSWORD)?;
        let w = &world.window;
        w.on_screen("home")?;
        w.js(&format!("location.hash = '#/bl/{bl}'"), json!([]))?;
        w.on_screen("bl")?;
        w.find("#bl-lines .warranty-link")?;

        // The part in hand: a photo of its box's barcode (its reference) lists its BLs, with
        // "Garantie" on the line it came in.
        w.js("location.hash = '#/declare'", json!([]))?;
        w.on_screen("declare")?;
        w.choose_photo("scan-file", &retour_tests::code128_png(&reference)?)?;
        w.on_screen("results")?;
        let offer = format!("#warranty-{bl}-{line_no}");
        w.until_text(&offer, &format!("Garantie — ligne {line_no}"))?;
        w.js(
            &format!("document.querySelector('{offer}').scrollIntoView({{block: 'center'}})"),
            json!([]),
        )?;
        w.screenshots("50-part-scan-warranty")?;
        w.switch_language()?;
        w.until_text(&offer, &format!("Warranty — line {line_no}"))?;
        w.screenshots("50-part-scan-warranty-en")?;
        w.switch_language()?;
        w.until_text(&offer, "Garantie")?;
        w.click(&offer)?;
        w.on_screen("warranty")?;
        ensure!(
            w.js("return location.hash", json!([]))? == json!(format!("#/warranty/{bl}/{line_no}")),
            "the claim's form of the scanned line"
        );

        // As typed: a VIN with an O, a half plate, no photo.
        fill(w, "warranty-vin", "VF3LCYHZPJS12345O")?;
        fill(w, "warranty-registration", "AB-123")?;
        w.until_text("#warranty-vin-error", "I, O et Q")?;
        w.until_text("#warranty-registration-error", "AB-123-CD")?;
        w.until_text("#warranty-photos-error", "au moins une photo")?;
        // A new form is not all red: "Envoyer" on an incomplete claim says what each field needs.
        ensure!(
            w.find_now("#warranty-fitted-on[aria-invalid=true]")?
                .is_none(),
            "an untouched field says nothing yet"
        );
        w.click("#warranty-send")?;
        w.until_text("#warranty-fitted-on-error", "date de montage")?;
        w.on_screen("warranty")?;
        w.screenshots("40-warranty-form")?;
        w.switch_language()?;
        w.until_text("#warranty-vin-error", "Invalid VIN")?;
        w.until_text("#warranty-registration-error", "Invalid registration")?;
        w.screenshots("40-warranty-form-en")?;
        w.switch_language()?;
        w.until_text("#warranty-vin-error", "VIN invalide")?;

        // The VIN scanned: a part's barcode first (a photo of it), which is no VIN and leaves
        // the field alone; then the camera films the door pillar's Code 39 label.
        w.click("#warranty-vin-scan-toggle")?;
        w.find("#warranty-vin-scan:not([hidden]) #warranty-vin-camera")?;
        w.choose_photo(
            "warranty-vin-file",
            &retour_tests::code128_png("3165143501122")?,
        )?;
        w.until_text(
            "#warranty-vin-scan-status",
            "Ce code n'est pas un VIN : 3165143501122",
        )?;
        ensure!(
            w.js(
                "return document.getElementById('warranty-vin').value",
                json!([])
            )? == json!("VF3LCYHZPJS12345O"),
            "a code that is no VIN leaves the field as it was"
        );
        w.js(SHOW_VIN, json!([]))?;
        w.screenshots("51-warranty-not-a-vin")?;
        // The language switch paints the form again: its button is pressed once it is there.
        w.switch_language()?;
        w.until_text("#warranty-vin-scan-toggle", "Scan the VIN")?;
        w.click("#warranty-vin-scan-toggle")?;
        w.find("#warranty-vin-scan:not([hidden]) #warranty-vin-file")?;
        w.choose_photo(
            "warranty-vin-file",
            &retour_tests::code128_png("3165143501122")?,
        )?;
        w.until_text(
            "#warranty-vin-scan-status",
            "This code is not a VIN: 3165143501122",
        )?;
        w.js(SHOW_VIN, json!([]))?;
        w.screenshots("51-warranty-not-a-vin-en")?;
        w.switch_language()?;
        w.until_text("#warranty-vin-scan-toggle", "Scanner le VIN")?;
        w.click("#warranty-vin-scan-toggle")?;
        w.find("#warranty-vin-scan:not([hidden]) #warranty-vin-camera")?;
        w.click("#warranty-vin-camera")?;
        w.until(
            "the VIN filmed on its label",
            "return document.getElementById('warranty-vin').value === '1HGCM82633A004352' || null",
        )?;
        w.until(
            "the VIN accepted, the scan panel closed",
            "return document.getElementById('warranty-vin-error').textContent === '' \
             && document.getElementById('warranty-vin-scan').hidden || null",
        )?;
        w.js(SHOW_VIN, json!([]))?;
        w.screenshots("52-warranty-vin-scanned")?;
        w.switch_language()?;
        w.until_text("#warranty-vin-scan-toggle", "Scan the VIN")?;
        w.js(SHOW_VIN, json!([]))?;
        w.screenshots("52-warranty-vin-scanned-en")?;
        w.switch_language()?;
        w.until_text("#warranty-vin-scan-toggle", "Scanner le VIN")?;
        ensure!(
            w.js(
                "return document.getElementById('warranty-vin').value",
                json!([])
            )? == json!("1HGCM82633A004352"),
            "the scanned VIN is kept in the draft"
        );

        // Completed, with a photo of the part.
        let delivered = notes["items"][0]["delivered_on"]
            .as_str()
            .context("its delivery day")?
            .to_owned();
        for (id, value) in [
            ("warranty-registration", "ab123cd"),
            ("warranty-vehicle", "Peugeot 308 1.6 HDi"),
            ("warranty-fitted-on", delivered.as_str()),
            ("warranty-fitted-km", "120500"),
            ("warranty-failed-on", delivered.as_str()),
            ("warranty-failed-km", "121000"),
            (
                "warranty-symptom",
                "Bruit de roulement à froid, puis blocage.",
            ),
        ] {
            fill(w, id, value)?;
        }
        w.choose_photo(
            "warranty-photos-input",
            &retour_tests::jpeg_with_gps(1200, 900, 60),
        )?;
        // The fitting invoice as the PDF the garage's software printed: a tile, not a picture.
        w.choose_file(
            "warranty-documents-input",
            &retour_tests::invoice_pdf(),
            "facture-montage.pdf",
            "application/pdf",
        )?;
        w.until_text("#warranty-documents-0-pdf", "Facture de montage (PDF)")?;
        w.until(
            "the part's photo shown",
            "return [...document.querySelectorAll('.warranty-photos .photo-thumb')].some(i => i.complete && i.naturalWidth > 0)",
        )?;
        // A sync may paint the form again (from its draft) meanwhile: the tile of the new form.
        w.until(
            "the invoice's tile in view",
            "const tile = document.getElementById('warranty-documents-0-pdf'); tile?.scrollIntoView({ block: 'center' }); return !!tile;",
        )?;
        w.screenshots("53-warranty-invoice-pdf")?;
        w.switch_language()?;
        w.until_text("#warranty-documents-0-pdf", "(PDF)")?;
        // A sync may paint the form again (from its draft) meanwhile: the tile of the new form.
        w.until(
            "the invoice's tile in view",
            "const tile = document.getElementById('warranty-documents-0-pdf'); tile?.scrollIntoView({ block: 'center' }); return !!tile;",
        )?;
        w.screenshots("53-warranty-invoice-pdf-en")?;
        w.switch_language()?;
        w.until(
            "the claim can be sent",
            "return document.getElementById('warranty-send').dataset.ready === 'true'",
        )?;
        w.click("#warranty-send")?;
        w.on_screen("dossier")?;
        w.until_text("#file-kind", "Garantie")?;
        w.until_text("#file-vin", "1HGCM82633A004352")?;
        w.until_text(".pieces .line-reason", "Garantie")?;
        w.until_text(
            ".file-preaccord #open-preaccord",
            "Ouvrir le pré-accord de garantie",
        )?;
        w.screenshots("41-warranty-file")?;

        // The garage prepares the pickup: the QR code, big, and the files.
        w.js("location.hash = '#/pickup'", json!([]))?;
        w.on_screen("pickup")?;
        w.find("#pickup-qr")?;
        let waiting: Vec<String> = serde_json::from_value(w.js(
            "return [...document.querySelectorAll('#pickup-files li')].map(l => l.dataset.number)",
            json!([]),
        )?)?;
        ensure!(!waiting.is_empty(), "files wait for the driver");
        let side = w.js(
            "return document.getElementById('pickup-qr').getBoundingClientRect().width",
            json!([]),
        )?;
        ensure!(side.as_f64() > Some(300.0), "a QR code of {side} px");
        w.screenshots("42-pickup")?;
        let picture = std::fs::read(screenshot_dir().join("42-pickup-phone.png"))?;

        // The driver, with a staff account in the same app.
        w.click("#settings-link")?;
        w.on_screen("settings")?;
        w.click("#logout")?;
        w.on_screen("login")?;
        world.login(STAFF, STAFF_PASSWORD)?;
        w.on_screen("driver")?;
        // The shell films (its still picture): the driver's camera is the native one here; a
        // phone's shell has none and the same button films in the WebView (see
        // the_webview_camera_films_a_bl_and_opens_it).
        ensure!(
            !chooses_webview_camera(w)?,
            "a shell with a camera films with it"
        );
        // The still picture of the garage's screen (a PNG: the core reads the bytes, not the name).
        w.choose_photo("driver-scan-file", &picture)?;
        w.until_text("#driver-files", &waiting[0])?;
        fill(w, "driver-parcels", "2")?;
        fill(w, "driver-name", "Paul Martin")?;
        w.screenshots("43-driver-scan")?;
        w.click("#driver-confirm")?;
        w.until_text("#driver-done", "Prise en charge confirmée")?;
        w.screenshots("44-driver-done")?;
        w.switch_language()?;
        w.until_text("#driver-done", "Pickup confirmed")?;
        w.until_text("#driver-history", "Confirmed")?;
        w.screenshots("44-driver-done-en")?;
        w.switch_language()?;

        for number in &waiting {
            let file = server.api(
                CUSTOMER,
                PASSWORD,
                "GET",
                &format!("/api/v1/dossiers/{number}"),
                None,
            )?;
            ensure!(file["status"] == "received", "{number}: {}", file["status"]);
            let told = file["timeline"].as_array().is_some_and(|t| {
                t.iter().any(|e| {
                    e["kind"] == "pickup"
                        && e["text"]
                            .as_str()
                            .is_some_and(|s| s.contains("Paul Martin"))
                })
            });
            ensure!(told, "{number}'s timeline names the driver");
        }
        world.window.window_close()
    })
}

/// The garage's money (issue 14, screens 12–15): "Où est mon avoir ?" with the demo's awaiting,
/// short and credited lines and a claim; "Mes consignes" most urgent first, one tap to the cart
/// with the reason Consigne; the cart line's window and a reason's fee; "Mon bilan" with its SVG
/// charts — in French and English, at both sizes, each screen through the layout check.
#[test]
fn the_money_screens_show_where_the_money_is() -> Result<()> {
    use retour_server::demo::DEPOSIT_DUE_BL;
    let _one = one_at_a_time();
    with_one_retry(|| {
        let world = World::start("always")?;
        world.login(CUSTOMER, PASSWORD)?;
        let w = &world.window;
        w.on_screen("home")?;
        w.until_text("#go-credits", "Où est mon avoir ?")?;
        w.js(
            "document.getElementById('go-report').scrollIntoView({block: 'end'}); return true;",
            json!([]),
        )?;
        w.screenshots("45-home-money")?;
        w.click("#go-credits")?;
        w.on_screen("credits")?;
        w.until_text("#credit-totals", "4,37\u{a0}€")?;
        w.until_text(
            ".credit-item.state-awaiting .credit-state",
            "En attente depuis",
        )?;
        w.until_text(
            ".credit-item.state-short .credit-state",
            "Écart : 4,37\u{a0}€",
        )?;
        w.until_text(
            ".credit-item.state-credited .credit-state",
            "Crédité — avoir AV2026-",
        )?;
        w.find("#export-credits")?;
        // "Réclamer" on the short line: the message leaves, the line says so.
        w.click(".credit-item.state-short button.claim")?;
        w.until_text(".credit-item.state-short .claim-state", "Réclamé le")?;
        w.screenshots("46-credits")?;
        w.switch_language()?;
        w.until_text("#screen h1", "Where is my credit?")?;
        w.until_text(".credit-item.state-short .credit-state", "Shortfall: €4.37")?;
        w.until_text(".credit-item.state-short .claim-state", "Claimed on")?;
        w.screenshots("46-credits-en")?;
        w.switch_language()?;

        // "Mes consignes": the deposit due in two days comes first and goes to the cart.
        w.js("location.hash = '#/money/deposits'", json!([]))?;
        w.on_screen("deposits")?;
        w.until_text(
            "#deposit-items li:first-child .deposit-due",
            "À rapporter avant le",
        )?;
        // "J-2" with a non-breaking hyphen, so that it never breaks across two lines.
        w.until_text("#deposit-items li:first-child .deposit-due", "(J\u{2011}2)")?;
        w.until_text("#deposit-items", "Expirée le")?;
        w.click(&format!("#deposit-to-cart-{DEPOSIT_DUE_BL}-1"))?;
        w.until_text(&format!("#in-cart-{DEPOSIT_DUE_BL}-1"), "Dans le panier")?;
        w.screenshots("47-deposits")?;
        w.switch_language()?;
        w.until_text("#deposit-items li:first-child .deposit-due", "2 days left")?;
        w.screenshots("47-deposits-en")?;
        w.switch_language()?;

        // The cart: the deposit's window (urgent), and a line whose reason takes a fee (the
        // demo's customer cancellation), put there through the window's own commands.
        let with_fee = w.js(
            "const c = window.__TAURI__.core;
             return c.invoke('delivery_notes', {days: 31}).then(async (list) => {
               for (const s of list.items) {
                 const bl = await c.invoke('delivery_note', {number: s.number});
                 const l = bl.lines.find((l) => l.eligible_qty > 0 && l.allowed_reasons.includes('customer_cancellation'));
                 if (!l) continue;
                 await c.invoke('cart_add', {args: {delivery_note: bl.number, line_no: l.line_no, qty: 1, reason: 'customer_cancellation'}});
                 return [bl.number, l.line_no];
               }
               return null;
             });",
            json!([]),
        )?;
        let (fee_bl, fee_line) = (
            with_fee[0]
                .as_str()
                .context("a line with a fee reason")?
                .to_owned(),
            with_fee[1].as_u64().context("its number")?,
        );
        w.js("location.hash = '#/cart'", json!([]))?;
        w.on_screen("cart")?;
        let deposit_line = format!("#cl-{DEPOSIT_DUE_BL}-1");
        w.until_text(
            &format!("{deposit_line} .window.urgent"),
            "Consigne : à rapporter avant le",
        )?;
        w.until_text(&format!("{deposit_line} .reasons"), "Consigne")?;
        let fee = format!("#cl-{fee_bl}-{fee_line}-fee");
        w.until_text(&fee, "dont frais de remise en stock 10 % : -")?;
        w.until_text(
            &format!("#cl-{fee_bl}-{fee_line}-window"),
            "À retourner avant le",
        )?;
        w.js(
            &format!(
                "document.querySelector({fee:?}).scrollIntoView({{block: 'center'}}); return true;"
            ),
            json!([]),
        )?;
        w.screenshots("48-cart-window-fee")?;
        w.switch_language()?;
        w.until_text(&fee, "incl. restocking fee 10%: -€")?;
        w.js(
            &format!(
                "document.querySelector({fee:?}).scrollIntoView({{block: 'center'}}); return true;"
            ),
            json!([]),
        )?;
        w.screenshots("48-cart-window-fee-en")?;
        w.switch_language()?;

        // The same window on the BL's line.
        w.js(&format!("location.hash = '#/bl/{fee_bl}'"), json!([]))?;
        w.on_screen("bl")?;
        w.until_text(&format!("#window-{fee_line}"), "À retourner avant le")?;

        // "Mon bilan": the twelve months, the charts, the references, the refusals.
        w.js("location.hash = '#/home'", json!([]))?;
        w.on_screen("home")?;
        w.click("#go-report")?;
        w.on_screen("report")?;
        w.until_text("#chart-by-month", "pièces")?;
        w.until_text("#chart-by-reason", "Pièce neuve")?;
        w.until_text("#report-refusals", "Pièce montée ou traces de montage")?;
        let months = w.js(
            "return document.querySelectorAll('#chart-by-month .chart-row svg.bar').length",
            json!([]),
        )?;
        ensure!(months == json!(12), "twelve months drawn: {months}");
        w.find("#top-references li")?;
        w.find("#export-report")?;
        // Another period: last year's, then back to the twelve months.
        let last_year = {
            use chrono::Datelike;
            retour_server::paris_today_now().year() - 1
        };
        w.js(
            "const s = document.getElementById('report-preset'); s.value = 'last_year'; s.dispatchEvent(new Event('change')); return true;",
            json!([]),
        )?;
        w.until_text(
            "#report-range",
            &format!("Du 01/01/{last_year} au 31/12/{last_year}"),
        )?;
        w.js(
            "const s = document.getElementById('report-preset'); s.value = '12m'; s.dispatchEvent(new Event('change')); return true;",
            json!([]),
        )?;
        let today = retour_server::paris_today_now().format("%d/%m/%Y");
        w.until_text("#report-range", &format!("au {today}"))?;
        w.screenshots("49-report")?;
        w.switch_language()?;
        w.until_text("#chart-by-reason figcaption", "By reason")?;
        w.until_text("#report-refusals", "Part fitted or showing fitting marks")?;
        let english = w.text("#screen")?;
        for code in [
            "customer_cancellation",
            "new_part",
            "order_error",
            "late_delivery",
        ] {
            ensure!(
                !english.contains(code),
                "a bare code {code:?} on the English report: {english}"
            );
        }
        w.screenshots("49-report-en")?;
        w.switch_language()?;
        w.window_close()
    })
}
