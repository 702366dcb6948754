import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What the ingest scenario's COPY baseline (bench/baseline/ingest-copy-baseline.ts) printed. */
export interface CopyRun {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  streams: number;
  chunkRows: number;
  commits: number;
  days: string[];
  maxBatchesPerUser: number;
  cpu: {
    machineBusy: number | null;
    postgresCores: number | null;
    postgresCpuSec: number | null;
    clientCores: number;
    clientCpuSec: number;
  };
}

/** Runs the COPY baseline as its own process; resolves with what it printed. */
export function runCopyBaseline(env: Record<string, string>): Promise<CopyRun> {
  const script = fileURLToPath(new URL('../baseline/ingest-copy-baseline.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A bench stopped by a signal exits at once: do not leave the baseline copying behind it.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out = (out + d).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      process.off('exit', kill);
      const line = out.split('\n').find((l) => l.startsWith('COPY_JSON '));
      if (code !== 0 || !line) reject(new Error(`the COPY baseline failed (exit ${code}):\n${out}`));
      else resolve(JSON.parse(line.slice('COPY_JSON '.length)) as CopyRun);
    });
  });
}
