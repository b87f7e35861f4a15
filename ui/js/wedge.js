// USB barcode scanner ("douchette") as a keyboard: it types a code very fast and ends with Enter.
// A burst is recognised wherever the focus is, so the user never has to click a field first; when
// the burst landed in a text field, the field gets its previous value back. Mirrors
// `retour_scan::wedge` (the Rust parser of the same bursts).

/** Longest gap between two keystrokes of one burst (human typing is slower). */
const MAX_GAP_MS = 50;
/** Shortest code a scanner sends. */
const MIN_LENGTH = 4;

let buffer = "";
let lastAt = 0;
let firstAt = 0;
let snapshot = null;
let enabled = false;
let onCode = () => {};

function isEditable(el) {
  return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.isContentEditable);
}

function reset() {
  buffer = "";
  snapshot = null;
}

function onKeyDown(event) {
  if (!enabled || event.ctrlKey || event.altKey || event.metaKey) return;
  // When the key was pressed, not when this handler runs: a page busy painting the previous
  // keystroke (software rendering, a slow machine) must not split a scanner's burst in two.
  const now = event.timeStamp || performance.now();
  if (now - lastAt > MAX_GAP_MS) reset();
  if (event.key === "Enter" || event.key === "Tab") {
    const code = buffer;
    const target = snapshot;
    reset();
    lastAt = now;
    if (code.length >= MIN_LENGTH) {
      event.preventDefault();
      event.stopPropagation();
      if (target && target.el.value !== target.value) {
        target.el.value = target.value;
        target.el.dispatchEvent(new Event("input", { bubbles: true }));
      }
      lastBurst = { firstAt, endAt: now };
      onCode(code);
    }
    return;
  }
  if (event.key.length !== 1) {
    reset();
    return;
  }
  if (buffer === "") {
    firstAt = now;
    const el = document.activeElement;
    snapshot = isEditable(el) ? { el, value: el.value } : null;
  }
  buffer += event.key;
  lastAt = now;
}

/** When the last burst started and ended (`performance.now()`), for the render timings. */
export let lastBurst = null;

/** Forgets the last burst once its result is on screen. */
export function takeBurst() {
  const burst = lastBurst;
  lastBurst = null;
  return burst;
}

/** Starts listening for bursts; `handler(code)` receives each scanned code. */
export function installWedge(handler) {
  onCode = handler;
  window.addEventListener("keydown", onKeyDown, true);
}

/** Bursts count only on the screens that declare returns. */
export function setWedgeEnabled(on) {
  enabled = on;
  reset();
}
