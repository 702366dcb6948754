// `npm start`: set-up, migrations once, then api, ingest and batch until Ctrl-C.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { log, localSecrets, migrate, prepare, ROOT } from './lib/setup.mjs';

const APPS = [
  { name: 'api', portVar: 'API_PORT', port: 3000, metricsPort: 9464 },
  { name: 'ingest', portVar: 'INGEST_PORT', port: 3001, metricsPort: 9465 },
  { name: 'batch', portVar: 'BATCH_PORT', port: 3002, metricsPort: 9466 },
];

// V8 flags per app (package.json "appNodeArgs"; docker-compose.yml repeats them).
const nodeArgs = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).appNodeArgs ?? {};

const { services, databaseUrl, redisUrl } = await prepare({ database: 'healthcode' });
// Migrations as the owner; the apps on their own login, without the owner's URL.
const appDatabaseUrl = migrate(databaseUrl);

const secrets = localSecrets();
const appEnv = { ...process.env };
delete appEnv.MIGRATE_DATABASE_URL;
const env = {
  ...appEnv,
  DATABASE_URL: appDatabaseUrl,
  REDIS_URL: redisUrl,
  HC_JWT_SECRET: process.env.HC_JWT_SECRET || secrets.jwtSecret,
  HC_ADMIN_PASSWORD: process.env.HC_ADMIN_PASSWORD || secrets.adminPassword,
  // Readable lines for a person at a terminal; JSON lines for anything reading them (CI, a pipe,
  // a file). An explicit LOG_FORMAT wins.
  LOG_FORMAT: process.env.LOG_FORMAT || (process.stdout.isTTY ? 'pretty' : 'json'),
};

const children = APPS.map((app) => {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', ...(nodeArgs[app.name] ?? []), `dist/apps/${app.name}/src/main.js`],
    { cwd: ROOT, env, stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${app.name} exited (${code ?? signal}); stopping everything`);
      void shutdown(1);
    }
  });
  return child;
});

const port = (app) => process.env[app.portVar] || app.port;
const metricsPort = (app) => process.env[app.portVar.replace('PORT', 'METRICS_PORT')] || app.metricsPort;
log('the system is starting:');
for (const app of APPS)
  log(
    `  ${app.name.padEnd(6)} http://localhost:${port(app)}  (ready: /health/ready; metrics: ${process.env.HC_METRICS_HOST || '127.0.0.1'}:${metricsPort(app)}/metrics)`,
  );
log(`  OpenAPI http://localhost:${port(APPS[0])}/docs, http://localhost:${port(APPS[1])}/docs`);
log(
  `  first admin: ${env.HC_ADMIN_USERNAME || 'admin'} / ${process.env.HC_ADMIN_PASSWORD ? '(HC_ADMIN_PASSWORD)' : env.HC_ADMIN_PASSWORD}`,
);
log('Ctrl-C stops the apps and the servers this command started.');

let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping the apps');
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', resolve);
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  await services.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
