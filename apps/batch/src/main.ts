import { runHttpApp } from '#libs/http/index.js';
import { BatchModule } from './app.module.js';

// The batch app serves only health and metrics; its work comes from the BullMQ workers.
await runHttpApp({ name: 'batch', port: (c) => c.ports.batch, module: (c) => BatchModule.forRoot(c) });
