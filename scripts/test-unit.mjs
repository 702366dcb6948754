// `npm run test:unit`: the build, then the pure tests alone (jest.config.js's `unit` project). No
// Postgres, no Redis, no global setup: the domain rules, cells, config and parsers in seconds.
// Extra arguments go to Jest, e.g. `npm run test:unit -- libs/geo` or `-- -t NAME`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, ensureDependencies, log, ROOT } from './lib/setup.mjs';

const RESULTS = path.join(ROOT, 'test-artifacts', 'jest-unit-results.json');

fs.rmSync(RESULTS, { force: true });
fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
ensureDependencies();
build();
log('running the unit tests (jest --selectProjects unit)');
const r = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    '--enable-source-maps',
    path.join(ROOT, 'node_modules/jest/bin/jest.js'),
    '--selectProjects',
    'unit',
    '--json',
    `--outputFile=${RESULTS}`,
    ...process.argv.slice(2),
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
if (fs.existsSync(RESULTS)) {
  const t = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  console.log(
    `tests: ${t.numPassedTests} passed, ${t.numFailedTests} failed, ${t.numPendingTests + t.numTodoTests} skipped`,
  );
}
process.exit(r.status ?? 1);
