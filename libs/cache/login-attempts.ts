import type { LoginFailureLimits } from '#libs/domain/index.js';
import type { RedisClient } from './redis.factory.js';

// KEYS: the (username, address) pair, the address, the username. ARGV: lock period (ms), limit
// per pair, limit per address. A pair or address at its limit is refused without counting;
// otherwise the attempt is counted as a failure on all three before the password is checked, so
// parallel guesses cannot all pass one check. The first count of a key starts its period.
const RESERVE = `
local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
local addr = tonumber(redis.call('GET', KEYS[2]) or '0')
local pairLocked = pair >= tonumber(ARGV[2])
local addrLocked = addr >= tonumber(ARGV[3])
if pairLocked or addrLocked then
  local ttl = 0
  if pairLocked then ttl = redis.call('PTTL', KEYS[1]) end
  if addrLocked then ttl = math.max(ttl, redis.call('PTTL', KEYS[2])) end
  return {1, ttl}
end
local user = 0
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  if i == 3 then user = n - 1 end
end
return {0, user}`;

// A success: the pair starts afresh, and the address and username get back the attempt reserved.
const SUCCEEDED = `
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 1`;

/** The limits, and the period (from a key's first failure) over which its failures count and its lock lasts. */
export type LoginAttemptLimits = Pick<LoginFailureLimits, 'perUsernameAndAddress' | 'perAddress'> & {
  lockSeconds: number;
};

export type LoginReservation =
  | { locked: true; retryAfterMs: number }
  /** `usernameFailures`: the username's failures in its period from every address, before this attempt. */
  | { locked: false; usernameFailures: number };

/**
 * Failed admin logins in Redis, shared by every api process: per (username, address) and per
 * address, which lock, and per username (from anywhere), which only slows logins down
 * (docs/security.md). The keys share the hash tag `{login-fail}`, so on a Redis Cluster one
 * script may touch them together.
 */
export class LoginAttempts {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly limits: LoginAttemptLimits,
  ) {}

  private keys(username: string, address: string): [string, string, string] {
    const p = `${this.prefix}:{login-fail}`;
    const name = username.toLowerCase();
    // An address never holds '/', so `<address>/<username>` names one pair only.
    return [`${p}:pair:${address}/${name}`, `${p}:addr:${address}`, `${p}:user:${name}`];
  }

  /** Counts an attempt as failed before it is checked, unless its pair or address is locked. */
  async reserve(username: string, address: string): Promise<LoginReservation> {
    const { perUsernameAndAddress, perAddress, lockSeconds } = this.limits;
    const [locked, n] = (await this.redis.eval(
      RESERVE,
      3,
      ...this.keys(username, address),
      String(lockSeconds * 1000),
      String(perUsernameAndAddress),
      String(perAddress),
    )) as [number, number];
    return locked ? { locked: true, retryAfterMs: Math.max(0, n) } : { locked: false, usernameFailures: n };
  }

  /** The attempt reserved by `reserve` was the right password. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.redis.eval(SUCCEEDED, 3, ...this.keys(username, address));
  }
}
