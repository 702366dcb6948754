// The official's time zone: the browser's own unless they chose another (kept in localStorage).
// Plus the arithmetic the date inputs need: a wall-clock time in a zone <-> a UTC instant.
const KEY = 'hc.admin.timeZone';

export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function isTimeZone(name) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return typeof name === 'string' && name.length > 0;
  } catch {
    return false;
  }
}

export function timeZone() {
  let saved = null;
  try {
    saved = globalThis.localStorage?.getItem(KEY) ?? null;
  } catch {
    // storage refused: the browser's zone is used
  }
  return saved && isTimeZone(saved) ? saved : browserTimeZone();
}

export function setTimeZone(name) {
  try {
    if (isTimeZone(name)) globalThis.localStorage?.setItem(KEY, name);
  } catch {
    // storage refused: the browser's zone is used
  }
}

/** Every zone the browser knows, for the chooser (the current one first when the list lacks it). */
export function timeZones(current) {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
  return all.includes(current) ? all : [current, ...all];
}

const partsFormat = (zone) =>
  new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

/** The wall clock of an instant in a zone: { year, month, day, hour, minute, second }. */
export function wallClock(ms, zone) {
  const fields = {};
  for (const p of partsFormat(zone).formatToParts(new Date(ms)))
    if (p.type !== 'literal') fields[p.type] = Number(p.value);
  return fields;
}

/** How far a zone's clock is ahead of UTC at an instant, in milliseconds. */
export function zoneOffsetMs(ms, zone) {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time ("2026-12-07T10:00", as a datetime-local input gives it) names in
 * a zone; null for malformed text. In a DST gap or overlap this picks one of the candidates, as
 * clocks do.
 */
export function wallToUtcMs(wall, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(wall));
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss = '0'] = m;
  const guess = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mi), Number(ss));
  if (!Number.isFinite(guess)) return null;
  const first = guess - zoneOffsetMs(guess, zone);
  return guess - zoneOffsetMs(first, zone);
}

const pad = (n) => String(n).padStart(2, '0');

/** "2026-12-07T10:00" for a datetime-local input showing an instant in a zone. */
export function utcToWall(ms, zone) {
  const w = wallClock(ms, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}
