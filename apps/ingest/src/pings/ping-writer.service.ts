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
      void this.commit(group, rows);
    }
  }

  private async commit(group: Pending[], rows: number): Promise<void> {
    const windows = new Set<number>();
    for (const p of group) for (const w of p.windowIds) windows.add(w);
    const stop = commitSeconds.startTimer();
    let settle: (p: Pending) => void;
    try {
      const late = await this.pings.insertPings(
        group.map((p) => p.batch),
        [...windows].sort((a, b) => a - b),
        this.config.grid,
      );
      commitRows.observe(rows);
      settle = (p) => p.resolve(late);
    } catch (err) {
      const failure = new DomainError(ErrorCode.UNAVAILABLE, 'the pings could not be stored, retry the batch');
      failure.cause = err;
      settle = (p) => p.reject(failure);
    } finally {
      stop();
    }
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
}
