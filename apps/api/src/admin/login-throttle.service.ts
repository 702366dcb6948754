import { Inject, Injectable, Logger } from '@nestjs/common';
import { CACHE_REDIS, type RedisClient } from '#libs/cache/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { DomainError, ErrorCode, isLoginLocked } from '#libs/domain/index.js';

// Counts a failure: the first one starts the lock period, later ones count within it.
const FAIL = `
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 1`;

/**
 * Failed admin logins, counted in Redis per username and per client address (shared by every
 * api process). Once either reaches its limit, logins are refused with 429 and Retry-After
 * until the lock period that began with the first failure ends; a success clears the
 * username's count. If Redis is away, logins are not throttled rather than refused.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CACHE_REDIS) private readonly redis: RedisClient,
  ) {}

  /** Both counters carry the hash tag `{login-fail}`: on a Redis Cluster one transaction or script may touch them together. */
  private keys(username: string, address: string): [string, string] {
    const p = `${this.config.keyPrefix}:{login-fail}`;
    return [`${p}:user:${username.toLowerCase()}`, `${p}:addr:${address}`];
  }

  /** Throws 429 when this username or address is locked. */
  async check(username: string, address: string): Promise<void> {
    const [userKey, addrKey] = this.keys(username, address);
    try {
      const [[, u], [, a], [, uTtl], [, aTtl]] = (await this.redis
        .multi()
        .get(userKey)
        .get(addrKey)
        .pttl(userKey)
        .pttl(addrKey)
        .exec()) as [unknown, string | null][];
      if (!isLoginLocked({ username: Number(u ?? 0), address: Number(a ?? 0) }, this.config.login)) return;
      const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(Number(uTtl), Number(aTtl)) / 1000));
      throw new DomainError(ErrorCode.RATE_LIMITED, 'too many failed logins, try again later', [{ retryAfterSeconds }]);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      this.logger.warn(`login throttling not enforced, Redis unavailable: ${(err as Error).message}`);
    }
  }

  async failed(username: string, address: string): Promise<void> {
    await this.redis
      .eval(FAIL, 2, ...this.keys(username, address), String(this.config.login.lockSeconds * 1000))
      .catch(() => undefined);
  }

  async succeeded(username: string, address: string): Promise<void> {
    await this.redis.del(this.keys(username, address)[0]).catch(() => undefined);
  }
}
