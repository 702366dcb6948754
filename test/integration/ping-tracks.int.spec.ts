import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { createCacheRedis, PingTracks } from '#libs/cache/index.js';
import { redisUrl, testKeyPrefix } from '../support/redis.js';

const limits = { horizonMs: 600_000, horizonSlots: 2 };
const home = { tsMs: 1_764_580_800_000, position: 'u33dc0cpzz', accuracy: 0 };
/** Lets the settle calls (not awaited by their callers) reach Redis before the next command. */
const settled = () => new Promise((r) => setTimeout(r, 50));

describe('PingTracks (a person recent pings, real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let tracks: PingTracks;

  beforeAll(() => {
    redis = new Redis(redisUrl());
  });

  afterAll(async () => {
    await redis.quit();
  });

  beforeEach(() => {
    prefix = testKeyPrefix(`track-${Math.random().toString(36).slice(2)}`);
    tracks = new PingTracks(redis, prefix, limits);
  });

  it('knows nothing of a new person, then the newest ping settled and the pings reserved per slot', async () => {
    expect(await tracks.reserve('7', new Map([[100, 2]]), 99)).toEqual({
      known: { last: null, slotCounts: new Map([[100, 0]]) },
      reserved: true,
    });
    tracks.settle('7', home, new Map());
    await settled();
    expect(await tracks.reserve('7', new Map([[100, 1]]), 99)).toEqual({
      known: { last: home, slotCounts: new Map([[100, 2]]) },
      reserved: true,
    });
    expect(await redis.pttl(`${prefix}:track:7`)).toBeGreaterThan(590_000);
  });

  it('keeps the newer of two newest pings, whatever order they are settled in', async () => {
    const later = { tsMs: home.tsMs + 60_000, position: 'u33dc0cpzy', accuracy: 4 };
    tracks.settle('7', later, new Map());
    tracks.settle('7', home, new Map());
    await settled();
    expect((await tracks.reserve('7', new Map(), 0)).known.last).toEqual(later);
  });

  it('reserves as it reads: batches of one person in one turn each see the ones before (one call to Redis)', async () => {
    const send = jest.spyOn(redis, 'sendCommand');
    const seen = await Promise.all(Array.from({ length: 5 }, () => tracks.reserve('7', new Map([[100, 3]]), 99)));
    const commands = send.mock.calls.map(([c]) => (c as { name: string }).name);
    send.mockRestore();
    expect(seen.map((r) => r.known.slotCounts.get(100))).toEqual([0, 3, 6, 9, 12]);
    expect(commands).toHaveLength(1);
    expect(await redis.hget(`${prefix}:track:7`, (100).toString(36))).toBe('15');
  });

  it('gives back what was reserved and not stored; a slot given back whole is dropped', async () => {
    await tracks.reserve(
      '7',
      new Map([
        [100, 5],
        [101, 2],
      ]),
      99,
    );
    tracks.settle(
      '7',
      null,
      new Map([
        [100, 3],
        [101, 2],
      ]),
    );
    await settled();
    expect(await redis.hgetall(`${prefix}:track:7`)).toEqual({ [(100).toString(36)]: '2' });
  });

  it('leaves out slots older than the horizon, and drops them once the track holds too many', async () => {
    const r = await tracks.reserve(
      '7',
      new Map([
        [90, 4],
        [100, 1],
      ]),
      95,
    );
    expect(r.known.slotCounts).toEqual(new Map([[100, 0]]));
    // 2 * horizonSlots + 1 = 5 fields are kept; past that, slots older than the oldest counted go.
    for (const slot of [101, 102, 103, 104]) await tracks.reserve('7', new Map([[slot, 1]]), 100);
    const fields = async () =>
      Object.keys(await redis.hgetall(`${prefix}:track:7`))
        .map((f) => parseInt(f, 36))
        .sort((a, b) => a - b);
    expect(await fields()).toEqual([100, 101, 102, 103, 104]);
    await tracks.reserve('7', new Map([[105, 1]]), 103);
    expect(await fields()).toEqual([103, 104, 105]);
  });

  it('knows nothing, and reserves nothing, while Redis is unreachable', async () => {
    const away = createCacheRedis('redis://127.0.0.1:1');
    try {
      const blind = new PingTracks(away, prefix, limits);
      expect(await blind.reserve('7', new Map([[100, 1]]), 99)).toEqual({
        known: { last: null, slotCounts: new Map() },
        reserved: false,
      });
      expect(() => blind.settle('7', home, new Map())).not.toThrow();
    } finally {
      away.disconnect();
    }
  });
});
