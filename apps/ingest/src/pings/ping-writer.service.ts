import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { PingRepository, type PingBatch } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';

/**
 * Commits running at once per process (each holds one Postgres connection): one. Requests that
 * arrive during a commit all go into the next, so under load the commits grow by themselves and
 * Postgres spends about as little per ping as a bare COPY; the processes of HC_HTTP_WORKERS (one
 * per core) give the parallelism. More commits at once were measured no faster: more backends
 * compete with the app for the cores (docs/benchmarks.md, ingest).
 */
const MAX_IN_FLIGHT = 1;
/** Rows one commit takes at most. */
const MAX_ROWS_PER_COMMIT = 20_000;
/** Rows waiting at most; past this a request is refused with 503 rather than queued. */
const MAX_PENDING_ROWS = 100_000;

const pendingGauge = new Gauge({ name: 'hc_ingest_writer_pending_pings', help: 'pings waiting for a commit' });
const commitSeconds = new Histogram({
  name: 'hc_ingest_commit_seconds',
  help: 'time of one group commit',
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});
const commitRows = new Histogram({
  name: 'hc_ingest_commit_pings',
  help: 'pings per group commit',
  buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000, 20000],
});
const isolations = new Counter({
  name: 'hc_ingest_commit_splits_total',
  help: 'group commits refused by Postgres for their rows and committed again in halves',
});
const refused = new Counter({
  name: 'hc_ingest_writer_refused_total',
  help: 'requests refused because the writer was full',
});

interface Pending {
  batch: PingBatch;
  windowIds: number[];
  resolve: (late: Set<number>) => void;
  reject: (err: Error) => void;
}

/**
 * Group commit: requests that arrive while commits are running are written together by the next
 * one (one COPY for many requests), and each request is answered only after the commit that
 * holds its pings. Memory is bounded: a full writer refuses with 503, it never queues without end.
 */
@Injectable()
export class PingWriter implements OnApplicationShutdown {
  private queue: Pending[] = [];
  private pendingRows = 0;
  private inFlight = 0;
  /** Groups taken from the queue and not yet answered (a shutdown waits for them). */
  private unanswered = 0;
  private readonly idle: (() => void)[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pings: PingRepository,
  ) {}

  /** Resolves with the windows among `windowIds` (those the pings can change) that were already traced, after the commit. */
  write(batch: PingBatch, windowIds: number[]): Promise<Set<number>> {
    const n = batch.rows.tsMs.length;
    if (this.pendingRows + n > MAX_PENDING_ROWS) {
      refused.inc();
      return Promise.reject(new DomainError(ErrorCode.UNAVAILABLE, 'ingest is busy, retry the batch later'));
    }
    const done = new Promise<Set<number>>((resolve, reject) => this.queue.push({ batch, windowIds, resolve, reject }));
    this.pendingRows += n;
    pendingGauge.set(this.pendingRows);
    this.pump();
    return done;
  }

  /** Lets running commits finish before the process exits (SIGTERM). */
  async onApplicationShutdown(): Promise<void> {
    if (this.unanswered || this.queue.length) await new Promise<void>((r) => this.idle.push(r));
  }

  private pump(): void {
    while (this.queue.length && this.inFlight < MAX_IN_FLIGHT) {
      const group: Pending[] = [];
      let rows = 0;
      while (this.queue.length && (rows === 0 || rows + this.queue[0].batch.rows.tsMs.length <= MAX_ROWS_PER_COMMIT)) {
        const next = this.queue.shift()!;
        rows += next.batch.rows.tsMs.length;
        group.push(next);
      }
      this.pendingRows -= rows;
      pendingGauge.set(this.pendingRows);
      this.inFlight++;
      this.unanswered++;
      void this.commit(group);
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    const stop = commitSeconds.startTimer();
    const answers = new Map<Pending, (p: Pending) => void>();
    try {
      await this.commitIsolating(group, answers);
    } finally {
      stop();
    }
    const settle = (p: Pending) => answers.get(p)!(p);
    // The next group goes to Postgres before this one is answered (the answers wait for the
    // event loop's next turn, the next COPY is written in this one): the database works while
    // this process writes the answers.
    this.inFlight--;
    this.pump();
    setImmediate(() => {
      group.forEach(settle);
      if (!--this.unanswered && !this.queue.length) this.idle.splice(0).forEach((r) => r());
    });
  }

  /**
   * Commits the group; when Postgres refuses it for something in its rows, commits each half
   * again (and so on down to single requests), so the requests that can be stored are, and only
   * the one whose rows Postgres refuses gets an error: a 400 when its values are at fault (a data
   * exception or a broken constraint), else a 503. Any other failure (the connection, the server,
   * a lock timeout) is not cured by committing fewer rows and fails the whole group with 503. Each request is committed in exactly
   * one transaction or in none, and a 503'd request sent again stores nothing twice (a ping is
   * identified by person and time).
   */
  private async commitIsolating(group: Pending[], answers: Map<Pending, (p: Pending) => void>): Promise<void> {
    try {
      const late = await this.pings.insertPings(
        group.map((p) => p.batch),
        windowsOf(group),
        this.config.grid,
      );
      commitRows.observe(group.reduce((n, p) => n + p.batch.rows.tsMs.length, 0));
      for (const p of group) answers.set(p, (q) => q.resolve(late));
    } catch (err) {
      if (group.length > 1 && isAboutTheRows(err)) {
        isolations.inc();
        const half = Math.ceil(group.length / 2);
        await this.commitIsolating(group.slice(0, half), answers);
        await this.commitIsolating(group.slice(half), answers);
        return;
      }
      const refusedData = group.length === 1 && isDataError(err);
      const failure = refusedData
        ? new DomainError(ErrorCode.VALIDATION, 'the database refused the values of this batch', [
            { field: 'pings', message: 'the database refused the values of this batch' },
          ])
        : new DomainError(ErrorCode.UNAVAILABLE, 'the pings could not be stored, retry the batch');
      failure.cause = err;
      for (const p of group) answers.set(p, (q) => q.reject(failure));
    }
  }
}

/** The windows the group's pings can change, in id order (one lock order for concurrent writers). */
function windowsOf(group: Pending[]): number[] {
  const windows = new Set<number>();
  for (const p of group) for (const w of p.windowIds) windows.add(w);
  return [...windows].sort((a, b) => a - b);
}

/** The SQLSTATE of a Postgres error ('' for other errors: a lost connection, a bug). */
const sqlState = (err: unknown): string => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : '';
};

/** A data exception (22) or an integrity constraint violation (23): the values sent are at fault. */
function isDataError(err: unknown): boolean {
  const state = sqlState(err);
  return state.startsWith('22') || state.startsWith('23');
}

/** Refused for something in the rows: their values, or an exception raised for a row (by a trigger: P0). */
function isAboutTheRows(err: unknown): boolean {
  return isDataError(err) || sqlState(err).startsWith('P0');
}
