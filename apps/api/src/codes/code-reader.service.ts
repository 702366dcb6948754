import { Injectable, Logger } from '@nestjs/common';
import DataLoader from 'dataloader';
import { CodeCache, type CodeView } from '#libs/cache/index.js';
import { toCodeView } from '#libs/codes/index.js';
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

  constructor(private readonly cache: CodeCache, codes: HealthCodeRepository) {
    this.loader = new DataLoader(async (ids) => {
      const rows = await codes.findCodes([...ids]);
      return ids.map((id) => {
        const row = rows.get(id);
        return row ? toCodeView(row) : null;
      });
    }, { maxBatchSize: 500 });
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
      view = await this.loadFromDatabase(userId);
      if (cacheUp) this.cache.put(view).catch((err: Error) => this.logger.debug(`cache fill failed: ${err.message}`));
    }
    return asSeenAt(view, nowMs);
  }

  private async loadFromDatabase(userId: string): Promise<CodeView> {
    let view: CodeView | null;
    try {
      // Keep the promise only while in flight: it merges concurrent misses, never serves stale data.
      view = await this.loader.load(userId).finally(() => this.loader.clear(userId));
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
  return { ...view, color, reason: 'quarantine ended', expiresAtMs: null, updatedAtMs: view.expiresAtMs ?? view.updatedAtMs };
}
