import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AuditRepository, WindowRepository } from '#libs/db/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { JobName, TRACING_QUEUE, traceWindowJobId } from './jobs.js';

/** Who asks for the trace, as the audit trail records them. */
export interface RequeueActor {
  adminId: string | null;
  actor: string;
}

export interface Requeued {
  windowId: number;
  generation: number;
  status: 'closing';
}

/**
 * Traces a window (again): Postgres first (new generation, `closing`, audit row in the same
 * transaction), then the job. If the job cannot be queued now, the reconciler queues every
 * `closing` window, so the trace still happens: Postgres, not Redis, says what must be done.
 * Shared by the admin API's rerun and the operator CLI.
 */
@Injectable()
export class WindowRequeuer {
  private readonly logger = new Logger(WindowRequeuer.name);

  constructor(
    private readonly db: DataSource,
    private readonly windows: WindowRepository,
    private readonly audit: AuditRepository,
    @InjectQueue(TRACING_QUEUE) private readonly queue: Queue,
  ) {}

  /** Throws NOT_FOUND for an unknown window, CONFLICT when it is not in one of `statuses`. */
  async requeue(id: number, statuses: readonly string[], by: RequeueActor): Promise<Requeued> {
    const queued = await this.db.transaction(async (tx) => {
      const w = await this.windows.requeueWindow(tx, id, statuses);
      if (w) {
        await this.audit.append(tx, {
          adminId: by.adminId,
          actor: by.actor,
          action: 'window.rerun',
          targetType: 'window',
          targetId: String(id),
          before: { status: w.previousStatus, generation: w.generation - 1 },
          after: { status: 'closing', generation: w.generation },
          note: null,
        });
      }
      return w;
    });
    if (!queued) {
      const w = await this.windows.findWindow(id);
      if (!w) throw new DomainError(ErrorCode.NOT_FOUND, 'no such window');
      throw new DomainError(
        ErrorCode.CONFLICT,
        `the window is ${w.status}: it can be traced again once its tracing is over`,
      );
    }
    await this.queue
      .add(
        JobName.TraceWindow,
        { windowId: id, generation: queued.generation },
        { jobId: traceWindowJobId(id, queued.generation) },
      )
      .catch((err: Error) => this.logger.warn(`trace of window ${id} left to the reconciler: ${err.message}`));
    return { windowId: id, generation: queued.generation, status: 'closing' };
  }
}
