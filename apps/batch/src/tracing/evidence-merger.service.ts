import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CodeWriter } from '#libs/codes/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { TracingRepository, WindowRepository } from '#libs/db/index.js';
import { combinePairs, type PartialPair } from '#libs/domain/index.js';
import { WindowRequests } from './window-requests.service.js';

export interface MergeStats {
  pairs: number;
  newRequests: number;
  autoApplied: number;
}

const pairKey = (p: PartialPair): string => `${p.contactId}:${p.sourceId}`;

/**
 * Merges more evidence of a traced window (the pairs a late-ping pass or a retro-trace found) into
 * its stored exposures, and decides the requests of the contacts it touched as a full trace of the
 * window would: combinePairs over the stored pairs plus the new ones gives each pair's and each
 * contact's union of slots, and the circuit breaker still counts the whole window. Done under the
 * window's row lock in one transaction with the caller's bookkeeping (`inTx`), so merges of one
 * window never interleave with each other or with a full trace, and a crash leaves nothing half done.
 */
@Injectable()
export class EvidenceMerger {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: CodeWriter,
    private readonly windows: WindowRepository,
    private readonly tracing: TracingRepository,
    private readonly requests: WindowRequests,
  ) {}

  /** Null when the window is not `done` (any more): nothing was written. */
  async merge(
    windowId: number,
    parts: PartialPair[],
    inTx: (tx: EntityManager) => Promise<void>,
    counters: Record<string, number>,
  ): Promise<MergeStats | null> {
    return this.writer.transact(async (t) => {
      const { tx } = t;
      if (!(await this.windows.lockDoneWindow(tx, windowId))) return null;
      let result: MergeStats = { pairs: 0, newRequests: 0, autoApplied: 0 };
      if (parts.length) {
        const { grid, thresholds } = this.config;
        const { pairs, contacts } = combinePairs(
          [...(await this.tracing.windowPairs(tx, windowId)), ...parts],
          grid.slotSeconds,
          thresholds,
        );
        const touchedPairs = new Set(parts.map(pairKey));
        const touchedContacts = new Set(parts.map((p) => p.contactId));
        const changed = pairs.filter((p) => touchedPairs.has(pairKey(p)));
        await this.tracing.upsertExposures(tx, windowId, changed);
        const breaker = await this.requests.plan(contacts);
        const { created, autoApplied } = await this.requests.decide(
          t,
          windowId,
          breaker.items.filter((r) => touchedContacts.has(r.userId)),
        );
        result = { pairs: changed.length, newRequests: created, autoApplied };
      }
      await inTx(tx);
      await this.windows.recordPass(tx, windowId, counters);
      return result;
    });
  }
}
