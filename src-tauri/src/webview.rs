//! The WebView engine's own settings: its environment before it starts, and the main window's
//! WebView once it exists.
//!
//! On Linux (WebKitGTK): the page may film with `getUserMedia` — the WebView camera, used when
//! nokhwa finds no camera — and a camera request from the app's own page is granted (the user
//! asked for it by opening the camera; microphone and screen requests are refused). The engine
//! keeps the memory of a one-page app: no GPU compositing (see [`prepare_engine`]), the
//! document-viewer cache model and no page cache. Painting in software makes each keystroke's
//! repaint slower, which is why the scanner-burst detector (`ui/js/wedge.js`) times keys by when
//! they were pressed, not by when the page handles them.
//!
//! Android (Android WebView) and iOS (WKWebView) ask the system for the camera themselves, with
//! the texts of `gen/android`'s manifest and `Info.ios.plist`.

use tauri::Manager;

/// The environment WebKitGTK reads when it starts, set before GTK or WebKit run (the first thing
/// [`crate::run`] does) and inherited by its web and network processes; a value the user set
/// wins (`WEBKIT_DISABLE_COMPOSITING_MODE=0` turns GPU compositing back on).
///
/// `WEBKIT_DISABLE_COMPOSITING_MODE=1`: the page is painted without GPU compositing, from the
/// web process's first frame. A plain form-and-list UI gains nothing from compositing, while its
/// GL stack (Mesa's llvmpipe where there is no GPU driver, as under Xvfb) made the web process
/// the largest of the app's processes: `cargo xtask bench-app` measures the difference. The
/// environment rather than the WebView's hardware-acceleration policy: the policy can only be
/// set once the web process has started composited.
///
/// `WEBKIT_DISABLE_DMABUF_RENDERER=1` while compositing is off: there are then no composited
/// frames to hand over as DMA-BUFs, and the renderer's GBM/EGL set-up in the app's own process
/// costs it ~8 MB (and the web process ~3 MB) for nothing.
pub fn prepare_engine() {
    #[cfg(target_os = "linux")]
    {
        let unset = |key: &str| std::env::var_os(key).is_none();
        if unset("WEBKIT_DISABLE_COMPOSITING_MODE") {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
        let compositing_off = std::env::var("WEBKIT_DISABLE_COMPOSITING_MODE")
            .is_ok_and(|v| !v.is_empty() && v != "0");
        if compositing_off && unset("WEBKIT_DISABLE_DMABUF_RENDERER") {
            std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        }
    }
}

/// Applies the settings to the main window's WebView (nothing when there is none).
pub fn configure(app: &tauri::App) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.with_webview(|webview| {
            #[cfg(target_os = "linux")]
            webkit_gtk(&webview.inner());
            #[cfg(not(target_os = "linux"))]
            let _ = webview;
        });
    }
}

#[cfg(target_os = "linux")]
fn webkit_gtk(view: &webkit2gtk::WebView) {
    use webkit2gtk::glib::prelude::Cast;
    use webkit2gtk::{
        CacheModel, PermissionRequestExt, SettingsExt, UserMediaPermissionRequest,
        UserMediaPermissionRequestExt, WebContextExt, WebViewExt,
    };

    if let Some(settings) = WebViewExt::settings(view) {
        settings.set_enable_media_stream(true);
        settings.set_enable_page_cache(false);
    }
    if let Some(context) = view.context() {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
    view.connect_permission_request(|_, request| {
        let camera_only = request
            .downcast_ref::<UserMediaPermissionRequest>()
            .is_some_and(|media| media.is_for_video_device() && !media.is_for_audio_device());
        if camera_only {
            request.allow();
        } else {
            request.deny();
        }
        true
    });
}
