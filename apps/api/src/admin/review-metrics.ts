import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';
import { CodeChangeRepository } from '#libs/db/index.js';

const PENDING = 'hc_code_changes_pending';
const OLDEST = 'hc_code_changes_oldest_pending_age_seconds';
const DECISIONS = 'hc_admin_decisions_total';

/**
 * The review queue as Prometheus sees it. The two gauges are read from Postgres at scrape time
 * (every worker of a clustered api reads the same rows, so the aggregate takes the max, not
 * the sum); decisions are counted per role and outcome as they happen.
 */
@Injectable()
export class ReviewMetrics implements OnModuleInit {
  private decisions!: Counter<'role' | 'decision'>;

  constructor(private readonly changes: CodeChangeRepository) {}

  onModuleInit(): void {
    register.removeSingleMetric(PENDING);
    register.removeSingleMetric(OLDEST);
    const changes = this.changes;
    let summary: Promise<Awaited<ReturnType<CodeChangeRepository['pendingSummary']>> | null> | null = null;
    // One query per scrape serves both gauges; if Postgres does not answer, they keep their last value.
    const read = () =>
      (summary ??= changes
        .pendingSummary()
        .catch(() => null)
        .finally(() => setImmediate(() => (summary = null))));
    new Gauge({
      name: PENDING,
      help: 'code-change requests waiting for an admin',
      aggregator: 'max',
      async collect() {
        const s = await read();
        if (s) this.set(s.count);
      },
    });
    new Gauge({
      name: OLDEST,
      help: 'age in seconds of the oldest request waiting for an admin (0 when none)',
      aggregator: 'max',
      async collect() {
        const s = await read();
        if (s) this.set(s.oldestCreatedAtMs === null ? 0 : Math.max(0, (Date.now() - s.oldestCreatedAtMs) / 1000));
      },
    });
    this.decisions =
      (register.getSingleMetric(DECISIONS) as Counter<'role' | 'decision'> | undefined) ??
      new Counter({
        name: DECISIONS,
        help: 'admin decisions on code changes, by role and outcome',
        labelNames: ['role', 'decision'],
      });
  }

  decided(role: string, outcome: string, count = 1): void {
    this.decisions.inc({ role, decision: outcome }, count);
  }
}
