import { ensureAppLogin } from '#libs/db/app-login.js';
import { migrate } from '#libs/db/migrator.js';
import { dropLeftoverCitusDatabases } from './citus.js';
import { TEMPLATE_DB, appUrlFor, urlFor, withServer } from './databases.js';

/**
 * Runs once per `npm test`: builds the migrated template every test database is copied from,
 * makes the apps' login, and drops databases left behind by interrupted runs (on the Citus
 * cluster's nodes too).
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
  // As the migrate step does: the apps' own login, a member of hc_app (roles are the server's).
  await ensureAppLogin(urlFor(TEMPLATE_DB), appUrlFor(TEMPLATE_DB));
  await dropLeftoverCitusDatabases();
}
