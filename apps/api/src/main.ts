import { runHttpApp } from '#libs/http/index.js';
import { ApiModule } from './app.module.js';
import { codeRoute } from './codes/code.route.js';
import { mountQueueDashboard } from './admin/queue-dashboard.js';
import { serveAdminConsole } from './console/admin-console.js';
import { setUpOpenApi } from './openapi.js';

await runHttpApp({
  name: 'api',
  workers: (c) => c.httpWorkers,
  port: (c) => c.ports.api,
  module: (c) => ApiModule.forRoot(c),
  configure: async (app, _config, fastLane) => {
    fastLane.add(codeRoute(app));
    setUpOpenApi(app);
    await mountQueueDashboard(app);
    await serveAdminConsole(app);
  },
});
