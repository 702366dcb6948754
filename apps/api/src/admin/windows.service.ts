import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { AdminPrincipal } from '#libs/auth/index.js';
import { AuditRepository, WindowRepository } from '#libs/db/index.js';
import { DomainError, ErrorCode, RERUNNABLE_WINDOW_STATUSES } from '#libs/domain/index.js';
import { JobName, TRACING_QUEUE, traceWindowJobId } from '#libs/queue/index.js';
import { auditEntry } from './admin-actor.js';
import type { ListWindowsQuery } from './windows.dto.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from './pagination.js';
import { windowView } from './views.js';

@Injectable()
export class WindowsService {
  private readonly logger = new Logger(WindowsService.name);

  constructor(
    private readonly db: DataSource,
    private readonly windows: WindowRepository,
    private readonly audit: AuditRepository,
    @InjectQueue(TRACING_QUEUE) private readonly queue: Queue,
  ) {}

  /** Newest first. */
  async list(q: ListWindowsQuery) {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const before = decodeCursor(q.cursor, /^\d{1,15}$/);
    const rows = await this.windows.listWindows({ status: q.status, beforeId: before === undefined ? undefined : Number(before) }, limit + 1);
    return toPage(rows, limit, (w) => String(w.id), windowView);
  }

  /**
   * Traces a window again: Postgres first (new generation, `closing`, audit row), then the job.
   * If the job cannot be queued now, the reconciler queues every `closing` window, so the
   * rerun still happens: Postgres, not Redis, says what must be done.
   */
  async rerun(admin: AdminPrincipal, id: number): Promise<{ windowId: number; generation: number; status: 'closing' }> {
    const queued = await this.db.transaction(async (tx) => {
      const w = await this.windows.requeueWindow(tx, id, RERUNNABLE_WINDOW_STATUSES);
      if (w) {
        await this.audit.append(tx, auditEntry(admin, 'window.rerun', { type: 'window', id: String(id) },
          { status: w.previousStatus, generation: w.generation - 1 }, { status: 'closing', generation: w.generation }));
      }
      return w;
    });
    if (!queued) {
      const w = await this.windows.findWindow(id);
      if (!w) throw new DomainError(ErrorCode.NOT_FOUND, 'no such window');
      throw new DomainError(ErrorCode.CONFLICT, `the window is ${w.status}: it can be traced again once its tracing is over`);
    }
    await this.queue
      .add(JobName.TraceWindow, { windowId: id, generation: queued.generation }, { jobId: traceWindowJobId(id, queued.generation) })
      .catch((err: Error) => this.logger.warn(`rerun of window ${id} left to the reconciler: ${err.message}`));
    return { windowId: id, generation: queued.generation, status: 'closing' };
  }
}
