import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { OperationObject } from '@nestjs/swagger';
import { Counter } from 'prom-client';
import type { AppConfig } from '#libs/config/index.js';
import { toErrorResponse } from './all-errors.filter.js';
import { closeConnectionsWhenClosing } from './graceful-shutdown.js';
import { BodyError } from './json-body.js';
import { observeRequest } from './request-metrics.js';

/**
 * A route answered straight from node:http: the handler returns the JSON body of a `status`
 * (default 200) answer, and may set headers on `res` first (kept on an error answer too).
 */
export interface FastRoute {
  method: 'GET' | 'POST';
  path: string;
  status?: number;
  /** Whether this lane takes the request (from its headers); the others go to Fastify. */
  accepts?: (req: IncomingMessage) => boolean;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;
  /**
   * The route's OpenAPI operation (see openapi.ts), with the classes its schemas refer to. Left out
   * when a controller serves the same method and path and documents it.
   */
  openapi?: { operation: OperationObject; models?: (new () => unknown)[] };
}

const logger = new Logger('fast-lane');

const dropped = new Counter({
  name: 'hc_http_connections_dropped_total',
  help: 'connections closed unanswered because the process held HC_HTTP_MAX_CONNECTIONS already',
});

/** A check of a request's headers (its token) that must pass before its body is read. */
export type HeaderCheck = (req: IncomingMessage) => void;

/**
 * The fast lane: a few hot routes are answered by node:http before Fastify and Nest see the
 * request, keeping the same contract (error shape via toErrorResponse, request metrics). It exists
 * for `GET /v1/codes/me`, which every phone calls all day: measured on 2 cores, Fastify's and
 * Nest's per-request work cost about a quarter of the throughput of that route. `POST /v1/pings`
 * (ingest) is the other one: every phone's pings.
 */
export class FastLane {
  private routes = new Map<string, FastRoute>();
  private checks = new Map<string, HeaderCheck>();

  /** `limits`: the server's timeouts and connection cap (AppConfig.http); Node's defaults without. */
  constructor(private readonly limits?: AppConfig['http']) {}

  add(route: FastRoute): void {
    this.routes.set(`${route.method} ${route.path}`, route);
  }

  list(): FastRoute[] {
    return [...this.routes.values()];
  }

  /**
   * Runs `check` on `METHOD path` requests that Fastify serves, before Fastify reads their body:
   * a request without a valid token is refused at once rather than after its body arrived and
   * was parsed. (A fast-lane route checks its token first itself.)
   */
  checkBeforeBody(method: FastRoute['method'], path: string, check: HeaderCheck): void {
    this.checks.set(`${method} ${path}`, check);
  }

  /** For Fastify's `serverFactory`: our routes first, everything else to Fastify. */
  serverFactory = (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    const limits = this.limits;
    const server = createServer(
      limits
        ? {
            // Node's defaults (60 s for the headers, 300 s for a request) let a client that trickles
            // bytes hold a connection for minutes; the check runs every second instead of every 30 s.
            headersTimeout: limits.headersTimeoutSeconds * 1000,
            requestTimeout: limits.requestTimeoutSeconds * 1000,
            connectionsCheckingInterval: 1000,
          }
        : {},
      (req, res) => {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const key = `${req.method} ${q < 0 ? url : url.slice(0, q)}`;
        const route = this.routes.size ? this.routes.get(key) : undefined;
        if (route && (!route.accepts || route.accepts(req))) void this.serve(route, req, res);
        else if (this.checks.size && !this.passes(this.checks.get(key), req, res)) return;
        else fastifyHandler(req, res);
      },
    );
    if (limits) {
      server.keepAliveTimeout = limits.keepAliveSeconds * 1000;
      // Beyond it a new connection is closed unanswered (per process): memory and file
      // descriptors stay bounded whatever a flood of connections does.
      server.maxConnections = limits.maxConnections;
      server.on('drop', () => dropped.inc());
    }
    return closeConnectionsWhenClosing(server);
  };

  /** Whether the request passes its header check; if not, it has been answered. */
  private passes(check: HeaderCheck | undefined, req: IncomingMessage, res: ServerResponse): boolean {
    if (!check) return true;
    try {
      check(req);
      return true;
    } catch (err) {
      const [status, body] = toErrorResponse(err);
      this.answer(req, res, status, JSON.stringify(body));
      return false;
    }
  }

  private async serve(route: FastRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let status = route.status ?? 200;
    let body: string;
    try {
      body = JSON.stringify(await route.handle(req, res));
    } catch (err) {
      // The client left, or was cut off (HC_HTTP_REQUEST_TIMEOUT_SECONDS), while its body was read.
      if (req.socket.destroyed) return;
      const [s, b] = toErrorResponse(err);
      if (s === 500) logger.error(err instanceof Error ? err.stack : String(err));
      status = s;
      body = JSON.stringify(b);
      if (err instanceof BodyError && err.closeConnection) res.setHeader('connection', 'close');
    }
    this.answer(req, res, status, body);
    observeRequest(route.method, route.path, status, (performance.now() - started) / 1000);
  }

  private answer(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
    // A body left unread (refused before or while reading it) cannot be followed by another
    // request on this connection.
    if (!req.complete) res.setHeader('connection', 'close');
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}
