// The only door to the Rust core: `invoke` (used by the generated commands.js, one function per
// command) and the shell's events. Errors come back as `{code, message}` with a French message
// ready to show.

const tauri = window.__TAURI__;

/** Calls a command by name; rejects with `{code, message}`. Screens call commands.js instead. */
export async function invoke(command, args = {}) {
  if (!tauri) throw { code: "no_backend", message: "Tauri indisponible" };
  try {
    return await tauri.core.invoke(command, args);
  } catch (error) {
    if (error && typeof error === "object" && "message" in error) throw error;
    throw { code: "error", message: String(error) };
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
  sso: "sso-link",
  accountLink: "account-link",
};
