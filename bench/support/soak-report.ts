import type { LoadResult } from './load-generator.js';
import type { MemorySample } from './memory.js';

// The soak's figures over time: its load intervals grouped into periods, and the growth of each
// app's live memory from the end of the warm-up to the end.

export const SOAK_APPS = ['api', 'ingest', 'batch'] as const;
export type SoakApp = (typeof SOAK_APPS)[number];

export interface TracingProgress {
  /** Windows holding the soak's pings (ending after it started) that are traced. */
  traced: number;
  /** From the end of the newest traced window to now (includes the grace and the tick). */
  lagSec: number | null;
  /** Over those windows: the longest trace (the engine's stats) and the source pings traced. */
  maxTraceMs: number | null;
  sourcePings: number;
}

export interface Interval {
  atSec: number;
  reads: LoadResult;
  pings: LoadResult;
  /** Tracing at the end of the interval. */
  tracing: TracingProgress;
  /** Each app's live memory, probed after the interval. */
  memory?: Record<SoakApp, MemorySample>;
}

export interface Period {
  fromSec: number;
  readsPerSec: number;
  readP99Ms: number;
  pingsPerSec: number;
  pingP99Ms: number;
  errors: number;
  windowsTraced: number;
  traceLagSec: number | null;
  memory: Record<SoakApp, MemorySample> | null;
}

export interface Growth {
  app: SoakApp;
  figure: 'rss' | 'heap used';
  startMb: number | null;
  endMb: number | null;
  pct: number | null;
}

export const mb = (bytes: number | null | undefined): number | null => (bytes == null ? null : bytes / 2 ** 20);
export const fixed = (x: number | null, digits = 0): string => (x === null ? '?' : x.toFixed(digits));
export const errorsOf = (r: LoadResult): number => r.non2xx + r.socketErrors;
export const pingsOf = (r: LoadResult): number => (r.pings?.accepted ?? 0) + (r.pings?.late ?? 0);

/** Intervals grouped into periods of `periodSec`: rates over the period, the worst interval's p99, the memory probed at its end. */
export function periods(intervals: Interval[], periodSec: number): Period[] {
  const groups = new Map<number, Interval[]>();
  for (const i of intervals) {
    const k = Math.floor(i.atSec / periodSec);
    groups.set(k, [...(groups.get(k) ?? []), i]);
  }
  let tracedBefore = 0;
  return [...groups.entries()].map(([k, g]) => {
    const sum = (f: (i: Interval) => number) => g.reduce((a, i) => a + f(i), 0);
    const last = g[g.length - 1];
    const p: Period = {
      fromSec: k * periodSec,
      readsPerSec: sum((i) => i.reads.requests) / sum((i) => i.reads.durationSec),
      readP99Ms: Math.max(...g.map((i) => i.reads.p99Ms)),
      pingsPerSec: sum((i) => pingsOf(i.pings)) / sum((i) => i.pings.durationSec),
      pingP99Ms: Math.max(...g.map((i) => i.pings.p99Ms)),
      errors: sum((i) => errorsOf(i.reads) + errorsOf(i.pings)),
      windowsTraced: last.tracing.traced - tracedBefore,
      traceLagSec: last.tracing.lagSec,
      memory: last.memory ?? null,
    };
    tracedBefore = last.tracing.traced;
    return p;
  });
}

export function periodTable(rows: Period[]): string[] {
  const header = [
    'from',
    'reads/s',
    'read p99 ms',
    'pings/s',
    'ping p99 ms',
    'errors',
    'windows traced',
    'trace lag s',
    ...SOAK_APPS.map((a) => `${a} heap/rss MB`),
  ];
  const cells = rows.map((p) => [
    `${p.fromSec} s`,
    fixed(p.readsPerSec),
    fixed(p.readP99Ms, 1),
    fixed(p.pingsPerSec),
    fixed(p.pingP99Ms, 1),
    String(p.errors),
    String(p.windowsTraced),
    fixed(p.traceLagSec),
    ...SOAK_APPS.map((a) =>
      p.memory ? `${fixed(mb(p.memory[a].heapUsedBytes), 1)}/${fixed(mb(p.memory[a].rssBytes))}` : '-',
    ),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((c) => c.map((v, i) => v.padStart(widths[i])).join('  '));
}

/**
 * Live memory (probed after full collections) over a stretch after the warm-up against a stretch at
 * the end, the lowest probe of each: the floor an app returns to between bursts of work (a window's
 * trace holds tens of MB while it runs); a leak raises the floor.
 */
export function memoryGrowth(start: Record<SoakApp, MemorySample>[], end: Record<SoakApp, MemorySample>[]): Growth[] {
  const lowest = (probes: Record<SoakApp, MemorySample>[], app: SoakApp, key: 'rssBytes' | 'heapUsedBytes') => {
    const xs = probes.map((p) => p[app][key]).filter((x): x is number => x !== null);
    return xs.length ? Math.min(...xs) : null;
  };
  return SOAK_APPS.flatMap((app) =>
    (['rssBytes', 'heapUsedBytes'] as const).map((key): Growth => {
      const [a, b] = [lowest(start, app, key), lowest(end, app, key)];
      return {
        app,
        figure: key === 'rssBytes' ? 'rss' : 'heap used',
        startMb: mb(a),
        endMb: mb(b),
        pct: a && b ? ((b - a) / a) * 100 : null,
      };
    }),
  );
}
