import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { WaitingChildrenError, type Job, type Queue } from 'bullmq';
import type { ShardRow } from '#libs/db/index.js';
import { JobName, TRACING_QUEUE, traceShardJobId, traceWindowJobId, type JobPayloads } from '#libs/queue/index.js';
import { isLastAttempt } from './job-attempts.js';
import { WindowTracer, type TraceStats } from './window-tracer.service.js';

/** The job's data also keeps when its first run started and planned (for the window's statistics). */
type TraceWindowJob = Job<JobPayloads[typeof JobName.TraceWindow] & { startedAtMs?: number; plannedAtMs?: number }>;

/**
 * A window's trace as a BullMQ flow: the `trace-window` job claims the window, plans the shards,
 * adds one `trace-shard` child per unfinished shard (deterministic ids), and waits; BullMQ runs
 * it again once every child completed, and it combines. A plan of one shard is traced by the
 * parent itself, its pairs kept in memory (a crash re-runs the whole, small, trace). Postgres holds which shards are done, so
 * a parent re-run after a crash, or re-queued by the reconciler after Redis lost its jobs, queues
 * only the shards still missing.
 */
@Injectable()
export class WindowTraceFlow {
  constructor(
    @InjectQueue(TRACING_QUEUE) private readonly queue: Queue,
    private readonly tracer: WindowTracer,
  ) {}

  async run(job: TraceWindowJob, token: string): Promise<TraceStats | null> {
    const { windowId, generation } = job.data;
    // One parent per window generation: the one under the deterministic id. A job queued under
    // another id (by hand) hands over to it (BullMQ ignores the add when that job exists), so
    // two parents never race for the same shards.
    const owner = traceWindowJobId(windowId, generation);
    if (job.id !== owner) {
      await this.queue.add(JobName.TraceWindow, { windowId, generation }, { jobId: owner });
      return null;
    }
    try {
      if (job.data.startedAtMs === undefined) await job.updateData({ ...job.data, startedAtMs: Date.now() });
      const begun = await this.tracer.begin(windowId, generation);
      if (!begun) return null;
      const { window, plan } = begun;
      if (job.data.plannedAtMs === undefined) await job.updateData({ ...job.data, plannedAtMs: Date.now() });
      const times = {
        startedAtMs: job.data.startedAtMs ?? Date.now(),
        plannedAtMs: job.data.plannedAtMs ?? Date.now(),
      };
      // A window with one shard's worth of work is traced here: a child job would only add hand-offs.
      if (plan.length === 1 && !plan[0].done) return await this.tracer.traceAlone(window, generation, plan[0], times);
      let missing = plan.filter((s) => !s.done);
      for (let round = 0; ; round++) {
        if (missing.length) {
          if (round > 1)
            throw new Error(
              `shards ${missing.map((s) => s.shard).join(', ')} completed in the queue but not in Postgres`,
            );
          await this.addShards(job, missing);
          if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
        }
        const result = await this.tracer.combine(windowId, generation, times);
        if (!Array.isArray(result)) return result;
        missing = result;
      }
    } catch (err) {
      if (!(err instanceof WaitingChildrenError) && isLastAttempt(job))
        await this.tracer.fail(windowId, generation, err as Error);
      throw err;
    }
  }

  /** Runs one shard; its last failed attempt fails the window (and, by the flow, the parent). */
  async runShard<T>(job: Job<JobPayloads[typeof JobName.TraceShard]>, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isLastAttempt(job)) await this.tracer.fail(job.data.windowId, job.data.generation, err as Error);
      throw err;
    }
  }

  private async addShards(job: TraceWindowJob, shards: ShardRow[]): Promise<void> {
    const { windowId, generation } = job.data;
    await this.queue.addBulk(
      shards.map((s) => ({
        name: JobName.TraceShard,
        data: { windowId, generation, shard: s.shard },
        opts: {
          jobId: traceShardJobId(windowId, generation, s.shard),
          parent: { id: job.id!, queue: job.queueQualifiedName },
          failParentOnFailure: true,
        },
      })),
    );
  }
}
