// The WebView camera: `getUserMedia` in the page — the camera of Android and iOS, and of desktops
// where the native camera (nokhwa) finds none. A <video> shows the preview; a steady tick
// (FRAMES_PER_SECOND) downscales the newest frame to luma (≤ MAX_WIDTH pixels wide) and hands it
// to the Rust scanner with `camera_scan_frame`, one frame at a time; the scanner applies the
// native camera's two-frame agreement and cooldown and answers the codes to act on.
// A camera refused, missing, busy or unplugged stops everything and says so in French: never a
// frozen preview. `startScanCamera` is the choice the scan screens share (the driver's QR code,
// the warranty form's VIN): the native camera when the shell has one, else this one, every read
// handed to `resolveCode` as the native camera's are.

import * as commands from "../commands.js";
import { on, EVENTS } from "../api.js";
import { app } from "../state.js";
import { h, errorText } from "../dom.js";
import { t, language } from "../i18n/index.js";
import { resolveCode } from "./resolve-code.js";

const FRAMES_PER_SECOND = 5;
const MAX_WIDTH = 640;

/**
 * Whether to film in the page: the shell has no native camera (none found, or a build without
 * one: Android, iOS) and this WebView can film.
 */
export async function useWebcam() {
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return false;
  const native = await commands.cameras().catch(() => []);
  return native.length === 0;
}

/** The French (or English) sentence for a `getUserMedia` refusal or a lost camera. */
function trouble(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") return t("webcamRefused");
  if (name === "NotFoundError" || name === "OverconstrainedError") return t("webcamMissing");
  if (name === "NotReadableError" || name === "AbortError") return t("webcamBusy");
  return t("webcamFailed");
}

/** BT.601 luma, the weights the Rust frames use (sum 256). */
function lumaOf(rgba, count) {
  const luma = new Array(count);
  for (let i = 0, p = 0; i < count; i += 1, p += 4) {
    luma[i] = (77 * rgba[p] + 150 * rgba[p + 1] + 29 * rgba[p + 2] + 128) >> 8;
  }
  return luma;
}

/**
 * Opens the camera, shows its preview in a new <video> (returned as `preview`) and scans it.
 * `onRead(read)` gets each code to act on, `onEnd(message)` the reason when the camera stops on
 * its own. Throws `{message}` when the camera cannot start. `stop()` ends it all.
 */
export async function startWebcam({ onRead, onEnd }) {
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch (error) {
    throw { code: "webcam", message: trouble(error) };
  }
  const preview = h("video", { id: "webcam-preview", class: "camera-preview", autoplay: "", muted: "", playsinline: "", "aria-label": t("cameraWaiting") });
  preview.muted = true;
  preview.srcObject = stream;
  const canvas = h("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stopped = false;
  let timer = null;

  function stop() {
    stopped = true;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    preview.srcObject = null;
    preview.remove();
    commands.camera_stop().catch(() => {});
  }

  function lost(message) {
    if (stopped) return;
    stop();
    onEnd(message);
  }

  async function tick() {
    const started = performance.now();
    if (stopped) return;
    if (preview.videoWidth > 0 && preview.readyState >= 2) {
      const scale = Math.min(1, MAX_WIDTH / preview.videoWidth);
      const width = Math.round(preview.videoWidth * scale);
      const height = Math.round(preview.videoHeight * scale);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(preview, 0, 0, width, height);
      const { data } = context.getImageData(0, 0, width, height);
      try {
        const reads = await commands.camera_scan_frame(width, height, lumaOf(data, width * height));
        if (!stopped) for (const read of reads) onRead(read);
      } catch (error) {
        lost(error.message || t("webcamFailed"));
        return;
      }
    }
    if (!stopped) timer = setTimeout(tick, Math.max(0, 1000 / FRAMES_PER_SECOND - (performance.now() - started)));
  }

  for (const track of stream.getVideoTracks()) {
    track.addEventListener("ended", () => lost(t("webcamUnplugged")));
  }
  preview.addEventListener("playing", () => { if (timer === null) tick(); }, { once: true });
  return { preview, stop };
}

/** The native camera's error codes → the sentence in the interface's language (never the code). */
const CAMERA_TEXTS = {
  no_camera: "webcamMissing",
  camera_busy: "webcamBusy",
  camera_permission_denied: "webcamRefused",
  camera_lost: "webcamUnplugged",
  camera_failed: "webcamFailed",
};

/** What to say of a camera error: by its code, else the core's French message. */
export function cameraText(error) {
  const key = CAMERA_TEXTS[error?.code];
  if (key) return t(key);
  return language() === "fr" || !error?.code || error.code === "webcam" ? errorText(error) : t("webcamFailed");
}

/**
 * Opens the camera the device has and scans it: the native one when the shell finds one (its
 * frames shown in an <img>, its reads sent by the shell as `scan-read` events, which main.js
 * hands to `resolveCode`), else the WebView's (`useWebcam`: Android, iOS), whose reads go to
 * `resolveCode` too — so a screen reacts to a code the same way whichever camera read it.
 * Returns `{preview, stop}`; `onEnd(message)` gets the sentence when the camera stops on its own.
 * Throws `{code, message}` when it cannot start (`cameraText` says it).
 */
export async function startScanCamera({ onEnd }) {
  if (await useWebcam()) {
    return startWebcam({ onRead: (read) => resolveCode(read.text), onEnd });
  }
  const preview = h("img", { class: "camera-preview", alt: t("cameraWaiting"), hidden: true });
  let stopped = false;
  const frames = on(EVENTS.camera, (frame) => {
    if (stopped) return;
    preview.src = `data:image/jpeg;base64,${frame.jpeg_base64 ?? frame.jpeg ?? frame}`;
    preview.hidden = false;
  });
  const lost = on(EVENTS.cameraLost, (error) => {
    if (stopped) return;
    stop();
    onEnd(cameraText(error));
  });
  async function stop() {
    if (stopped) return;
    stopped = true;
    preview.remove();
    (await frames)();
    (await lost)();
    await commands.camera_stop().catch(() => {});
  }
  try {
    await commands.camera_start(app.info?.camera ?? null);
  } catch (error) {
    await stop();
    throw error;
  }
  return { preview, stop };
}
