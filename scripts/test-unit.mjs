// `npm run test:unit`: the build, then the pure tests alone (jest.config.js's `unit` project). No
// Postgres, no Redis, no global setup: the domain rules, cells, config and parsers in seconds.
// Extra arguments go to Jest, e.g. `npm run test:unit -- libs/geo` or `-- -t NAME`.
import { runJest } from './lib/jest.mjs';
import { build, ensureDependencies, log } from './lib/setup.mjs';

ensureDependencies();
build();
log('running the unit tests (jest --selectProjects unit)');
process.exit(
  runJest({ args: ['--selectProjects', 'unit', ...process.argv.slice(2)], results: 'jest-unit-results.json' }),
);
