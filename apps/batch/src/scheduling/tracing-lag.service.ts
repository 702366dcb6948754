import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { WindowRepository } from '#libs/db/index.js';
import { TRACING_LAG_WARN_WINDOWS, lastClosedWindowId, tracingLag } from '#libs/domain/index.js';
import { readinessDetails } from '#libs/http/index.js';

const LAG_SECONDS = 'hc_tracing_lag_seconds';
const LAG_WINDOWS = 'hc_tracing_lag_windows';

/**
 * How far tracing is behind the closed windows, from Postgres (the first window not fully traced:
 * not done, late pings waiting, or a retro-trace not past it): two gauges read at scrape time and
 * a readiness entry that warns, without failing readiness, beyond two windows. A lagging batch
 * still works and must keep its traffic: restarting or unrouting it would only lag it more.
 */
@Injectable()
export class TracingLag implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly windows: WindowRepository,
  ) {}

  onModuleInit(): void {
    register.removeSingleMetric(LAG_SECONDS);
    register.removeSingleMetric(LAG_WINDOWS);
    let reading: ReturnType<TracingLag['read']> | null = null;
    // One query per scrape serves both gauges; if Postgres does not answer, they keep their last value.
    const read = () =>
      (reading ??= this.read()
        .catch(() => null)
        .finally(() => setImmediate(() => (reading = null))) as ReturnType<TracingLag['read']>);
    new Gauge({
      name: LAG_SECONDS,
      help: 'closed time not yet fully traced, in seconds (0 when every closed window is traced)',
      async collect() {
        const lag = await read();
        if (lag) this.set(lag.seconds);
      },
    });
    new Gauge({
      name: LAG_WINDOWS,
      help: 'closed windows not yet fully traced, from the oldest one that is not',
      async collect() {
        const lag = await read();
        if (lag) this.set(lag.windowsBehind);
      },
    });
  }

  async read(nowMs = Date.now()): Promise<ReturnType<typeof tracingLag>> {
    const first = await this.windows.firstUntracedWindowId(lastClosedWindowId(nowMs, this.config.grid));
    return tracingLag(first, nowMs, this.config.grid);
  }

  /** The readiness entry: always up while Postgres answers, with a warning past two windows. */
  async readiness(): Promise<unknown> {
    const lag = await this.read();
    const details: Record<string, unknown> = {
      tracedUntil: new Date(lag.tracedUntilMs).toISOString(),
      windowsBehind: lag.windowsBehind,
      lagSeconds: lag.seconds,
    };
    if (lag.windowsBehind > TRACING_LAG_WARN_WINDOWS)
      details.warning = `tracing is ${lag.windowsBehind} windows behind`;
    return readinessDetails(details);
  }
}
