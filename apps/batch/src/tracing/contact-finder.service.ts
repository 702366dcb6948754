import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { TracingRepository } from '#libs/db/index.js';
import {
  contactSearchRanges,
  pairsFromHits,
  sourceSearchRanges,
  type ContactPing,
  type PartialPair,
  type SearchRange,
  type SourcePing,
} from '#libs/domain/index.js';

type TracedWindow = { id: number; startsAtMs: number; endsAtMs: number };

/**
 * The contact rule (docs/domain.md) in one window, from either side: the contacts of some source
 * pings (a shard, a retro-trace) or the sources near some contact pings (late pings). The search
 * ranges say where to look; the distance test runs in Postgres beside each probe.
 */
@Injectable()
export class ContactFinder {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tracing: TracingRepository,
  ) {}

  /** Where the contacts in the window of these source pings (which may lie just outside it) are. */
  searchRanges(sources: SourcePing[], windowId: number): SearchRange[] {
    return contactSearchRanges(sources, windowId, this.config.grid, this.config.contact, this.config.geohashPrecision);
  }

  /** Contacts in the window of these source pings. */
  contactsOf(sources: SourcePing[], window: TracedWindow): Promise<PartialPair[]> {
    return this.contactsIn(this.searchRanges(sources, window.id), window);
  }

  /** Contacts in the window in these search ranges (of `searchRanges`). */
  async contactsIn(ranges: SearchRange[], window: TracedWindow): Promise<PartialPair[]> {
    const hits = await this.tracing.findContacts(
      ranges,
      this.config.grid.slotSeconds,
      { fromMs: window.startsAtMs, toMs: window.endsAtMs },
      this.config.contact.radiusMeters,
    );
    return pairsFromHits(hits);
  }

  /** Sources near these contact pings of the window. */
  async sourcesNear(contacts: ContactPing[], windowId: number): Promise<PartialPair[]> {
    const { grid, contact, geohashPrecision } = this.config;
    const ranges = sourceSearchRanges(contacts, windowId, grid, contact, geohashPrecision);
    return pairsFromHits(await this.tracing.findSourcesNear(ranges, contact.radiusMeters));
  }
}
