// Loads a simulated city into Postgres fast: people in one statement each for users, codes and
// history, pings by COPY in chunks, and the simulated windows registered as open (untraced).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { POSITION_SCALE } from '#libs/db/index.js';
import { finePosition, zoneOf } from '#libs/geo/index.js';
import type { RedPerson, SimPing } from './simulator.js';

/** Registers `count` green people (code and first history row, as registration does); returns their ids in order. */
export async function insertPeople(client: pg.ClientBase, count: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `WITH u AS (INSERT INTO users (created_at) SELECT now() FROM generate_series(1, $1::int) RETURNING id),
     c AS (INSERT INTO health_codes (user_id, color, reason, version, updated_at) SELECT id, 'green', 'registered', 1, now() FROM u RETURNING user_id),
     h AS (INSERT INTO code_history (user_id, from_color, to_color, reason, actor, version) SELECT user_id, NULL, 'green', 'registered', 'system', 1 FROM c)
     SELECT id::text AS id FROM u ORDER BY id`,
    [count],
  );
  return rows.map((r) => r.id);
}

/** Sets the simulated red people red with their infectious start, straight in Postgres (no retro-trace, no cache). */
export async function setRedCodes(
  client: pg.ClientBase,
  red: RedPerson[],
  userIdOf: (person: number) => string,
): Promise<void> {
  await client.query(
    `UPDATE health_codes h SET color = 'red', reason = 'positive test', version = 2, infectious_from = to_timestamp(r.ms / 1000.0)
     FROM unnest($1::bigint[], $2::float8[]) AS r(id, ms) WHERE h.user_id = r.id`,
    [red.map((r) => userIdOf(r.person)), red.map((r) => r.infectiousFromMs)],
  );
}

/**
 * Creates the day partitions of pings for every day that [fromMs, toMs) touches. The series starts
 * at midnight of the first day: from 23:50, one step of a day would skip the next day's 00:10.
 */
export async function ensurePingPartitions(client: pg.ClientBase, fromMs: number, toMs: number): Promise<void> {
  await client.query(
    `SELECT hc_ensure_ping_partition(d::date)
     FROM generate_series(date_trunc('day', to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC'), to_timestamp($2 / 1000.0) AT TIME ZONE 'UTC', interval '1 day') d`,
    [fromMs, toMs - 1],
  );
}

/** The position columns of a ping as COPY text: the finer reported position and the accuracy, or NULLs. */
function positionColumns(p: SimPing): string {
  const fine = p.reported ? finePosition(p.reported, p.cell.length) : null;
  const accuracy = p.accuracy ? String(p.accuracy) : '\\N';
  if (!fine) return `\\N\t\\N\t\\N\t${accuracy}`;
  return `${Math.round(fine.lat * POSITION_SCALE)}\t${Math.round(fine.lon * POSITION_SCALE)}\t${fine.len}\t${accuracy}`;
}

/** COPYs pings in chunks of `chunkRows` (one transaction each); returns how many were copied. */
export async function copyPings(
  client: pg.ClientBase,
  pings: Iterable<SimPing>,
  userIdOf: (person: number) => string,
  chunkRows = 50_000,
): Promise<number> {
  let text = '';
  let inChunk = 0;
  let total = 0;
  const flush = async () => {
    if (!inChunk) return;
    await pipeline(
      Readable.from([text]),
      client.query(copyFrom('COPY pings (user_id, ts, cell, pos_lat, pos_lon, pos_len, pos_acc, zone) FROM STDIN')),
    );
    total += inChunk;
    text = '';
    inChunk = 0;
  };
  for (const p of pings) {
    text += `${userIdOf(p.person)}\t${new Date(p.tsMs).toISOString()}\t${p.cell}\t${positionColumns(p)}\t${zoneOf(p.cell)}\n`;
    if (++inChunk === chunkRows) await flush();
  }
  await flush();
  return total;
}

/** Registers windows as open (not yet traced), as ingest does for the windows of its pings. */
export async function registerWindows(
  client: pg.ClientBase,
  firstId: number,
  count: number,
  windowSeconds: number,
): Promise<void> {
  await client.query(
    `INSERT INTO windows (id, starts_at, ends_at)
     SELECT id, to_timestamp(id * $3), to_timestamp((id + 1) * $3) FROM generate_series($1::bigint, $2::bigint) id
     ON CONFLICT (id) DO NOTHING`,
    [firstId, firstId + count - 1, windowSeconds],
  );
}
