import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';

/** A client that keeps a connection busy longer than this is cut off. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Marks every response `Connection: close` once the server is closing, so clients on keep-alive
 * connections get their answer and then reconnect (to another process) instead of a 503.
 */
export function closeConnectionsWhenClosing(server: Server): Server {
  let closing = false;
  const close = server.close.bind(server);
  server.close = (callback?: (err?: Error) => void) => {
    closing = true;
    return close(callback);
  };
  server.prependListener('request', (_req, res) => {
    if (closing) res.setHeader('connection', 'close');
  });
  return server;
}

/**
 * SIGTERM/SIGINT: first stop taking connections and let the requests on open ones finish (each
 * answered normally, then its connection closed), and only then run Nest's shutdown (queues,
 * pools, writers drain), so no request meets a closed database pool and no client sees a 5xx.
 */
export function installGracefulShutdown(app: INestApplication): void {
  let started = false;
  const stop = async () => {
    if (started) return;
    started = true;
    const server = app.getHttpServer() as Server;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, DRAIN_TIMEOUT_MS);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
