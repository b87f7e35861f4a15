//! The window's WebView, tuned for what it shows: one local page, no navigation, no media. On
//! Linux (WebKitGTK) that means no page or resource caches beyond the document's own, no WebGL and
//! no Web Audio, which keeps the idle memory of the WebView processes down. Other platforms keep
//! their defaults.

/// Applies the tuning to `window` (a no-op where there is nothing to tune, or when
/// `RETOUR_WEBVIEW_DEFAULTS` is set: `cargo xtask bench-app` compares both).
pub fn tune(window: &tauri::WebviewWindow) {
    if std::env::var_os("RETOUR_WEBVIEW_DEFAULTS").is_some() {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let tuned = window.with_webview(|webview| {
            use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
            let view = webview.inner();
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_enable_page_cache(false);
                settings.set_enable_webgl(false);
                settings.set_enable_webaudio(false);
            }
        });
        if let Err(error) = tuned {
            eprintln!("retour: the WebView keeps its default settings: {error}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
