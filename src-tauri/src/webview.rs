//! The WebView engine's own settings, applied to the main window once it exists.
//!
//! On Linux (WebKitGTK): the page may film with `getUserMedia` — the WebView camera, used when
//! nokhwa finds no camera — and a camera request from the app's own page is granted (the user
//! asked for it by opening the camera; microphone and screen requests are refused). The engine
//! keeps the memory of a one-page app: the document-viewer cache model, no page cache, and no
//! GPU compositing — a plain form-and-list UI gains nothing from it, while its GL stack (Mesa's
//! llvmpipe where there is no GPU driver, as under Xvfb) costs the web process ~80 MB. Painting
//! in software makes each keystroke's repaint slower, which is why the scanner-burst detector
//! (`ui/js/wedge.js`) times keys by when they were pressed, not by when the page handles them.
//!
//! Android (Android WebView) and iOS (WKWebView) ask the system for the camera themselves, with
//! the texts of `gen/android`'s manifest and `Info.ios.plist`.

use tauri::Manager;

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
