import type { Scenario } from '../scenario.js';
import { read } from './read.js';

/**
 * Every scenario `npm run bench` knows, in the order they run. A new scenario is a module in this
 * folder exporting a `Scenario`, added here (planned: ingest, batch, quality, soak).
 */
export const SCENARIOS: readonly Scenario[] = [read];
