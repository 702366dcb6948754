import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CodeWriter } from '#libs/codes/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import {
  TraceShardRepository,
  TracingRepository,
  WindowExposureRepository,
  WindowRepository,
  type ShardRow,
  type WindowEvidence,
  type WindowRow,
} from '#libs/db/index.js';
import {
  contactExposure,
  exposureSecondsBySlots,
  planShards,
  sourceReachMs,
  windowSlotRange,
} from '#libs/domain/index.js';
import { ShardTracer } from './shard-tracer.service.js';
import { WindowRequests, type PlannedRequest } from './window-requests.service.js';

/** The outcome of a promise, never a rejection: awaited later without an unhandled rejection in between. */
const settled = <T>(p: Promise<T>): Promise<PromiseSettledResult<T>> => Promise.allSettled([p]).then(([r]) => r);

/** A promise settled from outside (the first call counts); its rejection is never unhandled, whether awaited or not. */
function promised<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: Error) => void;
  const promise = new Promise<T>((res, rej) => ([resolve, reject] = [res, rej]));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Cells are grouped by this many geohash characters (~1.2 x 0.6 km) before they are cut into shards. */
const SHARD_PREFIX_LENGTH = 6;

/** When the window's job first started and when its shards were planned (for the statistics). */
export interface TraceTimes {
  startedAtMs: number;
  plannedAtMs: number;
}

export interface TraceStats {
  shards: number;
  sourcePings: number;
  sourcesWithContacts: number;
  contacts: number;
  exposures: number;
  requests: number;
  newRequests: number;
  autoApplied: number;
  pendingReview: number;
  breakerTripped: boolean;
  /** The slowest shard and all shards together (their work overlaps when several workers run). */
  shardMsMax: number;
  shardMsTotal: number;
  /**
   * Claim and shard plan; from the plan to the combine step (shards, queue); then its parts:
   * summing the evidence per contact (with one shard: matching too), storing the automatic
   * requests with their codes, then the wait for the transaction beside it (the exposures, then
   * the requests for review). Measured before the commit that marks the window done.
   */
  planMs: number;
  shardsWallMs: number;
  mergeMs: number;
  requestsMs: number;
  exposuresWaitMs: number;
  /** Merging, requests and applying, after the last shard. */
  combineMs: number;
  durationMs: number;
}

/**
 * The window-level steps of a trace. `begin` claims a closed window and plans its shards (ranges
 * of source cells); after every shard stored its partial pairs, `combine` merges them into
 * exposures per (contact, source) and, beside that, decides requests by the exposure policy and
 * applies the automatic ones. Every effect is keyed (plan and pairs per generation and shard, exposures
 * replaced per window, one request per user/window/colour, a request applied once), so running
 * any step again changes nothing.
 */
@Injectable()
export class WindowTracer implements OnApplicationBootstrap {
  private readonly logger = new Logger(WindowTracer.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
    private readonly writer: CodeWriter,
    private readonly windows: WindowRepository,
    private readonly tracing: TracingRepository,
    private readonly shards: TraceShardRepository,
    private readonly exposures: WindowExposureRepository,
    private readonly requests: WindowRequests,
    private readonly shardTracer: ShardTracer,
  ) {}

  /** Opens the two connections a trace uses at once (the pool keeps them), so the first trace does not wait for them. */
  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([0, 1].map(() => this.db.query('SELECT 1'))).catch((err: Error) =>
      this.logger.warn(`could not open the trace's connections: ${err.message}`),
    );
  }

  /** Claims the window and returns it with its shard plan; null when the job is stale. */
  async begin(windowId: number, generation: number): Promise<{ window: WindowRow; plan: ShardRow[] } | null> {
    const window = await this.windows.claimWindow(windowId, generation);
    if (!window) return null;
    const existing = await this.shards.plan(windowId, generation);
    if (existing.length) return { window, plan: existing };
    const prefixLength = Math.min(SHARD_PREFIX_LENGTH, this.config.geohashPrecision);
    const reach = sourceReachMs(windowId, this.config.grid, this.config.contact);
    const counts = await this.tracing.sourcePrefixCounts(reach.fromMs, reach.toMs, prefixLength);
    const plan = planShards(counts, this.config.traceShards, this.config.traceMinShardPings);
    return { window, plan: await this.shards.savePlan(windowId, generation, plan) };
  }

  /**
   * Traces the claimed window, planned as one shard, in this process and without partial pairs:
   * its search ranges go to the statement that matches and stores the exposures; as `combine`
   * (finishing is conditional on the claim, so a stale run changes nothing).
   */
  async traceAlone(window: WindowRow, generation: number, shard: ShardRow, times: TraceTimes): Promise<TraceStats> {
    const started = Date.now();
    const { ranges } = await this.shardTracer.searchRangesIn(window, shard);
    const evidence: WindowEvidence = {
      kind: 'match',
      ranges,
      slotSeconds: this.config.grid.slotSeconds,
      fromMs: window.startsAtMs,
      toMs: window.endsAtMs,
      radiusMeters: this.config.contact.radiusMeters,
    };
    return this.finish(window.id, generation, [{ ...shard, durationMs: Date.now() - started }], evidence, times);
  }

  /**
   * Merges the shards' results and finishes the window. Returns the stats, null when the job is
   * stale, or the shards still missing (their jobs were lost: the caller queues them again).
   */
  async combine(windowId: number, generation: number, times: TraceTimes): Promise<TraceStats | ShardRow[] | null> {
    const window = await this.windows.processingWindow(windowId, generation);
    if (!window) return null;
    const plan = await this.shards.plan(windowId, generation);
    const missing = plan.filter((s) => !s.done);
    if (missing.length) return missing;
    return this.finish(windowId, generation, plan, { kind: 'shards', generation }, times);
  }

  /**
   * From the window's evidence to exposures, requests and applied changes; the window is done.
   * Two transactions, each on its own connection, so Postgres works on two cores. The first sums
   * the evidence per contact (with their codes), and the exposure policy of libs/domain and the
   * circuit breaker decide on those sums; it stores the automatic requests with their codes. The
   * second stores the window's exposures (pairs formed, summed and written inside Postgres) while
   * the first sums, then the requests left for review once decided. The first marks the window
   * done once the second committed. Every write is keyed, so a retry after the second committed
   * and the first failed writes the same rows again.
   */
  private async finish(
    windowId: number,
    generation: number,
    plan: ShardRow[],
    evidence: WindowEvidence,
    times: TraceTimes,
  ): Promise<TraceStats> {
    const combineStarted = Date.now();
    const { grid, thresholds } = this.config;
    const forReview = promised<PlannedRequest[]>();
    const storing = settled(
      this.db.transaction(async (tx) => {
        const exposures = await this.exposures.replace(tx, windowId, evidence, exposureSecondsBySlots(grid));
        return { ...exposures, ...(await this.requests.storeForReview(tx, windowId, await forReview.promise)) };
      }),
    );
    const deciding = this.writer.transact(async (t) => {
      // Set ahead of the contacts' read (nothing written before the requests, so a rerun's rollback
      // to it undoes only them): the automatic requests' statement then goes out the moment it is ready.
      const savepoint = this.requests.newRequestsSavepoint(t.tx);
      const contacts = await this.exposures.contacts(t.tx, windowId, evidence, windowSlotRange(windowId, grid));
      const mergedAt = Date.now();
      const codes = new Map(contacts.flatMap((c) => (c.code ? [[c.contactId, c.code] as const] : [])));
      const breaker = this.requests.planFor(
        contacts.map((c) => contactExposure(c, grid.slotSeconds, thresholds)),
        (id) => codes.get(id)?.color ?? null,
      );
      const review = breaker.items.filter((r) => r.decision === 'review');
      // Handed over once the automatic requests' statement is sent (after this turn's promise
      // jobs): the thousands of review rows are encoded while Postgres writes the codes, not before.
      setImmediate(() => forReview.resolve(review));
      const decided = await this.requests.decide(
        t,
        windowId,
        breaker.items.filter((r) => r.decision === 'auto'),
        { codes, savepoint },
      );
      const storedAt = Date.now();
      const stored = await storing;
      if (stored.status === 'rejected') throw stored.reason;
      await this.requests.extend(t, stored.value.extended);
      const stats: TraceStats = {
        shards: plan.length,
        sourcePings: plan.reduce((n, s) => n + s.sourcePings, 0),
        sourcesWithContacts: stored.value.sources,
        contacts: contacts.length,
        exposures: stored.value.exposures,
        requests: breaker.items.length,
        newRequests: decided.created + stored.value.created,
        autoApplied: decided.autoApplied,
        pendingReview: review.length,
        breakerTripped: breaker.tripped,
        shardMsMax: Math.max(0, ...plan.map((s) => s.durationMs ?? 0)),
        shardMsTotal: plan.reduce((n, s) => n + (s.durationMs ?? 0), 0),
        planMs: times.plannedAtMs - times.startedAtMs,
        shardsWallMs: combineStarted - times.plannedAtMs,
        mergeMs: mergedAt - combineStarted,
        requestsMs: storedAt - mergedAt,
        exposuresWaitMs: Date.now() - storedAt,
        combineMs: Date.now() - combineStarted,
        durationMs: Date.now() - times.startedAtMs,
      };
      // Done in the same commit as the window's automatic requests and codes, and only after its
      // exposures and review requests committed: a window reads done exactly when all its effects are there.
      await this.windows.finishWindow(t.tx, windowId, generation, stats as unknown as Record<string, unknown>);
      await this.shards.clear(t.tx, windowId, generation);
      return stats;
    });
    // Both settle before any error is thrown, so a retry never runs beside a write still under way
    // (the second gives up when the first failed before deciding).
    const decided = await settled(deciding);
    forReview.reject(new Error(`window ${windowId}: its requests were not decided`));
    await storing;
    if (decided.status === 'rejected') throw decided.reason;
    const stats = decided.value;
    if (stats.breakerTripped)
      this.logger.warn(`window ${windowId}: circuit breaker tripped, ${stats.requests} requests sent to review`);
    this.logger.log({ msg: 'window traced', windowId, ...stats });
    return stats;
  }

  /** Marks the window failed (an operator reruns it) when a step gives up for good. */
  async fail(windowId: number, generation: number, error: Error): Promise<void> {
    await this.windows.failWindow(windowId, generation, error.message).catch(() => undefined);
  }
}
