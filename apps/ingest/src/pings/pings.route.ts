import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ThrottlerException, ThrottlerStorage } from '@nestjs/throttler';
import { Counter } from 'prom-client';
import { TokenService } from '#libs/auth/index.js';
import type { AppConfig } from '#libs/config/index.js';
import { DomainError, ErrorCode } from '#libs/domain/index.js';
import { isPlainJson, parseJsonBody, readBody, type FastRoute } from '#libs/http/index.js';
import { PING_BODY_LIMIT_BYTES } from './ping-batch.parser.js';
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

/** The user of a request's token: 401 without a valid one, 403 for an admin's. */
function userOf(tokens: TokenService, req: IncomingMessage): string {
  const principal = tokens.authenticate(req.headers.authorization);
  if (principal.kind !== 'user') throw new DomainError(ErrorCode.FORBIDDEN, 'this route is for users');
  return principal.userId;
}

/** The token check of `POST /v1/pings` for the controller's content types, run before Fastify reads the body. */
export function pingsTokenCheck(app: NestFastifyApplication): (req: IncomingMessage) => void {
  const tokens = app.get(TokenService);
  return (req) => void userOf(tokens, req);
}

/**
 * `POST /v1/pings` with a JSON body, served from the fast lane (libs/http/fast-lane.ts): every
 * phone's pings, so Fastify's and Nest's per-request work is skipped. Step by step: the token
 * (401, 403) before a byte of the body is read, so a stranger costs no reading or parsing; the
 * body (413, 400); the per-user limit (429 with Retry-After, the same Redis counter under the same
 * key as the controller's ThrottlerGuard, and its X-RateLimit-* headers); then the batch
 * (PingsService). The other content types, served by the controller, get the same token check
 * first (pingsTokenCheck).
 */
export function pingsRoute(app: NestFastifyApplication, config: AppConfig): FastRoute {
  const tokens = app.get(TokenService);
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
      const userId = userOf(tokens, req);
      const raw = await readBody(req, PING_BODY_LIMIT_BYTES);
      // The body phones send is read straight from its bytes; any other is JSON (400 if it is not), checked below.
      const scanned = scanPingBatch(raw, precision);
      const body = scanned ? null : parseJsonBody(raw);
      (scanned ? readAs.compact : readAs.json).inc();
      const key = hash('sha256', keyPrefix + userId);
      const hit = await limiter.increment(key, RATE_WINDOW_MS, limit, RATE_WINDOW_MS, 'default');
      if (hit.isBlocked) {
        res.setHeader('Retry-After', hit.timeToBlockExpire);
        throw new ThrottlerException();
      }
      res.setHeader('X-RateLimit-Limit', limit);
      res.setHeader('X-RateLimit-Remaining', Math.max(0, limit - hit.totalHits));
      res.setHeader('X-RateLimit-Reset', hit.timeToExpire);
      return scanned ? pings.store(userId, scanned) : pings.ingest(userId, body);
    },
  };
}
