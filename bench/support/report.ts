import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from '../scenario.js';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  arch: string;
  /** 1-minute load average when the run ended: high means something else was running too. */
  loadAverage1m: number;
}

export interface BenchResults {
  timestamp: string;
  durationSec: number;
  machine: MachineInfo;
  options: Record<string, unknown>;
  loadGenerator: string;
  rows: BenchRow[];
  details: Record<string, Record<string, unknown>>;
  failures: { scenario: string; error: string }[];
}

export function machineInfo(): MachineInfo {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
    loadAverage1m: os.loadavg()[0],
  };
}

function formatNumber(value: number, unit: string): string {
  if (unit === 'ms') return value.toFixed(2);
  if (Number.isInteger(value) || Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(2);
}

/** A plain-text table: scenario, metric, value, baseline, ratio; baselines explained below it. */
export function formatTable(rows: BenchRow[]): string {
  const header = ['scenario', 'metric', 'value', 'baseline', 'ratio'];
  const labels = [...new Set(rows.map((r) => r.baselineLabel).filter((l): l is string => l !== null))];
  const mark = (r: BenchRow) => (r.baselineLabel === null ? '' : ` [${labels.indexOf(r.baselineLabel) + 1}]`);
  const cells = rows.map((r) => [
    r.scenario,
    r.metric,
    `${formatNumber(r.value, r.unit)} ${r.unit}`,
    r.baseline === null ? '-' : `${formatNumber(r.baseline, r.unit)} ${r.unit}${mark(r)}`,
    r.ratio === null ? '-' : r.ratio.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const right = new Set([2, 3, 4]);
  const line = (c: string[]) =>
    c.map((v, i) => (right.has(i) ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  labels.forEach((l, i) => out.push(`[${i + 1}] baseline: ${l}`));
  for (const r of rows.filter((r) => r.note)) out.push(`note (${r.scenario}, ${r.metric}): ${r.note}`);
  return out.join('\n');
}

/** A plain-text table of strings under a title: the first column to the left, the others to the right. */
export function formatGrid(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? (v ?? '').padEnd(widths[i]) : (v ?? '').padStart(widths[i]))).join('  ');
  return [title, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Writes `latest.json` and a dated copy beside it (bench/results/ is git-ignored). */
export function writeResults(dir: string, results: BenchResults): string {
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const latest = path.join(dir, 'latest.json');
  writeFileSync(latest, text);
  const stamp = results.timestamp.replace(/[:.]/g, '-');
  writeFileSync(path.join(dir, `${stamp}${results.options.quick ? '-quick' : ''}.json`), text);
  return latest;
}
