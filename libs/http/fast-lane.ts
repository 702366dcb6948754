import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { OperationObject } from '@nestjs/swagger';
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

/**
 * The fast lane: a few hot routes are answered by node:http before Fastify and Nest see the
 * request, keeping the same contract (error shape via toErrorResponse, request metrics). It exists
 * for `GET /v1/codes/me`, which every phone calls all day: measured on 2 cores, Fastify's and
 * Nest's per-request work cost about a quarter of the throughput of that route. `POST /v1/pings`
 * (ingest) is the other one: every phone's pings.
 */
export class FastLane {
  private routes = new Map<string, FastRoute>();

  add(route: FastRoute): void {
    this.routes.set(`${route.method} ${route.path}`, route);
  }

  list(): FastRoute[] {
    return [...this.routes.values()];
  }

  /** For Fastify's `serverFactory`: our routes first, everything else to Fastify. */
  serverFactory = (fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void): Server =>
    closeConnectionsWhenClosing(
      createServer((req, res) => {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const route = this.routes.size ? this.routes.get(`${req.method} ${q < 0 ? url : url.slice(0, q)}`) : undefined;
        if (route && (!route.accepts || route.accepts(req))) void this.serve(route, req, res);
        else fastifyHandler(req, res);
      }),
    );

  private async serve(route: FastRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let status = route.status ?? 200;
    let body: string;
    try {
      body = JSON.stringify(await route.handle(req, res));
    } catch (err) {
      const [s, b] = toErrorResponse(err);
      if (s === 500) logger.error(err instanceof Error ? err.stack : String(err));
      status = s;
      body = JSON.stringify(b);
      // A body left unread (too large) cannot be followed by another request on this connection.
      if (err instanceof BodyError && err.closeConnection) res.setHeader('connection', 'close');
    }
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    observeRequest(route.method, route.path, status, (performance.now() - started) / 1000);
  }
}
