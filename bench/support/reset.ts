import type pg from 'pg';
import { clearKeyPrefix } from './redis.js';

/**
 * Everything tracing reads or writes: people, codes and their history, pings, windows and every
 * table a trace fills. Foreign keys no longer tie all of them to users, so each is named.
 */
export const TRACING_TABLES = [
  'users',
  'health_codes',
  'code_history',
  'code_changes',
  'exposures',
  'pings',
  'windows',
  'trace_shards',
  'trace_pairs',
  'pending_late_pings',
  'retro_traces',
] as const;

/**
 * Empties the bench database (people, pings, windows and everything tracing made of them) and the
 * bench's Redis keys: BullMQ job ids repeat from one scenario's windows to the next.
 */
export async function emptyBenchData(client: pg.ClientBase, redisUrl: string, keyPrefix: string): Promise<void> {
  await client.query(`TRUNCATE ${TRACING_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  await clearKeyPrefix(redisUrl, keyPrefix);
}

/**
 * Throws unless every tracing table is empty: a measurement on rows a previous load left behind
 * would score one configuration on another's requests.
 */
export async function assertTracingTablesEmpty(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<Record<string, boolean>>(
    `SELECT ${TRACING_TABLES.map((t) => `EXISTS (SELECT 1 FROM ${t}) AS ${t}`).join(', ')}`,
  );
  const left = TRACING_TABLES.filter((t) => rows[0][t]);
  if (left.length) throw new Error(`tracing tables not empty before a load: ${left.join(', ')}`);
}
