// The console's client of the admin API (docs/api.md). Every call returns the parsed JSON body or
// throws an ApiError carrying the contract's error code and message.
import { currentSession, endSession } from './session.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `request failed (HTTP ${status})`);
    this.status = status;
    this.code = body?.error ?? 'error';
    this.details = body?.details ?? [];
  }
}

let onSessionLost = () => {};

/** Called when the API answers 401 to a logged-in console (token expired or revoked). */
export function whenSessionLost(fn) {
  onSessionLost = fn;
}

async function request(method, path, body) {
  const session = currentSession();
  const headers = { accept: 'application/json' };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && session) {
      endSession();
      onSessionLost();
    }
    throw new ApiError(res.status, data);
  }
  return data;
}

const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
};
const seg = encodeURIComponent;
const withNote = (note) => (note ? { note } : {});

export const adminApi = {
  login: (username, password) => request('POST', '/v1/admin/sessions', { username, password }),
  // Clears the queue dashboard's cookie; the console forgets the token itself.
  logout: () => request('DELETE', '/v1/admin/sessions'),

  listChanges: ({ status, limit, cursor } = {}) =>
    request('GET', `/v1/admin/code-changes${query({ status, limit, cursor })}`),
  getChange: (id) => request('GET', `/v1/admin/code-changes/${seg(id)}`),
  approve: (id, note) => request('POST', `/v1/admin/code-changes/${seg(id)}/approve`, withNote(note)),
  reject: (id, note) => request('POST', `/v1/admin/code-changes/${seg(id)}/reject`, withNote(note)),
  decide: (ids, decision, note) =>
    request('POST', '/v1/admin/code-changes/decisions', { ids, decision, ...withNote(note) }),
  revoke: (id, note) => request('POST', `/v1/admin/code-changes/${seg(id)}/revoke`, { note }),

  getCode: (userId) => request('GET', `/v1/admin/users/${seg(userId)}/code`),
  setCode: (userId, body) => request('PUT', `/v1/admin/users/${seg(userId)}/code`, body),

  listWindows: ({ status, limit, cursor } = {}) =>
    request('GET', `/v1/admin/windows${query({ status, limit, cursor })}`),
  rerunWindow: (id) => request('POST', `/v1/admin/windows/${seg(id)}/rerun`),
};

/** A message for the page: the API's own message, with the field details when it gave some. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return `The request failed: ${err?.message ?? err}`;
  const details = err.details.map((d) => d.message).filter(Boolean);
  return details.length ? `${err.message} (${details.join('; ')})` : err.message;
}
