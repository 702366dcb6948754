/**
 * The routes the apps serve that are deliberately not in their OpenAPI documents: pages for
 * people, machinery for operators, and Fastify's own. Everything else an app registers must be
 * documented; test/e2e/openapi-coverage.e2e.spec.ts holds the apps to that.
 *
 * `route` is `METHOD /path`: `*` as the method is any method, a path ending in `*` is a prefix.
 * No imports: the tests read this list as plain data.
 */
export const OPENAPI_EXCLUSIONS: readonly { route: string; reason: string }[] = [
  { route: 'HEAD *', reason: 'added by Fastify for every GET (exposeHeadRoutes): the GET without its body' },
  { route: 'GET /health/*', reason: "the orchestrator's liveness and readiness probes, not a client's API" },
  { route: 'GET /docs', reason: 'the OpenAPI UI' },
  { route: 'GET /docs/*', reason: "the OpenAPI UI's scripts and styles" },
  { route: 'GET /docs-json', reason: 'the OpenAPI document itself' },
  { route: 'GET /docs-yaml', reason: 'the OpenAPI document itself, as YAML' },
  { route: 'GET /v1/admin/docs-json', reason: "the admin API's OpenAPI document itself, for admins only" },
  {
    route: '* /admin/queues*',
    reason: "the queue dashboard (bull-board): its pages and the XHRs they make, by the admin's cookie",
  },
  { route: 'GET /admin', reason: 'a redirect to the admin console at /admin/' },
  { route: 'GET /admin/*', reason: "the admin console's static files (HTML, CSS, ES modules): a page for people" },
];

/** The exclusion that covers `METHOD /path`, if any. */
export function openApiExclusionOf(key: string): { route: string; reason: string } | undefined {
  const [method, path] = key.split(' ');
  return OPENAPI_EXCLUSIONS.find(({ route }) => {
    const [m, p] = route.split(' ');
    if (m !== '*' && m !== method) return false;
    return p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p;
  });
}
