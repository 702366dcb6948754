// Set-up shared by `npm start`, `npm test` and `npm run bench`: dependencies, build, services,
// database, migrations. Node built-ins only until dependencies are installed.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { citusAppPassword, databaseUrlFor, ensureOsBinary, startServices } from './services.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const log = (msg) => console.error(`[setup] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** `npm ci` when node_modules is missing or older than the lock file. */
export function ensureDependencies() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  log('installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** One TypeScript build compiles apps, libs, tests and benchmarks into dist/. */
export function build() {
  log('building (tsc)');
  // A clean output: no compiled test or app left behind by a source file that was removed.
  fs.rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
}

const SECRETS = {
  jwtSecret: () => crypto.randomBytes(32).toString('hex'),
  adminPassword: () => crypto.randomBytes(12).toString('base64url'),
  appDbPassword: () => crypto.randomBytes(24).toString('hex'),
};

/**
 * Secrets for local runs, generated once and kept in the git-ignored .data folder (one missing
 * from an older file is added).
 */
export function localSecrets() {
  const file = path.join(ROOT, '.data', 'app-secrets.json');
  const secrets = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const missing = Object.keys(SECRETS).filter((k) => !secrets[k]);
  if (!missing.length) return secrets;
  for (const k of missing) secrets[k] = SECRETS[k]();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return secrets;
}

/** The apps' own database login in local runs (the migrate step creates it; libs/db/app-login.ts). */
export const LOCAL_APP_DB_LOGIN = 'hc_app_login';

/**
 * The URL the apps log in with, on the server and database of the owner's URL: DATABASE_URL as
 * given when MIGRATE_DATABASE_URL names the owner apart, else the local app login with its
 * generated password.
 */
export function appDatabaseUrl(ownerUrl) {
  if (process.env.MIGRATE_DATABASE_URL && process.env.DATABASE_URL) {
    const app = new URL(process.env.DATABASE_URL);
    app.pathname = new URL(ownerUrl).pathname;
    return app.toString();
  }
  const u = new URL(ownerUrl);
  u.username = LOCAL_APP_DB_LOGIN;
  u.password = localSecrets().appDbPassword;
  return u.toString();
}

/** Creates the database if it is missing (needs `pg`, so only after ensureDependencies). */
export async function ensureDatabase(serverUrl, name) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrlFor(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return databaseUrlFor(serverUrl, name);
}

/**
 * The browser of the admin console's test: headless Chromium from the OS packages (Debian's
 * `chromium`), installed with apt-get when missing and we are root. Returns its path.
 */
export function ensureChromium() {
  return ensureOsBinary({
    binary: 'chromium',
    names: ['chromium', 'chromium-browser'],
    pkg: 'chromium',
    dirs: ['/usr/bin', '/usr/local/bin', '/snap/bin'],
    label: 'browser',
    log,
    howTo:
      'The admin console test needs it: install it (Debian/Ubuntu: sudo apt-get install chromium) and run npm test again.',
  });
}

/**
 * promtool, which checks the Prometheus configuration and runs the alert rules' unit tests in
 * deploy/prometheus: from the OS packages (Debian's `prometheus` ships it), installed like Chromium.
 */
export function ensurePromtool() {
  return ensureOsBinary({
    binary: 'promtool',
    pkg: 'prometheus',
    dirs: ['/usr/bin', '/usr/local/bin'],
    label: 'promtool',
    log,
    howTo:
      'npm test checks deploy/prometheus with it: install it (Debian/Ubuntu: sudo apt-get install prometheus) and run npm test again.',
  });
}

/**
 * The migrate step, as the owner of `databaseUrl`'s database; it also makes `appUrl`'s user the
 * apps' login there. Returns the URL the apps log in with.
 */
export function migrate(databaseUrl, appUrl = appDatabaseUrl(databaseUrl)) {
  run(process.execPath, ['dist/libs/db/migrate.cli.js'], {
    env: { ...process.env, MIGRATE_DATABASE_URL: databaseUrl, DATABASE_URL: appUrl },
  });
  return appUrl;
}

/** HC_LOCAL_CITUS=1: the local Postgres is a Citus cluster (coordinator + 2 workers) instead of one server. */
export function localCitus() {
  const v = process.env.HC_LOCAL_CITUS ?? '';
  if (!['', '0', '1'].includes(v)) throw new Error(`HC_LOCAL_CITUS=${v}: expected 0 or 1`);
  return v === '1';
}

/** A database on the local Citus cluster (on every node, the workers added), created when missing. */
export async function ensureCitusDatabaseOn(services, name) {
  const { ensureCitusDatabase } = await import('./citus-database.mjs');
  return ensureCitusDatabase({
    coordinatorUrl: services.databaseUrl,
    workerUrls: services.workerUrls,
    name,
    appPassword: citusAppPassword(ROOT),
  });
}

/**
 * Everything before the apps run. `databaseUrl` is the owner's: MIGRATE_DATABASE_URL, else
 * DATABASE_URL, used as they are; otherwise the local server's (or with HC_LOCAL_CITUS=1 the local
 * Citus cluster's coordinator), with a database named `database`.
 */
export async function prepare({ database }) {
  ensureDependencies();
  build();
  const external = Boolean(process.env.MIGRATE_DATABASE_URL || process.env.DATABASE_URL);
  const citus = localCitus() && !external;
  const services = await startServices({ root: ROOT, log: (m) => log(m), citus });
  const databaseUrl = external
    ? services.databaseUrl
    : citus
      ? await ensureCitusDatabaseOn(services, database)
      : await ensureDatabase(services.databaseUrl, database);
  return { services, databaseUrl, redisUrl: services.redisUrl };
}
