import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CodeCache, type CodeView } from '#libs/cache/index.js';
import { HealthCodeRepository, type CodeRow, type CodeWrite, type NextCode } from '#libs/db/index.js';

export const toCodeView = (r: CodeRow): CodeView => ({
  userId: r.userId,
  color: r.color,
  reason: r.reason,
  version: r.version,
  updatedAtMs: r.updatedAtMs,
  expiresAtMs: r.expiresAtMs,
  tokenVersion: r.tokenVersion,
});

/** Writes codes inside one transaction and remembers them for the write-through after commit. */
export interface CodeTransaction {
  tx: EntityManager;
  /**
   * Locks the person's code, asks `decide` for the next one and writes it with a new version and
   * a history row. Returns the current and written rows (`written` null when `decide` said no;
   * `current` null for an unknown person).
   */
  change(
    userId: string,
    actor: string,
    changeId: string | null,
    decide: (current: CodeRow) => NextCode | null,
  ): Promise<{ current: CodeRow | null; written: CodeRow | null }>;
  /**
   * `change` for many people at once (each at most once), in a constant number of statements.
   * Returns the written rows by user id; a person `decide` said no to (or unknown) has none.
   */
  changeMany(
    items: { userId: string; changeId: string | null }[],
    actor: string,
    decide: (current: CodeRow, changeId: string | null) => NextCode | null,
  ): Promise<Map<string, CodeRow>>;
  /**
   * Codes written by a statement of the caller's that writes other rows with them (a window's
   * requests and the codes they apply): the versions `writes` lead to are held in the cache while
   * it runs, and the codes it answers as written are published after the commit.
   */
  writeWith<T extends { written: CodeRow[] }>(writes: CodeWrite[], statement: () => Promise<T>): Promise<T>;
}

/**
 * The one way a health code changes: a transaction (the code locked, or written only if its
 * version is still the one decided on; a new version, a history row, and the caller's rows such
 * as a request status or an audit row), then the versioned cache write-through.
 */
@Injectable()
export class CodeWriter {
  private readonly logger = new Logger(CodeWriter.name);

  constructor(
    private readonly db: DataSource,
    private readonly codes: HealthCodeRepository,
    private readonly cache: CodeCache,
  ) {}

  async transact<T>(work: (t: CodeTransaction) => Promise<T>): Promise<T> {
    const written: CodeRow[] = [];
    const unheld: CodeRow[] = [];
    const result = await this.db.transaction(async (tx) => {
      const writeWith = async <T extends { written: CodeRow[] }>(
        writes: CodeWrite[],
        statement: () => Promise<T>,
      ): Promise<T> => {
        // The versions about to be written are the read ones plus one: held while Postgres writes
        // them. The hold's thousands of Redis commands are built once the statement is on its way.
        const running = statement();
        const holding = new Promise((r) => setImmediate(r)).then(() =>
          this.hold(writes.map((w) => ({ userId: w.current.userId, version: w.current.version + 1 }))),
        );
        const [out] = await Promise.all([running, holding]);
        written.push(...out.written);
        return out;
      };
      const out = await work({
        tx,
        change: async (userId, actor, changeId, decide) => {
          const current = await this.codes.lockCode(tx, userId);
          const next = current ? decide(current) : null;
          const row = current && next ? await this.codes.writeCode(tx, current, next, actor, changeId) : null;
          if (row) {
            written.push(row);
            unheld.push(row);
          }
          return { current, written: row };
        },
        changeMany: async (items, actor, decide) => {
          if (!items.length) return new Map();
          const current = await this.codes.lockCodes(
            tx,
            items.map((i) => i.userId),
          );
          const writes = items.flatMap((i) => {
            const code = current.get(i.userId);
            const next = code ? decide(code, i.changeId) : null;
            return code && next ? [{ current: code, next, changeId: i.changeId }] : [];
          });
          const { written: rows } = await writeWith(writes, async () => ({
            written: await this.codes.writeCodes(tx, writes, actor),
          }));
          return new Map(rows.map((r) => [r.userId, r]));
        },
        writeWith,
      });
      // Before the commit: between the commit and the write-through below, the cache would still
      // answer the old colour (a green for a person now yellow or red in Postgres).
      await this.hold(unheld);
      return out;
    });
    if (written.length === 1) await this.publish(written[0]);
    else if (written.length) await this.publishMany(written);
    return result;
  }

  /** Best effort: with Redis away, reads go to Postgres anyway (a hold of a version never committed just expires). */
  private async hold(codes: { userId: string; version: number }[]): Promise<void> {
    await this.cache
      .holdMany(codes)
      .catch((err: Error) => this.logger.warn(`cache hold failed for ${codes.length} code changes: ${err.message}`));
  }

  /** One pipelined round trip for many codes; on failure, as `publish` does for each. */
  private async publishMany(rows: CodeRow[]): Promise<void> {
    try {
      await this.cache.putMany(rows.map(toCodeView));
    } catch (err) {
      this.logger.warn(`cache write failed for ${rows.length} code changes: ${(err as Error).message}`);
      for (const row of rows) await this.cache.drop(row.userId).catch(() => undefined);
    }
  }

  /**
   * Versioned, so it only moves the cache forward. If Redis is away the stale entry is dropped when
   * possible; a miss falls through to Postgres, so the read path never serves the old colour long.
   */
  async publish(row: CodeRow): Promise<void> {
    try {
      await this.cache.put(toCodeView(row));
    } catch (err) {
      this.logger.warn(`cache write failed for a code change (version ${row.version}): ${(err as Error).message}`);
      await this.cache.drop(row.userId).catch(() => undefined);
    }
  }
}
