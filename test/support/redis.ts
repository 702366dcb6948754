import { randomBytes } from 'node:crypto';

export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests with `npm test`');
  return url;
}

/** A key prefix of its own for one test file, so files can share the Redis server in parallel. */
export const testKeyPrefix = (label: string): string => `t-${label}-${randomBytes(3).toString('hex')}`;
