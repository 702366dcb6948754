import { Injectable, Logger } from '@nestjs/common';
import DataLoader from 'dataloader';
import { CodeCache, type CodeView } from '#libs/cache/index.js';
import { toCodeView } from './code-writer.service.js';
import { HealthCodeRepository } from '#libs/db/index.js';
import { DomainError, ErrorCode, effectiveColor } from '#libs/domain/index.js';

/**
 * The read path: Redis first; on a miss (or Redis down) Postgres, with concurrent misses batched
 * into one query and each key asked once; then the cache is filled (versioned, so a fill can
 * never overwrite a newer write). Both stores down is a 503, never a default colour.
 */
@Injectable()
export class CodeReader {
  private readonly logger = new Logger(CodeReader.name);
  private readonly loader: DataLoader<string, CodeView | null>;
  /** Misses being served: later misses of the same person join them instead of asking again. */
  private readonly misses = new Map<string, Promise<CodeView>>();

  constructor(
    private readonly cache: CodeCache,
    codes: HealthCodeRepository,
  ) {
    this.loader = new DataLoader(
      async (ids) => {
        const rows = await codes.findCodes([...ids]);
        return ids.map((id) => {
          const row = rows.get(id);
          return row ? toCodeView(row) : null;
        });
      },
      { maxBatchSize: 500, cache: false },
    );
  }

  async read(userId: string, nowMs = Date.now()): Promise<CodeView> {
    let view: CodeView | null = null;
    let cacheUp = true;
    try {
      view = await this.cache.get(userId);
    } catch {
      cacheUp = false;
    }
    if (!view) {
      let miss = this.misses.get(userId);
      if (!miss) {
        miss = this.loadAndFill(userId, cacheUp).finally(() => this.misses.delete(userId));
        this.misses.set(userId, miss);
      }
      view = await miss;
    }
    return asSeenAt(view, nowMs);
  }

  /**
   * One Postgres read for a person, then the cache fill. The miss stays joinable until the fill
   * is answered: every GET that Redis answers before it (same connection, in order) is a miss
   * that joins this one; every GET after it finds the filled value. So however many requests
   * miss at once, Postgres is asked once. Never serves stale data: the entry ends with the fill.
   */
  private async loadAndFill(userId: string, cacheUp: boolean): Promise<CodeView> {
    const view = await this.loadFromDatabase(userId);
    if (cacheUp)
      await this.cache.put(view).catch((err: Error) => this.logger.debug(`cache fill failed: ${err.message}`));
    return view;
  }

  private async loadFromDatabase(userId: string): Promise<CodeView> {
    let view: CodeView | null;
    try {
      view = await this.loader.load(userId);
    } catch (err) {
      this.logger.warn(`code store unavailable: ${(err as Error).message}`);
      throw new DomainError(ErrorCode.UNAVAILABLE, 'health codes are unavailable right now, try again');
    }
    // A well-signed token for a person who does not exist (any more) authenticates nobody.
    if (!view) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'the token is invalid or expired');
    return view;
  }
}

/** An expired yellow reads green even before the expiry sweep has run. */
export function asSeenAt(view: CodeView, nowMs: number): CodeView {
  const color = effectiveColor(view.color, view.expiresAtMs, nowMs);
  if (color === view.color) return view;
  return {
    ...view,
    color,
    reason: 'quarantine ended',
    expiresAtMs: null,
    updatedAtMs: view.expiresAtMs ?? view.updatedAtMs,
  };
}
