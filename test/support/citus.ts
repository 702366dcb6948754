import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ensureAppLogin } from '#libs/db/app-login.js';
import { migrate } from '#libs/db/migrator.js';
import { freePort, ROOT } from './apps.js';
import { appUrlFor, openTestDatabase, withDatabaseClient, type TestDatabase } from './databases.js';

/** A Citus cluster's nodes: superuser URLs of the coordinator and the workers (to their `postgres` database). */
export interface CitusNodes {
  coordinatorUrl: string;
  workerUrls: string[];
}

interface CitusDatabaseModule {
  ensureCitusDatabase: (opts: CitusNodes & { name: string; appPassword?: string }) => Promise<string>;
  dropCitusDatabase: (opts: CitusNodes & { name: string }) => Promise<void>;
}
interface ServicesModule {
  startCitus: (opts: {
    root: string;
    log?: (m: string) => void;
    ports?: number[];
  }) => Promise<CitusNodes & { stop: () => Promise<void> }>;
  citusAppPassword: (root: string) => string;
  stopLocalServices: (opts: { root: string; log?: (m: string) => void }) => Promise<void>;
}

// Imported one after the other: two imports at once of modules sharing built-ins fail in Jest's ESM loader.
const scripts = {
  citusDatabase: () => import(path.join(ROOT, 'scripts/lib/citus-database.mjs')) as Promise<CitusDatabaseModule>,
  services: () => import(path.join(ROOT, 'scripts/lib/services.mjs')) as Promise<ServicesModule>,
};

/** The run's Citus cluster (started by `npm test` beside the single server). */
export function citusNodes(): CitusNodes {
  const coordinatorUrl = process.env.TEST_CITUS_COORDINATOR_URL;
  const workers = process.env.TEST_CITUS_WORKER_URLS;
  if (!coordinatorUrl || !workers)
    throw new Error('TEST_CITUS_COORDINATOR_URL / TEST_CITUS_WORKER_URLS are not set: run the tests with `npm test`');
  return { coordinatorUrl, workerUrls: workers.split(',') };
}

/** A connection to one node's database `db`. */
export function withNode<T>(serverUrl: string, db: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(serverUrl);
  u.pathname = `/${db}`;
  return withDatabaseClient({ url: u.toString() }, fn);
}

/**
 * A fresh migrated database of its own on a Citus cluster (every node, the workers added, the
 * migrations' Citus step applied): a template copy would copy the coordinator's metadata without
 * the workers' shards.
 */
export async function createCitusTestDatabase(label: string, nodes: CitusNodes = citusNodes()): Promise<TestDatabase> {
  const name = `hc_test_citus_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  const services = await scripts.services();
  const db = await scripts.citusDatabase();
  const url = await db.ensureCitusDatabase({ ...nodes, name, appPassword: services.citusAppPassword(ROOT) });
  return migrated(name, url, nodes.coordinatorUrl, () => db.dropCitusDatabase({ ...nodes, name }));
}

/** Migrated as its owner, and the apps' own login made on the coordinator, as the migrate step does. */
async function migrated(
  name: string,
  url: string,
  coordinatorUrl: string,
  remove: () => Promise<unknown>,
): Promise<TestDatabase> {
  await migrate(url);
  const appUrl = appUrlFor(name, coordinatorUrl);
  await ensureAppLogin(url, appUrl);
  return openTestDatabase(name, url, appUrl, remove);
}

/** Drops the test databases interrupted runs left on every node of the cluster. */
export async function dropLeftoverCitusDatabases(nodes: CitusNodes = citusNodes()): Promise<void> {
  for (const server of [nodes.coordinatorUrl, ...nodes.workerUrls]) {
    await withNode(server, 'postgres', async (c) => {
      const { rows } = await c.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE 'hc\\_test\\_%'`,
      );
      for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    });
  }
}

/**
 * A Citus cluster of the test's own (three nodes in a temporary folder on free ports, started by
 * the same script as `npm start`), for tests that kill a node: the run's cluster must not die.
 */
export class OwnCitus {
  private nodes: CitusNodes | null = null;

  private constructor(
    private readonly root: string,
    private readonly ports: number[],
  ) {}

  static async start(): Promise<OwnCitus> {
    const ports = [await freePort(), await freePort(), await freePort()];
    const cluster = new OwnCitus(mkdtempSync(path.join(tmpdir(), 'hc-own-citus-')), ports);
    await cluster.restart();
    return cluster;
  }

  /** Starts the nodes that are not running (after a kill, a node recovers from its write-ahead log). */
  async restart(): Promise<void> {
    const services = await scripts.services();
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      this.nodes = await services.startCitus({ root: this.root, log: () => undefined, ports: this.ports });
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  }

  /** A migrated database on this cluster (dropped with the cluster by `destroy`). */
  async testDatabase(label: string): Promise<TestDatabase> {
    const services = await scripts.services();
    const db = await scripts.citusDatabase();
    const name = `hc_test_${label}`;
    const url = await db.ensureCitusDatabase({
      ...this.nodes!,
      name,
      appPassword: services.citusAppPassword(this.root),
    });
    return migrated(name, url, this.nodes!.coordinatorUrl, async () => undefined);
  }

  /** kill -9 of a worker's postmaster (1 or 2): no shutdown, no checkpoint. */
  killWorker(n: 1 | 2): void {
    const pidFile = path.join(this.root, '.data/citus', `worker${n}`, 'postmaster.pid');
    process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
  }

  /** Stops every node (whoever started it) and removes the cluster's folder. */
  async destroy(): Promise<void> {
    const services = await scripts.services();
    await services.stopLocalServices({ root: this.root, log: () => undefined }).catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
  }
}
