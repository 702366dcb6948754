// Root only: the unprivileged user the servers run as (initdb refuses root), and the
// ownership of their files.

import fs from 'node:fs';
import path from 'node:path';
import { readText } from './files.mjs';
import { cmdOutput, isRoot, run, which } from './processes.mjs';
import { DEFAULT_SERVICE_USER } from './settings.mjs';

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
      const nologin =
        ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false'].find((f) => fs.existsSync(f)) || '/bin/false';
      const r = await run(useradd, [
        '--system',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        nologin,
        '--user-group',
        name,
      ]);
      if (r.code === 0) log(`services: created system user '${name}' to run the servers (initdb refuses root)`);
      else log(`services: useradd ${name} failed (${cmdOutput(r).trim()}); falling back to 'nobody'`);
      u = passwdEntry(name);
    }
  }
  if (!u) u = passwdEntry('nobody');
  if (!u)
    throw new Error(
      `running as root but no unprivileged user is available to run Postgres: create one (useradd --system ${name}) or run as a normal user`,
    );
  if (u.uid === 0) throw new Error(`user '${u.name}' has uid 0; HC_SERVICES_USER must name an unprivileged user`);
  cachedServiceUser = u;
  return u;
}

/**
 * Root only: which user runs the server owning `dir`. An existing dir owned by a non-root
 * user keeps its owner (e.g. created by a developer without root); otherwise the service user.
 */
export async function runUserFor(dir, log) {
  if (!isRoot()) return null;
  try {
    const st = fs.statSync(dir);
    if (st.uid !== 0) return passwdByUid(st.uid) || { name: String(st.uid), uid: st.uid, gid: st.gid };
  } catch {}
  return serviceUser(log);
}

export function chownR(target, user) {
  const st = fs.lstatSync(target);
  if (st.uid !== user.uid || st.gid !== user.gid) fs.lchownSync(target, user.uid, user.gid);
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(target)) chownR(path.join(target, e), user);
  }
}

/** Make sure `user` can traverse every ancestor of `dir` (o+x where missing). Root only. */
export function ensureTraversable(dir, user, log) {
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
  if (fixes.length)
    log(`services: added o+x (traverse only) to ${fixes.join(', ')} so '${user.name}' can reach ${dir}`);
}

export function ensureOwnedFile(file, user) {
  fs.closeSync(fs.openSync(file, 'a', 0o640));
  if (user) fs.chownSync(file, user.uid, user.gid);
}
