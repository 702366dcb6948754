import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import {
  TraceShardRepository,
  TracingRepository,
  WindowRepository,
  type CellRange,
  type WindowRow,
} from '#libs/db/index.js';
import { sourceReachMs, type SearchRange } from '#libs/domain/index.js';
import { ContactFinder } from './contact-finder.service.js';

export interface ShardStats {
  sourcePings: number;
  pairs: number;
}

/**
 * Traces one shard of a window: the source pings in its range of cells -> the search ranges
 * around them -> contact pings by one set-based statement that also pairs and stores them
 * (partial (contact, source) pairs), with the shard marked done in the same transaction. Any worker may run any shard, any number of times.
 */
@Injectable()
export class ShardTracer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly windows: WindowRepository,
    private readonly tracing: TracingRepository,
    private readonly shards: TraceShardRepository,
    private readonly finder: ContactFinder,
  ) {}

  /** Null when the job is stale: the window moved on to another generation or is finished. */
  async trace(windowId: number, generation: number, shard: number): Promise<ShardStats | null> {
    const started = Date.now();
    const window = await this.windows.processingWindow(windowId, generation);
    const range = window && (await this.shards.shard(windowId, generation, shard));
    if (!window || !range) return null;
    const { sourcePings, ranges } = await this.searchRangesIn(window, range);
    const pairs = await this.shards.saveMatches(
      { windowId, generation, shard },
      {
        ranges,
        slotSeconds: this.config.grid.slotSeconds,
        window: { fromMs: window.startsAtMs, toMs: window.endsAtMs },
        radiusMeters: this.config.contact.radiusMeters,
      },
      started,
    );
    return { sourcePings, pairs };
  }

  /** The window's source pings in this range of cells, and the search ranges for their contacts. */
  async searchRangesIn(window: WindowRow, range: CellRange): Promise<{ sourcePings: number; ranges: SearchRange[] }> {
    const reach = sourceReachMs(window.id, this.config.grid, this.config.contact);
    const sources = await this.tracing.findSourcePings(reach.fromMs, reach.toMs, range);
    return { sourcePings: sources.length, ranges: this.finder.searchRanges(sources, window.id) };
  }
}
