import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { JobName, TRACING_QUEUE, type JobNameValue, type JobPayloads } from '#libs/queue/index.js';
import { RecentCodesSync } from '../cache-rebuild/recent-codes-sync.service.js';
import { PartitionMaintenance } from '../maintenance/partition-maintenance.service.js';
import { QuarantineExpiry } from '../maintenance/quarantine-expiry.service.js';
import { WindowScheduler } from '../scheduling/window-scheduler.service.js';
import { LatePingTracer } from './late-ping-tracer.service.js';
import { RetroTracer } from './retro-tracer.service.js';
import { ShardTracer } from './shard-tracer.service.js';
import { WindowTraceFlow } from './window-trace.flow.js';

type Handlers = { [N in JobNameValue]: (job: Job<JobPayloads[N]>, token: string) => Promise<unknown> };

/**
 * One worker for the tracing queue; every job name has a typed handler (checked by the compiler).
 * Its options (concurrency, lock) come from the configuration: see BatchModule.
 */
@Processor(TRACING_QUEUE)
export class TracingProcessor extends WorkerHost {
  private readonly logger = new Logger(TracingProcessor.name);
  private readonly handlers: Handlers;

  constructor(
    scheduler: WindowScheduler,
    flow: WindowTraceFlow,
    shards: ShardTracer,
    late: LatePingTracer,
    retro: RetroTracer,
    partitions: PartitionMaintenance,
    expiry: QuarantineExpiry,
    codes: RecentCodesSync,
  ) {
    super();
    this.handlers = {
      [JobName.Tick]: () => scheduler.tick(),
      [JobName.TraceWindow]: (job, token) => flow.run(job, token),
      [JobName.TraceShard]: (job) =>
        flow.runShard(job, () => shards.trace(job.data.windowId, job.data.generation, job.data.shard)),
      [JobName.MaintainPartitions]: () => partitions.maintain(),
      [JobName.SyncRecentCodes]: () => codes.sync(),
      [JobName.TraceLatePings]: (job) => late.pass(job.data.windowId),
      [JobName.RetroTrace]: (job, token) => retro.run(job, token),
      [JobName.ExpireQuarantines]: () => expiry.sweep(),
    };
  }

  async process(job: Job, token?: string): Promise<unknown> {
    const handler = this.handlers[job.name as JobNameValue] as
      ((job: Job, token: string) => Promise<unknown>) | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const result = await handler(job, token ?? '');
    if (job.name !== JobName.Tick && job.name !== JobName.ExpireQuarantines && job.name !== JobName.SyncRecentCodes)
      this.logger.debug(`job ${job.id} done`);
    return result ?? null;
  }
}
