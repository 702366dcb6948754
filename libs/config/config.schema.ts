import { isIP } from 'node:net';
import { z } from 'zod';
import { ADMIN_USERNAME_PATTERN, ADMIN_USERNAME_RULE, MIN_SOURCE_PINGS_PER_SHARD } from '#libs/domain/index.js';
import { parseRedisUrl } from './redis-url.js';

const int = (min: number) => z.coerce.number().int().min(min);
const port = z.coerce.number().int().min(0).max(65535);
const redisUrl = z
  .string()
  .refine(
    (url) => parseRedisUrl(url) !== null,
    'must be a redis:// or rediss:// URL, or redis+cluster://host:port,host:port,... for a Redis Cluster',
  );

/**
 * Every variable of the configuration (README's table, .env.example): the tracing rules, plus
 * operational ones: MIGRATE_DATABASE_URL (the schema owner's login, for the migrate step only), *_METRICS_PORT and HC_METRICS_HOST (where Prometheus scrapes, apart from the
 * public port), HC_HTTP_WORKERS (processes serving each HTTP port),
 * HC_HTTP_*_TIMEOUT_SECONDS, HC_HTTP_KEEP_ALIVE_SECONDS and HC_HTTP_MAX_CONNECTIONS (how long a
 * client may take and how many connections a process holds),
 * HC_CACHE_REBUILD_PER_SECOND (pace of the read-model rebuild), HC_TRUST_PROXY (which proxies'
 * X-Forwarded-For gives the client address), HC_REGISTRATIONS_PER_MINUTE, HC_PING_BATCHES_PER_MINUTE,
 * HC_MAX_SPEED_KMH and HC_MAX_PINGS_PER_SLOT (pings refused as implausible),
 * HC_ADMIN_TOKEN_TTL_SECONDS and HC_LOGIN_* (admin sessions and login throttling), HC_CLAIM_SECONDS
 * (how long a reviewer's claim on review requests lasts),
 * HC_USER_TOKEN_TTL_SECONDS (lifetime of a phone's token), HC_TRACE_SHARDS
 * (most shard jobs one window's trace is cut into), HC_TRACE_MIN_SHARD_PINGS (fewest source pings
 * worth a shard), HC_JOB_LOCK_SECONDS (how long a crashed worker's job stays locked before another
 * worker takes it over), HC_KEY_PREFIX (namespaces Redis keys and queues so that test suites and
 * several deployments can share one Redis), LOG_LEVEL, LOG_FORMAT (JSON lines, or pino-pretty's
 * readable lines for a terminal). Empty strings count as unset.
 */
export const configSchema = z.object({
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:54329/healthcode'),
  MIGRATE_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:63799'),
  CACHE_REDIS_URL: redisUrl.optional(),
  HC_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  HC_ADMIN_USERNAME: z.string().regex(ADMIN_USERNAME_PATTERN, ADMIN_USERNAME_RULE).default('admin'),
  HC_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  API_PORT: port.default(3000),
  INGEST_PORT: port.default(3001),
  BATCH_PORT: port.default(3002),
  API_METRICS_PORT: port.default(9464),
  INGEST_METRICS_PORT: port.default(9465),
  BATCH_METRICS_PORT: port.default(9466),
  HC_METRICS_HOST: z
    .string()
    .refine((host) => isIP(host) !== 0, 'must be an IP address to listen on (127.0.0.1, 0.0.0.0, ::1, ...)')
    .default('127.0.0.1'),
  HC_WINDOW_SECONDS: int(1).default(3600),
  HC_GRACE_SECONDS: int(0).default(600),
  HC_SLOT_SECONDS: int(1).default(300),
  HC_GEOHASH_PRECISION: int(1).max(12).default(8),
  HC_CONTACT_RADIUS_METERS: z.coerce.number().positive().max(1000).default(20),
  HC_CONTACT_SECONDS: int(0).optional(),
  HC_EXPOSURE_AUTO_SECONDS: int(1).default(900),
  HC_EXPOSURE_REVIEW_SECONDS: int(1).default(300),
  HC_INFECTIOUS_LOOKBACK_SECONDS: int(0).default(172_800),
  HC_QUARANTINE_SECONDS: int(1).default(1_209_600),
  HC_RETENTION_DAYS: int(1).default(14),
  HC_MAX_CLOCK_SKEW_SECONDS: int(0).default(120),
  HC_AUTO_APPLY_MAX_PER_WINDOW: int(0).default(10_000),
  HC_HTTP_WORKERS: int(1).max(256).default(1),
  // Parsed in config.ts (parseTrustProxy): a proxy count or a list of proxy addresses.
  HC_TRUST_PROXY: z.string().optional(),
  HC_HTTP_HEADERS_TIMEOUT_SECONDS: int(1).max(600).default(10),
  HC_HTTP_REQUEST_TIMEOUT_SECONDS: int(1).max(3600).default(30),
  HC_HTTP_KEEP_ALIVE_SECONDS: int(1).max(3600).default(5),
  HC_HTTP_MAX_CONNECTIONS: int(1).default(10_000),
  HC_REGISTRATIONS_PER_MINUTE: int(1).default(30),
  HC_PING_BATCHES_PER_MINUTE: int(1).default(30),
  HC_MAX_SPEED_KMH: z.coerce.number().positive().default(300),
  HC_MAX_PINGS_PER_SLOT: int(1).default(30),
  HC_ADMIN_TOKEN_TTL_SECONDS: int(60).max(86_400).default(1800),
  HC_USER_TOKEN_TTL_SECONDS: int(60).max(31_536_000).default(2_592_000),
  HC_LOGIN_MAX_FAILURES: int(1).default(5),
  HC_LOGIN_MAX_FAILURES_PER_ADDRESS: int(1).default(20),
  HC_LOGIN_LOCK_SECONDS: int(1).default(900),
  HC_CLAIM_SECONDS: int(60).max(86_400).default(900),
  HC_LOGIN_MAX_DELAY_SECONDS: int(0).max(60).default(4),
  HC_CACHE_REBUILD_PER_SECOND: int(1).default(50_000),
  HC_TRACE_SHARDS: int(1).max(1024).default(8),
  HC_TRACE_MIN_SHARD_PINGS: int(1).default(MIN_SOURCE_PINGS_PER_SHARD),
  HC_JOB_LOCK_SECONDS: int(1).max(600).default(30),
  HC_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 of A-Z a-z 0-9 _ -')
    .default('hc'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
});

export type RawConfig = z.infer<typeof configSchema>;
