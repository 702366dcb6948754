#!/usr/bin/env node
// node scripts/services-cli.mjs up [--citus]|down|status
//   up      start (or reuse) the project-local Postgres and Redis, print their URLs, leave them running
//   up --citus   the same with a Citus cluster (coordinator + 2 workers, .data/citus/) as Postgres;
//                builds the extension from the vendored source when the machine lacks it
//   down    stop the project-local servers, the Citus nodes too (pg_ctl stop + redis pidfile)
//   status  show what runs
// Progress goes to stderr; `up` prints DATABASE_URL=... and REDIS_URL=... on stdout.
// Node built-ins only (runs before `npm install`).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servicesStatus, startServices, stopLocalServices } from './lib/services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => console.error(msg);

async function main(cmd, ...flags) {
  switch (cmd) {
    case 'up': {
      const unknown = flags.filter((f) => f !== '--citus');
      if (unknown.length) {
        console.error(`unknown option ${unknown[0]}; usage: node scripts/services-cli.mjs up [--citus]`);
        return 2;
      }
      const s = await startServices({ root, log, citus: flags.includes('--citus') });
      console.log(`DATABASE_URL=${s.databaseUrl}`);
      console.log(`REDIS_URL=${s.redisUrl}`);
      if (s.workerUrls) console.log(`CITUS_WORKER_URLS=${s.workerUrls.join(',')}`);
      return 0;
    }
    case 'down':
      await stopLocalServices({ root, log });
      return 0;
    case 'status': {
      const st = await servicesStatus({ root });
      const pg = st.postgres;
      const r = st.redis;
      const ext = (name) => (process.env[name] ? ` (note: ${name} is set, so npm start/test use that instead)` : '');
      console.log(
        pg.running
          ? `postgres: running, pid ${pg.pid}, 127.0.0.1:${pg.port}, ${pg.state}${ext('DATABASE_URL')}`
          : `postgres: stopped (${pg.initialized ? `cluster initialized, PostgreSQL ${pg.version}` : 'no cluster yet'})${ext('DATABASE_URL')}`,
      );
      console.log(
        r.running
          ? `redis: running, pid ${r.pid ?? '?'}, 127.0.0.1:${r.port}, ${r.state}${ext('REDIS_URL')}`
          : `redis: stopped${ext('REDIS_URL')}`,
      );
      for (const n of st.citus.filter((c) => c.initialized || c.running))
        console.log(
          `citus ${n.node}: ${n.running ? `running, pid ${n.running.pid}, 127.0.0.1:${n.running.port}` : 'stopped'} (${n.dir})`,
        );
      console.log(`data: ${path.relative(process.cwd(), st.dataDir) || '.'}`);
      return 0;
    }
    default:
      console.error('usage: node scripts/services-cli.mjs up [--citus]|down|status');
      return 2;
  }
}

main(...process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
