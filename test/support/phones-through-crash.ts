import pg from 'pg';
import { call } from './http.js';
import { userTokensFor } from './user-tokens.js';

export interface Batch {
  token: string;
  userId: string;
  pings: { ts: number; geohash: string }[];
}

export interface CrashLoad {
  ingestUrl: string;
  secret: string;
  phones: number;
  batchSize: number;
  /** The cell of a phone's i-th ping of a batch. */
  cellOf: (phone: number, i: number) => string;
  /** SIGKILL of a database server, and its restart. */
  kill: () => void;
  restart: () => Promise<void>;
  /** Tries per failed batch before the test gives up. */
  retries: number;
}

/**
 * Phones post batches to ingest without pause; after 1.5 s a database server is killed, restarted a
 * second later, and the phones run 2 s more. Then, as real phones do, every batch that failed is
 * sent again as it was until it is acknowledged. What a crash test checks against the table.
 */
export async function postThroughCrash(load: CrashLoad) {
  const sign = userTokensFor(load.secret);
  const start = Date.now() - 10 * 60_000;
  let next = 0;
  const newBatch = (phone: number): Batch => ({
    token: sign(phone + 1),
    userId: String(phone + 1),
    pings: Array.from({ length: load.batchSize }, (_, i) => ({ ts: start + next++, geohash: load.cellOf(phone, i) })),
  });
  const send = (b: Batch) =>
    call('POST', `${load.ingestUrl}/v1/pings`, { token: b.token, body: { pings: b.pings } }).catch(() => ({
      status: 0,
      body: null,
    }));

  const acknowledged: Batch[] = [];
  const failed: Batch[] = [];
  let running = true;
  const phones = Array.from({ length: load.phones }, async (_, phone) => {
    while (running) {
      const b = newBatch(phone);
      const r = await send(b);
      if (r.status === 202) acknowledged.push(b);
      else failed.push(b);
    }
  });

  await sleep(1_500);
  const beforeCrash = acknowledged.length;
  load.kill();
  await sleep(1_000);
  await load.restart();
  await sleep(2_000);
  running = false;
  await Promise.all(phones);

  for (const b of failed) {
    for (let attempt = 0; ; attempt++) {
      const r = await send(b);
      if (r.status === 202) break;
      if (attempt > load.retries) throw new Error(`a retried batch kept failing: ${r.status}`);
      await sleep(200);
    }
  }
  return { acknowledged, failed, beforeCrash, send };
}

/** Every stored ping as `user:ms`, and the acknowledged pings missing from it. */
export async function storedPings(url: string, acknowledged: Batch[], before?: (c: pg.Client) => Promise<unknown>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await before?.(client);
    const { rows } = await client.query<{ user_id: string; ms: string }>(
      `SELECT user_id::text, (extract(epoch FROM ts) * 1000)::bigint::text AS ms FROM pings`,
    );
    const stored = new Set(rows.map((r) => `${r.user_id}:${r.ms}`));
    const missing = acknowledged.flatMap((b) => b.pings.filter((p) => !stored.has(`${b.userId}:${p.ts}`)));
    return { rows: rows.length, distinct: stored.size, missing };
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
