// The admin's session lives in sessionStorage: gone when the tab closes, never shared between tabs.

const KEY = 'hc.admin.session';

/** { token, role, expiresAt, username } or null when logged out or expired. */
export function currentSession() {
  let saved;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    saved = null;
  }
  if (!saved?.token) return null;
  if (saved.expiresAt && Date.parse(saved.expiresAt) <= Date.now()) {
    endSession();
    return null;
  }
  return saved;
}

export function startSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function endSession() {
  sessionStorage.removeItem(KEY);
}

export const isAdmin = () => currentSession()?.role === 'admin';
