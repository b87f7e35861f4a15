// A scanned or typed code (scanner burst, camera read, photo, reference field) → the screen it
// opens: a BL its detail, a product or reference the BLs that hold it, a pickup QR code the
// driver's screen; or, while a screen captures scans (the warranty form's VIN), that screen.

import * as commands from "../commands.js";
import { app } from "../state.js";
import { go } from "../router.js";
import { showError } from "../chrome.js";
import { t } from "../i18n/index.js";
import { toast } from "../dom.js";

/** The screen that takes scanned codes for itself (the warranty form's VIN field), if any. */
let capture = null;

/**
 * While a screen is shown, every scanned code (scanner burst, camera read, photo) goes to
 * `handler` instead of opening a screen. Returns the function that ends it.
 */
export function captureScans(handler) {
  capture = handler;
  return () => {
    if (capture === handler) capture = null;
  };
}

/**
 * Resolves a scanned or typed code: a BL opens it, a product or reference lists its BLs. Only a
 * scanned code says "Code lu" (`typed`: the user typed it and sees it already).
 */
export async function resolveCode(code, { typed = false } = {}) {
  const text = String(code || "").trim();
  if (!text) return;
  if (capture && !typed) {
    capture(text);
    return;
  }
  if (!typed) toast(t("scanned", text));
  // The garage's pickup QR code: the driver's screen reads it.
  if (text.startsWith("RETOUR-PICKUP:")) {
    app.pickupCode = text;
    app.lastHandover = null;
    go("#/driver");
    return;
  }
  try {
    const found = await commands.lookup(text);
    app.lastLookup = found;
    if (found.open_delivery_note || found.kind === "delivery_note") go(`#/bl/${encodeURIComponent(found.open_delivery_note || found.normalized)}`);
    else go(`#/results?code=${encodeURIComponent(found.normalized)}`);
  } catch (error) {
    showError(error);
  }
}
