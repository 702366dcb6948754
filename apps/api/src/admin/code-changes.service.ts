import { Inject, Injectable } from '@nestjs/common';
import type { AdminPrincipal } from '#libs/auth/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { AuditRepository, CodeChangeRepository, WindowRepository } from '#libs/db/index.js';
import { DomainError, ErrorCode, slotStartMs } from '#libs/domain/index.js';
import { auditEntry } from './admin-actor.js';
import { codeChangeView, iso } from './views.js';

/** One request with its evidence. */
@Injectable()
export class CodeChangesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly changes: CodeChangeRepository,
    private readonly windows: WindowRepository,
    private readonly audit: AuditRepository,
  ) {}

  /**
   * The request and what it rests on: its window and the exposures to each source in it. Where
   * and when a person met others is personal data: the read is audited before it is answered.
   */
  async get(admin: AdminPrincipal, id: string) {
    const change = await this.changes.findChange(id);
    if (!change) throw new DomainError(ErrorCode.NOT_FOUND, 'no such code change');
    const [window, exposures] = await Promise.all([
      this.windows.findWindow(change.windowId),
      this.changes.findEvidence(change.windowId, change.userId),
    ]);
    await this.audit.append(
      this.audit.db,
      auditEntry(admin, 'code_change.evidence.read', { type: 'user', id: change.userId }, null, {
        codeChangeId: change.id,
        windowId: change.windowId,
        sources: exposures.length,
      }),
    );
    const { grid } = this.config;
    return {
      ...codeChangeView(change, grid),
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
