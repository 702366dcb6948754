// Child processes and pids: a command run with its output captured, liveness (a zombie
// counts as dead), PATH lookups.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function pidAlive(pid) {
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
export function procName(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Linux: the process's cwd; null when unknown/unreadable. */
export function procCwd(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/**
 * Run a command, capture its output. Resolves on exit (does not wait for grandchildren that
 * might keep the pipes open, e.g. daemons). Rejects only if the command cannot be spawned.
 */
export function run(cmd, args, { cwd, env, user, timeoutMs = 10 * 60_000, input } = {}) {
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
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    if (input != null) child.stdin.end(input);
    const killTimer = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {}
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

export function cmdOutput(r) {
  return (r.stderr + r.stdout)
    .trim()
    .split('\n')
    .slice(-15)
    .map((l) => '    ' + l)
    .join('\n');
}

export function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function which(name, extraDirs = []) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const f = path.join(dir, name);
    if (isExecutable(f)) return f;
  }
  return null;
}

export function childEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  // These would redirect pg_ctl/initdb/postgres; we always pass explicit values.
  for (const k of ['PGDATA', 'PGPORT', 'PGHOST', 'PGUSER', 'PGDATABASE', 'PGOPTIONS']) delete env[k];
  return env;
}
