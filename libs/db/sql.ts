import type { DataSource, EntityManager } from 'typeorm';

/** Either the pool or a transaction: repository methods take one so callers compose transactions. */
export type Db = DataSource | EntityManager;

export const toMs = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());
export const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * Runs SQL and returns its rows. TypeORM answers UPDATE/DELETE ... RETURNING with
 * `[rows, affectedCount]` but SELECT with rows alone; this evens that out.
 */
export async function queryRows<R = any>(db: Db, text: string, params?: unknown[]): Promise<R[]> {
  const result = await db.query(text, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0];
  return result;
}
