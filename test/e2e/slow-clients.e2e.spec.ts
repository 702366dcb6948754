import net from 'node:net';
import type { RunningApp } from '../support/apps.js';
import { call, eventually } from '../support/http.js';
import { startSystem, type TestSystem } from '../support/system.js';

/** A raw connection: what it received, and whether the server closed it. */
interface Conn {
  socket: net.Socket;
  received: () => string;
  closed: () => boolean;
}

function open(url: string): Promise<Conn> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    let closed = false;
    const socket = net.connect(Number(port), hostname);
    socket.on('data', (d) => (received += d));
    socket.on('close', () => (closed = true));
    socket.once('error', (err) => (closed ? undefined : socket.connecting ? reject(err) : undefined));
    socket.once('connect', () => resolve({ socket, received: () => received, closed: () => closed }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `text` a byte every `everyMs` until it is all sent or the server closed the connection; the bytes sent. */
async function trickle(conn: Conn, text: string, everyMs = 100): Promise<number> {
  let sent = 0;
  for (const ch of text) {
    if (conn.closed()) break;
    conn.socket.write(ch);
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

/** Runs `request` over and over while `work` runs; the statuses it got. */
async function meanwhile(work: Promise<unknown>, request: () => Promise<number>): Promise<number[]> {
  let done = false;
  void work.finally(() => (done = true));
  const statuses: number[] = [];
  while (!done) {
    statuses.push(await request());
    await sleep(200);
  }
  return statuses;
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

/**
 * Clients that are slow or many, before they have proven anything: the token is checked before
 * a ping body is read, a client trickling its headers or body is cut off after
 * HC_HTTP_HEADERS_TIMEOUT_SECONDS / HC_HTTP_REQUEST_TIMEOUT_SECONDS while the others are served,
 * and connections beyond HC_HTTP_MAX_CONNECTIONS are closed unanswered.
 */
describe('slow and surplus clients', () => {
  let sys: TestSystem;
  let ingest: RunningApp;
  let capped: RunningApp;
  const users: { userId: string; token: string }[] = [];

  beforeAll(async () => {
    sys = await startSystem('slowclients', ['api', 'ingest'], {
      HC_HTTP_HEADERS_TIMEOUT_SECONDS: '1',
      HC_HTTP_REQUEST_TIMEOUT_SECONDS: '2',
    });
    ingest = sys.apps.ingest!;
    for (let i = 0; i < 2; i++) users.push((await call('POST', `${sys.url('api')}/v1/users`, { body: {} })).body);
    capped = await sys.startApp('ingest', {
      HC_HTTP_MAX_CONNECTIONS: '2',
      HC_HTTP_HEADERS_TIMEOUT_SECONDS: '30',
      HC_HTTP_REQUEST_TIMEOUT_SECONDS: '60',
    });
  }, 90_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const postPings = (token?: string) =>
    call('POST', `${ingest.url}/v1/pings`, {
      token,
      body: { pings: [{ ts: Date.now() - 5_000, geohash: 'u33dc0cp' }] },
    }).then((r) => r.status);

  describe('the token before the body', () => {
    it('answers 401 to a ping body too large for the limit when it comes without a token', async () => {
      const conn = await open(ingest.url);
      conn.socket.write(
        'POST /v1/pings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 300000\r\n\r\n',
      );
      await eventually(async () => conn.closed() || conn.received().includes('\r\n\r\n'), Boolean, 10_000, 'an answer');
      expect(statusOf(conn.received())).toBe(401);
      conn.socket.destroy();
    });

    it('answers 401 without waiting for the body of a request without a token', async () => {
      const conn = await open(ingest.url);
      conn.socket.write(
        'POST /v1/pings HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"pings":[',
      );
      await eventually(async () => conn.closed() || conn.received().includes('\r\n\r\n'), Boolean, 10_000, 'an answer');
      expect(statusOf(conn.received())).toBe(401);
      expect(conn.received()).toMatch(/connection: close/i);
      conn.socket.destroy();
    });

    it('answers 401 before reading the body for the content types Fastify serves too', async () => {
      const r = await call('POST', `${ingest.url}/v1/pings`, {
        rawBody: '<pings/>',
        headers: { 'content-type': 'application/xml' },
      });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: 'AUTH.UNAUTHENTICATED', message: expect.any(String) });
      const admin = await call('POST', `${ingest.url}/v1/pings`, {
        token: 'not-a-token',
        rawBody: 'x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(admin.status).toBe(401);
    });
  });

  it('cuts off a client that trickles its ping body for longer than the request timeout, serving others meanwhile', async () => {
    const conn = await open(ingest.url);
    const body = JSON.stringify({ pings: Array.from({ length: 2 }, () => ({ ts: Date.now(), geohash: 'u33dc0cp' })) });
    conn.socket.write(
      `POST /v1/pings HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${users[0].token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 1000}\r\n\r\n`,
    );
    const slow = trickle(conn, body);
    const others = await meanwhile(slow, () => postPings(users[1].token));
    const sent = await slow;
    expect({ cutOff: conn.closed(), sentAll: sent === body.length }).toEqual({ cutOff: true, sentAll: false });
    expect([0, 408]).toContain(statusOf(conn.received()));
    expect(others.length).toBeGreaterThan(0);
    expect(new Set(others)).toEqual(new Set([202]));
  });

  it('cuts off a client that trickles its headers for longer than the headers timeout, serving others meanwhile', async () => {
    const conn = await open(sys.url('api'));
    conn.socket.write(`GET /v1/codes/me HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${users[0].token}\r\n`);
    const slow = trickle(conn, `X-Trickle: ${'a'.repeat(80)}\r\n\r\n`);
    const others = await meanwhile(slow, () =>
      call('GET', `${sys.url('api')}/v1/codes/me`, { token: users[1].token }).then((r) => r.status),
    );
    expect({ cutOff: conn.closed(), sentAll: (await slow) === 94 }).toEqual({ cutOff: true, sentAll: false });
    expect(others.length).toBeGreaterThan(0);
    expect(new Set(others)).toEqual(new Set([200]));
  });

  it('closes connections beyond HC_HTTP_MAX_CONNECTIONS unanswered, and serves again once they are gone', async () => {
    const conns: Conn[] = [];
    for (let i = 0; i < 6; i++) {
      const conn = await open(capped.url);
      conn.socket.write('GET /health/live HTTP/1.1\r\nHost: test\r\n');
      conns.push(conn);
    }
    const dropped = () => conns.filter((c) => c.closed() && c.received() === '').length;
    await eventually(
      async () => dropped(),
      (n) => n >= 4,
      10_000,
      'connections past the cap closed',
    );
    for (const c of conns) c.socket.destroy();
    const served = await eventually(
      () =>
        fetch(`${capped.url}/health/live`, { headers: { connection: 'close' } }).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      10_000,
      'a new client served',
    );
    expect(served).toBe(200);
  });
});
