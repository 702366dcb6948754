import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunningProcess } from './processes.js';

/** One reading of an app process's memory. */
export interface MemorySample {
  atMs: number;
  rssBytes: number | null;
  heapUsedBytes: number | null;
}

const PROBE_MODULE = pathToFileURL(fileURLToPath(new URL('./gc-probe.js', import.meta.url))).href;

/** How to start an app with the GC probe (gc-probe.ts) answering into `file`. */
export function gcProbeLaunch(file: string): { nodeArgs: string[]; env: Record<string, string> } {
  return { nodeArgs: ['--expose-gc', '--import', PROBE_MODULE], env: { HC_BENCH_GC_PROBE_FILE: file } };
}

function readProbe(file: string): (MemorySample & { seq: number }) | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as MemorySample & { seq: number };
  } catch {
    return null;
  }
}

/** The app's memory right after full collections (its live set), through the GC probe it was started with. */
export async function liveMemory(proc: RunningProcess, file: string, timeoutMs = 15_000): Promise<MemorySample> {
  const before = readProbe(file)?.seq ?? 0;
  proc.process.kill('SIGUSR2');
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const probe = readProbe(file);
    if (probe && probe.seq > before)
      return { atMs: probe.atMs, rssBytes: probe.rssBytes, heapUsedBytes: probe.heapUsedBytes };
  }
  throw new Error(`${proc.name} did not answer the GC probe in ${timeoutMs} ms (started without it?)`);
}

/**
 * Starts a new peak for /proc/<pid>/status's VmHWM (writing 5 to clear_refs, Linux 4.0+): the peak
 * read after a step is then that step's. False where it cannot (not Linux, not our process).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The process's peak resident memory (VmHWM) in bytes since it started or since resetPeakRss; null where /proc is not readable. */
export function peakRss(pid: number): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}
