#!/usr/bin/env node
// node scripts/services-cli.mjs up|down|status
//   up      start (or reuse) the project-local Postgres and Redis, print their URLs, leave them running
//   down    stop the project-local servers (works from any process: pg_ctl stop + redis pidfile)
//   status  show what runs
// Progress goes to stderr; `up` prints DATABASE_URL=... and REDIS_URL=... on stdout.
// Node built-ins only (runs before `npm install`).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servicesStatus, startServices, stopLocalServices } from './lib/services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => console.error(msg);

async function main(cmd) {
  switch (cmd) {
    case 'up': {
      const s = await startServices({ root, log });
      console.log(`DATABASE_URL=${s.databaseUrl}`);
      console.log(`REDIS_URL=${s.redisUrl}`);
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
      console.log(`data: ${path.relative(process.cwd(), st.dataDir) || '.'}`);
      return 0;
    }
    default:
      console.error('usage: node scripts/services-cli.mjs up|down|status');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  },
);
