import { Injectable } from '@nestjs/common';
import type { AdminPrincipal } from '#libs/auth/index.js';
import { WindowRepository } from '#libs/db/index.js';
import { RERUNNABLE_WINDOW_STATUSES } from '#libs/domain/index.js';
import { WindowRequeuer, type Requeued } from '#libs/queue/index.js';
import type { ListWindowsQuery } from './windows.dto.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from './pagination.js';
import { windowView } from './views.js';

@Injectable()
export class WindowsService {
  constructor(
    private readonly windows: WindowRepository,
    private readonly requeuer: WindowRequeuer,
  ) {}

  /** Newest first. */
  async list(q: ListWindowsQuery) {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const before = decodeCursor(q.cursor, /^\d{1,15}$/);
    const rows = await this.windows.listWindows(
      { status: q.status, beforeId: before === undefined ? undefined : Number(before) },
      limit + 1,
    );
    return toPage(rows, limit, (w) => String(w.id), windowView);
  }

  /** Traces a closed window again (the result is identical, docs/domain.md); audited. */
  rerun(admin: AdminPrincipal, id: number): Promise<Requeued> {
    return this.requeuer.requeue(id, RERUNNABLE_WINDOW_STATUSES, { adminId: admin.adminId, actor: admin.username });
  }
}
