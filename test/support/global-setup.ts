import { migrate } from '#libs/db/migrator.js';
import { dropLeftoverCitusDatabases } from './citus.js';
import { TEMPLATE_DB, urlFor, withServer } from './databases.js';

/**
 * Runs once per `npm test`: builds the migrated template every test database is copied from,
 * and drops databases left behind by interrupted runs (on the Citus cluster's nodes too).
 */
export default async function globalSetup(): Promise<void> {
  await withServer(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'hc\\_test\\_%'`,
    );
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  });
  await migrate(urlFor(TEMPLATE_DB));
  await dropLeftoverCitusDatabases();
}
