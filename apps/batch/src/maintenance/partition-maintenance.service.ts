import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { PingPartitionRepository, utcDayRange } from '#libs/db/index.js';
import { expiredPartitionDays } from '#libs/domain/index.js';

const DAY_MS = 86_400_000;

const pastRetention = new Gauge({
  name: 'hc_ping_partitions_past_retention',
  help: 'ping day partitions past the retention that the last maintenance run could not drop (pings in use); above 0 run after run: a long transaction holds pings',
});

/**
 * Keeps the pings table's day partitions: the next days exist before phones need them (ingest also
 * creates one on demand), and days wholly past the retention are dropped whole, never DELETEd.
 */
@Injectable()
export class PartitionMaintenance {
  private readonly logger = new Logger(PartitionMaintenance.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly partitions: PingPartitionRepository,
  ) {}

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
    const created = ahead.filter((d) => !before.has(d));
    if (created.length || dropped.length)
      this.logger.log(
        `ping partitions: created ${created.join(', ') || 'none'}; dropped ${dropped.join(', ') || 'none'}`,
      );
    pastRetention.set(postponed.length);
    if (postponed.length)
      this.logger.warn(
        `ping partitions ${postponed.join(', ')} past the retention not dropped: pings stayed in use; the next run drops them`,
      );
    return { created, dropped, postponed };
  }
}
