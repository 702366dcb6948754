// The batch of requests this reviewer claimed (POST /v1/admin/code-changes/claims), kept for the
// tab so the evidence page can lead on to the next one. The server holds the claims; this is
// only the reviewer's list, dropped when the claims expire or are released, and never shown to
// another official logging in on the same tab.
import { currentSession } from './session.js';

const KEY = 'hc.admin.claims';

export function rememberBatch(ids, expiresAt) {
  const username = currentSession()?.username;
  sessionStorage.setItem(KEY, JSON.stringify({ ids: ids.map(String), expiresAt, username }));
}

export function forgetBatch() {
  sessionStorage.removeItem(KEY);
}

/** { ids, expiresAt } of an unexpired batch, or null. */
export function myBatch(nowMs = Date.now()) {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    // a damaged entry reads as no batch
  }
  if (!saved?.ids?.length || !(Date.parse(saved.expiresAt) > nowMs)) return null;
  if (saved.username !== currentSession()?.username) return null;
  return saved;
}

/** The request after `id` in the batch (or the first when `id` is not in it), null at the end. */
export function nextInBatch(id) {
  const batch = myBatch();
  if (!batch) return null;
  const at = batch.ids.indexOf(String(id));
  return batch.ids[at + 1] ?? null;
}
