// What the screens share: the signed-in user, app facts, the service state, the last cart, lookup
// and request, and the sync state the header shows.

export const app = {
  info: null,
  user: null,
  service: null,
  cart: null,
  reasons: null,
  sync: { online: true, pending: 0 },
  lastLookup: null,
  /** The session ended on the server: the login screen says so once. */
  sessionExpired: false,
  lastRequest: null,
};

/** The signed-in user from the façade's session view (null when signed out). */
export function userOf(session) {
  if (!session || session.signed_in === false) return null;
  return session.user ?? (session.email ? { email: session.email, name: "" } : session);
}

/** The façade's sync state → what the header shows. */
export function syncOf(state) {
  if (!state) return app.sync;
  const pending = (state.pending_ops ?? 0) + (state.pending_sends ?? 0) + (state.pending_messages ?? 0) + (state.pending_claims ?? 0) + (state.pending_handovers ?? 0) + (state.pending ?? 0);
  return { ...state, online: state.online !== false, pending };
}
