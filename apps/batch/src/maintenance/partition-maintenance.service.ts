import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { PingPartitionRepository, utcDayRange } from '#libs/db/index.js';
import { expiredPartitionDays, retentionCutoffMs } from '#libs/domain/index.js';

const DAY_MS = 86_400_000;
const PAST_RETENTION = 'hc_ping_partitions_past_retention';

/**
 * Keeps the pings table's day partitions: the next days exist before phones need them (ingest also
 * creates one on demand), and days wholly past the retention are dropped whole, never DELETEd.
 */
@Injectable()
export class PartitionMaintenance implements OnModuleInit {
  private readonly logger = new Logger(PartitionMaintenance.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly partitions: PingPartitionRepository,
  ) {}

  onModuleInit(): void {
    // Read from Postgres at scrape time, not set by the last run: the hourly run lands on any
    // batch process, and the others would keep reporting what they saw hours ago.
    register.removeSingleMetric(PAST_RETENTION);
    const count = () => this.pastRetention();
    new Gauge({
      name: PAST_RETENTION,
      help: 'ping day partitions past the retention still present; above 0 for hours: a long transaction holds pings',
      async collect() {
        const n = await count().catch(() => null);
        if (n !== null) this.set(n);
      },
    });
  }

  /** Day partitions wholly past the retention that still exist (the hourly run drops them). */
  async pastRetention(nowMs = Date.now()): Promise<number> {
    const days = (await this.partitions.listPartitions()).map((p) => p.day);
    return expiredPartitionDays(days, nowMs, this.config.retentionDays).length;
  }

  async maintain(nowMs = Date.now()): Promise<{ created: string[]; dropped: string[]; postponed: string[] }> {
    const before = new Set((await this.partitions.listPartitions()).map((p) => p.day));
    const ahead = utcDayRange(nowMs - DAY_MS, nowMs + 2 * DAY_MS);
    await this.partitions.ensurePartitions(ahead);
    const all = await this.partitions.listPartitions();
    const expired = new Set(
      expiredPartitionDays(
        all.map((p) => p.day),
        nowMs,
        this.config.retentionDays,
      ),
    );
    const dropped: string[] = [];
    const postponed: string[] = [];
    for (const p of all.filter((x) => expired.has(x.day))) {
      // Once one drop found pings in use, the others would wait their second for nothing.
      const gone = !postponed.length && (await this.partitions.dropPartition(p.name));
      (gone ? dropped : postponed).push(p.day);
    }
    const blanked = await this.partitions.blankEvidenceBefore(retentionCutoffMs(nowMs, this.config.retentionDays));
    if (blanked) this.logger.log(`exposure evidence past the retention blanked: ${blanked} pairs`);
    const created = ahead.filter((d) => !before.has(d));
    if (created.length || dropped.length)
      this.logger.log(
        `ping partitions: created ${created.join(', ') || 'none'}; dropped ${dropped.join(', ') || 'none'}`,
      );
    if (postponed.length)
      this.logger.warn(
        `ping partitions ${postponed.join(', ')} past the retention not dropped: pings stayed in use; the next run drops them`,
      );
    return { created, dropped, postponed };
  }
}
