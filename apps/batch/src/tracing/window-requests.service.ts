import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CodeChangeApplier, type CodeTransaction } from '#libs/codes/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import {
  CodeChangeRepository,
  HealthCodeRepository,
  type CodeChangeRow,
  type NewCodeChange,
  type Savepoint,
  type VersionedCode,
} from '#libs/db/index.js';
import {
  applyCircuitBreaker,
  canRequestRaise,
  type Color,
  quarantineExpiresAtMs,
  quarantineExtension,
  slotStartMs,
  type ContactExposure,
  type ExposureDecision,
} from '#libs/domain/index.js';

/** Who applies the automatic requests (history rows, `decidedBy`). */
const ACTOR = 'tracing';

export type PlannedRequest = NewCodeChange & { decision: ExposureDecision };

/** What a window's full trace has in hand when it decides: the contacts' codes read in its transaction, and the savepoint set there for the new requests. */
export interface FullTrace {
  codes: Map<string, VersionedCode>;
  savepoint: Savepoint;
}

/**
 * From a window's contact exposures to code changes, shared by a full trace and by the passes
 * that merge more evidence into a traced window: the policy and circuit breaker decide, requests
 * are stored (one per user, window and colour) and the automatic ones applied, in one transaction.
 */
@Injectable()
export class WindowRequests {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly codes: HealthCodeRepository,
    private readonly changes: CodeChangeRepository,
    private readonly applier: CodeChangeApplier,
  ) {}

  /** A yellow request for every contact over the review threshold whose code it would raise or extend; the breaker over them all. */
  async plan(contacts: ContactExposure[]): Promise<{ items: PlannedRequest[]; tripped: boolean }> {
    const due = contacts.filter((c) => c.decision !== 'none');
    if (!due.length) return { items: [], tripped: false };
    const current = await this.codes.findCodes(due.map((c) => c.contactId));
    return this.planFor(due, (id) => current.get(id)?.color ?? null);
  }

  /** `plan` with the contacts' current colours at hand (null: no code). */
  planFor(
    contacts: ContactExposure[],
    colorOf: (contactId: string) => Color | null,
  ): { items: PlannedRequest[]; tripped: boolean } {
    const items = contacts.flatMap((c) => {
      const color = c.decision === 'none' ? null : colorOf(c.contactId);
      if (!color || !canRequestRaise(color, 'yellow')) return [];
      return [
        {
          userId: c.contactId,
          fromColor: color,
          toColor: 'yellow' as const,
          auto: c.decision === 'auto',
          decision: c.decision,
          reason: 'exposure',
          exposureSeconds: c.seconds,
          expiresAtMs: quarantineExpiresAtMs(
            slotStartMs(c.lastSlot + 1, this.config.grid),
            this.config.quarantineSeconds,
          ),
        },
      ];
    });
    return applyCircuitBreaker(items, this.config.autoApplyMaxPerWindow);
  }

  /**
   * Stores the requests and applies the automatic ones, in the caller's code transaction: a new
   * automatic request is stored applied next to its code and history row, so no crash can leave it
   * half done. Also applies the window's automatic requests still pending (raised from review by
   * this or an earlier pass, or left by an older version's crash) and extends the quarantines of
   * applied requests whose evidence grew. Returns how many requests were new and how many applied.
   * `fullTrace`: a window's full trace, whose requests are most likely all new, passes the
   * contacts' codes it read in this transaction and the savepoint it set for the new requests
   * (see CodeChangeApplier.insertApplied).
   */
  async decide(
    t: CodeTransaction,
    windowId: number,
    items: PlannedRequest[],
    fullTrace?: FullTrace,
  ): Promise<{ created: number; autoApplied: number }> {
    const rows = items.map(({ decision, ...r }) => ({ ...r, auto: decision === 'auto' }));
    const stored = fullTrace
      ? await this.applier.insertApplied(t, windowId, rows, ACTOR, fullTrace.codes, fullTrace.savepoint)
      : await this.upsert(t, windowId, rows);
    const autoApplied = stored.applied + (await this.applyPendingAuto(t, windowId));
    await this.extend(t, stored.extended);
    return { created: stored.created, autoApplied };
  }

  /**
   * Stores requests that wait for an admin, no code changed, in a transaction of the caller's: a
   * window's full trace stores them beside its code transaction. Returns how many were new, and
   * the applied requests whose evidence grew (a rerun after the breaker tripped): the code
   * transaction extends those.
   */
  async storeForReview(
    tx: EntityManager,
    windowId: number,
    items: PlannedRequest[],
  ): Promise<{ created: number; extended: CodeChangeRow[] }> {
    return this.changes.storeNewRequests(
      tx,
      windowId,
      items.map(({ decision, ...r }) => ({ ...r, auto: false })),
      ACTOR,
    );
  }

  /**
   * The savepoint a full trace's new requests go in, set when its code transaction starts,
   * before anything is written there: in place long before the requests are decided.
   */
  newRequestsSavepoint(tx: EntityManager): Savepoint {
    return this.changes.newRequestsSavepoint(tx);
  }

  /** A pass over a traced window (most requests exist): the upsert, then the codes of the new automatic ones. */
  private async upsert(
    t: CodeTransaction,
    windowId: number,
    rows: NewCodeChange[],
  ): Promise<{ created: number; applied: number; extended: CodeChangeRow[] }> {
    const stored = await this.changes.insertRequests(t.tx, windowId, rows, ACTOR);
    const planned = new Map(rows.map((r) => [r.userId, r]));
    const claimed = stored.applied.map(({ id, userId }) => ({ ...planned.get(userId)!, id }));
    return {
      created: stored.created,
      applied: await this.applier.applyClaimed(t, claimed, ACTOR),
      extended: stored.extended,
    };
  }

  private async applyPendingAuto(t: CodeTransaction, windowId: number): Promise<number> {
    return this.applier.applyPending(t, await this.changes.findPendingAuto(t.tx, windowId), ACTOR);
  }

  /** A later exposure found for an applied request extends the person's quarantine (if still yellow). */
  async extend(t: CodeTransaction, extended: CodeChangeRow[]): Promise<void> {
    const nowMs = Date.now();
    for (const change of extended) {
      await t.change(change.userId, ACTOR, null, (c) => {
        const expiresAtMs = quarantineExtension(c.color, c.expiresAtMs, change.expiresAtMs!, nowMs);
        return expiresAtMs === null
          ? null
          : { color: 'yellow', reason: change.reason, expiresAtMs, infectiousFromMs: c.infectiousFromMs };
      });
    }
  }
}
