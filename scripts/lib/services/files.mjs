// The files under .data/: their paths, the generated secrets, and the lock that serialises
// starting and stopping.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pidAlive, sleep } from './processes.mjs';

export function paths(root) {
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

export function rel(p, file) {
  return path.relative(p.root, file) || '.';
}

export function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

export function tail(file, lines = 15) {
  const text = readText(file);
  if (!text) return '';
  return text
    .split('\n')
    .slice(-lines)
    .map((l) => '    ' + l)
    .join('\n');
}

export function ensureSecrets(p) {
  let secrets = {};
  if (fs.existsSync(p.secrets)) {
    try {
      secrets = JSON.parse(fs.readFileSync(p.secrets, 'utf8'));
    } catch (err) {
      throw new Error(`${p.secrets} is not valid JSON (${err.message}); fix it or delete it together with .data/pg`, {
        cause: err,
      });
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

export async function withLock(p, log, fn) {
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
      let holder;
      let ageMs;
      try {
        holder = parseInt(fs.readFileSync(p.lock, 'utf8'), 10);
        ageMs = Date.now() - fs.statSync(p.lock).mtimeMs;
      } catch {
        continue; // vanished meanwhile
      }
      const stale = Number.isFinite(holder) ? !pidAlive(holder) : ageMs > 10_000;
      if (stale) {
        try {
          fs.unlinkSync(p.lock);
        } catch {}
        continue;
      }
      if (!announced) {
        log(`services: waiting for another process (pid ${holder}) that is starting/stopping the services`);
        announced = true;
      }
      // eslint-disable-next-line preserve-caught-error -- the caught EEXIST is expected; this is the timeout
      if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${p.lock} held by pid ${holder}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    try {
      fs.unlinkSync(p.lock);
    } catch {}
  }
}
