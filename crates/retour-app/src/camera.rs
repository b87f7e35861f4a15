//! The live camera of the "Flasher" screen: list the cameras, start one with a JPEG preview and
//! code reads handed to callbacks, stop it.
//!
//! One camera at a time per [`App`]: starting another stops the running one first. The camera
//! runs on its own thread (nokhwa's camera is not `Send`, so it is opened on that thread); frames
//! go to `retour-scan`'s [`retour_scan::LiveScanner`] (newest frame wins) and, at most 15 times a
//! second, become preview JPEGs. A stop flag ends the loop; [`App::camera_stop`] waits for it.
//! A camera that goes away while filming (unplugged, a frame that never comes) ends the loop and
//! says so once to the `on_lost` callback, with `camera_lost` and its French text, so that the
//! screen stops its preview instead of showing the last frame forever.
//!
//! The WebView camera (Android, iOS, and desktops where nokhwa finds none) films in the page:
//! the page downscales each frame to luma and hands it over with [`App::camera_scan_frame`], at
//! its own steady pace, one at a time; the frames go through the same [`LiveSession`] as the
//! native camera's (two-frame agreement, cooldown), and the codes to act on come back as the
//! command's answer. [`App::camera_stop`] ends that session too.
//!
//! With [`crate::Config::camera_image`] set (the shell reads `RETOUR_CAMERA_IMAGE`), that picture
//! is the camera: it is filmed at ~30 fps, for demos and tests on machines without a camera.
//! Without a camera, every call answers a French [`AppError`] with a stable code (`no_camera`,
//! `camera_unavailable`, `camera_busy`, `camera_permission_denied`, `camera_failed`,
//! `camera_image_unreadable`), never a panic.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use retour_camera::{CameraError, FrameSource, StillImageSource};
use retour_scan::{LiveConfig, LiveEvent, LiveScanner, LiveSession, LumaFrame, ScanRead};
use serde::Serialize;

use crate::{App, AppError, AppResult, ErrorCode};

/// The id of the still picture standing in for a camera.
pub const STILL_IMAGE_CAMERA_ID: &str = "image";

/// How long opening a camera may take before `camera_start` gives up waiting.
const OPEN_TIMEOUT: Duration = Duration::from_secs(15);

/// A camera the user can pick on the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CameraInfo {
    /// What to pass to [`App::camera_start`] (the system's index, or `image`).
    pub id: String,
    /// The name to show.
    pub name: String,
}

impl From<CameraError> for AppError {
    fn from(error: CameraError) -> AppError {
        AppError::new(ErrorCode::parse(error.code()), error.to_string())
    }
}

/// The running camera: its stop flag and its thread.
pub(crate) struct CameraRun {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CameraRun {
    fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for CameraRun {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The WebView camera's decoding state: the live session and the clock its frames are timed by.
pub(crate) struct WebviewScan {
    session: LiveSession,
    started: Instant,
}

/// What to film.
#[derive(Debug, Clone)]
enum Camera {
    Still(PathBuf),
    System(u32),
}

impl Camera {
    fn open(&self) -> Result<Box<dyn FrameSource>, CameraError> {
        match self {
            Camera::Still(path) => Ok(Box::new(StillImageSource::open(path)?)),
            Camera::System(index) => retour_camera::open_camera(*index),
        }
    }
}

fn still_image_info(path: &Path) -> CameraInfo {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    CameraInfo {
        id: STILL_IMAGE_CAMERA_ID.to_owned(),
        name: format!("Image fixe : {name}"),
    }
}

impl App {
    /// The cameras to choose from: the still picture when one is configured, else the
    /// computer's cameras (an empty list when there is none; `camera_unavailable` in a build
    /// without camera support).
    pub fn cameras(&self) -> AppResult<Vec<CameraInfo>> {
        if let Some(path) = &self.inner.config.camera_image {
            return Ok(vec![still_image_info(path)]);
        }
        Ok(retour_camera::list_cameras()?
            .into_iter()
            .map(|c| CameraInfo {
                id: c.index.to_string(),
                name: c.name,
            })
            .collect())
    }

    fn camera_for(&self, device: Option<&str>) -> AppResult<Camera> {
        if let Some(path) = &self.inner.config.camera_image {
            return Ok(Camera::Still(path.clone()));
        }
        match device.map(str::trim).filter(|d| !d.is_empty()) {
            None => Ok(Camera::System(0)),
            Some(id) => id.parse().map(Camera::System).map_err(|_| {
                AppError::new(
                    ErrorCode::NoCamera,
                    format!("La caméra « {id} » n'existe pas : choisissez-en une autre dans les réglages."),
                )
            }),
        }
    }

    /// Starts filming with `device` (an id from [`App::cameras`]; `None`: the default camera).
    /// Preview JPEGs (≤ 15 a second, 640 px wide) go to `on_frame`, each code read (once while
    /// it stays in view) to `on_read`, both from the camera's threads; a camera lost while
    /// filming goes once to `on_lost` (`camera_lost`), and then nothing more comes. Returns once
    /// the camera is open, or its French error. A camera already running is stopped first.
    pub fn camera_start(
        &self,
        device: Option<&str>,
        on_frame: impl Fn(Vec<u8>) + Send + 'static,
        on_read: impl Fn(ScanRead) + Send + 'static,
        on_lost: impl FnOnce(AppError) + Send + 'static,
    ) -> AppResult<()> {
        let camera = self.camera_for(device)?;
        let mut slot = self.inner.camera.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(running) = slot.take() {
            running.stop();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (opened_tx, opened) = mpsc::sync_channel::<Result<(), CameraError>>(1);
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("retour-camera".into())
            .spawn(move || {
                // Opened here: nokhwa's camera must stay on the thread that reads it.
                let mut source = match camera.open() {
                    Ok(source) => {
                        let _ = opened_tx.send(Ok(()));
                        source
                    }
                    Err(error) => {
                        let _ = opened_tx.send(Err(error));
                        return;
                    }
                };
                // A camera unplugged mid-way ends the loop; the screen is told, unless it
                // asked for the stop itself.
                if film(source.as_mut(), &thread_stop, on_frame, on_read).is_err()
                    && !thread_stop.load(Ordering::Relaxed)
                {
                    on_lost(CameraError::Lost.into());
                }
            })
            .map_err(|e| {
                AppError::new(
                    ErrorCode::CameraFailed,
                    format!("La caméra ne démarre pas : {e}"),
                )
            })?;
        let mut run = CameraRun {
            stop,
            thread: Some(thread),
        };
        match opened.recv_timeout(OPEN_TIMEOUT) {
            Ok(Ok(())) => {
                *slot = Some(run);
                self.log("caméra démarrée");
                Ok(())
            }
            Ok(Err(error)) => {
                run.shutdown();
                Err(error.into())
            }
            Err(_) => {
                // The thread is stuck opening the device: let it go, it stops when it can.
                run.stop.store(true, Ordering::Relaxed);
                drop(run.thread.take());
                Err(CameraError::Failed("délai d'ouverture dépassé".into()).into())
            }
        }
    }

    /// Decodes one frame of the WebView camera: `luma` is `width` × `height` bytes of
    /// luminance, row-major. Returns the codes to act on now (confirmed across frames, once per
    /// cooldown, as with the native camera); the first frame after [`App::camera_stop`] starts a
    /// new session.
    pub fn camera_scan_frame(
        &self,
        width: u32,
        height: u32,
        luma: Vec<u8>,
    ) -> AppResult<Vec<ScanRead>> {
        let frame = LumaFrame::from_luma(width, height, luma).map_err(|_| {
            AppError::new(
                ErrorCode::ScanFailed,
                "L'image de la caméra n'a pas la taille annoncée : elle est ignorée.",
            )
        })?;
        let mut slot = self
            .inner
            .webview_scan
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let scan = slot.get_or_insert_with(|| WebviewScan {
            session: LiveSession::new(LiveConfig::default()),
            started: Instant::now(),
        });
        let captured_at_ms = scan.started.elapsed().as_millis() as u64;
        // A frame the decoder gave up on is one frame lost, as with the native camera.
        Ok(scan
            .session
            .frame(Arc::new(frame), captured_at_ms)
            .unwrap_or_default())
    }

    /// Stops the camera (nothing happens when none is running); returns once it is closed.
    pub fn camera_stop(&self) -> AppResult<()> {
        self.inner
            .webview_scan
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let running = self
            .inner
            .camera
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(running) = running {
            running.stop();
            self.log("caméra arrêtée");
        }
        Ok(())
    }

    /// Whether a camera is filming.
    pub fn camera_running(&self) -> bool {
        self.inner
            .camera
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(|run| run.thread.as_ref())
            .is_some_and(|thread| !thread.is_finished())
    }
}

/// The camera loop: frames to the live scanner and previews, reads to `on_read`, until `stop`.
fn film(
    source: &mut dyn FrameSource,
    stop: &AtomicBool,
    on_frame: impl Fn(Vec<u8>) + Send + 'static,
    on_read: impl Fn(ScanRead) + Send + 'static,
) -> Result<(), CameraError> {
    let (events, received) = mpsc::channel();
    let scanner = LiveScanner::start(LiveConfig::default(), events);
    let reader = std::thread::Builder::new()
        .name("retour-camera-reads".into())
        .spawn(move || {
            // Ends when the scanner stops (its sender is dropped).
            for event in received {
                if let LiveEvent::Code { read, .. } = event {
                    on_read(read);
                }
            }
        })
        .map_err(|e| CameraError::Failed(e.to_string()))?;
    let started = Instant::now();
    let clock = || started.elapsed().as_millis() as u64;
    let outcome =
        retour_camera::pump_frames(source, &scanner, &clock, stop, &mut |jpeg| on_frame(jpeg));
    scanner.stop();
    let _ = reader.join();
    outcome.map(drop)
}
