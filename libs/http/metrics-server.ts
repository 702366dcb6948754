import { createServer, type Server } from 'node:http';
import { register } from 'prom-client';

/**
 * Prometheus' port, apart from the app's public one: `GET /metrics` and nothing else. A scrape
 * runs queries (the review queue's gauges read Postgres), so only the scraper should reach it:
 * HC_METRICS_HOST keeps it on loopback unless the deployment opens it to its own network.
 */
export async function serveMetrics(host: string, port: number, metrics: () => Promise<string>): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics().then(
      (text) =>
        res.writeHead(200, { 'content-type': register.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err.message}\n`),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
