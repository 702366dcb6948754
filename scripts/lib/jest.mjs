// Runs Jest over the compiled tests (native ES modules from dist/) and prints one plain closing
// line, `tests: N passed, N failed, N skipped`, that any reader of CI output understands.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './setup.mjs';

/** Answers Jest's exit status; `results` names the JSON report under test-artifacts/. */
export function runJest({ args, results, env = process.env }) {
  const file = path.join(ROOT, 'test-artifacts', results);
  fs.rmSync(file, { force: true });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const r = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      '--enable-source-maps',
      path.join(ROOT, 'node_modules/jest/bin/jest.js'),
      '--json',
      `--outputFile=${file}`,
      ...args,
    ],
    { cwd: ROOT, stdio: 'inherit', env },
  );
  if (fs.existsSync(file)) {
    const t = JSON.parse(fs.readFileSync(file, 'utf8'));
    console.log(
      `tests: ${t.numPassedTests} passed, ${t.numFailedTests} failed, ${t.numPendingTests + t.numTodoTests} skipped`,
    );
  }
  return r.status ?? 1;
}
