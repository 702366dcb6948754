import type { Scenario } from '../scenario.js';
import { batch } from './batch.js';
import { citus } from './citus.js';
import { ingest } from './ingest.js';
import { ingestGrowth } from './ingest-growth.js';
import { quality } from './quality.js';
import { read } from './read.js';
import { readGrowth } from './read-growth.js';
import { soak } from './soak.js';
import { traceGrowth } from './trace-growth.js';

/**
 * Every scenario `npm run bench` knows, in the order they run. A new scenario is a module in this
 * folder exporting a `Scenario`, added here. The soak runs only when asked for (`--soak MINUTES`), the
 * growth scenarios (the same measurements on large tables, tens of minutes each) only by name.
 */
export const SCENARIOS: readonly Scenario[] = [
  read,
  ingest,
  batch,
  quality,
  soak,
  ingestGrowth,
  traceGrowth,
  readGrowth,
  citus,
];
