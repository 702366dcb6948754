import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { LatePingRepository, RetroTraceRepository, WindowRepository } from '#libs/db/index.js';
import { lastClosedWindowId, windowIdOf } from '#libs/domain/index.js';
import { JobName, TRACING_QUEUE, retroTraceJobId, traceLatePingsJobId, traceWindowJobId } from '#libs/queue/index.js';

const SCHEDULER_ID = 'tracing-tick';
const PARTITIONS_SCHEDULER_ID = 'maintain-partitions';
const PARTITIONS_EVERY_MS = 3_600_000;
const SYNC_CODES_SCHEDULER_ID = 'sync-recent-codes';
export const SYNC_CODES_EVERY_MS = 60_000;
const EXPIRY_SCHEDULER_ID = 'expire-quarantines';
const MAX_WINDOWS_PER_TICK = 500;

/**
 * Postgres decides what must be traced; Redis only carries the jobs. Each tick registers the
 * windows that closed since the newest known one and (re-)enqueues every closed window that is
 * not traced, oldest first, under deterministic job ids; then one late-ping pass per traced window
 * with late pings waiting (so a burst of late phones costs one pass per window and tick), and
 * every unfinished retro-trace. The schedules themselves are re-created periodically, so a Redis
 * that lost its data loses no window, late ping or retro-trace.
 */
@Injectable()
export class WindowScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WindowScheduler.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(TRACING_QUEUE) private readonly queue: Queue,
    private readonly windows: WindowRepository,
    private readonly latePings: LatePingRepository,
    private readonly retros: RetroTraceRepository,
  ) {}

  get tickMs(): number {
    return Math.min(this.config.grid.slotSeconds, 60) * 1000;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureSchedule();
    // Re-created every tick period: after Redis lost its data, the ticks resume within one period.
    this.timer = setInterval(() => void this.ensureSchedule(), this.tickMs);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async ensureSchedule(): Promise<void> {
    try {
      await this.queue.upsertJobScheduler(SCHEDULER_ID, { every: this.tickMs }, { name: JobName.Tick, data: {} });
      await this.queue.upsertJobScheduler(
        PARTITIONS_SCHEDULER_ID,
        { every: PARTITIONS_EVERY_MS },
        { name: JobName.MaintainPartitions, data: {} },
      );
      await this.queue.upsertJobScheduler(
        SYNC_CODES_SCHEDULER_ID,
        { every: SYNC_CODES_EVERY_MS },
        { name: JobName.SyncRecentCodes, data: {} },
      );
      await this.queue.upsertJobScheduler(
        EXPIRY_SCHEDULER_ID,
        { every: this.tickMs },
        { name: JobName.ExpireQuarantines, data: {} },
      );
    } catch (err) {
      this.logger.warn(`could not (re)create the tracing schedule: ${(err as Error).message}`);
    }
  }

  /** One reconciliation pass; returns the windows it enqueued. */
  async tick(nowMs = Date.now()): Promise<number[]> {
    const { grid } = this.config;
    const lastClosed = lastClosedWindowId(nowMs, grid);
    const newest = await this.windows.newestWindowId();
    const oldestKept = windowIdOf(nowMs - this.config.retentionDays * 86_400_000, grid);
    await this.windows.ensureWindows(
      Math.max(newest === null ? lastClosed : newest + 1, oldestKept),
      lastClosed,
      grid.windowSeconds,
    );
    const due = await this.windows.queueClosedWindows(lastClosed, MAX_WINDOWS_PER_TICK);
    if (due.length) {
      await this.dropFinishedJobs(due.map((w) => traceWindowJobId(w.id, w.generation)));
      await this.queue.addBulk(
        due.map((w) => ({
          name: JobName.TraceWindow,
          data: { windowId: w.id, generation: w.generation },
          opts: { jobId: traceWindowJobId(w.id, w.generation) },
        })),
      );
    }
    await this.queueIncrementalWork();
    return due.map((w) => w.id);
  }

  /**
   * A window still untraced in Postgres whose job id is already finished in Redis (Postgres went
   * back, a restore, while Redis kept its jobs for a day): BullMQ would ignore the add under that
   * id, and the window would wait until Redis forgets the job. Such a job is removed so the add
   * takes. (A job finishing meanwhile finished its window first, and the new one finds it done.)
   */
  private async dropFinishedJobs(jobIds: string[]): Promise<void> {
    for (const id of jobIds) {
      const state = await this.queue.getJobState(id);
      if (state === 'completed' || state === 'failed') await this.queue.remove(id);
    }
  }

  /** Late-ping passes of traced windows and unfinished retro-traces (ids from Postgres, never people). */
  private async queueIncrementalWork(): Promise<void> {
    const late = await this.latePings.windowsToPass(MAX_WINDOWS_PER_TICK);
    const retros = await this.retros.pendingIds(MAX_WINDOWS_PER_TICK);
    const jobs = [
      ...late.map((w) => ({
        name: JobName.TraceLatePings,
        data: w,
        opts: { jobId: traceLatePingsJobId(w.windowId, w.generation, w.upToSeq) },
      })),
      ...retros.map((retroId) => ({
        name: JobName.RetroTrace,
        data: { retroId },
        opts: { jobId: retroTraceJobId(retroId) },
      })),
    ];
    if (jobs.length) await this.queue.addBulk(jobs);
  }
}
