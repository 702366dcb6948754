import type { HttpAppOptions } from '#libs/http/index.js';
import { IngestModule } from './app.module.js';
import { PING_BODY_LIMIT_BYTES } from './pings/ping-batch.parser.js';
import { pingsRoute, pingsTokenCheck } from './pings/pings.route.js';

/** The ingest app as main.ts runs it, and as the route check (test/e2e) builds it. */
export const httpApp: HttpAppOptions = {
  name: 'ingest',
  workers: (c) => c.httpWorkers,
  port: (c) => c.ports.ingest,
  metricsPort: (c) => c.metrics.ports.ingest,
  module: (c) => IngestModule.forRoot(c),
  bodyLimitBytes: PING_BODY_LIMIT_BYTES,
  openApiTitle: 'Health code ingest',
  // The JSON case of POST /v1/pings is served by the fast lane; the controller serves the rest and documents both.
  configure: (app, config, fastLane) => {
    fastLane.add(pingsRoute(app, config));
    fastLane.checkBeforeBody('POST', '/v1/pings', pingsTokenCheck(app));
  },
};
