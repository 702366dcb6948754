// Times and durations as people read them. The API sends ISO-8601 UTC strings.

/** "2026-11-24 14:05:09 UTC" */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "HH:MM:SS" (UTC) for compact axes. */
export function clock(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return m % 60 ? `${hours} h ${m % 60} min` : `${hours} h`;
  const d = Math.floor(hours / 24);
  return hours % 24 ? `${d} d ${hours % 24} h` : `${d} d`;
}

/** How long ago an ISO time was, as a duration. */
export function age(iso, nowMs = Date.now()) {
  return iso ? duration((nowMs - Date.parse(iso)) / 1000) : '—';
}
