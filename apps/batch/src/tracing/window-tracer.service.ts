import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CodeChangeApplier } from '#libs/codes/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CodeChangeRepository, HealthCodeRepository, TracingRepository, WindowRepository, type ContactKeys, type NewCodeChange, type SourcePing, type WindowRow } from '#libs/db/index.js';
import {
  aggregateExposures, applyCircuitBreaker, areCoLocated, canRequestRaise, coLocationKeys, quarantineExpiresAtMs,
  slotOf, slotStartMs, windowSlotRange, type ContactExposure,
} from '#libs/domain/index.js';

export interface TraceStats {
  sourcePings: number;
  sources: number;
  contacts: number;
  exposures: number;
  requests: number;
  autoApplied: number;
  pendingReview: number;
  breakerTripped: boolean;
  durationMs: number;
}

/**
 * Traces one closed window: source pings -> co-located contact pings (set-based SQL) ->
 * exposures per (contact, source) -> requests by the exposure policy -> automatic ones applied.
 * Every effect is keyed (exposures replaced per window, one request per user/window/colour,
 * a request applied once), so running it again changes nothing.
 */
@Injectable()
export class WindowTracer {
  private readonly logger = new Logger(WindowTracer.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DataSource,
    private readonly windows: WindowRepository,
    private readonly tracing: TracingRepository,
    private readonly codes: HealthCodeRepository,
    private readonly changes: CodeChangeRepository,
    private readonly applier: CodeChangeApplier,
  ) {}

  /** Returns null when the job is stale (a newer generation was queued, or the window is done). */
  async trace(windowId: number, generation: number): Promise<TraceStats | null> {
    const window = await this.windows.claimWindow(windowId, generation);
    if (!window) return null;
    try {
      return await this.run(window);
    } catch (err) {
      await this.windows.failWindow(windowId, generation, (err as Error).message).catch(() => undefined);
      throw err;
    }
  }

  private async run(w: WindowRow): Promise<TraceStats> {
    const started = Date.now();
    const { grid, thresholds } = this.config;
    const slotMs = grid.slotSeconds * 1000;
    // Source pings one slot beyond the window's edges still match contacts inside it.
    const sources = await this.tracing.findSourcePings(w.startsAtMs - slotMs, w.endsAtMs + slotMs);
    const hits = (await this.tracing.findContacts(this.keysAround(sources, w.id), grid.slotSeconds, w.startsAtMs, w.endsAtMs))
      .filter((h) => areCoLocated({ cell: h.contactCell, slot: h.slot }, { cell: h.sourceCell, slot: h.slot }, { radiusMeters: this.config.contactRadiusMeters }));
    const { pairs, contacts } = aggregateExposures(hits, grid.slotSeconds, thresholds);
    const requests = await this.requestsFor(contacts);
    const breaker = applyCircuitBreaker(requests, this.config.autoApplyMaxPerWindow);

    let created = 0;
    await this.db.transaction(async (tx) => {
      await this.tracing.replaceExposures(tx, w.id, pairs);
      created = await this.changes.insertRequests(tx, w.id, breaker.items.map(({ decision, ...r }) => ({ ...r, auto: decision === 'auto' })));
    });
    // Also picks up automatic requests that a crashed earlier run created but did not apply.
    let autoApplied = 0;
    for (const change of await this.changes.findPendingAuto(w.id)) {
      if ((await this.applier.apply(change.id, 'tracing'))?.status === 'applied') autoApplied++;
    }
    const stats: TraceStats = {
      sourcePings: sources.length,
      sources: new Set(sources.map((s) => s.sourceId)).size,
      contacts: contacts.length,
      exposures: pairs.length,
      requests: created,
      autoApplied,
      pendingReview: breaker.items.filter((r) => r.decision === 'review').length,
      breakerTripped: breaker.tripped,
      durationMs: Date.now() - started,
    };
    if (breaker.tripped) this.logger.warn(`window ${w.id}: circuit breaker tripped, ${requests.length} requests sent to review`);
    await this.windows.finishWindow(this.db, w.id, w.generation, stats as unknown as Record<string, unknown>);
    this.logger.log({ msg: 'window traced', windowId: w.id, ...stats });
    return stats;
  }

  /** The (cell, slot) keys around every source ping, limited to the window's own slots. */
  private keysAround(sources: SourcePing[], windowId: number): ContactKeys {
    const { first, last } = windowSlotRange(windowId, this.config.grid);
    const keys: ContactKeys = { cells: [], slotStartsMs: [], sourceIds: [], sourceCells: [] };
    const seen = new Set<string>();
    for (const s of sources) {
      for (const k of coLocationKeys({ cell: s.cell, slot: slotOf(s.tsMs, this.config.grid) })) {
        const id = `${k.cell}|${k.slot}|${s.sourceId}|${s.cell}`;
        if (k.slot < first || k.slot > last || seen.has(id)) continue;
        seen.add(id);
        keys.cells.push(k.cell);
        keys.slotStartsMs.push(slotStartMs(k.slot, this.config.grid));
        keys.sourceIds.push(s.sourceId);
        keys.sourceCells.push(s.cell);
      }
    }
    return keys;
  }

  /** A yellow request for every contact over the review threshold whose code it would raise or extend. */
  private async requestsFor(contacts: ContactExposure[]): Promise<(NewCodeChange & { decision: ContactExposure['decision'] })[]> {
    const due = contacts.filter((c) => c.decision !== 'none');
    if (!due.length) return [];
    const current = await this.codes.findCodes(due.map((c) => c.contactId));
    return due.flatMap((c) => {
      const code = current.get(c.contactId);
      if (!code || !canRequestRaise(code.color, 'yellow')) return [];
      return [{
        userId: c.contactId, fromColor: code.color, toColor: 'yellow' as const, auto: c.decision === 'auto', decision: c.decision,
        reason: 'exposure', exposureSeconds: c.seconds,
        expiresAtMs: quarantineExpiresAtMs(slotStartMs(c.lastSlot + 1, this.config.grid), this.config.quarantineSeconds),
      }];
    });
  }
}
