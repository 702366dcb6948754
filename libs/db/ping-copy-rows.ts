const DAY_MS = 86_400_000;

/** Pings of one accepted batch, as parallel arrays (the shape `unnest` wants). */
export interface PingColumns {
  userIds: string[];
  tsMs: number[];
  cells: string[];
}

/**
 * One request's pings, with their `COPY ... FROM STDIN` text rows built where the request is
 * handled: a group commit only joins the texts of its requests.
 */
export interface PingBatch {
  rows: PingColumns;
  copyText: string;
  /** UTC day numbers (epoch ms / day) the pings fall in: their partitions must exist. */
  days: Set<number>;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const TWO = Array.from({ length: 60 }, (_, i) => pad(i, 2));
const THREE = Array.from({ length: 1000 }, (_, i) => pad(i, 3));
const dayPrefixes = new Map<number, string>();

/** `YYYY-MM-DDT`, once per day seen (a handful: the retention). */
function dayPrefix(day: number): string {
  let p = dayPrefixes.get(day);
  if (p === undefined) {
    if (dayPrefixes.size > 64) dayPrefixes.clear();
    p = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, p);
  }
  return p;
}

/** The same text as `new Date(ms).toISOString()` for times of years 0..9999, without a Date per ping. */
export function isoTime(ms: number, day = Math.floor(ms / DAY_MS)): string {
  let t = ms - day * DAY_MS;
  const milli = t % 1000;
  t = (t - milli) / 1000;
  const sec = t % 60;
  t = (t - sec) / 60;
  const min = t % 60;
  const hour = (t - min) / 60;
  return `${dayPrefix(day)}${TWO[hour]}:${TWO[min]}:${TWO[sec]}.${THREE[milli]}Z`;
}

/** COPY text rows for these pings. User ids are digits and cells base32: nothing needs escaping. */
export function toPingBatch(rows: PingColumns): PingBatch {
  const days = new Set<number>();
  let copyText = '';
  for (let i = 0; i < rows.tsMs.length; i++) {
    const ms = rows.tsMs[i]!;
    const day = Math.floor(ms / DAY_MS);
    days.add(day);
    copyText += `${rows.userIds[i]}\t${isoTime(ms, day)}\t${rows.cells[i]}\n`;
  }
  return { rows, copyText, days };
}
