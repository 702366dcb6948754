import pg from 'pg';
import { loadConfig } from '#libs/config/index.js';
import { ensureAppLogin } from './app-login.js';
import { migrate } from './migrator.js';
import { utcDayRange } from './partitions.js';

/**
 * One-shot step run before the apps start, as the schema owner (MIGRATE_DATABASE_URL, else
 * DATABASE_URL): migrations, ping partitions for today's range, then DATABASE_URL's user made the
 * apps' own login (libs/db/app-login.ts).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const ownerUrl = config.migrateDatabaseUrl;
  const applied = await migrate(ownerUrl);
  console.log(applied.length ? `migrate: applied ${applied.join(', ')}` : 'migrate: schema is up to date');
  const now = Date.now();
  const days = utcDayRange(now - (config.retentionDays + 1) * 86_400_000, now + 2 * 86_400_000);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('SELECT hc_ensure_ping_partition(d::date) FROM unnest($1::text[]) d', [days]);
  } finally {
    await client.end();
  }
  console.log(`migrate: ping partitions ready for ${days[0]} .. ${days[days.length - 1]}`);
  if (ownerUrl === config.databaseUrl) {
    console.warn(
      'migrate: MIGRATE_DATABASE_URL is unset, so DATABASE_URL is the owner: the apps refuse to start on it (docs/deployment.md, Database logins)',
    );
    return;
  }
  await ensureAppLogin(ownerUrl, config.databaseUrl);
  console.log(`migrate: the apps log in as "${decodeURIComponent(new URL(config.databaseUrl).username)}"`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
