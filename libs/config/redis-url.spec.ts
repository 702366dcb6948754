import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it.each(['redis://127.0.0.1:6379', 'rediss://user:secret@cache.example:6380/2'])('takes %s as one server', (url) => {
    expect(parseRedisUrl(url)).toEqual({ kind: 'single', url });
  });

  it.each([
    [
      'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002',
      { nodes: [7000, 7001, 7002].map((port) => ({ host: '127.0.0.1', port })), tls: false },
    ],
    ['redis+cluster://redis-a:6379/', { nodes: [{ host: 'redis-a', port: 6379 }], tls: false }],
    [
      'rediss+cluster://:p%40ss@a.example:6379,b.example:6379',
      {
        nodes: [
          { host: 'a.example', port: 6379 },
          { host: 'b.example', port: 6379 },
        ],
        password: 'p@ss',
        tls: true,
      },
    ],
    [
      'redis+cluster://app:pw@[::1]:7000',
      { nodes: [{ host: '::1', port: 7000 }], username: 'app', password: 'pw', tls: false },
    ],
  ])('takes %s as the seed nodes of a cluster', (url, expected) => {
    expect(parseRedisUrl(url)).toEqual({ kind: 'cluster', ...expected });
  });

  it.each([
    'http://127.0.0.1:6379',
    'redis+cluster://',
    'redis+cluster://a:7000,b',
    'redis+cluster://a:0',
    'redis+cluster://a:7000,,b:7001',
    'redis+cluster://a:7000/1',
    '127.0.0.1:6379',
  ])('refuses %s', (url) => {
    expect(parseRedisUrl(url)).toBeNull();
  });
});
