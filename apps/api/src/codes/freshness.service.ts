import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { WindowRepository } from '#libs/db/index.js';
import { lastClosedWindowId } from '#libs/domain/index.js';

const REFRESH_MS = 5_000;

/**
 * `tracedUntil` for every answer. It changes once a window, so each API process asks Postgres at
 * most every few seconds instead of once per request.
 */
@Injectable()
export class FreshnessService {
  private readonly logger = new Logger(FreshnessService.name);
  private value: number | null = null;
  private fetchedAt = 0;
  private inFlight: Promise<void> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, private readonly windows: WindowRepository) {}

  /** Never waits on Postgres when a value is known; refreshes in the background. */
  async tracedUntilMs(nowMs = Date.now()): Promise<number | null> {
    if (nowMs - this.fetchedAt > REFRESH_MS) {
      this.inFlight ??= this.refresh(nowMs).finally(() => (this.inFlight = null));
      if (this.value === null) await this.inFlight;
    }
    return this.value;
  }

  private async refresh(nowMs: number): Promise<void> {
    try {
      this.value = await this.windows.tracedUntilMs(lastClosedWindowId(nowMs, this.config.grid), this.config.grid.windowSeconds);
      this.fetchedAt = nowMs;
    } catch (err) {
      this.logger.warn(`could not refresh tracedUntil: ${(err as Error).message}`);
    }
  }
}
