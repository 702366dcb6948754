// The console's client of the admin API (docs/api.md). Every call returns the parsed JSON body or
// throws an ApiError carrying the contract's error code and message.
import { t } from './i18n.js';
import { currentSession, endSession } from './session.js';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
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

  /** query: the filter, sort and page (filters.js listQuery) -> { items, total, page, pageSize } */
  listChanges: (params = {}) => request('GET', `/v1/admin/code-changes${query(params)}`),
  exportUrl: (params = {}) => `/v1/admin/code-changes/export.csv${query(params)}`,
  getChange: (id) => request('GET', `/v1/admin/code-changes/${seg(id)}`),
  approve: (id, note) => request('POST', `/v1/admin/code-changes/${seg(id)}/approve`, withNote(note)),
  reject: (id, note) => request('POST', `/v1/admin/code-changes/${seg(id)}/reject`, withNote(note)),
  decide: (ids, decision, note) =>
    request('POST', '/v1/admin/code-changes/decisions', { ids, decision, ...withNote(note) }),
  revoke: (id, note) => request('POST', `/v1/admin/code-changes/${seg(id)}/revoke`, { note }),
  previewByFilter: (filter) => request('POST', '/v1/admin/code-changes/bulk-by-filter/preview', { filter }),
  decideByFilter: ({ filter, decision, note, expectedCount, token }) =>
    request('POST', '/v1/admin/code-changes/bulk-by-filter', {
      filter,
      decision,
      expectedCount,
      token,
      ...withNote(note),
    }),
  claim: (count, filter) => request('POST', '/v1/admin/code-changes/claims', { count, filter }),
  releaseClaims: () => request('DELETE', '/v1/admin/code-changes/claims'),

  getCode: (userId) => request('GET', `/v1/admin/users/${seg(userId)}/code`),
  setCode: (userId, body) => request('PUT', `/v1/admin/users/${seg(userId)}/code`, body),

  listWindows: ({ status, limit, cursor } = {}) =>
    request('GET', `/v1/admin/windows${query({ status, limit, cursor })}`),
  rerunWindow: (id) => request('POST', `/v1/admin/windows/${seg(id)}/rerun`),

  listAudit: (params = {}) => request('GET', `/v1/admin/audit${query(params)}`),

  listAccounts: () => request('GET', '/v1/admin/accounts'),
  createAccount: (body) => request('POST', '/v1/admin/accounts', body),
  disableAccount: (username, note) => request('POST', `/v1/admin/accounts/${seg(username)}/disable`, withNote(note)),
  enableAccount: (username) => request('POST', `/v1/admin/accounts/${seg(username)}/enable`),
  resetPassword: (username, password) =>
    request('POST', `/v1/admin/accounts/${seg(username)}/password`, password ? { password } : {}),
};

/**
 * A GET whose answer is a file (the CSV export): the bearer header cannot ride on a plain link,
 * so the file is fetched and handed to the browser as a download.
 */
export async function download(path, filename) {
  const session = currentSession();
  const res = await fetch(path, { headers: session ? { authorization: `Bearer ${session.token}` } : {} });
  if (!res.ok) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      // no JSON body: the status says enough
    }
    if (res.status === 401 && session) {
      endSession();
      onSessionLost();
    }
    throw new ApiError(res.status, body);
  }
  const url = URL.createObjectURL(await res.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started the download from the object URL by the next turn; then it can go.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A message for the page: the API's own message, with the field details when it gave some. */
export function describeError(err) {
  if (!(err instanceof ApiError)) return t('error.network', { message: err?.message ?? String(err) });
  // The API's messages are English; the code's own sentence comes first in the official's language.
  const details = err.details.map((d) => d.message).filter(Boolean);
  const apiText = details.length ? `${err.message} (${details.join('; ')})` : err.message;
  const known = t(`error.${err.code}`);
  return known === `error.${err.code}` ? apiText : `${known}: ${apiText}`;
}
