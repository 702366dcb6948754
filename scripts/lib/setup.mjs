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

/** Secrets for local runs, generated once and kept in the git-ignored .data folder. */
export function localSecrets() {
  const file = path.join(ROOT, '.data', 'app-secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const secrets = {
    jwtSecret: crypto.randomBytes(32).toString('hex'),
    adminPassword: crypto.randomBytes(12).toString('base64url'),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
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

export function migrate(databaseUrl) {
  run(process.execPath, ['dist/libs/db/migrate.cli.js'], { env: { ...process.env, DATABASE_URL: databaseUrl } });
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
 * Everything before the apps run. With DATABASE_URL set, that database is used as it is;
 * otherwise the local server (or with HC_LOCAL_CITUS=1 the local Citus cluster) gets a database
 * named `database`.
 */
export async function prepare({ database }) {
  ensureDependencies();
  build();
  const citus = localCitus() && !process.env.DATABASE_URL;
  const services = await startServices({ root: ROOT, log: (m) => log(m), citus });
  const databaseUrl = process.env.DATABASE_URL
    ? services.databaseUrl
    : citus
      ? await ensureCitusDatabaseOn(services, database)
      : await ensureDatabase(services.databaseUrl, database);
  return { services, databaseUrl, redisUrl: services.redisUrl };
}
