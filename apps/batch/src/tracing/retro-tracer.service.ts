import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { RetroTraceRepository, TracingRepository, WindowRepository } from '#libs/db/index.js';
import { sourceReachMs } from '#libs/domain/index.js';
import type { JobName, JobPayloads } from '#libs/queue/index.js';
import { ContactFinder } from './contact-finder.service.js';
import { EvidenceMerger } from './evidence-merger.service.js';
import { isLastAttempt } from './job-attempts.js';

/** How long a retro-trace waits before looking again at a window whose trace is running. */
const WAIT_FOR_TRACE_MS = 2_000;

type RetroJob = Job<JobPayloads[typeof JobName.RetroTrace]>;

/**
 * A retro-trace (retro_traces row): the person as the only source, window by window over the
 * windows already traced since their infectious start. Each traced window merges the contacts of
 * that person's pings (EvidenceMerger) and moves the item on in the same transaction, so a
 * crashed job resumes at the next window. A window whose trace is running is waited for (it may
 * have read the sources before the person was red); a window still to be traced, or failed (its
 * rerun is a full trace), gets the person from its own trace and is passed over.
 */
@Injectable()
export class RetroTracer {
  private readonly logger = new Logger(RetroTracer.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
    private readonly retros: RetroTraceRepository,
    private readonly windows: WindowRepository,
    private readonly tracing: TracingRepository,
    private readonly finder: ContactFinder,
    private readonly merger: EvidenceMerger,
  ) {}

  async run(job: RetroJob, token: string): Promise<{ windows: number } | null> {
    const id = job.data.retroId;
    try {
      return await this.trace(id, job, token);
    } catch (err) {
      if (!(err instanceof DelayedError) && isLastAttempt(job))
        await this.retros.finish(id, 'failed', (err as Error).message).catch(() => undefined);
      throw err;
    }
  }

  private async trace(id: string, job: RetroJob, token: string): Promise<{ windows: number } | null> {
    const item = await this.retros.find(id);
    if (!item || item.status !== 'pending') return null;
    let next = item.nextWindow;
    let traced = 0;
    for (;;) {
      const window = await this.windows.nextWindowBetween(next, item.lastWindow);
      if (!window) break;
      if (window.status === 'processing') {
        await job.moveToDelayed(Date.now() + WAIT_FOR_TRACE_MS, token);
        throw new DelayedError();
      }
      if (window.status === 'done') {
        // Its source pings one slot beyond the window's edges still reach contacts inside it.
        const reach = sourceReachMs(window.id, this.config.grid, this.config.contact);
        const sources = await this.tracing.findSourcePingsOf(item.userId, reach.fromMs, reach.toMs);
        const parts = await this.finder.contactsOf(sources, window);
        const stats = await this.merger.merge(window.id, parts, (tx) => this.retros.advance(tx, id, window.id, true), {
          retroPasses: 1,
        });
        if (!stats) continue; // no longer done (a rerun started): look at it again
        traced++;
      } else {
        await this.retros.advance(this.db, id, window.id, false);
      }
      next = window.id + 1;
    }
    await this.retros.finish(id, 'done');
    this.logger.log({ msg: 'retro-trace done', retroId: id, windows: traced });
    return { windows: traced };
  }
}
