import pg from 'pg';
import { loadConfig } from '#libs/config/index.js';
import { migrate } from './migrator.js';
import { utcDayRange } from './partitions.js';

/** One-shot step run before the apps start: migrations, then ping partitions for today's range. */
async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await migrate(config.databaseUrl);
  console.log(applied.length ? `migrate: applied ${applied.join(', ')}` : 'migrate: schema is up to date');
  const now = Date.now();
  const days = utcDayRange(now - (config.retentionDays + 1) * 86_400_000, now + 2 * 86_400_000);
  const client = new pg.Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT hc_ensure_ping_partition(d::date) FROM unnest($1::text[]) d', [days]);
  } finally {
    await client.end();
  }
  console.log(`migrate: ping partitions ready for ${days[0]} .. ${days[days.length - 1]}`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
