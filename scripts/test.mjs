// `npm test`: promtool checks of deploy/prometheus, the same set-up as `npm start`, then every
// test (unit, integration, end to end). The distributed tests run on a local Citus cluster started
// beside the single server (its extension built from the vendored source when missing).
// Tests make their own databases from a migrated template; never the one `npm start` uses.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runJest } from './lib/jest.mjs';
import { startCitus } from './lib/services.mjs';
import { appDatabaseUrl, ensureChromium, ensurePromtool, localSecrets, log, prepare, ROOT } from './lib/setup.mjs';

/**
 * The Prometheus configuration, the alert rules and their unit tests (deploy/prometheus): checked
 * first, as they need no build and no server, so a broken rule fails the run in a second.
 */
function checkPrometheus(promtool) {
  const dir = path.join(ROOT, 'deploy', 'prometheus');
  const rules = fs.readdirSync(path.join(dir, 'rules')).map((f) => path.join('rules', f));
  const checks = [
    ['check', 'config', 'prometheus.yml'],
    ['check', 'rules', ...rules.filter((f) => f.endsWith('.rules.yml'))],
    ['test', 'rules', ...rules.filter((f) => f.endsWith('.test.yml'))],
  ];
  for (const args of checks) {
    log(`promtool ${args.join(' ')}`);
    const r = spawnSync(promtool, args, { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) return false;
  }
  return true;
}

if (!checkPrometheus(await ensurePromtool())) {
  log('deploy/prometheus: promtool failed (above); no tests run');
  process.exit(1);
}
// The admin console's browser test needs Chromium; found or installed before anything starts.
const chromium = await ensureChromium();
const { services, databaseUrl, redisUrl } = await prepare({ database: 'postgres' });
let status;
let citus;
try {
  citus = await startCitus({ root: ROOT, log });
  log('running the tests (jest)');
  status = runJest({
    args: process.argv.slice(2),
    results: 'jest-results.json',
    env: {
      ...process.env,
      TEST_PG_SERVER_URL: databaseUrl,
      // The apps' own login on that server (test/support/global-setup.ts makes it).
      TEST_PG_APP_URL: appDatabaseUrl(databaseUrl),
      REDIS_URL: redisUrl,
      HC_JWT_SECRET: localSecrets().jwtSecret,
      HC_TEST_CHROMIUM: chromium,
      TEST_CITUS_COORDINATOR_URL: citus.coordinatorUrl,
      TEST_CITUS_WORKER_URLS: citus.workerUrls.join(','),
    },
  });
} finally {
  await citus?.stop();
  await services.stop();
}
process.exit(status);
