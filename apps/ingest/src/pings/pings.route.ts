import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ThrottlerException, ThrottlerStorage } from '@nestjs/throttler';
import { Counter } from 'prom-client';
import { UserAuthenticator } from '#libs/auth/index.js';
import type { AppConfig } from '#libs/config/index.js';
import { isPlainJson, parseJsonBody, readBody, type FastRoute } from '#libs/http/index.js';
import { parsePingBatch, PING_BODY_LIMIT_BYTES, type ParsedPing } from './ping-batch.parser.js';
import { scanPingBatch } from './ping-batch.scanner.js';
import { PingsController } from './pings.controller.js';
import { PingsService } from './pings.service.js';

const RATE_WINDOW_MS = 60_000;

// How the phones' bodies are read: a client release that stops sending the compact form costs the
// ingest tier CPU (docs/benchmarks.md), and this shows it.
const bodies = new Counter({
  name: 'hc_ping_bodies_total',
  help: 'JSON ping bodies read by the fast lane: compact (scanned from its bytes) or json (parsed)',
  labelNames: ['read'],
});
const readAs = { compact: bodies.labels('compact'), json: bodies.labels('json') };

/**
 * The token check of `POST /v1/pings` for the controller's content types, run before Fastify reads
 * the body: signature and expiry (401), kind (403). The controller's UserAuthGuard then checks the
 * token version.
 */
export function pingsTokenCheck(app: NestFastifyApplication): (req: IncomingMessage) => void {
  const users = app.get(UserAuthenticator);
  return (req) => void users.verify(req.headers.authorization);
}

/**
 * `POST /v1/pings` with a JSON body, served from the fast lane (libs/http/fast-lane.ts): every
 * phone's pings, so Fastify's and Nest's per-request work is skipped. Step by step: the token's
 * signature and expiry (401, 403) before a byte of the body is read, so a stranger costs no
 * reading or parsing; the body (413, 400); the token's version against the person's (401 once
 * revoked: a Redis GET of the code read model, sent while the body arrives, so no Postgres query
 * unless the entry is missing) together with the per-user limit (429 with Retry-After, the same
 * Redis counter under the same key as the controller's ThrottlerGuard, and its X-RateLimit-*
 * headers), and in the same round trip the person's recent track for the plausibility rule; then
 * the batch (PingsService). The other content types, served by the controller, get the same token check
 * first (pingsTokenCheck).
 */
export function pingsRoute(app: NestFastifyApplication, config: AppConfig): FastRoute {
  const users = app.get(UserAuthenticator);
  const pings = app.get(PingsService);
  const limiter = app.get<ThrottlerStorage>(ThrottlerStorage, { strict: false });
  const limit = config.pingBatchesPerMinute;
  const precision = config.geohashPrecision;
  // ThrottlerGuard's key: sha256 of `<controller>-<handler>-<throttler name>-<tracker>`.
  const keyPrefix = `${PingsController.name}-${PingsController.prototype.ingest.name}-default-`;
  return {
    method: 'POST',
    path: '/v1/pings',
    status: 202,
    accepts: (req) => isPlainJson(req.headers['content-type']),
    handle: async (req, res) => {
      const principal = users.verify(req.headers.authorization);
      const { userId } = principal;
      const current = users.current(principal);
      // Awaited below; until then a refusal (or a body error first) must not count as unhandled.
      current.catch(() => undefined);
      const raw = await readBody(req, PING_BODY_LIMIT_BYTES);
      // The body phones send is read straight from its bytes; any other is JSON (400 if it is not), checked below.
      const scanned = scanPingBatch(raw, precision);
      const body = scanned ? null : parseJsonBody(raw);
      (scanned ? readAs.compact : readAs.json).inc();
      // A malformed batch is answered 400 after the rate limit, as the controller answers it.
      let checked: ParsedPing[] | null = scanned;
      let malformed: unknown = null;
      if (!checked)
        try {
          checked = parsePingBatch(body, precision);
        } catch (err) {
          malformed = err;
        }
      const batch = checked && pings.admit(userId, checked);
      const key = hash('sha256', keyPrefix + userId);
      // All at once: one round trip of waiting (the rate-limit hit and the person's track go to
      // Redis together). A revoked token is a 401 whatever the count says.
      const [, hit] = await Promise.all([
        current,
        limiter.increment(key, RATE_WINDOW_MS, limit, RATE_WINDOW_MS, 'default'),
        batch?.reservation,
      ]).catch((err: unknown) => {
        if (batch) pings.withdraw(userId, batch);
        throw err;
      });
      if (hit.isBlocked) {
        if (batch) pings.withdraw(userId, batch);
        res.setHeader('Retry-After', hit.timeToBlockExpire);
        throw new ThrottlerException();
      }
      res.setHeader('X-RateLimit-Limit', limit);
      res.setHeader('X-RateLimit-Remaining', Math.max(0, limit - hit.totalHits));
      res.setHeader('X-RateLimit-Reset', hit.timeToExpire);
      if (!batch) throw malformed;
      return pings.store(userId, batch);
    },
  };
}
