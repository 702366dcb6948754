import { runHttpApp } from '#libs/http/index.js';
import { IngestModule } from './app.module.js';
import { PING_BODY_LIMIT_BYTES } from './pings/ping-batch.parser.js';
import { pingsRoute } from './pings/pings.route.js';

await runHttpApp({
  name: 'ingest',
  workers: (c) => c.httpWorkers,
  port: (c) => c.ports.ingest,
  module: (c) => IngestModule.forRoot(c),
  bodyLimitBytes: PING_BODY_LIMIT_BYTES,
  // The JSON case of POST /v1/pings is served by the fast lane; the controller stays for the rest and OpenAPI.
  configure: (app, config, fastLane) => {
    fastLane.add(pingsRoute(app, config));
  },
});
