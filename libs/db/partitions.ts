const DAY_MS = 86_400_000;

/** UTC calendar days (YYYY-MM-DD) touched by the given times, each once. */
export function utcDays(timesMs: Iterable<number>): string[] {
  // Day numbers first: this runs for every ping, and a date string per ping is garbage.
  const days = new Set<number>();
  for (const t of timesMs) days.add(Math.floor(t / DAY_MS));
  return [...days].map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10));
}

/** Every UTC day from `fromMs` to `toMs` inclusive. */
export function utcDayRange(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS; d <= toMs; d += DAY_MS)
    out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}
