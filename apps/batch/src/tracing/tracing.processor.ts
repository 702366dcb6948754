import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { JobName, TRACING_QUEUE, type JobNameValue, type JobPayloads } from '#libs/queue/index.js';
import { PartitionMaintenance } from '../maintenance/partition-maintenance.service.js';
import { WindowScheduler } from '../scheduling/window-scheduler.service.js';
import { WindowTracer } from './window-tracer.service.js';

type Handlers = { [N in JobNameValue]: (data: JobPayloads[N]) => Promise<unknown> };

/** One worker for the tracing queue; every job name has a typed handler (checked by the compiler). */
@Processor(TRACING_QUEUE, { concurrency: 2 })
export class TracingProcessor extends WorkerHost {
  private readonly logger = new Logger(TracingProcessor.name);
  private readonly handlers: Handlers;

  constructor(scheduler: WindowScheduler, tracer: WindowTracer, partitions: PartitionMaintenance) {
    super();
    this.handlers = {
      [JobName.Tick]: () => scheduler.tick(),
      [JobName.TraceWindow]: ({ windowId, generation }) => tracer.trace(windowId, generation),
      [JobName.MaintainPartitions]: () => partitions.maintain(),
    };
  }

  async process(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobNameValue] as ((data: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const result = await handler(job.data);
    if (job.name !== JobName.Tick) this.logger.debug(`job ${job.id} done`);
    return result ?? null;
  }
}
