// The project-local Postgres: started (initdb on first use) or reused, probed, stopped.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureSecrets, readText, rel, tail } from './files.mjs';
import { findPgBinaries, pgBinsIn } from './postgres-binaries.mjs';
import { childEnv, cmdOutput, pidAlive, procCwd, procName, run, sleep } from './processes.mjs';
import { chownR, ensureOwnedFile, ensureTraversable, runUserFor } from './service-user.mjs';
import { tcpExchange } from './tcp-exchange.mjs';
import { DEFAULT_PG_PORT, HOST, envPort } from './settings.mjs';

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
export function runningPostgres(p, log) {
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
    log(
      `postgres: removing stale ${rel(p, path.join(p.pgDir, 'postmaster.pid'))} (pid ${info.pid} is not a running postgres: earlier crash or kill)`,
    );
    try {
      fs.unlinkSync(path.join(p.pgDir, 'postmaster.pid'));
    } catch {}
  }
  return null;
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
export function pgProbe(port, timeoutMs = 3000) {
  return tcpExchange(port, PG_STARTUP, pgAnswer, (connected) => (connected ? 'unknown' : 'down'), timeoutMs);
}

/** The probe's state from the server's first message; undefined until it is complete. */
function pgAnswer(buf) {
  const type = String.fromCharCode(buf[0]);
  if (type === 'R' || type === 'v') return 'ready';
  if (type !== 'E') return 'foreign';
  if (buf.length < 5) return undefined;
  const len = buf.readInt32BE(1);
  if (len < 4 || len > 65536) return 'foreign';
  if (buf.length < 1 + len) return undefined;
  let code = null;
  for (let i = 5; i < 1 + len && buf[i] !== 0;) {
    const field = String.fromCharCode(buf[i]);
    const end = buf.indexOf(0, i + 1);
    if (end < 0) break;
    if (field === 'C') code = buf.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return code === '57P03' ? 'starting' : 'ready';
}

async function waitPgReady(p, port, { timeoutMs, pid }) {
  const deadline = Date.now() + timeoutMs;
  let last = 'down';
  while (Date.now() < deadline) {
    last = await pgProbe(port);
    if (last === 'ready') return;
    if (last === 'foreign') break;
    if (pid && !pidAlive(pid)) {
      throw new Error(
        `postgres: the server (pid ${pid}) exited while starting. Last lines of ${p.pgLog}:\n${tail(p.pgLog)}`,
      );
    }
    await sleep(200);
  }
  throw new Error(
    `postgres: not accepting connections on ${HOST}:${port} after ${Math.round(timeoutMs / 1000)}s (last probe: ${last}). See ${p.pgLog}:\n${tail(p.pgLog)}`,
  );
}

/**
 * Starts (initdb on first use) or reuses the server of `p.pgDir`. `opts.port` (default:
 * HC_LOCAL_PG_PORT), `opts.settings`: more `-c name=value` settings, `opts.env`: more environment
 * for the server process (e.g. PGPASSFILE for the connections a Citus node opens to the others).
 */
export async function startPostgres(p, log, opts = {}) {
  const port = opts.port ?? envPort('HC_LOCAL_PG_PORT', DEFAULT_PG_PORT);
  const { postgresPassword } = ensureSecrets(p);

  // Reuse a server from an earlier run.
  const running = runningPostgres(p, log);
  if (running) {
    const rport = running.port || port;
    if (rport !== port)
      log(
        `postgres: note: the running project server listens on ${rport}, not ${port}; using it (run 'down' to move it)`,
      );
    log(`postgres: reusing the project-local server already running (pid ${running.pid}, ${HOST}:${rport})`);
    await waitPgReady(p, rport, { timeoutMs: 300_000, pid: running.pid });
    return { url: pgUrl(postgresPassword, rport), started: false };
  }

  const probe = await pgProbe(port, 2000);
  if (probe !== 'down') {
    throw new Error(
      `postgres: ${HOST}:${port} is already in use by another program (${probe === 'foreign' ? 'not Postgres' : probe === 'unknown' ? 'it accepts connections but does not answer as Postgres' : `a Postgres that is not ${rel(p, p.pgDir)}`}). Stop it, set HC_LOCAL_PG_PORT to a free port, or set DATABASE_URL.`,
    );
  }

  const bins = await findPgBinaries(p, log);
  const user = await runUserFor(p.pgDir, log);
  const initialized = fs.existsSync(path.join(p.pgDir, 'PG_VERSION'));

  if (!initialized) {
    if (fs.existsSync(p.pgDir) && fs.readdirSync(p.pgDir).length > 0) {
      const aside = `${p.pgDir}.incomplete-${Date.now()}`;
      log(
        `postgres: ${rel(p, p.pgDir)} has files but no PG_VERSION (interrupted initdb?); moving it to ${rel(p, aside)}`,
      );
      fs.renameSync(p.pgDir, aside);
    }
    fs.mkdirSync(p.pgDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(p.pgDir, 0o700);
    if (user) {
      fs.chownSync(p.pgDir, user.uid, user.gid);
      ensureTraversable(p.pgDir, user, log);
    }
    log(
      `postgres: initdb ${rel(p, p.pgDir)} (PostgreSQL ${bins.major} from ${bins.source}${user ? `, as user '${user.name}'` : ''})`,
    );
    const pwFile = path.join(p.data, `.initdb-pw-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    fs.writeFileSync(pwFile, postgresPassword + '\n', { mode: 0o600 });
    try {
      if (user) fs.chownSync(pwFile, user.uid, user.gid);
      const r = await run(
        bins.initdb,
        [
          '-D',
          p.pgDir,
          '-U',
          'postgres',
          `--pwfile=${pwFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--data-checksums',
        ],
        { cwd: p.pgDir, user, env: childEnv({ LC_ALL: 'C', LANG: 'C' }), timeoutMs: 5 * 60_000 },
      );
      if (r.code !== 0) throw new Error(`postgres: initdb failed (exit ${r.code}):\n${cmdOutput(r)}`);
    } finally {
      try {
        fs.unlinkSync(pwFile);
      } catch {}
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
  const serverOpts = [
    `-p ${port}`,
    `-c listen_addresses=${HOST}`,
    `-c "unix_socket_directories="`,
    '-c max_connections=200',
    '-c shared_buffers=256MB',
    // Data on SSD, mostly cached: a random page costs about what a sequential one does. With the
    // default 4, a window's trace updated a few thousand codes through a scan of every code.
    '-c random_page_cost=1.1',
    // The ping stream writes WAL at tens of MB/s: with the default 1GB, checkpoints came every 3-10 s
    // in the ingest bench (Postgres's log: "checkpoints are occurring too frequently"), each
    // followed by full-page images. Checkpoints by time instead, as a write-heavy server is set up.
    '-c max_wal_size=8GB',
    '-c checkpoint_timeout=15min',
    '-c fsync=on',
    '-c synchronous_commit=on',
    '-c full_page_writes=on',
    ...(opts.settings ?? []).map((kv) => `-c ${kv}`),
  ].join(' ');
  const r = await run(bins.pg_ctl, ['start', '-w', '-t', '300', '-D', p.pgDir, '-l', p.pgLog, '-o', serverOpts], {
    cwd: p.pgDir,
    user,
    env: childEnv({ LC_ALL: 'C', LANG: 'C', ...opts.env }),
    timeoutMs: 330_000,
  });
  if (r.code !== 0) {
    throw new Error(
      `postgres: pg_ctl start failed (exit ${r.code}):\n${cmdOutput(r)}\n  Last lines of ${p.pgLog}:\n${tail(p.pgLog)}`,
    );
  }
  const info = readPostmasterPid(p);
  await waitPgReady(p, port, { timeoutMs: 60_000, pid: info?.pid });
  log(`postgres: ready on ${HOST}:${port}${info ? ` (pid ${info.pid})` : ''}`);
  return { url: pgUrl(postgresPassword, port), started: true, bindir: bins.bindir };
}

export async function stopPostgres(p, log, bindir) {
  const running = runningPostgres(p, null);
  if (!running) {
    log('postgres: not running');
    return;
  }
  log(`postgres: stopping the project-local server (pid ${running.pid}, fast shutdown)`);
  let bins = bindir ? pgBinsIn(bindir) : null;
  if (!bins) {
    try {
      bins = await findPgBinaries(p, log, { install: false });
    } catch {
      bins = null;
    }
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
    if (Date.now() > deadline)
      throw new Error(`postgres: pid ${running.pid} still running 120s after the stop request; see ${p.pgLog}`);
    await sleep(100);
  }
  log('postgres: stopped');
}
