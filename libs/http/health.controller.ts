import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ApiExcludeController } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CACHE_REDIS, type RedisClient } from '#libs/cache/index.js';

/** Extra readiness checks an app adds (e.g. the queue connection), by name. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

const DETAILS = Symbol('readiness details');

/**
 * What a readiness check returns to add facts (and warnings) to its `up` entry: the app stays
 * ready (200) and the body says what is worth a look, e.g. `{ warning: '...' }`.
 */
export const readinessDetails = (details: Record<string, unknown>): { [DETAILS]: Record<string, unknown> } => ({
  [DETAILS]: details,
});

const detailsOf = (result: unknown): Record<string, unknown> | undefined =>
  result !== null && typeof result === 'object' && DETAILS in result
    ? (result as { [DETAILS]: Record<string, unknown> })[DETAILS]
    : undefined;

const TIMEOUT_MS = 2_000;

@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: DataSource,
    @Inject(CACHE_REDIS) private readonly redis: RedisClient,
    @Optional() @Inject(READINESS_CHECKS) private readonly extra: ReadinessChecks | null,
  ) {}

  /** The process is up and its event loop turns. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to serve: Postgres and Redis answer (and the app's own checks pass; they may add details). */
  @Get('ready')
  @HealthCheck()
  ready() {
    const checks = {
      postgres: () => this.db.query('SELECT 1'),
      redis: () => this.redis.ping(),
      ...(this.extra ?? {}),
    };
    return this.health.check(
      Object.entries(checks).map(
        ([name, fn]) =>
          () =>
            this.indicators
              .check(name)
              .attempt(async () => detailsOf(await fn()))
              .withTimeout(TIMEOUT_MS),
      ),
    );
  }
}
