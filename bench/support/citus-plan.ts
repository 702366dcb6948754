import type pg from 'pg';
import { contactHitsParams, contactHitsSql } from '#libs/db/index.js';
import type { SearchRange } from '#libs/domain/index.js';
import { zoneOf } from '#libs/geo/index.js';

/** What EXPLAIN says of the matching statement on a Citus coordinator. */
export interface MatchingPlan {
  lines: string[];
  /** Shard queries the statement is cut into (Citus's "Task Count"). */
  tasks: number;
  /** Results Citus computes first and ships around ("Distributed Subplan"): none when pushed down whole. */
  subplans: number;
  /** The workers (host:port) of the tasks shown. */
  nodes: string[];
  /** Whether the tasks probe the (cell, ts) index of the day partitions' shards. */
  probesIndex: boolean;
}

/** EXPLAIN (VERBOSE: every task shown) of the matching statement (contactHitsSql(true)) for these ranges. */
export async function explainMatching(
  client: pg.ClientBase,
  ranges: readonly SearchRange[],
  slotSeconds: number,
  window: { fromMs: number; toMs: number },
  radiusMeters: number,
): Promise<MatchingPlan> {
  await client.query('SET citus.explain_all_tasks TO on');
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT count(*) FROM (${contactHitsSql(true)}) hits`,
    contactHitsParams(ranges, slotSeconds, window, radiusMeters, true),
  );
  const lines = rows.map((r) => r['QUERY PLAN']);
  const tasks = lines.map((l) => /Task Count: (\d+)/.exec(l)).find(Boolean);
  return {
    lines,
    tasks: tasks ? Number(tasks[1]) : 0,
    subplans: lines.filter((l) => l.includes('Distributed Subplan')).length,
    nodes: [
      ...new Set(
        lines
          .map((l) => /Node: host=(\S+) port=(\d+)/.exec(l))
          .filter((m) => m)
          .map((m) => `${m![1]}:${m![2]}`),
      ),
    ],
    probesIndex: lines.some((l) => /Index Scan (using|on) pings_\d{8}_cell_ts_idx_\d+/.test(l)),
  };
}

/**
 * The searches (one source ping's ranges at one place) and how many of them probe cells of more
 * than one zone: those cross a zone border, so their statement reaches more than one shard.
 */
export function zoneCrossings(ranges: readonly SearchRange[]): { searches: number; crossing: number } {
  const zones = new Map<string, Set<string>>();
  for (const r of ranges) {
    const key = `${r.sourceId}|${r.source.lat}|${r.source.lon}`;
    (zones.get(key) ?? zones.set(key, new Set()).get(key)!).add(zoneOf(r.cell));
  }
  return { searches: zones.size, crossing: [...zones.values()].filter((z) => z.size > 1).length };
}
