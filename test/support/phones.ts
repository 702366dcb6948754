import type { TestDatabase } from './databases.js';
import { call } from './http.js';
import type { TestSystem } from './system.js';
import { userTokenSigner } from './user-tokens.js';

export interface Phone {
  userId: string;
  token: string;
}

/** One `GET /v1/codes/me` and what Postgres said about that person just before it was sent. */
export interface SeenRead {
  userId: string;
  sentAt: number;
  status: number;
  color: string | null;
  /** Postgres before the request: `at-risk` (not green, not an expired yellow), `green`, or `unknown` (Postgres unreachable). */
  truth: 'at-risk' | 'green' | 'unknown';
}

export interface PingBatch {
  phone: Phone;
  pings: { ts: number; geohash: string }[];
}

export interface SeenPost {
  batch: PingBatch;
  sentAt: number;
  status: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the posting phones are: one cell far from any simulated city, so their pings meet no one else's. */
const FAR_CELL = 's0000000';

/**
 * Phones under load for the fault tests: readers keep reading their code (each read checked
 * against Postgres as it was just before the request) and posters keep sending ping batches of
 * fresh, current times (never late: no trace has started on their window), until `stop`. A
 * failed request is recorded with status 0.
 */
export class PhoneLoad {
  readonly reads: SeenRead[] = [];
  readonly posts: SeenPost[] = [];
  private running = true;
  private readonly loops: Promise<void>[];
  private readonly lastTs = new Map<string, number>();

  constructor(
    private readonly opts: {
      db: TestDatabase;
      apiUrl: string;
      ingestUrl: string;
      readers: Phone[];
      posters: Phone[];
      readLoops?: number;
      postLoops?: number;
      batchSize?: number;
    },
  ) {
    const postLoops = opts.postLoops ?? 4;
    this.loops = [
      ...Array.from({ length: opts.readLoops ?? 6 }, () => this.readLoop()),
      // Each post loop owns its own phones, so a phone's batches never overlap in time.
      ...Array.from({ length: postLoops }, (_, i) => this.postLoop(opts.posters.filter((_, k) => k % postLoops === i))),
    ];
  }

  /** Runs until `done()` holds (checked every 100 ms), at most `timeoutMs`. */
  async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; !done(); await pause(100)) {
      if (Date.now() > deadline) throw new Error(`timed out under load waiting for ${what}`);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Reads that answered green for a person Postgres already held at risk: the safety invariant says none. */
  wrongGreens(): SeenRead[] {
    return this.reads.filter((r) => r.status === 200 && r.color === 'green' && r.truth === 'at-risk');
  }

  acknowledged(): PingBatch[] {
    return this.posts.filter((p) => p.status === 202).map((p) => p.batch);
  }

  /** Sends every batch that was not acknowledged again, as it was, until it is (a phone's retries). */
  async retryFailed(): Promise<PingBatch[]> {
    const failed = this.posts.filter((p) => p.status !== 202).map((p) => p.batch);
    for (const batch of failed) {
      for (let attempt = 0; ; attempt++) {
        if ((await this.send(batch)) === 202) break;
        if (attempt > 50) throw new Error('a retried batch kept failing');
        await pause(200);
      }
    }
    return failed;
  }

  /** Acknowledged pings that Postgres does not hold, and how many rows of the posters' pings it has. */
  async missingPings(): Promise<{ missing: string[]; stored: number }> {
    const rows = await this.opts.db.query<{ key: string }>(
      `SELECT user_id::text || ':' || (extract(epoch FROM ts) * 1000)::bigint AS key FROM pings WHERE user_id = ANY($1::bigint[]) AND cell = $2`,
      [this.opts.posters.map((p) => p.userId), FAR_CELL],
    );
    const stored = new Set(rows.map((r) => r.key));
    const missing = this.acknowledged()
      .flatMap((b) => b.pings.map((p) => `${b.phone.userId}:${p.ts}`))
      .filter((k) => !stored.has(k));
    return { missing, stored: rows.length };
  }

  private async readLoop(): Promise<void> {
    const { readers, db, apiUrl } = this.opts;
    while (this.running) {
      const sample = Array.from({ length: 8 }, () => readers[Math.floor(Math.random() * readers.length)]);
      const truth = await db
        .query<{ id: string; at_risk: boolean }>(
          `SELECT user_id::text AS id, color <> 'green' AND NOT (color = 'yellow' AND expires_at <= now()) AS at_risk
         FROM health_codes WHERE user_id = ANY($1::bigint[])`,
          [sample.map((p) => p.userId)],
        )
        .then(
          (rows) => new Map(rows.map((r) => [r.id, r.at_risk])),
          () => null,
        );
      await Promise.all(
        sample.map(async (phone) => {
          const sentAt = Date.now();
          const r = await call('GET', `${apiUrl}/v1/codes/me`, { token: phone.token }).catch(() => ({
            status: 0,
            body: null,
          }));
          const known = truth?.get(phone.userId);
          this.reads.push({
            userId: phone.userId,
            sentAt,
            status: r.status,
            color: r.body?.color ?? null,
            truth: known === undefined ? 'unknown' : known ? 'at-risk' : 'green',
          });
        }),
      );
    }
  }

  private async postLoop(phones: Phone[]): Promise<void> {
    for (let i = 0; this.running && phones.length; i++) {
      const batch = this.nextBatch(phones[i % phones.length]);
      const sentAt = Date.now();
      const status = await this.send(batch);
      this.posts.push({ batch, sentAt, status });
      if (status !== 202) await pause(50);
    }
  }

  /** A batch of current, distinct times for one phone (a millisecond apart, after its previous batch). */
  private nextBatch(phone: Phone): PingBatch {
    const size = this.opts.batchSize ?? 20;
    const first = Math.max((this.lastTs.get(phone.userId) ?? 0) + 1, Date.now() - size);
    this.lastTs.set(phone.userId, first + size - 1);
    return { phone, pings: Array.from({ length: size }, (_, k) => ({ ts: first + k, geohash: FAR_CELL })) };
  }

  private async send(batch: PingBatch): Promise<number> {
    const r = await call('POST', `${this.opts.ingestUrl}/v1/pings`, {
      token: batch.phone.token,
      body: { pings: batch.pings },
    }).catch(() => ({ status: 0 }));
    return r.status;
  }
}

/**
 * The phones of everyone in the system's database: all read (reds, yellows, greens the trace turns
 * yellow), and `posters` people who are green post (their pings, far from any city, expose no one).
 */
export async function phonesOfEveryone(sys: TestSystem, posters = 40): Promise<{ readers: Phone[]; posters: Phone[] }> {
  const token = userTokenSigner(sys);
  const phone = (userId: string): Phone => ({ userId, token: token(userId) });
  const people = await sys.db.query<{ id: string }>(`SELECT user_id::text AS id FROM health_codes ORDER BY user_id`);
  const greens = await sys.db.query<{ id: string }>(
    `SELECT user_id::text AS id FROM health_codes WHERE color = 'green' ORDER BY user_id LIMIT $1`,
    [posters],
  );
  if (greens.length < posters) throw new Error(`only ${greens.length} green people to post pings`);
  return { readers: people.map((p) => phone(p.id)), posters: greens.map((p) => phone(p.id)) };
}
