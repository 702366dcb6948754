import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureAppLogin } from '#libs/db/app-login.js';
import { migrate } from '#libs/db/migrator.js';
import { freePort, ROOT } from './apps.js';
import { appUrlFor, openTestDatabase, type TestDatabase } from './databases.js';

interface Services {
  databaseUrl: string;
  stop: () => Promise<void>;
}

type StartServices = (opts: { root: string; log?: (m: string) => void }) => Promise<Services>;

/**
 * A Postgres server of the test's own (its own cluster in a temporary folder, started by the same
 * script as `npm start`), for tests that kill it: the server the other tests share must not die.
 */
export class OwnPostgres {
  private services: Services | null = null;

  private constructor(
    private readonly root: string,
    private readonly port: number,
  ) {}

  static async start(): Promise<OwnPostgres> {
    const server = new OwnPostgres(mkdtempSync(path.join(tmpdir(), 'hc-own-pg-')), await freePort());
    await server.restart();
    return server;
  }

  private async startServices(): Promise<Services> {
    const mod = (await import(path.join(ROOT, 'scripts/lib/services.mjs'))) as { startServices: StartServices };
    // The script reads its settings from the environment: a Redis URL so it starts no Redis, and our port.
    const saved = { port: process.env.HC_LOCAL_PG_PORT, db: process.env.DATABASE_URL };
    process.env.HC_LOCAL_PG_PORT = String(this.port);
    delete process.env.DATABASE_URL;
    try {
      return await mod.startServices({ root: this.root, log: () => undefined });
    } finally {
      if (saved.port === undefined) delete process.env.HC_LOCAL_PG_PORT;
      else process.env.HC_LOCAL_PG_PORT = saved.port;
      if (saved.db !== undefined) process.env.DATABASE_URL = saved.db;
    }
  }

  /** Starts it (again; after a kill, Postgres recovers from its write-ahead log). */
  async restart(): Promise<void> {
    this.services = await this.startServices();
  }

  /** A database on this server (created when missing), by the same code as `npm start`'s. */
  async database(name: string): Promise<string> {
    const setup = (await import(path.join(ROOT, 'scripts/lib/setup.mjs'))) as {
      ensureDatabase: (server: string, db: string) => Promise<string>;
    };
    return setup.ensureDatabase(this.services!.databaseUrl, name);
  }

  /**
   * A migrated database on this server with the apps' login, as the tests' own (dropped with the
   * server by `destroy`).
   */
  async testDatabase(name: string): Promise<TestDatabase> {
    const url = await this.database(name);
    const appUrl = appUrlFor(name, url);
    await migrate(url);
    await ensureAppLogin(url, appUrl);
    return openTestDatabase(name, url, appUrl, async () => undefined);
  }

  /** kill -9 of the postmaster: no shutdown, no checkpoint. */
  killHard(): void {
    const pid = Number(readFileSync(path.join(this.root, '.data/pg/postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.services?.stop().catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
  }
}
