import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { COUNTER_REDIS, LoginAttempts, type RedisClient } from '#libs/cache/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { DomainError, ErrorCode, loginDelayMs } from '#libs/domain/index.js';

/**
 * Admin login throttling (docs/security.md). Each attempt is counted as a failure in the queue
 * Redis, which never evicts (COUNTER_REDIS), before its password is checked, so guesses sent at
 * once cannot all slip past one check; a success gives the attempt back. A (username, address)
 * pair or an address at its limit is refused with 429 and Retry-After until the period that began
 * with its first failure ends. A username that failed often from anywhere is only slowed down: a
 * stranger cannot lock its owner out. If Redis is away, logins are not throttled rather than refused.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly attempts: LoginAttempts;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(COUNTER_REDIS) redis: RedisClient,
  ) {
    this.attempts = new LoginAttempts(redis, config.keyPrefix, config.login);
  }

  /** Reserves the attempt, then waits the username's delay; throws 429 when locked. */
  async reserve(username: string, address: string): Promise<void> {
    let failures: number;
    try {
      const r = await this.attempts.reserve(username, address);
      if (r.locked) {
        const retryAfterSeconds = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
        throw new DomainError(ErrorCode.RATE_LIMITED, 'too many failed logins, try again later', [
          { retryAfterSeconds },
        ]);
      }
      failures = r.usernameFailures;
    } catch (err) {
      if (err instanceof DomainError) throw err;
      this.logger.warn(`login throttling not enforced, Redis unavailable: ${(err as Error).message}`);
      return;
    }
    const delayMs = loginDelayMs(failures, this.config.login);
    if (delayMs > 0) await sleep(delayMs);
  }

  async succeeded(username: string, address: string): Promise<void> {
    await this.attempts.succeeded(username, address).catch(() => undefined);
  }
}
