import { runHttpApp } from '#libs/http/index.js';
import { IngestModule } from './app.module.js';

await runHttpApp({
  name: 'ingest',
  workers: (c) => c.httpWorkers,
  port: (c) => c.ports.ingest,
  module: (c) => IngestModule.forRoot(c),
  // 1000 pings of ~80 bytes each, with room to spare; more is a 413.
  bodyLimitBytes: 256 * 1024,
});
