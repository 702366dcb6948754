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

/** Digits and the geohash base32 alphabet (no a, i, l, o): never a word Postgres reads as NULL. */
const PLAIN_ELEMENT = /^[0-9b-hjkmnp-z]+$/;

/**
 * A Postgres array literal (`{1,2,3}`) of integers or geohash cells, to pass many small arrays as
 * one text[] parameter and cast each row's element (`x::bigint[]`): Postgres parses it far more
 * cheaply than a JSON array. Elements needing quotes never get here (it throws instead).
 */
export function arrayLiteral(values: readonly (number | string)[]): string {
  const text = values.join(',');
  for (const v of values) if (!PLAIN_ELEMENT.test(String(v))) throw new RangeError(`not a plain array element: ${typeof v}`);
  return `{${text}}`;
}
