import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { WindowRepository } from '#libs/db/index.js';
import { lastClosedWindowId, tracingLag } from '#libs/domain/index.js';

const REFRESH_MS = 5_000;

/**
 * `tracedUntil` for every answer: the end of the newest window before which every window is fully
 * traced (done, no late pings waiting, no retro-trace still to reach it). It changes once a
 * window, so each API process asks Postgres at most every few seconds instead of once per request.
 */
@Injectable()
export class FreshnessService implements OnApplicationBootstrap {
  private readonly logger = new Logger(FreshnessService.name);
  private value: number | null = null;
  private fetchedAt = 0;
  private inFlight: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly windows: WindowRepository,
  ) {}

  /** Never waits: the value refreshes in the background (null until the first refresh). */
  tracedUntilMs(nowMs = Date.now()): number | null {
    if (nowMs - this.fetchedAt > REFRESH_MS)
      this.inFlight ??= this.refresh(nowMs).finally(() => (this.inFlight = null));
    return this.value;
  }

  /** Loads the first value, so the first answers already carry it. */
  async onApplicationBootstrap(): Promise<void> {
    await this.refresh(Date.now());
  }

  private async refresh(nowMs: number): Promise<void> {
    try {
      const lastClosed = lastClosedWindowId(nowMs, this.config.grid);
      const pending = await this.windows.firstUntracedWindowId(lastClosed);
      this.value = tracingLag(pending, nowMs, this.config.grid).tracedUntilMs;
      this.fetchedAt = nowMs;
    } catch (err) {
      this.logger.warn(`could not refresh tracedUntil: ${(err as Error).message}`);
    }
  }
}
