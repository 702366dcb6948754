// A database on the local Citus cluster: created on every node with the extension, and the
// workers added to the coordinator's metadata (Citus keeps its node list per database). Needs
// `pg`, so only after the dependencies are installed (setup.mjs, the tests).

import { databaseUrlFor } from './services.mjs';

const APP_ROLE = 'hc_app';

async function withClient(url, fn) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The app role on one node, able to log in with `password`: the apps act as it, and Citus opens
 * its connections to the workers as the current role (the password file of the nodes has it).
 * Roles belong to the server, not a database, so this is done on each node once.
 */
async function ensureAppRole(c, password) {
  const { rowCount } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolcanlogin', [APP_ROLE]);
  if (rowCount) return;
  const quoted = `'${password.replaceAll("'", "''")}'`;
  await c.query(`DO $$BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
      ALTER ROLE ${APP_ROLE} LOGIN PASSWORD ${quoted};
    ELSE
      CREATE ROLE ${APP_ROLE} LOGIN PASSWORD ${quoted};
    END IF;
  END$$`);
}

async function ensureDatabaseWithCitus(serverUrl, name, appPassword) {
  await withClient(databaseUrlFor(serverUrl, 'postgres'), async (c) => {
    if (appPassword) await ensureAppRole(c, appPassword);
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await c.query(`CREATE DATABASE "${name}"`);
  });
  await withClient(databaseUrlFor(serverUrl, name), (c) => c.query('CREATE EXTENSION IF NOT EXISTS citus'));
}

/**
 * Creates `name` on the coordinator and the workers (when missing), with the citus extension in
 * each, registers the coordinator and adds the workers. Answers the database's URL on the coordinator.
 * @param {{ coordinatorUrl: string, workerUrls: string[], name: string, appPassword?: string }} opts
 */
export async function ensureCitusDatabase({ coordinatorUrl, workerUrls, name, appPassword }) {
  for (const url of [...workerUrls, coordinatorUrl]) await ensureDatabaseWithCitus(url, name, appPassword);
  const url = databaseUrlFor(coordinatorUrl, name);
  await withClient(url, async (c) => {
    const nodes = new Set(
      (await c.query('SELECT nodename, nodeport FROM pg_dist_node')).rows.map((r) => `${r.nodename}:${r.nodeport}`),
    );
    const hostPort = (u) => {
      const { hostname, port } = new URL(u);
      return [hostname, Number(port)];
    };
    const [host, port] = hostPort(coordinatorUrl);
    if (!nodes.has(`${host}:${port}`)) await c.query('SELECT citus_set_coordinator_host($1, $2)', [host, port]);
    for (const w of workerUrls) {
      const [h, p] = hostPort(w);
      if (!nodes.has(`${h}:${p}`)) await c.query('SELECT citus_add_node($1, $2)', [h, p]);
    }
  });
  return url;
}

/** Drops `name` on every node (the coordinator first: it holds the metadata pointing at the workers). */
export async function dropCitusDatabase({ coordinatorUrl, workerUrls, name }) {
  for (const server of [coordinatorUrl, ...workerUrls])
    await withClient(databaseUrlFor(server, 'postgres'), (c) =>
      c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
}
