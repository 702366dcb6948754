import type { DataSource } from 'typeorm';
import { type Db, queryRows } from './sql.js';

const known = new WeakMap<DataSource, Promise<boolean>>();

/**
 * Whether the database is a Citus coordinator (pings distributed by zone: migration
 * 20261208000200): asked once per pool. The matching statements then name the zones they probe,
 * so that Citus sends each only to the shards that hold those zones.
 */
export function isDistributed(db: Db): Promise<boolean> {
  const ds = 'connection' in db ? db.connection : db;
  let answer = known.get(ds);
  if (!answer) {
    answer = queryRows(ds, `SELECT 1 FROM pg_extension WHERE extname = 'citus'`).then((rows) => rows.length > 0);
    // A failed probe (the database away) is asked again next time.
    answer.catch(() => known.delete(ds));
    known.set(ds, answer);
  }
  return answer;
}
