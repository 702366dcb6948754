import {
  minimumRetentionDays,
  validateTimeGrid,
  type ContactRule,
  type ExposureThresholds,
  type LoginFailureLimits,
  type PlausibilityRules,
  type TimeGrid,
} from '#libs/domain/index.js';
import { configSchema } from './config.schema.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

/** The validated, typed configuration every app reads once at start-up. */
export interface AppConfig {
  env: string;
  /** The apps' own login (DATABASE_URL). */
  databaseUrl: string;
  /** The schema owner's login, for the migrate step only (MIGRATE_DATABASE_URL, else DATABASE_URL). */
  migrateDatabaseUrl: string;
  redisUrl: string;
  cacheRedisUrl: string;
  /** Signs and checks tokens; null when unset (the apps then refuse to start: requireJwtSecret). */
  jwtSecret: string | null;
  admin: { username: string; password: string | null; tokenTtlSeconds: number };
  /** Lifetime of a phone's token; a phone renews it before then (docs/api.md, Phones). */
  userTokenTtlSeconds: number;
  /**
   * Failed admin logins tolerated within `lockSeconds` per (username, address) and per address
   * before further attempts get 429, and the delay that slows down a much-failed username.
   */
  login: LoginFailureLimits & { lockSeconds: number };
  /** How long a reviewer's claim on pending requests lasts. */
  claimSeconds: number;
  ports: { api: number; ingest: number; batch: number };
  /**
   * Prometheus' own port per app, apart from the public one, on `host` (loopback by default): a
   * scrape runs queries, so it is for the scraper, not for anyone who reaches the API.
   */
  metrics: { host: string; ports: { api: number; ingest: number; batch: number } };
  grid: TimeGrid;
  geohashPrecision: number;
  /** Two pings are in contact within this distance and time (libs/domain inContact). */
  contact: ContactRule;
  thresholds: ExposureThresholds;
  infectiousLookbackSeconds: number;
  quarantineSeconds: number;
  retentionDays: number;
  maxClockSkewSeconds: number;
  autoApplyMaxPerWindow: number;
  httpWorkers: number;
  /**
   * Each HTTP process's limits on clients: seconds to send the headers, and the whole request
   * (body included); seconds an idle keep-alive connection stays open; connections at once.
   */
  http: {
    headersTimeoutSeconds: number;
    requestTimeoutSeconds: number;
    keepAliveSeconds: number;
    maxConnections: number;
  };
  /** Which proxies' X-Forwarded-For gives the client address (null: nobody's; see trust-proxy.ts). */
  trustProxy: TrustProxy;
  registrationsPerMinute: number;
  pingBatchesPerMinute: number;
  /** Pings refused for implying travel faster than a person goes, or past a per-slot count (libs/domain judgePings). */
  plausibility: PlausibilityRules;
  cacheRebuildPerSecond: number;
  traceShards: number;
  traceMinShardPings: number;
  jobLockSeconds: number;
  keyPrefix: string;
  logLevel: string;
  /** `json`: one JSON object a line (production, CI); `pretty`: readable lines for a terminal. */
  logFormat: 'json' | 'pretty';
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

/** Parses the environment; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const c = parsed.data;
  const grid: TimeGrid = {
    windowSeconds: c.HC_WINDOW_SECONDS,
    slotSeconds: c.HC_SLOT_SECONDS,
    graceSeconds: c.HC_GRACE_SECONDS,
  };
  const gridError = validateTimeGrid(grid);
  if (gridError) throw new ConfigError('HC_SLOT_SECONDS', `${gridError} (HC_WINDOW_SECONDS=${grid.windowSeconds})`);
  // Late pings and retro-traces reach one slot across a window edge: a contact time beyond it would be missed.
  if (c.HC_CONTACT_SECONDS !== undefined && c.HC_CONTACT_SECONDS > c.HC_SLOT_SECONDS)
    throw new ConfigError('HC_CONTACT_SECONDS', `must be at most HC_SLOT_SECONDS (${c.HC_SLOT_SECONDS})`);
  if (c.HC_EXPOSURE_REVIEW_SECONDS > c.HC_EXPOSURE_AUTO_SECONDS) {
    throw new ConfigError('HC_EXPOSURE_REVIEW_SECONDS', 'must not exceed HC_EXPOSURE_AUTO_SECONDS');
  }
  const minRetention = minimumRetentionDays(c.HC_INFECTIOUS_LOOKBACK_SECONDS, grid.windowSeconds, grid.graceSeconds);
  if (c.HC_RETENTION_DAYS < minRetention) {
    throw new ConfigError(
      'HC_RETENTION_DAYS',
      `must be at least ${minRetention} to cover the tracing look-back (HC_INFECTIOUS_LOOKBACK_SECONDS plus one window and its grace)`,
    );
  }
  // Node refuses a headers timeout longer than the request's (the headers are part of it).
  if (c.HC_HTTP_HEADERS_TIMEOUT_SECONDS > c.HC_HTTP_REQUEST_TIMEOUT_SECONDS)
    throw new ConfigError(
      'HC_HTTP_HEADERS_TIMEOUT_SECONDS',
      `must be at most HC_HTTP_REQUEST_TIMEOUT_SECONDS (${c.HC_HTTP_REQUEST_TIMEOUT_SECONDS})`,
    );
  const trustProxy = parseTrustProxy(c.HC_TRUST_PROXY);
  if ('error' in trustProxy) throw new ConfigError('HC_TRUST_PROXY', trustProxy.error);
  return {
    env: c.NODE_ENV,
    databaseUrl: c.DATABASE_URL,
    migrateDatabaseUrl: c.MIGRATE_DATABASE_URL ?? c.DATABASE_URL,
    redisUrl: c.REDIS_URL,
    cacheRedisUrl: c.CACHE_REDIS_URL ?? c.REDIS_URL,
    jwtSecret: c.HC_JWT_SECRET ?? null,
    admin: {
      username: c.HC_ADMIN_USERNAME,
      password: c.HC_ADMIN_PASSWORD ?? null,
      tokenTtlSeconds: c.HC_ADMIN_TOKEN_TTL_SECONDS,
    },
    userTokenTtlSeconds: c.HC_USER_TOKEN_TTL_SECONDS,
    login: {
      perUsernameAndAddress: c.HC_LOGIN_MAX_FAILURES,
      perAddress: c.HC_LOGIN_MAX_FAILURES_PER_ADDRESS,
      lockSeconds: c.HC_LOGIN_LOCK_SECONDS,
      maxDelayMs: c.HC_LOGIN_MAX_DELAY_SECONDS * 1000,
    },
    claimSeconds: c.HC_CLAIM_SECONDS,
    ports: { api: c.API_PORT, ingest: c.INGEST_PORT, batch: c.BATCH_PORT },
    metrics: {
      host: c.HC_METRICS_HOST,
      ports: { api: c.API_METRICS_PORT, ingest: c.INGEST_METRICS_PORT, batch: c.BATCH_METRICS_PORT },
    },
    grid,
    geohashPrecision: c.HC_GEOHASH_PRECISION,
    contact: { radiusMeters: c.HC_CONTACT_RADIUS_METERS, seconds: c.HC_CONTACT_SECONDS ?? c.HC_SLOT_SECONDS },
    thresholds: { autoSeconds: c.HC_EXPOSURE_AUTO_SECONDS, reviewSeconds: c.HC_EXPOSURE_REVIEW_SECONDS },
    infectiousLookbackSeconds: c.HC_INFECTIOUS_LOOKBACK_SECONDS,
    quarantineSeconds: c.HC_QUARANTINE_SECONDS,
    retentionDays: c.HC_RETENTION_DAYS,
    maxClockSkewSeconds: c.HC_MAX_CLOCK_SKEW_SECONDS,
    autoApplyMaxPerWindow: c.HC_AUTO_APPLY_MAX_PER_WINDOW,
    httpWorkers: c.HC_HTTP_WORKERS,
    http: {
      headersTimeoutSeconds: c.HC_HTTP_HEADERS_TIMEOUT_SECONDS,
      requestTimeoutSeconds: c.HC_HTTP_REQUEST_TIMEOUT_SECONDS,
      keepAliveSeconds: c.HC_HTTP_KEEP_ALIVE_SECONDS,
      maxConnections: c.HC_HTTP_MAX_CONNECTIONS,
    },
    trustProxy: trustProxy.ok,
    registrationsPerMinute: c.HC_REGISTRATIONS_PER_MINUTE,
    pingBatchesPerMinute: c.HC_PING_BATCHES_PER_MINUTE,
    plausibility: { maxSpeedKmh: c.HC_MAX_SPEED_KMH, maxPingsPerSlot: c.HC_MAX_PINGS_PER_SLOT },
    cacheRebuildPerSecond: c.HC_CACHE_REBUILD_PER_SECOND,
    traceShards: c.HC_TRACE_SHARDS,
    traceMinShardPings: c.HC_TRACE_MIN_SHARD_PINGS,
    jobLockSeconds: c.HC_JOB_LOCK_SECONDS,
    keyPrefix: c.HC_KEY_PREFIX,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
  };
}

/**
 * The token key. Never made up per process: a token signed by one process (or cluster worker) is
 * checked by another, so all must share one. `npm start` and `npm test` generate one and pass it.
 */
export function requireJwtSecret(config: Pick<AppConfig, 'jwtSecret'>): string {
  if (config.jwtSecret === null)
    throw new ConfigError(
      'HC_JWT_SECRET',
      'is required: at least 32 characters, the same for every process (npm start and npm test generate one)',
    );
  return config.jwtSecret;
}
