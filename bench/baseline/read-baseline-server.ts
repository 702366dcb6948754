// The floor the read path is measured against: a bare node:http server doing what
// GET /v1/codes/me must do at the least - one Redis GET of the same key, a JSON answer of the same
// shape - and nothing else (no framework, no validation, no logging, no Postgres fall-back).
//
// The user id comes from the bearer token's payload (`sub`), decoded WITHOUT checking the
// signature: the baseline is the cost of the Redis round trip and HTTP, and signature checking is
// part of what the API is measured for. A missing key answers 404.
//
// One process per core by default (node:cluster, the primary only forks), as a production Node
// service is run; BASELINE_WORKERS sets the number. Env: PORT, REDIS_URL, HC_KEY_PREFIX.
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import { Redis } from 'ioredis';

const COLORS: Record<string, string> = { g: 'green', y: 'yellow', r: 'red' };
const iso = (base36Sec: string): string => new Date(parseInt(base36Sec, 36) * 1000).toISOString();

function userIdOf(authorization: string | undefined): string | null {
  if (!authorization?.startsWith('Bearer ')) return null;
  const payload = authorization.split('.')[1];
  if (!payload) return null;
  try {
    const sub = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

/** `version|colour|updatedSec|expiresSec|reason` (libs/cache/code-view.ts) -> the phone's JSON. */
function answer(userId: string, raw: string): string {
  const [, color, updated, expires, ...reason] = raw.split('|');
  return JSON.stringify({
    userId,
    color: COLORS[color] ?? 'unknown',
    reason: reason.join('|'),
    updatedAt: iso(updated),
    expiresAt: expires ? iso(expires) : null,
    tracedUntil: null,
  });
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function serve(): void {
  let allListening = false;
  process.on('message', (m) => {
    if (m === 'all-listening') allListening = true;
  });
  const prefix = process.env.HC_KEY_PREFIX ?? 'hc';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
  });
  const server = http.createServer((req, res) => {
    if (req.url === '/v1/codes/me' && req.method === 'GET') {
      const userId = userIdOf(req.headers.authorization);
      if (!userId) return send(res, 401, '{"error":"unauthenticated","message":"a bearer token is required"}');
      redis.get(`${prefix}:code:${userId}`).then(
        (raw) =>
          raw === null
            ? send(res, 404, '{"error":"not_found","message":"no health code for this user"}')
            : send(res, 200, answer(userId, raw)),
        () => send(res, 503, '{"error":"unavailable","message":"redis is unavailable"}'),
      );
      return;
    }
    if (req.url === '/health/ready') {
      if (!allListening) return send(res, 503, '{"status":"starting"}');
      redis.ping().then(
        () => send(res, 200, '{"status":"ok"}'),
        () => send(res, 503, '{"status":"error"}'),
      );
      return;
    }
    send(res, 404, '{"error":"not_found","message":"no such route"}');
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 3100), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    redis.disconnect();
  });
}

if (cluster.isPrimary) {
  const workers = Number(process.env.BASELINE_WORKERS || os.availableParallelism());
  for (let i = 0; i < workers; i++) cluster.fork();
  // Ready only once every worker listens, so the measurement starts with all of them.
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) for (const w of Object.values(cluster.workers ?? {})) w?.send('all-listening');
  });
  let stopping = false;
  const stopAll = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
  };
  cluster.on('exit', (worker, code) => {
    if (!stopping) {
      console.error(`baseline worker ${worker.process.pid} exited (${code}); stopping`);
      process.exitCode = 1;
      stopAll();
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
  });
  process.on('SIGTERM', stopAll);
  process.on('SIGINT', stopAll);
} else {
  serve();
}
