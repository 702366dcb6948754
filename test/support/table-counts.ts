import type { TestDatabase } from './databases.js';

/**
 * The number of rows of every table of the schema (partitioned tables once, through their
 * parent), for tests that prove a request wrote nothing anywhere.
 */
export async function tableCounts(db: TestDatabase): Promise<Record<string, number>> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  if (!tables.length) throw new Error('no tables found: is this a migrated test database?');
  const [counts] = await db.query<Record<string, string>>(
    `SELECT ${tables.map((t) => `(SELECT count(*) FROM "${t.name}") AS "${t.name}"`).join(', ')}`,
  );
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]));
}
