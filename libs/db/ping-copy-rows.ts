import { finePosition, ZONE_LENGTH } from '#libs/geo/index.js';

const DAY_MS = 86_400_000;

/** Pings of one accepted batch, as parallel arrays (the shape `unnest` wants). */
export interface PingColumns {
  userIds: string[];
  tsMs: number[];
  cells: string[];
  /** The position kept of each ping: a geohash starting with its cell, at most 10 characters. */
  positions: string[];
  /** The accuracy kept of each ping (keptAccuracy): metres, 0 for none. */
  accuracies: number[];
}

/**
 * One request's pings, with their `COPY ... FROM STDIN (FORMAT binary)` tuples built where the
 * request is handled: a group commit only joins the tuples of its requests (PING_COPY_HEADER
 * first, PING_COPY_TRAILER last).
 */
export interface PingBatch {
  rows: PingColumns;
  copyTuples: Buffer;
  /** UTC day numbers (epoch ms / day) the pings fall in: their partitions must exist. */
  days: Set<number>;
}

/**
 * Binary rather than text COPY: Postgres reads a timestamptz as 8 bytes instead of parsing a date
 * string, and the app writes numbers into a buffer instead of formatting ISO strings.
 */
export const PING_COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
export const PING_COPY_TRAILER = Buffer.from([0xff, 0xff]);

/** Postgres counts timestamps in microseconds from 2000-01-01 UTC. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;
/**
 * Field count, then per field its length and bytes: bigint 8, timestamptz 8, the cell (a geohash:
 * at most 12 ASCII characters), then pos_lat and pos_lon (integer 4), pos_len and pos_acc (smallint 2),
 * then the zone (the cell's first ZONE_LENGTH characters).
 */
const MAX_TUPLE_BYTES = 2 + (4 + 8) + (4 + 8) + (4 + 12) + (4 + 4) * 2 + (4 + 2) * 2 + (4 + ZONE_LENGTH);
/** Degrees as stored: integers of 1e-7 degree. */
export const POSITION_SCALE = 1e7;

/** The columns the binary tuples of toPingBatch fill, in their order. */
export const PING_COPY_COLUMNS = '(user_id, ts, cell, pos_lat, pos_lon, pos_len, pos_acc, zone)';

/** Binary COPY tuples of PING_COPY_COLUMNS for these pings (the position NULL when the cell says it all, the accuracy when 0). */
export function toPingBatch(rows: PingColumns): PingBatch {
  const days = new Set<number>();
  const out = Buffer.allocUnsafe(rows.tsMs.length * MAX_TUPLE_BYTES);
  // DataView's setters compile to plain stores (Buffer's write* methods check every call).
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  let o = 0;
  let userId: string | undefined;
  let user = 0n;
  for (let i = 0; i < rows.tsMs.length; i++) {
    // A request's pings share one user: convert the id once.
    if (rows.userIds[i] !== userId) user = BigInt((userId = rows.userIds[i]!));
    const ms = rows.tsMs[i];
    days.add(Math.floor(ms / DAY_MS));
    const us = (ms - PG_EPOCH_MS) * 1000;
    const hi = Math.floor(us / TWO_32);
    const cell = rows.cells[i];
    if (cell.length > 12) throw new RangeError('a cell is a geohash of at most 12 characters');
    view.setInt16(o, 8);
    view.setInt32(o + 2, 8);
    view.setBigInt64(o + 6, user);
    view.setInt32(o + 14, 8);
    view.setInt32(o + 18, hi);
    view.setUint32(o + 22, us - hi * TWO_32);
    view.setInt32(o + 26, cell.length);
    o += 30;
    for (let j = 0; j < cell.length; j++) out[o++] = cell.charCodeAt(j);
    const fine = finePosition(rows.positions[i], cell.length);
    if (fine) {
      view.setInt32(o, 4);
      view.setInt32(o + 4, Math.round(fine.lat * POSITION_SCALE));
      view.setInt32(o + 8, 4);
      view.setInt32(o + 12, Math.round(fine.lon * POSITION_SCALE));
      view.setInt32(o + 16, 2);
      view.setInt16(o + 20, fine.len);
      o += 22;
    } else {
      view.setInt32(o, -1);
      view.setInt32(o + 4, -1);
      view.setInt32(o + 8, -1);
      o += 12;
    }
    const accuracy = rows.accuracies[i];
    if (accuracy > 0) {
      view.setInt32(o, 2);
      view.setInt16(o + 4, accuracy);
      o += 6;
    } else {
      view.setInt32(o, -1);
      o += 4;
    }
    const zone = Math.min(cell.length, ZONE_LENGTH);
    view.setInt32(o, zone);
    o += 4;
    for (let j = 0; j < zone; j++) out[o++] = cell.charCodeAt(j);
  }
  return { rows, copyTuples: out.subarray(0, o), days };
}
