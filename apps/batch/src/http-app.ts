import type { HttpAppOptions } from '#libs/http/index.js';
import { BatchModule } from './app.module.js';

/**
 * The batch app serves only health, and metrics on their own port (no API, so no OpenAPI document); its work comes
 * from the BullMQ workers.
 */
export const httpApp: HttpAppOptions = {
  name: 'batch',
  port: (c) => c.ports.batch,
  metricsPort: (c) => c.metrics.ports.batch,
  module: (c) => BatchModule.forRoot(c),
};
