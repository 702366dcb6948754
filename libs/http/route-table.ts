import type { FastifyInstance } from 'fastify';
import type { FastLane } from './fast-lane.js';

/**
 * Records every route the app answers, as `METHOD /path` (Fastify's `:param` syntax): Fastify's
 * (Nest controllers, plugins, static files, HEAD routes) from its onRoute hook, plus the fast
 * lane's, which Fastify never sees. It is what an app really serves, whatever its controllers
 * declare: the OpenAPI check compares the document with it. Install before any route is added.
 */
export function recordRoutes(fastify: FastifyInstance, fastLane: FastLane): () => string[] {
  const seen = new Set<string>();
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) seen.add(`${method} ${route.url}`);
  });
  return () => [...new Set([...seen, ...fastLane.list().map((r) => `${r.method} ${r.path}`)])].sort();
}
