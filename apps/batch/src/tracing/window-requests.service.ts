import { Inject, Injectable } from '@nestjs/common';
import { CodeChangeApplier, CodeWriter } from '#libs/codes/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CodeChangeRepository, HealthCodeRepository, type CodeChangeRow, type Db, type NewCodeChange } from '#libs/db/index.js';
import {
  applyCircuitBreaker, canRequestRaise, type Color, quarantineExpiresAtMs, quarantineExtension, slotStartMs, type ContactExposure, type ExposureDecision,
} from '#libs/domain/index.js';

export type PlannedRequest = NewCodeChange & { decision: ExposureDecision };

/**
 * From a window's contact exposures to code changes, shared by a full trace and by the passes
 * that merge more evidence into a traced window: the policy and circuit breaker decide, requests
 * are stored (one per user, window and colour), then the automatic ones are applied.
 */
@Injectable()
export class WindowRequests {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly codes: HealthCodeRepository,
    private readonly changes: CodeChangeRepository,
    private readonly applier: CodeChangeApplier,
    private readonly writer: CodeWriter,
  ) {}

  /** A yellow request for every contact over the review threshold whose code it would raise or extend; the breaker over them all. */
  async plan(contacts: ContactExposure[]): Promise<{ items: PlannedRequest[]; tripped: boolean }> {
    const due = contacts.filter((c) => c.decision !== 'none');
    if (!due.length) return { items: [], tripped: false };
    const current = await this.codes.findCodes(due.map((c) => c.contactId));
    return this.planFor(due, (id) => current.get(id)?.color ?? null);
  }

  /** `plan` with the contacts' current colours at hand (null: no code). */
  planFor(contacts: ContactExposure[], colorOf: (contactId: string) => Color | null): { items: PlannedRequest[]; tripped: boolean } {
    const items = contacts.flatMap((c) => {
      const color = c.decision === 'none' ? null : colorOf(c.contactId);
      if (!color || !canRequestRaise(color, 'yellow')) return [];
      return [{
        userId: c.contactId, fromColor: color, toColor: 'yellow' as const, auto: c.decision === 'auto', decision: c.decision,
        reason: 'exposure', exposureSeconds: c.seconds,
        expiresAtMs: quarantineExpiresAtMs(slotStartMs(c.lastSlot + 1, this.config.grid), this.config.quarantineSeconds),
      }];
    });
    return applyCircuitBreaker(items, this.config.autoApplyMaxPerWindow);
  }

  store(tx: Db, windowId: number, items: PlannedRequest[]): Promise<{ created: number; extended: CodeChangeRow[] }> {
    return this.changes.insertRequests(tx, windowId, items.map(({ decision, ...r }) => ({ ...r, auto: decision === 'auto' })));
  }

  /**
   * Applies the window's pending automatic requests (also those a crashed earlier run left) and
   * extends the quarantines of applied requests whose evidence grew; returns how many it applied.
   */
  async applyAutomatic(windowId: number, extended: CodeChangeRow[] = []): Promise<number> {
    const applied = await this.applier.applyMany(await this.changes.findPendingAuto(windowId), 'tracing');
    if (extended.length) {
      const nowMs = Date.now();
      await this.writer.transact(async (t) => {
        for (const change of extended) {
          await t.change(change.userId, 'tracing', null, (c) => {
            const expiresAtMs = quarantineExtension(c.color, c.expiresAtMs, change.expiresAtMs!, nowMs);
            return expiresAtMs === null ? null : { color: 'yellow', reason: change.reason, expiresAtMs, infectiousFromMs: c.infectiousFromMs };
          });
        }
      });
    }
    return applied;
  }
}
