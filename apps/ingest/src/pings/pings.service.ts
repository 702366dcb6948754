import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { Counter, Histogram } from 'prom-client';
import { DomainError, ErrorCode, classifyPingTime, windowIdOf } from '#libs/domain/index.js';
import { encodeCell, normalizeCell } from '#libs/geo/index.js';
import type { FieldProblem } from '#libs/http/index.js';
import type { PingItem, PingsResponse } from './pings.dto.js';
import { PingWriter } from './ping-writer.service.js';
import { pingTimeMs } from './ping-timestamp.validator.js';

const outcomes = new Counter({ name: 'hc_pings_total', help: 'pings received, by outcome (accepted, late, rejected)', labelNames: ['outcome'] });
const batchSize = new Histogram({ name: 'hc_ping_batch_size', help: 'pings per request', buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000] });

@Injectable()
export class PingsService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, private readonly writer: PingWriter) {}

  /**
   * Stores the usable pings of a well-formed batch (cells only: coordinates are encoded and
   * dropped here) and answers only after the commit. The answer depends on the batch alone, so a
   * retried batch gets the same one and stores nothing twice.
   */
  async ingest(userId: string, items: PingItem[], nowMs = Date.now()): Promise<PingsResponse> {
    const cells = this.cellsOf(items);
    const userIds: string[] = [];
    const tsMs: number[] = [];
    const kept: string[] = [];
    let rejected = 0;
    items.forEach((item, i) => {
      const t = pingTimeMs(item.ts);
      if (classifyPingTime(t, nowMs, this.config) !== 'ok') return void rejected++;
      userIds.push(userId);
      tsMs.push(t);
      kept.push(cells[i]!);
    });
    batchSize.observe(items.length);
    if (!tsMs.length) {
      outcomes.inc({ outcome: 'rejected' }, rejected);
      return { accepted: 0, late: 0, rejected };
    }
    const windowIds = tsMs.map((t) => windowIdOf(t, this.config.grid));
    const lateWindows = await this.writer.write({ userIds, tsMs, cells: kept }, [...new Set(windowIds)]);
    const late = windowIds.filter((w) => lateWindows.has(w)).length;
    outcomes.inc({ outcome: 'accepted' }, tsMs.length - late);
    outcomes.inc({ outcome: 'late' }, late);
    outcomes.inc({ outcome: 'rejected' }, rejected);
    return { accepted: tsMs.length - late, late, rejected };
  }

  /** The cell of every item, or a 400 naming each item whose location cannot be used. */
  private cellsOf(items: PingItem[]): string[] {
    const precision = this.config.geohashPrecision;
    const problems: FieldProblem[] = [];
    const cells = items.map((p, index) => {
      if (p.geohash !== undefined && (p.lat !== undefined || p.lon !== undefined)) {
        problems.push({ index, field: 'geohash', message: 'send either lat/lon or geohash, not both' });
        return '';
      }
      if (p.geohash === undefined) return encodeCell(p.lat!, p.lon!, precision);
      const cell = normalizeCell(p.geohash, precision);
      if (cell === null) problems.push({ index, field: 'geohash', message: `geohash must have at least ${precision} characters` });
      return cell ?? '';
    });
    if (problems.length) throw new DomainError(ErrorCode.VALIDATION, `item ${problems[0]!.index}: ${problems[0]!.message}`, problems);
    return cells;
  }
}
