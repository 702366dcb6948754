import { readFileSync } from 'node:fs';
import pg from 'pg';

/** Runs `fn` with a fresh connection to `databaseUrl`, closed afterwards. */
export async function withClient<T>(databaseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The settings that decide what a commit costs, as a new session of the bench's role sees them on
 * the bench database (so ALTER DATABASE / ALTER ROLE settings are included).
 */
export async function durabilitySettings(databaseUrl: string): Promise<Record<string, string>> {
  return withClient(databaseUrl, async (c) => {
    const out: Record<string, string> = {};
    for (const name of [
      'server_version',
      'synchronous_commit',
      'fsync',
      'wal_sync_method',
      'full_page_writes',
      'commit_delay',
      'shared_buffers',
      'max_wal_size',
    ]) {
      const { rows } = await c.query<Record<string, string>>(`SHOW ${name}`);
      out[name] = Object.values(rows[0])[0]!;
    }
    return out;
  });
}

/**
 * The pid of the Postgres server (the postmaster, parent of every backend) when it runs on this
 * machine and /proc shows it, for its CPU use; else null.
 */
export async function localPostgresPid(databaseUrl: string): Promise<number | null> {
  const host = new URL(databaseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(host)) return null;
  try {
    // Read while the session is open: its backend exits with it.
    const ppid = await withClient(databaseUrl, async (c) => {
      const backend = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const stat = readFileSync(`/proc/${backend}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    });
    return readFileSync(`/proc/${ppid}/cmdline`, 'utf8').includes('postgres') ? ppid : null;
  } catch {
    return null;
  }
}

/**
 * Writes the dirty pages out now, so the server's background writes of what a scenario just
 * loaded or reset do not overlap the runs being timed. Needs a superuser or pg_checkpoint; without
 * it the scenario goes on (and says so).
 */
export async function checkpoint(client: pg.Client, log: (msg: string) => void): Promise<void> {
  await client
    .query('CHECKPOINT')
    .catch((err: Error) => log(`CHECKPOINT refused (${err.message}); going on without it`));
}
