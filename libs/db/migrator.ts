import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/** The folder of hand-written SQL migrations (this file runs from dist/libs/db/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

// Any constant works; it only has to be the same for every process that migrates.
const MIGRATION_LOCK = 72_707_001;

/** Whether the database runs the Citus extension (docs/deployment.md, "Distributed"). */
export async function hasCitus(client: pg.ClientBase): Promise<boolean> {
  return (await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)).rowCount === 1;
}

/**
 * Applies every migration file not yet recorded, each in its own transaction, under an advisory
 * lock so that several processes starting together apply each file exactly once.
 * Returns the names of the files it applied.
 */
export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name),
    );
    const citus = await hasCitus(client);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
    const applied: string[] = [];
    for (const file of files.filter((f) => !done.has(f))) {
      const sql = await readFile(`${dir}/${file}`, 'utf8');
      await client.query('BEGIN');
      try {
        // On Citus, functions and types a migration creates stay on the coordinator, where the apps
        // call them (propagated, a function refuses ALTER ... SET ... FROM CURRENT); tables are
        // distributed by the migrations' Citus step, and DDL on them still reaches every node.
        if (citus) await client.query('SET LOCAL citus.create_object_propagation TO deferred');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
