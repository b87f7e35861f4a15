// The only door to the Rust core: `invoke` (used by the generated commands.js, one function per
// command) and the shell's events. Errors come back as `{code, message}` with a French message
// ready to show; a session that ended is also announced to the page (`retour:session-ended`).

const tauri = window.__TAURI__;

/** Calls a command by name; rejects with `{code, message}`. Screens call commands.js instead. */
export async function invoke(command, args = {}) {
  if (!tauri) throw { code: "no_backend", message: "Tauri indisponible" };
  try {
    return await tauri.core.invoke(command, args);
  } catch (error) {
    const problem = error && typeof error === "object" && "message" in error ? error : { code: "error", message: String(error) };
    // The session ended on the server (refresh refused): whatever screen asked, main.js signs
    // the window out to the login screen, which says why.
    if (problem.code === "session_expired" || problem.code === "not_signed_in") {
      document.dispatchEvent(new CustomEvent("retour:session-ended", { detail: problem }));
    }
    throw problem;
  }
}

/** Subscribes to an event; returns a promise of the unsubscribe function. */
export function on(event, handler) {
  if (!tauri) return Promise.resolve(() => {});
  return tauri.event.listen(event, (e) => handler(e.payload));
}

/** The event names the shell emits. */
export const EVENTS = {
  sync: "sync-state",
  scan: "scan-read",
  camera: "camera-frame",
  cameraLost: "camera-lost",
  sso: "sso-link",
  accountLink: "account-link",
};
