// Hash routes: #/queue?status=pending, #/changes/42, #/users/7, #/windows. One page, no reloads.

/** Splits the location hash into a route name, its path parameters and its query. */
export function parseHash(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { name: parts[0] ?? '', params: parts.slice(1), query: new URLSearchParams(search) };
}

/** "#/queue?status=pending" from a route and its query values (empty ones left out). */
export function hashFor(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}
