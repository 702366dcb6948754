// The project-local Citus cluster: a coordinator and two workers on loopback, each a Postgres of
// its own under .data/citus/, with the extension built from the vendored source when missing.
//
//   .data/citus/coordinator/, worker1/, worker2/   the nodes' data folders
//   .data/citus/<node>.log                         their server logs
//   .data/citus/pgpass                             passwords the nodes use to reach each other
//
// Node built-ins only: forming the cluster per database needs `pg` and lives in ../citus-database.mjs.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureSecrets, paths, rel } from './files.mjs';
import { findPgBinaries } from './postgres-binaries.mjs';
import { runningPostgres, startPostgres, stopPostgres } from './postgres.mjs';
import { cmdOutput, isExecutable, isRoot, run } from './processes.mjs';
import { ensureOwnedFile, runUserFor } from './service-user.mjs';
import { DEFAULT_CITUS_PORT, HOST, envPort } from './settings.mjs';

export const CITUS_NODES = ['coordinator', 'worker1', 'worker2'];

/** The vendored source (README, build.sh, tarball), from the project folder unless HC_CITUS_SOURCE names one. */
export function citusSource(root) {
  return path.resolve(root, process.env.HC_CITUS_SOURCE || '../shared/vendor/citus');
}

/** Ports of the nodes: the coordinator's (HC_LOCAL_CITUS_PORT), the workers' the next two. */
export function citusPorts(base = envPort('HC_LOCAL_CITUS_PORT', DEFAULT_CITUS_PORT)) {
  if (base + CITUS_NODES.length - 1 > 65535)
    throw new Error(`HC_LOCAL_CITUS_PORT=${base} leaves no room for the workers`);
  return CITUS_NODES.map((_, i) => base + i);
}

export function nodePaths(root, node) {
  const p = paths(root);
  const dir = path.join(p.data, 'citus');
  return { ...p, citusDir: dir, pgDir: path.join(dir, node), pgLog: path.join(dir, `${node}.log`) };
}

/**
 * citus.so in the server's library folder: there already, or built and installed by the vendored
 * build.sh (root on Debian: it installs the build dependencies with apt-get). Takes 2-4 minutes.
 */
export async function ensureCitusExtension(root, bins, log) {
  const pgConfig = path.join(bins.bindir, 'pg_config');
  const config = isExecutable(pgConfig) ? pgConfig : `/usr/lib/postgresql/${bins.major}/bin/pg_config`;
  let libdir = path.join(path.dirname(bins.bindir), 'lib');
  if (isExecutable(config)) {
    const r = await run(config, ['--pkglibdir'], { timeoutMs: 20_000 });
    if (r.code === 0) libdir = r.stdout.trim();
  }
  if (fs.existsSync(path.join(libdir, 'citus.so'))) return;
  const source = citusSource(root);
  const script = path.join(source, 'build.sh');
  const howTo = `Install Citus for PostgreSQL ${bins.major} (its packages, https://docs.citusdata.com), or run ${script} as root.`;
  if (!isExecutable(script))
    throw new Error(`citus: not installed in ${libdir} and no build script at ${script}. ${howTo}`);
  if (!isRoot()) throw new Error(`citus: not installed in ${libdir}; building it needs root. ${howTo}`);
  log(`citus: not installed in ${libdir}; building it from ${source} (2-4 minutes)`);
  const started = Date.now();
  const r = await run('bash', [script, config], { cwd: source, timeoutMs: 30 * 60_000 });
  if (r.code !== 0) throw new Error(`citus: ${script} failed (exit ${r.code}):\n${cmdOutput(r)}`);
  log(`citus: built and installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** The settings every node runs with, beside the project's usual ones. */
const NODE_SETTINGS = [
  'shared_preload_libraries=citus',
  // A commit that wrote to several nodes is a two-phase commit: each worker prepares first.
  'max_prepared_transactions=200',
  // A prepared transaction left by a node that crashed mid-commit is finished within a second
  // (default: a minute): a 202 answered before the crash reads its pings soon after the restart.
  'citus.recover_2pc_interval=1s',
  // The coordinator keeps its connections to the workers (the apps' pools hold theirs anyway).
  'citus.max_cached_conns_per_worker=4',
];

/**
 * The password file the nodes' connections to each other read (libpq, PGPASSFILE): the superuser's
 * password and the app role's, both generated once in .data/secrets.json.
 */
function writePgpass(root, secrets, user) {
  const file = path.join(nodePaths(root, CITUS_NODES[0]).citusDir, 'pgpass');
  const esc = (s) => s.replace(/[\\:]/g, '\\$&');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(
    file,
    `${HOST}:*:*:postgres:${esc(secrets.postgresPassword)}\n${HOST}:*:*:hc_app:${esc(secrets.citusAppPassword)}\n`,
    { mode: 0o600 },
  );
  fs.chmodSync(file, 0o600);
  if (user) fs.chownSync(file, user.uid, user.gid);
  return file;
}

/** The app role's password on the cluster (the app acts as hc_app, and Citus reaches the workers as it). */
export function citusAppPassword(root) {
  const p = paths(root);
  const secrets = ensureSecrets(p);
  if (!secrets.citusAppPassword) {
    secrets.citusAppPassword = crypto.randomUUID().replaceAll('-', '');
    fs.writeFileSync(p.secrets, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  return secrets.citusAppPassword;
}

/**
 * Starts (or reuses) the three nodes. Answers their superuser URLs (to the `postgres` database)
 * and whether this call started any. `ports`: the nodes' ports (default citusPorts()).
 */
export async function startCitusCluster(root, log, { ports = citusPorts() } = {}) {
  const bins = await findPgBinaries(paths(root), log);
  await ensureCitusExtension(root, bins, log);
  citusAppPassword(root);
  const secrets = ensureSecrets(paths(root));
  const first = nodePaths(root, CITUS_NODES[0]);
  fs.mkdirSync(first.citusDir, { recursive: true, mode: 0o755 });
  const user = await runUserFor(first.citusDir, log);
  if (user && fs.statSync(first.citusDir).uid !== user.uid) fs.chownSync(first.citusDir, user.uid, user.gid);
  const pgpass = writePgpass(root, secrets, user);
  const nodes = [];
  for (const [i, node] of CITUS_NODES.entries()) {
    const p = nodePaths(root, node);
    ensureOwnedFile(p.pgLog, user);
    const r = await startPostgres(p, (m) => log(m.replace(/^postgres:/, `citus ${node}:`)), {
      port: ports[i],
      settings: NODE_SETTINGS,
      // HOME: libpq would read the client certificate of the user who ran this (e.g. /root/.postgresql).
      env: { PGPASSFILE: pgpass, HOME: first.citusDir },
    });
    nodes.push({ node, url: r.url, started: r.started, bindir: r.bindir, port: ports[i] });
  }
  return nodes;
}

/** Stops the nodes that run (workers first: the coordinator's maintenance keeps reaching them). */
export async function stopCitusCluster(root, log) {
  for (const node of [...CITUS_NODES].reverse()) {
    const p = nodePaths(root, node);
    if (!fs.existsSync(p.pgDir)) continue;
    await stopPostgres(p, (m) => log(m.replace(/^postgres:/, `citus ${node}:`)));
  }
}

/** Which nodes run, for `status`. */
export function citusStatus(root) {
  return CITUS_NODES.map((node) => {
    const p = nodePaths(root, node);
    const running = runningPostgres(p);
    return { node, dir: rel(p, p.pgDir), initialized: fs.existsSync(path.join(p.pgDir, 'PG_VERSION')), running };
  });
}
