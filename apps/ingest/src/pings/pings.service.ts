import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { PingTracks, type TrackReservation } from '#libs/cache/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { toPingBatch, type PingColumns } from '#libs/db/index.js';
import {
  classifyPingTime,
  judgePings,
  slotOf,
  trackHorizonMs,
  windowIdOf,
  windowsAffectedByPing,
} from '#libs/domain/index.js';
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
const implausible = new Counter({
  name: 'hc_pings_implausible_total',
  help: 'pings rejected as implausible, by rule: speed (a move faster than HC_MAX_SPEED_KMH) or slot (past HC_MAX_PINGS_PER_SLOT)',
  labelNames: ['rule'],
});
const implausibleBy = { speed: implausible.labels('speed'), slot: implausible.labels('slot') };
const batchSize = new Histogram({
  name: 'hc_ping_batch_size',
  help: 'pings per request',
  buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
});

/** A checked batch on its way: the pings within time, and their slots reserved in the person's track. */
export interface AdmittedBatch {
  /** The pings within the retention and the clock skew, as sent. */
  pings: ParsedPing[];
  /** Pings refused for their time. */
  outOfTime: number;
  /** Pings per recent slot, reserved in the person's track (older slots are counted in the batch only). */
  perSlot: Map<number, number>;
  reservation: Promise<TrackReservation>;
}

@Injectable()
export class PingsService {
  private readonly horizonMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: PingWriter,
    private readonly tracks: PingTracks,
  ) {
    this.horizonMs = trackHorizonMs(config.grid, config.maxClockSkewSeconds);
  }

  /**
   * Stores the usable pings of a well-formed batch (geohashes of about a metre at most: coordinates
   * are encoded and dropped here) and answers only after the commit.
   */
  async ingest(userId: string, body: unknown, nowMs = Date.now()): Promise<PingsResponse> {
    return this.store(userId, this.admit(userId, parsePingBatch(body, this.config.geohashPrecision), nowMs));
  }

  /**
   * The first step for a batch already checked (parsePingBatch, or scanPingBatch for the phones'
   * own body): drops the pings out of time and reserves the others' slots in the person's track
   * (Redis, one call; the fast lane sends it beside the rate-limit hit). Then `store`, or
   * `withdraw` when the request is refused meanwhile.
   */
  admit(userId: string, pings: ParsedPing[], nowMs = Date.now()): AdmittedBatch {
    batchSize.observe(pings.length);
    const inTime: ParsedPing[] = [];
    const perSlot = new Map<number, number>();
    const oldestSlot = slotOf(nowMs - this.horizonMs, this.config.grid);
    for (const p of pings) {
      if (classifyPingTime(p.tsMs, nowMs, this.config) !== 'ok') continue;
      inTime.push(p);
      const slot = slotOf(p.tsMs, this.config.grid);
      if (slot >= oldestSlot) perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
    }
    return {
      pings: inTime,
      outOfTime: pings.length - inTime.length,
      perSlot,
      reservation: this.tracks.reserve(userId, perSlot, oldestSlot),
    };
  }

  /** Gives the batch's reservation back: the request was refused (429, 401) and stores nothing. */
  withdraw(userId: string, batch: AdmittedBatch): void {
    void batch.reservation.then((r) => r.reserved && this.tracks.settle(userId, null, batch.perSlot));
  }

  /**
   * Judges the batch against what is known of the person (judgePings: implausible moves and full
   * slots are rejected and not stored), records its newest kept ping, and stores the rest. A
   * batch sent again gets the same answer unless its own first copy filled its slots.
   */
  async store(userId: string, batch: AdmittedBatch): Promise<PingsResponse> {
    const { pings, perSlot } = batch;
    const { known, reserved } = await batch.reservation;
    const { grid } = this.config;
    const verdicts = judgePings(pings, known, this.config.plausibility, grid);
    const rows: PingColumns = { userIds: [], tsMs: [], cells: [], positions: [], accuracies: [] };
    const keptPerSlot = new Map<number, number>();
    let newest: ParsedPing | null = null;
    let tooFast = 0;
    for (let i = 0; i < pings.length; i++) {
      const p = pings[i];
      const verdict = verdicts[i];
      if (verdict !== 'ok') {
        if (verdict === 'too-fast') tooFast++;
        continue;
      }
      rows.userIds.push(userId);
      rows.tsMs.push(p.tsMs);
      rows.cells.push(p.cell);
      rows.positions.push(p.position);
      rows.accuracies.push(p.accuracy);
      if (!newest || p.tsMs > newest.tsMs) newest = p;
      const slot = slotOf(p.tsMs, grid);
      if (perSlot.has(slot)) keptPerSlot.set(slot, (keptPerSlot.get(slot) ?? 0) + 1);
    }
    if (reserved) this.tracks.settle(userId, newest, unused(perSlot, keptPerSlot));
    const implausibleCount = pings.length - rows.tsMs.length;
    const rejected = batch.outOfTime + implausibleCount;
    let late = 0;
    if (rows.tsMs.length) {
      // A ping near a window edge can change the neighbouring window's trace too (as a source).
      const affected = new Set<number>();
      for (const t of rows.tsMs) for (const w of windowsAffectedByPing(t, grid)) affected.add(w);
      let lateWindows: Set<number>;
      try {
        lateWindows = await this.writer.write(toPingBatch(rows), [...affected]);
      } catch (err) {
        // Nothing stored: the slots get their pings back (the newest ping known stays, a retry sends it again).
        if (reserved) this.tracks.settle(userId, null, keptPerSlot);
        throw err;
      }
      // `late` counts pings whose own window was already traced (rare: only then look at each ping).
      if (lateWindows.size) late = rows.tsMs.filter((t) => lateWindows.has(windowIdOf(t, grid))).length;
    }
    const accepted = rows.tsMs.length - late;
    count.accepted.inc(accepted);
    count.late.inc(late);
    count.rejected.inc(rejected);
    if (tooFast) implausibleBy.speed.inc(tooFast);
    if (implausibleCount > tooFast) implausibleBy.slot.inc(implausibleCount - tooFast);
    return { accepted, late, rejected };
  }
}

/** What was reserved and not kept, per slot. */
function unused(reserved: Map<number, number>, kept: Map<number, number>): Map<number, number> {
  const back = new Map<number, number>();
  for (const [slot, n] of reserved) if (n > (kept.get(slot) ?? 0)) back.set(slot, n - (kept.get(slot) ?? 0));
  return back;
}
