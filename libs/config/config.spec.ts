import { ConfigError, loadConfig, requireJwtSecret } from './config.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.grid).toEqual({ windowSeconds: 3600, slotSeconds: 300, graceSeconds: 600 });
    expect(c.ports).toEqual({ api: 3000, ingest: 3001, batch: 3002 });
    expect(c.metrics).toEqual({ host: '127.0.0.1', ports: { api: 9464, ingest: 9465, batch: 9466 } });
    expect(c.thresholds).toEqual({ autoSeconds: 900, reviewSeconds: 300 });
    expect(c).toMatchObject({
      geohashPrecision: 8,
      contact: { radiusMeters: 20, seconds: 300 },
      infectiousLookbackSeconds: 172_800,
      quarantineSeconds: 1_209_600,
      retentionDays: 14,
      maxClockSkewSeconds: 120,
      autoApplyMaxPerWindow: 10_000,
    });
    expect(c.admin).toEqual({ username: 'admin', password: null, tokenTtlSeconds: 1800 });
    expect(c.login).toEqual({ perUsernameAndAddress: 5, perAddress: 20, lockSeconds: 900, maxDelayMs: 4000 });
    expect(c.jwtSecret).toBeNull();
    expect(c).toMatchObject({ logLevel: 'info', logFormat: 'json' });
    expect(c.http).toEqual({
      headersTimeoutSeconds: 10,
      requestTimeoutSeconds: 30,
      keepAliveSeconds: 5,
      maxConnections: 10_000,
    });
  });

  // A key made up per process would differ between cluster workers and between apps: a token
  // signed by one would be refused by another. So it is given, in every environment, or nothing starts.
  it.each(['development', 'production', 'test'])('never makes up a token key (NODE_ENV=%s)', (NODE_ENV) => {
    const c = loadConfig({ NODE_ENV });
    expect(c.jwtSecret).toBeNull();
    expect(() => requireJwtSecret(c)).toThrow(/HC_JWT_SECRET is required/);
    const secret = 'k'.repeat(32);
    expect(requireJwtSecret(loadConfig({ NODE_ENV, HC_JWT_SECRET: secret }))).toBe(secret);
  });

  it('trusts no proxy by default, and takes a proxy count or a list of proxy addresses and CIDRs', () => {
    expect(loadConfig({}).trustProxy).toBeNull();
    expect(loadConfig({ HC_TRUST_PROXY: 'false' }).trustProxy).toBeNull();
    expect(loadConfig({ HC_TRUST_PROXY: '0' }).trustProxy).toBeNull();
    expect(loadConfig({ HC_TRUST_PROXY: '2' }).trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({ HC_TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,fd00::/8,loopback' }).trustProxy).toEqual({
      proxies: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8', 'loopback'],
    });
  });

  it('names what HC_TRUST_PROXY takes when it refuses true', () => {
    expect(() => loadConfig({ HC_TRUST_PROXY: 'true' })).toThrow(/HC_TRUST_PROXY must be a number of proxies/);
    expect(() => loadConfig({ HC_TRUST_PROXY: '10.0.0.1,bad' })).toThrow(/HC_TRUST_PROXY has "bad"/);
  });

  it('refuses pings faster than 300 km/h and past 30 a slot unless told otherwise', () => {
    expect(loadConfig({}).plausibility).toEqual({ maxSpeedKmh: 300, maxPingsPerSlot: 30 });
    expect(loadConfig({ HC_MAX_SPEED_KMH: '350', HC_MAX_PINGS_PER_SLOT: '12' }).plausibility).toEqual({
      maxSpeedKmh: 350,
      maxPingsPerSlot: 12,
    });
  });

  it('takes LOG_FORMAT=pretty for readable logs', () => {
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  });

  it('uses REDIS_URL for the cache unless CACHE_REDIS_URL is set', () => {
    expect(loadConfig({ REDIS_URL: 'redis://q:1' }).cacheRedisUrl).toBe('redis://q:1');
    expect(loadConfig({ REDIS_URL: 'redis://q:1', CACHE_REDIS_URL: 'redis://c:2' }).cacheRedisUrl).toBe('redis://c:2');
  });

  it('accepts a Redis Cluster for queues and cache', () => {
    const url = 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001';
    expect(loadConfig({ REDIS_URL: url })).toMatchObject({ redisUrl: url, cacheRedisUrl: url });
  });

  it('accepts the small demonstration grid', () => {
    expect(loadConfig({ HC_WINDOW_SECONDS: '60', HC_SLOT_SECONDS: '10', HC_GRACE_SECONDS: '5' }).grid).toEqual({
      windowSeconds: 60,
      slotSeconds: 10,
      graceSeconds: 5,
    });
  });

  it('treats an empty string as unset', () => {
    expect(loadConfig({ HC_CONTACT_SECONDS: '', HC_SLOT_SECONDS: '60' }).contact).toEqual({
      radiusMeters: 20,
      seconds: 60,
    });
  });

  it.each([
    [{ HC_CONTACT_SECONDS: '301' }, 'HC_CONTACT_SECONDS'],
    [{ HC_WINDOW_SECONDS: '60', HC_SLOT_SECONDS: '7' }, 'HC_SLOT_SECONDS'],
    [{ HC_SLOT_SECONDS: 'five' }, 'HC_SLOT_SECONDS'],
    [{ HC_WINDOW_SECONDS: '0' }, 'HC_WINDOW_SECONDS'],
    [{ HC_GRACE_SECONDS: '-1' }, 'HC_GRACE_SECONDS'],
    [{ HC_GEOHASH_PRECISION: '13' }, 'HC_GEOHASH_PRECISION'],
    [{ HC_CONTACT_RADIUS_METERS: '-5' }, 'HC_CONTACT_RADIUS_METERS'],
    [{ API_PORT: '70000' }, 'API_PORT'],
    [{ BATCH_METRICS_PORT: 'x' }, 'BATCH_METRICS_PORT'],
    [{ HC_METRICS_HOST: 'localhost' }, 'HC_METRICS_HOST'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ CACHE_REDIS_URL: 'redis+cluster://cache-a' }, 'CACHE_REDIS_URL'],
    [{ HC_JWT_SECRET: 'short' }, 'HC_JWT_SECRET'],
    [{ HC_EXPOSURE_REVIEW_SECONDS: '1000' }, 'HC_EXPOSURE_REVIEW_SECONDS'],
    [{ HC_ADMIN_PASSWORD: 'short' }, 'HC_ADMIN_PASSWORD'],
    [{ HC_RETENTION_DAYS: '1.5' }, 'HC_RETENTION_DAYS'],
    [{ HC_RETENTION_DAYS: '2' }, 'HC_RETENTION_DAYS'],
    [{ HC_RETENTION_DAYS: '3', HC_INFECTIOUS_LOOKBACK_SECONDS: '259200' }, 'HC_RETENTION_DAYS'],
    [{ LOG_FORMAT: 'text' }, 'LOG_FORMAT'],
    [{ HC_HTTP_HEADERS_TIMEOUT_SECONDS: '40' }, 'HC_HTTP_HEADERS_TIMEOUT_SECONDS'],
    [{ HC_HTTP_MAX_CONNECTIONS: '0' }, 'HC_HTTP_MAX_CONNECTIONS'],
    [{ HC_MAX_SPEED_KMH: '0' }, 'HC_MAX_SPEED_KMH'],
    [{ HC_MAX_PINGS_PER_SLOT: '0' }, 'HC_MAX_PINGS_PER_SLOT'],
    [{ HC_TRUST_PROXY: 'true' }, 'HC_TRUST_PROXY'],
    [{ HC_TRUST_PROXY: 'yes' }, 'HC_TRUST_PROXY'],
    [{ HC_TRUST_PROXY: '10.0.0.0/8, proxy.internal' }, 'HC_TRUST_PROXY'],
    [{ HC_TRUST_PROXY: '10.0.0.0/33' }, 'HC_TRUST_PROXY'],
    [{ HC_TRUST_PROXY: '10.0.0.0/0' }, 'HC_TRUST_PROXY'],
    [{ HC_TRUST_PROXY: '-1' }, 'HC_TRUST_PROXY'],
    [{ HC_TRUST_PROXY: '33' }, 'HC_TRUST_PROXY'],
  ])('refuses %j naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });
});
