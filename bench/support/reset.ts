import type pg from 'pg';
import { clearKeyPrefix } from './redis.js';

/**
 * Empties the bench database (people, pings, windows and everything tracing made of them) and the
 * bench's Redis keys: BullMQ job ids repeat from one scenario's windows to the next.
 */
export async function emptyBenchData(client: pg.ClientBase, redisUrl: string, keyPrefix: string): Promise<void> {
  await client.query(
    'TRUNCATE pings, windows, users, trace_shards, trace_pairs, pending_late_pings, retro_traces RESTART IDENTITY CASCADE',
  );
  await clearKeyPrefix(redisUrl, keyPrefix);
}
