import { readdirSync, readFileSync } from 'node:fs';

// CPU time from /proc (Linux): how busy the machine was during a measurement, and how much CPU
// each side used. Elsewhere the numbers are null and the scenarios report without them.

const TICKS_PER_SEC = 100; // USER_HZ: 100 on every Linux Node runs on

export interface CpuSnapshot {
  atMs: number;
  /** Whole machine, in ticks: busy and total (all cores). */
  machine: { busy: number; total: number } | null;
  /** utime + stime in ticks, per process group given to `take`. */
  groups: Record<string, number | null>;
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function readStat(pid: number): { ppid: number; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name: state(0) ppid(1) ... utime(11) stime(12).
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

/** CPU ticks of a process and all its descendants (a cluster primary and its workers). */
export function treeTicks(rootPid: number): number | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return null;
  }
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) stats.set(pid, s);
  }
  if (!stats.has(rootPid)) return null;
  const children = new Map<number, number[]>();
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  let ticks = 0;
  const todo = [rootPid];
  while (todo.length) {
    const pid = todo.pop()!;
    ticks += stats.get(pid)?.ticks ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

export function takeCpuSnapshot(groups: Record<string, number | null | undefined>): CpuSnapshot {
  const out: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(groups)) out[name] = pid ? treeTicks(pid) : null;
  return { atMs: Date.now(), machine: machineTicks(), groups: out };
}

export interface CpuUsage {
  /** Share of all cores that was busy, 0..1. */
  machineBusy: number | null;
  /** CPU seconds used per group over the interval. */
  cpuSec: Record<string, number | null>;
  /** Average cores used per group (cpuSec / wall seconds). */
  cores: Record<string, number | null>;
}

export function cpuUsageBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUsage {
  const wallSec = (b.atMs - a.atMs) / 1000;
  const cpuSec: Record<string, number | null> = {};
  const cores: Record<string, number | null> = {};
  for (const name of Object.keys(a.groups)) {
    const x = a.groups[name];
    const y = b.groups[name];
    cpuSec[name] = x === null || y === null || y === undefined ? null : (y - x) / TICKS_PER_SEC;
    cores[name] = cpuSec[name] === null || wallSec <= 0 ? null : cpuSec[name] / wallSec;
  }
  const machineBusy =
    a.machine && b.machine && b.machine.total > a.machine.total
      ? (b.machine.busy - a.machine.busy) / (b.machine.total - a.machine.total)
      : null;
  return { machineBusy, cpuSec, cores };
}

/** This process plus its children that have exited and been reaped (wrk, after its run). */
function selfWithReapedChildrenTicks(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return null;
  }
}

/**
 * Runs `fn` (a load run) and says where the CPU went from the load's start (`onStart`, which `fn`
 * hands to the load generator: its own set-up is left out) to its end: the measured server (with
 * its workers), Redis, Postgres when given, and the load generator (this process and the children it reaped: wrk).
 */
export async function withCpuUsage<T>(
  groups: { server: number; redis: number | null; postgres?: number | null },
  fn: (onStart: (loaderPid: number | null) => void) => Promise<T>,
): Promise<{ result: T; cpu: CpuUsage }> {
  let before: CpuSnapshot | undefined;
  let loadBefore: number | null = null;
  const result = await fn((loaderPid) => {
    if (before) return;
    before = takeCpuSnapshot(groups);
    // wrk's CPU so far (its init) will be among the reaped children's ticks after the run: counted as spent before.
    const self = selfWithReapedChildrenTicks();
    const loader = loaderPid === null ? 0 : treeTicks(loaderPid);
    loadBefore = self === null || loader === null ? null : self + loader;
  });
  const loadAfter = selfWithReapedChildrenTicks();
  const after = takeCpuSnapshot(groups);
  if (!before) throw new Error('the load generator never said that the load started');
  const usage = cpuUsageBetween(before, after);
  const wallSec = (after.atMs - before.atMs) / 1000;
  const loadSec = loadBefore === null || loadAfter === null ? null : (loadAfter - loadBefore) / TICKS_PER_SEC;
  usage.cpuSec.loadGenerator = loadSec;
  usage.cores.loadGenerator = loadSec === null || wallSec <= 0 ? null : loadSec / wallSec;
  return { result, cpu: usage };
}
