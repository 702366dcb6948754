// The project-local Redis: started or reused (also when its pidfile was lost), stopped.

import fs from 'node:fs';
import { readText, rel, tail } from './files.mjs';
import { ensureOsBinary } from './os-package.mjs';
import { cmdOutput, pidAlive, procName, run, sleep } from './processes.mjs';
import { redisCommand, redisDirOf, redisPing } from './redis-protocol.mjs';
import { chownR, ensureOwnedFile, ensureTraversable, runUserFor } from './service-user.mjs';
import { DEFAULT_REDIS_PORT, HOST, envPort } from './settings.mjs';

export function readRedisPort(p) {
  const n = parseInt(readText(p.redisPortFile) || '', 10);
  return Number.isInteger(n) ? n : null;
}

/** Our redis (from the pidfile) if alive, else null (removes a stale pidfile). */
export function runningRedis(p, log) {
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
    try {
      fs.unlinkSync(p.redisPid);
    } catch {}
  }
  return null;
}

const REDIS_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/opt/homebrew/bin', '/usr/local/sbin'];

export async function ensureRedisServer(log) {
  return ensureOsBinary({
    binary: 'redis-server',
    pkg: 'redis-server',
    dirs: REDIS_DIRS,
    label: 'redis',
    log,
    howTo:
      'Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to an existing Redis.',
  });
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
      throw new Error(
        `redis: the server (pid ${sawPid}) exited while starting. Last lines of ${p.redisLog}:\n${tail(p.redisLog)}`,
      );
    }
    await sleep(100);
  }
  throw new Error(
    `redis: not answering PING on ${HOST}:${port} (last: ${last}). See ${p.redisLog}:\n${tail(p.redisLog)}`,
  );
}

export async function startRedis(p, log) {
  const port = envPort('HC_LOCAL_REDIS_PORT', DEFAULT_REDIS_PORT);
  const url = (prt) => `redis://${HOST}:${prt}`;

  const running = runningRedis(p, log);
  if (running) {
    const rport = readRedisPort(p) ?? port;
    if (rport !== port)
      log(`redis: note: the running project server listens on ${rport}, not ${port}; using it (run 'down' to move it)`);
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
    throw new Error(
      `redis: ${HOST}:${port} is already in use by another program (${dir ? `a Redis with dir ${dir}` : ping.state === 'foreign' ? 'not Redis' : `a Redis (${ping.state})`}). Stop it, set HC_LOCAL_REDIS_PORT to a free port, or set REDIS_URL.`,
    );
  }

  const bin = await ensureRedisServer(log);
  fs.mkdirSync(p.redisDir, { recursive: true, mode: 0o750 });
  const user = await runUserFor(p.redisDir, log);
  if (user) {
    if (fs.statSync(p.redisDir).uid !== user.uid) chownR(p.redisDir, user);
    ensureTraversable(p.redisDir, user, log);
  }
  ensureOwnedFile(p.redisLog, user);
  try {
    fs.unlinkSync(p.redisPid);
  } catch {}

  log(
    `redis: starting project-local server on ${HOST}:${port} (data ${rel(p, p.redisDir)}, log ${rel(p, p.redisLog)})`,
  );
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--protected-mode',
    'yes',
    '--dir',
    p.redisDir,
    '--maxmemory-policy',
    'noeviction',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--daemonize',
    'yes',
    '--pidfile',
    p.redisPid,
    '--logfile',
    p.redisLog,
  ];
  const r = await run(bin, args, { cwd: p.redisDir, user, timeoutMs: 60_000 });
  if (r.code !== 0) {
    throw new Error(
      `redis: redis-server exited ${r.code}:\n${cmdOutput(r)}\n  Last lines of ${p.redisLog}:\n${tail(p.redisLog)}`,
    );
  }
  await waitRedisReady(p, port, {});
  fs.writeFileSync(p.redisPortFile, `${port}\n`);
  const pid = parseInt(readText(p.redisPid) || '', 10);
  log(`redis: ready on ${HOST}:${port}${Number.isInteger(pid) ? ` (pid ${pid})` : ''}`);
  return { url: url(port), started: true };
}

export async function stopRedis(p, log) {
  const running = runningRedis(p, null);
  const port = readRedisPort(p);
  if (!running) {
    // Pidfile gone but our redis may still answer on its port (verified through its dir).
    if (
      port &&
      (await redisPing(port)).state === 'ready' &&
      fs.existsSync(p.redisDir) &&
      (await redisDirOf(port)) === fs.realpathSync(p.redisDir)
    ) {
      log(`redis: stopping the project-local server on ${HOST}:${port} (SHUTDOWN)`);
      await redisCommand(port, ['SHUTDOWN'], 60_000);
      const deadline = Date.now() + 60_000;
      while ((await redisPing(port)).state !== 'down') {
        if (Date.now() > deadline)
          throw new Error(`redis: still answering on ${port} 60s after SHUTDOWN; see ${p.redisLog}`);
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
    if (Date.now() > deadline)
      throw new Error(`redis: pid ${running.pid} still running 60s after the stop request; see ${p.redisLog}`);
    await sleep(100);
  }
  log('redis: stopped');
}
