import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CodeChangeRepository, WindowRepository } from '#libs/db/index.js';
import { DomainError, ErrorCode, slotStartMs } from '#libs/domain/index.js';
import type { ListCodeChangesQuery } from './code-changes.dto.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage, type Page } from './pagination.js';
import { codeChangeView, iso, type CodeChangeView } from './views.js';

/** Reading the review queue: pages of requests, and one request with its evidence. */
@Injectable()
export class CodeChangesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: CodeChangeRepository,
    private readonly windows: WindowRepository,
  ) {}

  /** Oldest first (id order), so the review queue reads from its oldest pending request. */
  async list(q: ListCodeChangesQuery): Promise<Page<CodeChangeView>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const afterId = decodeCursor(q.cursor, /^\d{1,19}$/);
    const rows = await this.changes.listChanges({ status: q.status, afterId }, limit + 1);
    return toPage(rows, limit, (r) => r.id, codeChangeView);
  }

  /** The request and what it rests on: its window and the exposures to each source in it. */
  async get(id: string) {
    const change = await this.changes.findChange(id);
    if (!change) throw new DomainError(ErrorCode.NOT_FOUND, 'no such code change');
    const [window, exposures] = await Promise.all([
      this.windows.findWindow(change.windowId),
      this.changes.findEvidence(change.windowId, change.userId),
    ]);
    const { grid } = this.config;
    return {
      ...codeChangeView(change),
      evidence: {
        windows: window
          ? [{ id: window.id, startsAt: iso(window.startsAtMs), endsAt: iso(window.endsAtMs), status: window.status }]
          : [],
        exposureSeconds: change.exposureSeconds,
        slotSeconds: grid.slotSeconds,
        sources: exposures.map((e) => ({
          sourceId: e.sourceId,
          exposureSeconds: e.seconds,
          cells: e.cells,
          slotTimes: e.slots.map((s) => iso(slotStartMs(s, grid))),
          closest: e.closest,
        })),
      },
    };
  }
}
