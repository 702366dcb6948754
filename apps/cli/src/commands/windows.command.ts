import { Command, Option } from 'commander';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { WindowRepository, type WindowRow, type WindowStatus } from '#libs/db/index.js';
import { DomainError, ErrorCode, isWindowClosed, lastClosedWindowId } from '#libs/domain/index.js';
import { WindowRequeuer } from '#libs/queue/index.js';
import { operator, withApp } from '../cli-context.js';
import { UsageError } from '../usage-error.js';
import { parseWindowRange } from '../window-range.js';
import { summarize, watchWindows, type AwaitedWindow } from '../window-progress.js';

const STATUSES: WindowStatus[] = ['open', 'closing', 'processing', 'done', 'failed'];

const line = (w: WindowRow) =>
  [
    String(w.id).padEnd(10),
    new Date(w.startsAtMs).toISOString().padEnd(26),
    w.status.padEnd(11),
    String(w.generation).padEnd(4),
    w.status === 'done'
      ? `contacts ${w.stats.contacts ?? 0}, requests ${w.stats.requests ?? 0}, ${w.stats.durationMs ?? '?'} ms`
      : '',
  ].join(' ');

/** Null when the window was queued by someone else (the scheduler) in the meantime. */
async function requeue(requeuer: WindowRequeuer, id: number, statuses: string[]): Promise<AwaitedWindow | null> {
  try {
    const q = await requeuer.requeue(id, statuses, operator());
    return { id: q.windowId, generation: q.generation };
  } catch (err) {
    if (err instanceof DomainError && err.code === ErrorCode.CONFLICT) return null;
    throw err;
  }
}

/**
 * Queues the windows of a range for tracing and watches them. `trace` takes windows never traced
 * (or failed); `rerun` also those already done (the result is identical, docs/domain.md). Windows
 * already queued or running are watched, not queued twice.
 */
async function queueAndWatch(
  range: string,
  mode: 'trace' | 'rerun',
  opts: { wait: boolean; timeout: number },
): Promise<void> {
  await withApp(async (app) => {
    const config = app.get<AppConfig>(APP_CONFIG);
    const windows = app.get(WindowRepository);
    const ids = parseWindowRange(range, config.grid);
    const open = ids.filter((id) => !isWindowClosed(id, Date.now(), config.grid));
    if (open.length)
      throw new UsageError(
        `window ${open[0]} has not closed yet (the last closed one is ${lastClosedWindowId(Date.now(), config.grid)})`,
      );
    await windows.ensureWindows(ids[0], ids[ids.length - 1], config.grid.windowSeconds);
    const statuses = mode === 'trace' ? ['open', 'failed'] : ['open', 'done', 'failed'];
    const awaited: AwaitedWindow[] = [];
    let skipped = 0;
    for (const w of await windows.findWindows(ids)) {
      const queued = statuses.includes(w.status) ? await requeue(app.get(WindowRequeuer), w.id, statuses) : null;
      if (queued) awaited.push(queued);
      else if (w.status === 'done') skipped++;
      else awaited.push({ id: w.id, generation: (await windows.findWindow(w.id))!.generation });
    }
    console.log(
      `${awaited.length} windows queued or already running${skipped ? `, ${skipped} already traced (use rerun to trace them again)` : ''}`,
    );
    if (!opts.wait || !awaited.length) return;
    const started = Date.now();
    const rows = await watchWindows(windows, awaited, { timeoutMs: opts.timeout * 1000 });
    console.log(summarize(rows, Date.now() - started));
    if (rows.some((r) => r.status === 'failed')) process.exitCode = 1;
  });
}

/** `windows list|trace|rerun`: tracing windows, with a progress bar while the batch workers trace. */
export function windowsCommand(): Command {
  const windows = new Command('windows').description('tracing windows: list them, trace or rerun a window or a range');
  const rangeHelp = 'a window id or ISO time, or a range <from>..<to> of them';
  const waitOptions = (c: Command) =>
    c
      .option('--no-wait', 'queue and return without watching')
      .addOption(new Option('--timeout <seconds>', 'give up watching after this long').argParser(Number).default(3600));

  windows
    .command('list')
    .description('newest first, with status, generation and statistics')
    .addOption(new Option('--status <status>', 'only windows in this state').choices(STATUSES))
    .addOption(new Option('--limit <n>', 'how many').argParser(Number).default(20))
    .action(async (opts: { status?: WindowStatus; limit: number }) => {
      await withApp(async (app) => {
        const rows = await app
          .get(WindowRepository)
          .listWindows({ status: opts.status }, Math.max(1, Math.min(opts.limit, 1000)));
        console.log(`${'id'.padEnd(10)} ${'starts at'.padEnd(26)} ${'status'.padEnd(11)} gen  result`);
        for (const w of rows) console.log(line(w));
      });
    });

  waitOptions(
    windows
      .command('trace')
      .description('trace windows never traced (or failed), and watch')
      .argument('<windows>', rangeHelp),
  ).action((range: string, opts: { wait: boolean; timeout: number }) => queueAndWatch(range, 'trace', opts));
  waitOptions(
    windows
      .command('rerun')
      .description('trace windows again, also those already done (same result), and watch')
      .argument('<windows>', rangeHelp),
  ).action((range: string, opts: { wait: boolean; timeout: number }) => queueAndWatch(range, 'rerun', opts));
  return windows;
}
