// Times, durations and distances as the official reads them: in their language and time zone,
// with the UTC time in a tooltip. The API sends ISO-8601 UTC strings.
import { h } from './dom.js';
import { intlLocale, t } from './i18n.js';
import { timeZone, wallClock } from './time-zone.js';

const formats = new Map();
function formatter(tag, zone, options) {
  const key = `${tag}|${zone}|${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(tag, { timeZone: zone, ...options }));
  return formats.get(key);
}
const DAY = { day: 'numeric', month: 'short' };
const CLOCK = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const CLOCK_S = { ...CLOCK, second: '2-digit' };

/** "2026-12-07 10:00:05 UTC" (the tooltip, and what exports and logs say). */
export function utcText(ms) {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const sameDay = (a, b, zone) => {
  const x = wallClock(a, zone),
    y = wallClock(b, zone);
  return x.year === y.year && x.month === y.month && x.day === y.day;
};

/** "7 Dec 2026, 10:00:05" in a language and zone (pure: the tests call it with both). */
export function formatInstant(ms, tag, zone) {
  return formatter(tag, zone, { ...DAY, year: 'numeric', ...CLOCK_S }).format(ms);
}

/** "7 Dec 10:00–11:00", or "7 Dec 23:30 – 8 Dec 00:30" across midnight (pure). */
export function formatRange(fromMs, toMs, tag, zone) {
  const day = formatter(tag, zone, DAY);
  const clock = formatter(tag, zone, CLOCK);
  if (sameDay(fromMs, toMs - 1, zone)) return `${day.format(fromMs)} ${clock.format(fromMs)}–${clock.format(toMs)}`;
  return `${day.format(fromMs)} ${clock.format(fromMs)} – ${day.format(toMs)} ${clock.format(toMs)}`;
}

const msOf = (iso) => (iso ? Date.parse(iso) : NaN);

/** An instant as a <time> element: local text, UTC in the tooltip. */
export function timeEl(iso) {
  const ms = msOf(iso);
  if (!Number.isFinite(ms)) return t('common.none');
  return h(
    'time',
    { datetime: new Date(ms).toISOString(), title: utcText(ms) },
    formatInstant(ms, intlLocale(), timeZone()),
  );
}

/** "7 Dec 10:00–11:00" in the official's language and zone. */
export function rangeText(fromIso, toIso) {
  const from = msOf(fromIso),
    to = msOf(toIso);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return t('common.none');
  return formatRange(from, to, intlLocale(), timeZone());
}

/** A window (or any span) as its time range, never as its internal number. */
export function rangeEl(fromIso, toIso) {
  const from = msOf(fromIso),
    to = msOf(toIso);
  if (!Number.isFinite(from) || !Number.isFinite(to)) return t('common.none');
  return h(
    'time',
    { datetime: new Date(from).toISOString(), title: `${utcText(from)} – ${utcText(to)}` },
    rangeText(fromIso, toIso),
  );
}

/** "10:00:05" in the official's zone, for chart axes. */
export function clock(ms) {
  return formatter(intlLocale(), timeZone(), CLOCK_S).format(ms);
}

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h" in the current language. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('unit.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('unit.minutes', { n: m });
  const hours = Math.floor(m / 60);
  if (hours < 48) return m % 60 ? t('unit.hoursMinutes', { h: hours, m: m % 60 }) : t('unit.hours', { n: hours });
  const d = Math.floor(hours / 24);
  return hours % 24 ? t('unit.daysHours', { d, h: hours % 24 }) : t('unit.days', { n: d });
}

/** How long ago an instant was, as a duration, with the instant itself in the tooltip. */
export function ageEl(iso, nowMs = Date.now()) {
  const ms = msOf(iso);
  if (!Number.isFinite(ms)) return t('common.none');
  return h(
    'time',
    { datetime: new Date(ms).toISOString(), title: `${formatInstant(ms, intlLocale(), timeZone())} · ${utcText(ms)}` },
    duration((nowMs - ms) / 1000),
  );
}

/** "4.2 m", "1.3 km". */
export function distance(metres) {
  const m = Number(metres);
  if (!Number.isFinite(m)) return t('common.none');
  if (m >= 1000) return t('unit.kilometres', { n: Math.round(m / 100) / 10 });
  return t('unit.metres', { n: m < 10 ? Math.round(m * 10) / 10 : Math.round(m) });
}

/** A status, colour or role as the language says it; the badge's class keeps the API's value. */
export const label = (kind, value) => t(`${kind}.${value}`);
