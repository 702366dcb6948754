import { spawn } from 'node:child_process';
import { ROOT } from './apps.js';
import type { TestSystem } from './system.js';

/** Runs the operator CLI (as `npm run cli` does, against the test system's database and Redis). */
export function runCli(sys: TestSystem, args: string[], stdin?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/apps/cli/src/main.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...sys.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.stdin.end(stdin ?? '');
    child.on('exit', (code) => resolve({ code, out }));
  });
}
