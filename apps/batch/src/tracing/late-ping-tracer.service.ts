import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { LatePingRepository, WindowRepository } from '#libs/db/index.js';
import { ContactFinder } from './contact-finder.service.js';
import { EvidenceMerger, type MergeStats } from './evidence-merger.service.js';

const passes = new Counter({
  name: 'hc_late_ping_passes_total',
  help: 'late-ping passes that merged late pings into a traced window',
});
const merged = new Counter({ name: 'hc_late_pings_merged_total', help: 'late pings merged into traced windows' });

/**
 * Traces a window again for its late pings only, all of them at once: as contacts (the sources
 * around each late ping) and, for senders red and infectious at the ping's time, as sources (the
 * contacts around them). The work grows with the late pings, not with the window; the merged
 * result equals a full trace of the window with all its pings.
 */
@Injectable()
export class LatePingTracer {
  private readonly logger = new Logger(LatePingTracer.name);

  constructor(
    private readonly windows: WindowRepository,
    private readonly late: LatePingRepository,
    private readonly finder: ContactFinder,
    private readonly merger: EvidenceMerger,
  ) {}

  /** Null when the window is not traced (its trace, still to come or running, takes the pings). */
  async pass(windowId: number): Promise<(MergeStats & { latePings: number }) | null> {
    const window = await this.windows.findWindow(windowId);
    if (!window || window.status !== 'done') return null;
    const pings = await this.late.pending(windowId);
    const upToSeq = pings.reduce((m, p) => Math.max(m, p.seq), 0);
    const sources = pings
      .filter((p) => p.isSource)
      .map((p) => ({ sourceId: p.userId, tsMs: p.tsMs, cell: p.cell, area: p.area }));
    const parts = [
      ...(await this.finder.contactsOf(sources, window)),
      ...(await this.finder.sourcesNear(
        pings.map((p) => ({ contactId: p.userId, tsMs: p.tsMs, cell: p.cell, area: p.area })),
        windowId,
      )),
    ];
    const counters: Record<string, number> = pings.length ? { latePasses: 1, latePings: pings.length } : {};
    const stats = await this.merger.merge(windowId, parts, (tx) => this.late.consume(tx, windowId, upToSeq), counters);
    if (!stats) return null;
    if (pings.length) {
      passes.inc();
      merged.inc(pings.length);
      this.logger.log({ msg: 'late pings merged', windowId, latePings: pings.length, ...stats });
    }
    return { ...stats, latePings: pings.length };
  }
}
