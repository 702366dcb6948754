import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { toPingBatch, type PingColumns } from '#libs/db/index.js';
import { classifyPingTime, windowIdOf, windowsAffectedByPing } from '#libs/domain/index.js';
import { parsePingBatch, type ParsedPing } from './ping-batch.parser.js';
import type { PingsResponse } from './pings.dto.js';
import { PingWriter } from './ping-writer.service.js';

const outcomes = new Counter({
  name: 'hc_pings_total',
  help: 'pings received, by outcome (accepted, late, rejected)',
  labelNames: ['outcome'],
});
// Bound once: counted for every request.
const count = {
  accepted: outcomes.labels('accepted'),
  late: outcomes.labels('late'),
  rejected: outcomes.labels('rejected'),
};
const batchSize = new Histogram({
  name: 'hc_ping_batch_size',
  help: 'pings per request',
  buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
});

@Injectable()
export class PingsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: PingWriter,
  ) {}

  /**
   * Stores the usable pings of a well-formed batch (geohashes of about a metre at most: coordinates
   * are encoded and dropped here) and answers only after the commit. The answer depends on the batch alone, so a
   * retried batch gets the same one and stores nothing twice.
   */
  async ingest(userId: string, body: unknown, nowMs = Date.now()): Promise<PingsResponse> {
    return this.store(userId, parsePingBatch(body, this.config.geohashPrecision), nowMs);
  }

  /** As ingest, for a batch already checked (parsePingBatch, or scanPingBatch for the phones' own body). */
  async store(userId: string, pings: ParsedPing[], nowMs = Date.now()): Promise<PingsResponse> {
    batchSize.observe(pings.length);
    const rows: PingColumns = { userIds: [], tsMs: [], cells: [], positions: [], accuracies: [] };
    for (const p of pings) {
      if (classifyPingTime(p.tsMs, nowMs, this.config) !== 'ok') continue;
      rows.userIds.push(userId);
      rows.tsMs.push(p.tsMs);
      rows.cells.push(p.cell);
      rows.positions.push(p.position);
      rows.accuracies.push(p.accuracy);
    }
    const rejected = pings.length - rows.tsMs.length;
    let late = 0;
    if (rows.tsMs.length) {
      const { grid } = this.config;
      // A ping near a window edge can change the neighbouring window's trace too (as a source).
      const affected = new Set<number>();
      for (const t of rows.tsMs) for (const w of windowsAffectedByPing(t, grid)) affected.add(w);
      const lateWindows = await this.writer.write(toPingBatch(rows), [...affected]);
      // `late` counts pings whose own window was already traced (rare: only then look at each ping).
      if (lateWindows.size) late = rows.tsMs.filter((t) => lateWindows.has(windowIdOf(t, grid))).length;
    }
    const accepted = rows.tsMs.length - late;
    count.accepted.inc(accepted);
    count.late.inc(late);
    count.rejected.inc(rejected);
    return { accepted, late, rejected };
  }
}
