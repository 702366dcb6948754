// `npm run cli -- <group> <command> ...`: the operator CLI (apps/cli) against the configured
// database: MIGRATE_DATABASE_URL or DATABASE_URL (the owner's, for the migrate step), or else the
// project-local server `npm start` uses (started for the command when it is not running, and
// stopped again). The CLI itself logs in as the apps do. Builds only when dist/ has no CLI yet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, ensureDatabase, ensureDependencies, log, migrate, ROOT } from './lib/setup.mjs';
import { startServices } from './lib/services.mjs';

const MAIN = path.join(ROOT, 'dist/apps/cli/src/main.js');

ensureDependencies();
if (!fs.existsSync(MAIN)) build();
const services = await startServices({ root: ROOT, log });
let status;
try {
  const databaseUrl =
    process.env.MIGRATE_DATABASE_URL || process.env.DATABASE_URL
      ? services.databaseUrl
      : await ensureDatabase(services.databaseUrl, 'healthcode');
  const appDatabaseUrl = migrate(databaseUrl);
  const env = { ...process.env };
  delete env.MIGRATE_DATABASE_URL;
  const r = spawnSync(process.execPath, [MAIN, ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...env, DATABASE_URL: appDatabaseUrl, REDIS_URL: services.redisUrl },
  });
  status = r.status ?? 1;
} finally {
  await services.stop();
}
process.exit(status);
