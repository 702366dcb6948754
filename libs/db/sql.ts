import type { DataSource, EntityManager } from 'typeorm';

/** Either the pool or a transaction: repository methods take one so callers compose transactions. */
export type Db = DataSource | EntityManager;

export const toMs = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());
export const toDate = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * Runs SQL and returns its rows. TypeORM answers UPDATE/DELETE ... RETURNING with
 * `[rows, affectedCount]` but SELECT with rows alone; this evens that out.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers that do not name a row type get untyped rows
export async function queryRows<R = any>(db: Db, text: string, params?: unknown[]): Promise<R[]> {
  const result = await db.query(text, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0];
  return result;
}

/**
 * Runs a statement that answers one row with one json column `rows` (`SELECT json_agg(...) AS rows`)
 * and returns its elements. For thousands of rows: Postgres builds the JSON and the app parses it
 * with one native JSON.parse, several times cheaper, in a cold batch process, than pg's decoding of
 * every row and field. Timestamps go as epoch milliseconds (`epochMs`), ids as text.
 */
export async function queryJsonRows<R>(db: Db, text: string, params?: unknown[]): Promise<R[]> {
  const [row] = await queryRows<{ rows: R[] | null }>(db, text, params);
  return row?.rows ?? [];
}

/** A timestamptz as epoch milliseconds (float8), truncated as pg's Date parsing does. */
export const epochMs = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * The slot of a timestamptz (slotOf of libs/domain: whole slots since the epoch), for set-based
 * SQL; `slotSeconds` is the SQL of a parameter. Float arithmetic (date_part), far cheaper than
 * numeric over tens of thousands of hits, and exact for ping times (microseconds at most).
 */
export const slotOfSql = (column: string, slotSeconds: string): string =>
  `floor(date_part('epoch', ${column}) / ${slotSeconds})`;

/** Postgres' SQLSTATE for a duplicate key. */
export const UNIQUE_VIOLATION = '23505';
/** SQLSTATE of a lock not had within `lock_timeout`. */
export const LOCK_NOT_AVAILABLE = '55P03';

/** Whether a query failed with this SQLSTATE (pg's `code`). */
export const hasSqlState = (err: unknown, sqlState: string): boolean =>
  (err as { code?: unknown } | null)?.code === sqlState;

/**
 * A savepoint of the caller's transaction, queued at once behind whatever its connection runs,
 * for one statement run in it later (`attempt`). Set ahead of a long statement, it is in place
 * by the time the statement it guards is ready, which then goes out at once; set just before,
 * it costs that statement one round trip (node-postgres sends one query at a time). Set it
 * ahead of reads only: a rollback to it undoes whatever the transaction wrote since. Never
 * released: it ends with the transaction.
 */
export class Savepoint {
  private readonly set: Promise<unknown>;

  constructor(
    private readonly tx: Db,
    private readonly name: string,
  ) {
    this.set = tx.query(`SAVEPOINT ${name}`);
    // Seen by `attempt`; unheard if it is never called (the transaction fails anyway).
    this.set.catch(() => undefined);
  }

  /**
   * Runs the statement in the savepoint. If it fails with the SQLSTATE `expected`, its writes are
   * undone and undefined is returned (the transaction goes on); any other error is thrown.
   */
  async attempt<R>(expected: string, text: string, params: unknown[]): Promise<R[] | undefined> {
    const [set, run] = await Promise.allSettled([this.set, queryRows<R>(this.tx, text, params)]);
    if (set.status === 'rejected') throw set.reason;
    if (run.status === 'fulfilled') return run.value;
    if (!hasSqlState(run.reason, expected)) throw run.reason;
    await this.tx.query(`ROLLBACK TO SAVEPOINT ${this.name}`);
    return undefined;
  }
}

/** Digits and the geohash base32 alphabet (no a, i, l, o): never a word Postgres reads as NULL. */
const PLAIN_ELEMENT = /^[0-9b-hjkmnp-z]+$/;

/**
 * A Postgres array literal (`{1,2,3}`) of numbers, ids, geohash cells, booleans or nulls, to pass
 * many values as one parameter (cast by the SQL: `$1::bigint[]`, or per row `x::bigint[]`):
 * Postgres parses it far more cheaply than a JSON array, and building it costs the app far less
 * than pg's quoting of every element. Elements needing quotes never get here (it throws instead).
 */
export function arrayLiteral(values: readonly (number | string | boolean | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) parts[i] = 'NULL';
    else if (typeof v === 'boolean') parts[i] = v ? 't' : 'f';
    else if (typeof v === 'number' ? Number.isFinite(v) : PLAIN_ELEMENT.test(v)) parts[i] = String(v);
    else throw new RangeError(`not a plain array element: ${typeof v}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * A text[] literal: every element quoted (so no word reads as NULL) and escaped; null as NULL.
 * Each distinct value is escaped once (columns such as colours repeat a few words ten thousand times).
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  const quoted = new Map<string, string>();
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? null;
    if (v === null) {
      parts[i] = 'NULL';
      continue;
    }
    let q = quoted.get(v);
    if (q === undefined) quoted.set(v, (q = `"${v.replace(/[\\"]/g, '\\$&')}"`));
    parts[i] = q;
  }
  return `{${parts.join(',')}}`;
}
