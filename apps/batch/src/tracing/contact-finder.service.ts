import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { TracingRepository, type ContactHit } from '#libs/db/index.js';
import {
  areCoLocated, contactSearchRanges, pairsFromHits, sourceSearchRanges, type ContactPing, type PartialPair, type SourcePing,
} from '#libs/domain/index.js';

/**
 * The matching of DESIGN §2 in one window, from either side: the contacts of some source pings
 * (a shard, a retro-trace) or the sources near some contact pings (late pings). The search ranges
 * give the neighbour box; only the optional distance rule is checked here.
 */
@Injectable()
export class ContactFinder {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, private readonly tracing: TracingRepository) {}

  /** Contacts in the window of these source pings (which may lie one slot outside it). */
  async contactsOf(sources: SourcePing[], window: { id: number; startsAtMs: number; endsAtMs: number }): Promise<PartialPair[]> {
    const { grid } = this.config;
    const ranges = contactSearchRanges(sources, window.id, grid);
    return this.pairs(await this.tracing.findContacts(ranges, grid.slotSeconds, window.startsAtMs, window.endsAtMs));
  }

  /** Sources near these contact pings of the window. */
  async sourcesNear(contacts: ContactPing[], windowId: number): Promise<PartialPair[]> {
    return this.pairs(await this.tracing.findSourcesNear(sourceSearchRanges(contacts, windowId, this.config.grid)));
  }

  private pairs(hits: ContactHit[]): PartialPair[] {
    const radiusMeters = this.config.contactRadiusMeters;
    if (radiusMeters !== null) {
      hits = hits.filter((h) => areCoLocated({ cell: h.contactCell, slot: h.slot }, { cell: h.sourceCell, slot: h.slot }, { radiusMeters }));
    }
    return pairsFromHits(hits);
  }
}
