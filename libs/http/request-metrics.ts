import type { FastifyInstance } from 'fastify';
import { Histogram, register } from 'prom-client';

const NAME = 'http_request_duration_seconds';

type Labels = 'method' | 'route' | 'status';

function histogram(): Histogram<Labels> {
  return (
    (register.getSingleMetric(NAME) as Histogram<Labels> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'HTTP requests by method, route and status: count and latency in seconds',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    })
  );
}

/** Records one request: the route is its pattern, never the raw path (ids would explode the labels). */
export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  histogram().observe({ method, route, status }, seconds);
}

/** Request count and latency for every Fastify route and error, from a Fastify hook. */
export function installRequestMetrics(fastify: FastifyInstance): void {
  const h = histogram();
  fastify.addHook('onResponse', (request, reply, done) => {
    h.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
