import { Injectable } from '@nestjs/common';
import { CodeCache } from '#libs/cache/index.js';
import { toCodeView } from '#libs/codes/index.js';
import { HealthCodeRepository } from '#libs/db/index.js';

/** Covers a few runs of the sweep, so one slow or missed run leaves no gap. */
const LOOKBACK_MS = 10 * 60_000;
const PAGE = 5_000;

/**
 * The backstop of the write-through: a code is committed first and written to the cache after,
 * so a process that dies in between leaves the cache one version behind. Every minute the codes
 * changed in the last minutes are written again; the writes are versioned, so a newer entry is
 * never overwritten and a repeat changes nothing.
 */
@Injectable()
export class RecentCodesSync {
  constructor(
    private readonly codes: HealthCodeRepository,
    private readonly cache: CodeCache,
  ) {}

  /** Returns how many entries were behind and are now current. */
  async sync(nowMs = Date.now()): Promise<number> {
    let repaired = 0;
    for (let after = '0'; ;) {
      const rows = await this.codes.findCodesChangedSince(nowMs - LOOKBACK_MS, after, PAGE);
      if (!rows.length) return repaired;
      repaired += await this.cache.putMany(rows.map(toCodeView));
      after = rows[rows.length - 1].userId;
    }
  }
}
