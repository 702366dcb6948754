import cliProgress from 'cli-progress';
import type { WindowRepository, WindowRow } from '#libs/db/index.js';
import { UsageError } from './usage-error.js';

/** A window the command waits for: finished once it is done or failed at this generation or later. */
export interface AwaitedWindow {
  id: number;
  generation: number;
}

const finished = (w: WindowRow | undefined, want: AwaitedWindow) =>
  !!w && w.generation >= want.generation && (w.status === 'done' || w.status === 'failed');

const stat = (w: WindowRow, key: string): number => (typeof w.stats[key] === 'number' ? w.stats[key] : 0);

/**
 * Polls Postgres until every awaited window is finished, drawing a progress bar (a line every
 * few seconds when the output is not a terminal), then prints a summary. The batch workers do
 * the work; this only watches, so Ctrl-C stops watching, not tracing.
 */
export async function watchWindows(
  windows: WindowRepository,
  awaited: AwaitedWindow[],
  opts: { pollMs?: number; timeoutMs?: number } = {},
): Promise<WindowRow[]> {
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      format: 'tracing [{bar}] {value}/{total} windows | {processing} running | {eta_formatted} left',
      noTTYOutput: true,
      notTTYSchedule: 5_000,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(awaited.length, 0, { processing: 0 });
  let rows: WindowRow[];
  try {
    for (;;) {
      rows = await windows.findWindows(awaited.map((w) => w.id));
      const byId = new Map(rows.map((r) => [r.id, r]));
      const done = awaited.filter((w) => finished(byId.get(w.id), w)).length;
      bar.update(done, { processing: rows.filter((r) => r.status === 'processing').length });
      if (done === awaited.length) break;
      if (opts.timeoutMs !== undefined && Date.now() - started > opts.timeoutMs) {
        throw new UsageError(
          `${awaited.length - done} windows still unfinished after ${Math.round(opts.timeoutMs / 1000)} s (are batch workers running?)`,
        );
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  } finally {
    bar.stop();
  }
  return rows;
}

/** One line per outcome and the totals of the windows' statistics. */
export function summarize(rows: WindowRow[], elapsedMs: number): string {
  const failed = rows.filter((r) => r.status === 'failed');
  const total = (key: string) => rows.reduce((n, r) => n + stat(r, key), 0);
  return [
    `${rows.length} windows in ${(elapsedMs / 1000).toFixed(1)} s: ${rows.length - failed.length} done, ${failed.length} failed`,
    `source pings ${total('sourcePings')}, contacts ${total('contacts')}, requests ${total('requests')} (${total('autoApplied')} applied automatically, ${total('pendingReview')} for review)`,
    ...failed.map((r) => `window ${r.id} failed: see its error with \`windows list --status failed\``),
  ].join('\n');
}
