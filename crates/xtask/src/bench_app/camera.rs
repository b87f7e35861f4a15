//! The WebView camera's figure for `cargo xtask bench-app`: first frame on screen → BL rendered.
//!
//! The path of Android and iOS (and of desktops where nokhwa finds no camera): `getUserMedia` in
//! the page, frames downscaled to luma and decoded by the Rust scanner (two-frame agreement). The
//! release app is driven through `tauri-driver` (W3C WebDriver, as the real-window tests do); the
//! camera it films is a canvas stream showing the BL's printed barcode (its number with two
//! leading zeros, in Code 128), drawn by the page from the bar widths encoded here. The page
//! notes when the preview started playing and when the BL screen was painted; the bench reads
//! the difference.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::server::{DEMO_EMAIL, DEMO_PASSWORD};

/// Camera opens measured.
pub(super) const OPENS: usize = 5;
const WAIT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(20);
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Code 128's 107 symbols as module widths (bar, space, bar, …), the last one (stop) with its
/// final bar: the standard table (ISO/IEC 15417).
const PATTERNS: &str = "\
212222222122222221121223121322131222122213122312132212221213221312231212112232122132122231113222\
123122123221223211221132221231213212223112312131311222321122321221312212322112322211212123212321\
232121111323131123131321112313132113132311211313231113231311112133112331132131113123113321133121\
313121211331231131213113213311213131311123311321331121312113312311332111314111221411431111111224\
111422121124121421141122141221112214112412122114122411142112142211241211221114413111241112134111\
111242121142121241114212124112124211411212421112421211212141214121412121111143111341131141114113\
1143114111134113111131411141313111414111312114122112142112322331112";

/// The module widths of `text` (printable ASCII) in Code 128, code set B, with its checksum.
pub(super) fn code128_b(text: &str) -> Result<Vec<u32>> {
    const START_B: usize = 104;
    const STOP: usize = 106;
    let mut values = vec![START_B];
    for byte in text.bytes() {
        if !(b' '..=b'~').contains(&byte) {
            bail!("Code 128 B cannot carry {text:?}");
        }
        values.push(usize::from(byte - b' '));
    }
    let checksum = values
        .iter()
        .enumerate()
        .map(|(i, v)| i.max(1) * v)
        .sum::<usize>()
        % 103;
    values.push(checksum);
    values.push(STOP);
    let digits = PATTERNS.as_bytes();
    let mut widths = Vec::new();
    for value in values {
        let len = if value == STOP { 7 } else { 6 };
        widths.extend(
            digits[value * 6..value * 6 + len]
                .iter()
                .map(|d| u32::from(d - b'0')),
        );
    }
    Ok(widths)
}

/// Replaces the page's camera with a canvas stream of the barcode (`arguments[0]`: module widths)
/// and notes, on `window`, when the preview plays (`__playedAt`) and when the BL screen is painted
/// (`__blAt`, measured like the router's render report: next frame, then a task).
const FAKE_CAMERA: &str = "\
const widths = arguments[0]; \
if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return false; \
MediaDevices.prototype.getUserMedia = async () => { \
  const canvas = document.createElement('canvas'); canvas.width = 640; canvas.height = 360; \
  const context = canvas.getContext('2d'); \
  const modules = widths.reduce((a, b) => a + b, 0); const module = Math.floor(560 / modules); \
  const draw = () => { context.fillStyle = '#fff'; context.fillRect(0, 0, 640, 360); \
    context.fillStyle = '#000'; let x = Math.floor((640 - modules * module) / 2); \
    widths.forEach((w, i) => { if (i % 2 === 0) context.fillRect(x, 90, w * module, 180); x += w * module; }); }; \
  draw(); setInterval(draw, 50); \
  return canvas.captureStream(20); }; \
new MutationObserver(() => { \
  const v = document.getElementById('webcam-preview'); \
  if (v && !v.dataset.watched) { v.dataset.watched = '1'; \
    v.addEventListener('playing', () => { window.__playedAt = performance.now(); }); } \
  if (document.body.dataset.screen === 'bl' && window.__playedAt && !window.__blSeen) { window.__blSeen = true; \
    requestAnimationFrame(() => setTimeout(() => { window.__blAt = performance.now(); }, 0)); } \
}).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['data-screen']}); \
return true;";

/// Opens the WebView camera on the declare screen `OPENS` times, filming the barcode of `bl`;
/// returns the milliseconds from the preview's first frame to the BL painted, one per open.
pub(super) fn frame_to_bl(
    binary: &Path,
    server: &str,
    data_dir: &Path,
    bl: &str,
) -> Result<Vec<f64>> {
    let widths = code128_b(&format!("00{bl}"))?;
    let driver = Driver::start(server, data_dir)?;
    let session = driver.session(binary)?;
    // The burst before may have left a session in the keyring: the app then opens on home.
    let first = session.until(
        "the login or home screen",
        "const s = document.body.dataset.screen; return s === 'login' || s === 'home' ? s : null",
    )?;
    if first == json!("login") {
        session.js(
            "document.getElementById('login-email').value = ''; \
             document.getElementById('login-password').value = ''",
            json!([]),
        )?;
        session.type_into("#login-email", DEMO_EMAIL)?;
        session.type_into("#login-password", DEMO_PASSWORD)?;
        session.js("document.getElementById('login-submit').click()", json!([]))?;
        session.until(
            "the home screen",
            "return document.body.dataset.screen === 'home'",
        )?;
    }
    let mut timings = Vec::new();
    for _ in 0..OPENS {
        session.js("location.hash = '#/declare'", json!([]))?;
        session.until(
            "the declare screen",
            "return document.body.dataset.screen === 'declare' && !!document.getElementById('camera-toggle')",
        )?;
        if session.js(FAKE_CAMERA, json!([widths]))? != json!(true) {
            bail!("the WebView offers no getUserMedia");
        }
        session.js(
            "window.__playedAt = null; window.__blAt = null; window.__blSeen = false; \
             document.getElementById('camera-toggle').click()",
            json!([]),
        )?;
        let elapsed = session.until(
            "the filmed BL",
            "return window.__blAt && window.__playedAt ? window.__blAt - window.__playedAt : null",
        )?;
        timings.push(elapsed.as_f64().context("a duration")?);
    }
    session.close();
    Ok(timings)
}

/// `tauri-driver` on free ports, stopped with SIGTERM (SIGKILL would orphan WebKitWebDriver).
struct Driver {
    child: Child,
    port: u16,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Driver {
    fn start(server: &str, data_dir: &Path) -> Result<Driver> {
        let home = std::env::var("HOME").unwrap_or_default();
        let installed = Path::new(&home).join(".cargo/bin/tauri-driver");
        let program = if installed.exists() {
            installed
        } else {
            "tauri-driver".into()
        };
        let port = free_port()?;
        let native = free_port()?;
        let child = Command::new(program)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("RETOUR_SERVER", server)
            .env("RETOUR_DATA_DIR", data_dir)
            .env("RETOUR_LANG", "fr")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start tauri-driver (cargo xtask setup installs it)")?;
        let driver = Driver { child, port };
        let started = Instant::now();
        while webdriver(port, "GET", "/status", &Value::Null).is_err() {
            if started.elapsed() > WAIT {
                bail!("tauri-driver did not answer on port {port}");
            }
            std::thread::sleep(POLL);
        }
        Ok(driver)
    }

    fn session(&self, binary: &Path) -> Result<Session> {
        let caps =
            json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": binary}}}});
        let value = webdriver(self.port, "POST", "/session", &caps)?;
        let id = value["sessionId"].as_str().context("sessionId")?;
        Ok(Session {
            port: self.port,
            base: format!("/session/{id}"),
        })
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

/// One WebDriver session: the app's window.
struct Session {
    port: u16,
    base: String,
}

impl Session {
    fn js(&self, script: &str, args: Value) -> Result<Value> {
        webdriver(
            self.port,
            "POST",
            &format!("{}/execute/sync", self.base),
            &json!({"script": script, "args": args}),
        )
    }

    /// Waits until `script` returns something other than null or false.
    fn until(&self, what: &str, script: &str) -> Result<Value> {
        let started = Instant::now();
        loop {
            let value = self.js(script, json!([]))?;
            if !(value.is_null() || value == json!(false)) {
                return Ok(value);
            }
            if started.elapsed() > WAIT {
                bail!("timed out waiting for {what}");
            }
            std::thread::sleep(POLL);
        }
    }

    /// Types `text` into the field `css` with real key events.
    fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let found = webdriver(
            self.port,
            "POST",
            &format!("{}/element", self.base),
            &json!({"using": "css selector", "value": css}),
        )?;
        let id = found[ELEMENT].as_str().context("an element id")?;
        webdriver(
            self.port,
            "POST",
            &format!("{}/element/{id}/value", self.base),
            &json!({ "text": text }),
        )?;
        Ok(())
    }

    fn close(self) {
        let _ = webdriver(self.port, "DELETE", &self.base, &Value::Null);
    }
}

/// One WebDriver call; returns its `value`.
fn webdriver(port: u16, method: &str, path: &str, body: &Value) -> Result<Value> {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    // HTTP/1.0: the answer is never chunked, and the connection closes after it.
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status: u16 = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let answer = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    let answer: Value = serde_json::from_str(answer)
        .with_context(|| format!("{method} {path}: not JSON: {answer}"))?;
    if status != 200 {
        bail!("{method} {path}: WebDriver {status}: {answer}");
    }
    Ok(answer["value"].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_128_b_matches_the_standard_symbol() {
        // "A": start B (211214), 'A' = 33 (111323), checksum (104 + 33) % 103 = 34 (131123),
        // stop (2331112).
        let widths: String = code128_b("A")
            .unwrap()
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert_eq!(widths, "2112141113231311232331112");
        // Every symbol is 11 modules wide, the stop 13.
        let all = code128_b("0012345678").unwrap();
        assert_eq!(all.iter().sum::<u32>(), 11 * 12 + 13);
    }
}
