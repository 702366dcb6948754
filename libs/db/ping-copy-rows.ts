const DAY_MS = 86_400_000;

/** Pings of one accepted batch, as parallel arrays (the shape `unnest` wants). */
export interface PingColumns {
  userIds: string[];
  tsMs: number[];
  cells: string[];
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
 * string (measured on 2 cores, 3,000-row COPYs into `pings`: about 13% more rows/s), and the app
 * writes numbers into a buffer instead of formatting ISO strings.
 */
export const PING_COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
export const PING_COPY_TRAILER = Buffer.from([0xff, 0xff]);

/** Postgres counts timestamps in microseconds from 2000-01-01 UTC. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;
/** Field count, then per field its length and bytes: bigint 8, timestamptz 8, the cell (a geohash: at most 12 ASCII characters). */
const MAX_TUPLE_BYTES = 2 + (4 + 8) + (4 + 8) + (4 + 12);

/** Binary COPY tuples `(user_id bigint, ts timestamptz, cell text)` for these pings. */
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
    view.setInt16(o, 3);
    view.setInt32(o + 2, 8);
    view.setBigInt64(o + 6, user);
    view.setInt32(o + 14, 8);
    view.setInt32(o + 18, hi);
    view.setUint32(o + 22, us - hi * TWO_32);
    view.setInt32(o + 26, cell.length);
    o += 30;
    for (let j = 0; j < cell.length; j++) out[o++] = cell.charCodeAt(j);
  }
  return { rows, copyTuples: out.subarray(0, o), days };
}
