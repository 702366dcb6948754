import type { Scenario } from '../scenario.js';
import { batch } from './batch.js';
import { ingest } from './ingest.js';
import { quality } from './quality.js';
import { read } from './read.js';

/**
 * Every scenario `npm run bench` knows, in the order they run. A new scenario is a module in this
 * folder exporting a `Scenario`, added here (planned: soak).
 */
export const SCENARIOS: readonly Scenario[] = [read, ingest, batch, quality];
