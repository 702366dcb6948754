import type { HttpAppOptions } from '#libs/http/index.js';
import { ApiModule } from './app.module.js';
import { codeRoute } from './codes/code.route.js';
import { ADMIN_API_PREFIX, serveAdminOpenApi } from './admin/admin-docs.js';
import { mountQueueDashboard } from './admin/queue-dashboard.js';
import { serveAdminConsole } from './console/admin-console.js';

/** The api as main.ts runs it, and as the route check (test/e2e) builds it. */
export const httpApp: HttpAppOptions = {
  name: 'api',
  workers: (c) => c.httpWorkers,
  port: (c) => c.ports.api,
  metricsPort: (c) => c.metrics.ports.api,
  module: (c) => ApiModule.forRoot(c),
  openApiTitle: 'Health code API',
  // The admin API is documented for admins only (GET /v1/admin/docs-json), not to the public.
  openApiPrivatePrefix: ADMIN_API_PREFIX,
  configure: async (app, _config, fastLane) => {
    fastLane.add(codeRoute(app));
    serveAdminOpenApi(app, fastLane);
    await mountQueueDashboard(app);
    await serveAdminConsole(app);
  },
};
