import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { TracingRepository, type ContactHit } from '#libs/db/index.js';
import {
  areCoLocated,
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
 * The matching of DESIGN §2 in one window, from either side: the contacts of some source pings
 * (a shard, a retro-trace) or the sources near some contact pings (late pings). The search ranges
 * give the neighbour box; only the optional distance rule is checked here.
 */
@Injectable()
export class ContactFinder {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tracing: TracingRepository,
  ) {}

  /**
   * Where the contacts in the window of these source pings (which may lie one slot outside it)
   * are. A hit's slot is its own and its cell the range's, so the distance rule, which compares
   * two cells of one slot, is decided per range: a dropped range is exactly the hits it would drop.
   */
  searchRanges(sources: SourcePing[], windowId: number): SearchRange[] {
    const ranges = contactSearchRanges(sources, windowId, this.config.grid);
    return this.withinRadius(ranges, (r) => [r.cell, r.sourceCell]);
  }

  /** Contacts in the window of these source pings. */
  contactsOf(sources: SourcePing[], window: TracedWindow): Promise<PartialPair[]> {
    return this.contactsIn(this.searchRanges(sources, window.id), window);
  }

  /** Contacts in the window in these search ranges (of `searchRanges`). */
  async contactsIn(ranges: SearchRange[], window: TracedWindow): Promise<PartialPair[]> {
    return pairsFromHits(
      await this.tracing.findContacts(ranges, this.config.grid.slotSeconds, window.startsAtMs, window.endsAtMs),
    );
  }

  /** Sources near these contact pings of the window. */
  async sourcesNear(contacts: ContactPing[], windowId: number): Promise<PartialPair[]> {
    const hits = await this.tracing.findSourcesNear(sourceSearchRanges(contacts, windowId, this.config.grid));
    return pairsFromHits(this.withinRadius(hits, (h: ContactHit) => [h.contactCell, h.sourceCell]));
  }

  private withinRadius<T>(items: T[], cells: (item: T) => [string, string]): T[] {
    const radiusMeters = this.config.contactRadiusMeters;
    if (radiusMeters === null) return items;
    return items.filter((item) => {
      const [a, b] = cells(item);
      return areCoLocated({ cell: a, slot: 0 }, { cell: b, slot: 0 }, { radiusMeters });
    });
  }
}
