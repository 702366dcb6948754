import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { CACHE_REDIS, COUNTER_REDIS, CodeCache, RebuildState, type RedisClient } from '#libs/cache/index.js';
import { toCodeView } from '#libs/codes/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { HealthCodeRepository } from '#libs/db/index.js';

const CHECK_EVERY_MS = 5_000;
const PAGE = 1_000;
const LOCK_TTL_MS = 30_000;

const progress = new Gauge({
  name: 'hc_cache_rebuild_progress_ratio',
  help: 'progress of the running cache rebuild (1 when none runs)',
});
// A gauge starts at 0, which would read as a rebuild just begun on every batch process that never
// ran one (all but one of them): the alert on a long rebuild takes the lowest value of all.
progress.set(1);

/**
 * Rebuilds the code read model from Postgres after the cache Redis lost it (flushed, restarted
 * empty, failed over): bulk pages in user id order, paced to HC_CACHE_REBUILD_PER_SECOND, resumable
 * by another batch process if this one dies. Reads stay correct meanwhile: a miss falls through to
 * Postgres, and versioned writes mean a rebuilt entry never overwrites a newer change.
 */
@Injectable()
export class CacheRebuilder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CacheRebuilder.name);
  private readonly state: RebuildState;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CACHE_REDIS) redis: RedisClient,
    @Inject(COUNTER_REDIS) queueRedis: RedisClient,
    private readonly cache: CodeCache,
    private readonly codes: HealthCodeRepository,
  ) {
    // Its lock and cursor where eviction cannot reach them; the cache holds only its epoch.
    this.state = new RebuildState(queueRedis, redis, config.keyPrefix);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    void this.check();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Starts a rebuild when the cache is not known to be complete and nobody else rebuilds it. */
  async check(): Promise<void> {
    if (this.running || this.stopping) return;
    this.running = (async () => {
      try {
        if (await this.state.isComplete()) return;
        if (!(await this.state.tryLock(LOCK_TTL_MS))) return;
        try {
          progress.set(0);
          await this.rebuild();
        } finally {
          // Done, or interrupted: whoever takes the rebuild over reports it from now on.
          progress.set(1);
          await this.state.unlock();
        }
      } catch (err) {
        this.logger.warn(`cache rebuild interrupted: ${(err as Error).message}`);
      } finally {
        this.running = null;
      }
    })();
    await this.running;
  }

  private async rebuild(): Promise<void> {
    const total = await this.codes.countCodes();
    const cursor = await this.state.readCursor();
    const { resumed } = cursor;
    let { run, afterUserId } = cursor;
    this.logger.log(
      `cache rebuild ${resumed ? `resumed after user ${afterUserId}` : 'started'}: ${total} codes to write`,
    );
    const started = Date.now();
    let written = 0;
    let seen = 0;
    const pageMs = (PAGE / this.config.cacheRebuildPerSecond) * 1000;
    for (;;) {
      if (this.stopping) return;
      const pageStarted = Date.now();
      const page = await this.codes.findCodesAfter(afterUserId, PAGE);
      if (!page.length) break;
      written += await this.cache.putMany(page.map(toCodeView));
      seen += page.length;
      const last = page[page.length - 1].userId;
      if (!(await this.state.advance(run, afterUserId, last))) {
        this.logger.warn('the cache was emptied again during the rebuild: starting over');
        ({ run, afterUserId } = await this.state.readCursor());
        continue;
      }
      afterUserId = last;
      progress.set(total ? Math.min(seen / total, 1) : 1);
      if (seen % (PAGE * 100) === 0)
        this.logger.log(`cache rebuild: ${seen}/${total} codes (${Math.round((100 * seen) / Math.max(total, 1))}%)`);
      await this.state.refreshLock(LOCK_TTL_MS);
      const wait = pageMs - (Date.now() - pageStarted);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    if (await this.state.markComplete(run, afterUserId)) {
      progress.set(1);
      this.logger.log(
        `cache rebuild done: ${seen} codes read, ${written} written in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
}
