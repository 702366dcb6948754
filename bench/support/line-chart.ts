import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ChartAxis {
  label: string;
  /** A logarithmic axis (every value must be above 0): sizes that double, times that grow tenfold. */
  log?: boolean;
}

export interface LineSeries {
  name: string;
  /** [x, y] points; drawn in x order. */
  points: [number, number][];
  /** A dashed line: a baseline rather than the thing measured. */
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  /** A line under the title (what was measured, which run). */
  subtitle?: string;
  x: ChartAxis;
  y: ChartAxis;
  series: LineSeries[];
}

const COLOURS = ['#2f6fb0', '#e0883a', '#5a9e4b', '#9a5ab0', '#b0452f'];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A short label for an axis tick: 1.5k, 20M, 0.25. */
export function tickLabel(v: number): string {
  const abs = Math.abs(v);
  const trim = (x: number) => String(Number(x.toPrecision(3)));
  if (abs >= 1e9) return `${trim(v / 1e9)}G`;
  if (abs >= 1e6) return `${trim(v / 1e6)}M`;
  if (abs >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/** Where the ticks of an axis go: powers of 1, 2, 5 on a log axis, round steps on a linear one. */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
      }
    return out.length >= 2 ? out : [min, max];
  }
  const span = max - min || Math.abs(max) || 1;
  const raw = span / 5;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The axis's range: padded a little, from 0 on a linear axis of positive values. */
function range(values: number[], log: boolean): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (log) {
    if (lo <= 0) throw new Error('a log axis needs values above 0');
    return lo === hi ? [lo / 2, hi * 2] : [lo / 1.2, hi * 1.2];
  }
  const min = Math.min(0, lo);
  return [min, hi === min ? min + 1 : hi + (hi - min) * 0.08];
}

/**
 * A line chart as a standalone SVG (no scripts, no fonts to fetch), a labelled axis per variable
 * (x and y, either logarithmic), a line and marked points per series with each value on hover;
 * written to `dir/file`. Returns the path.
 */
export function writeLineChart(dir: string, file: string, chart: LineChart): string {
  const [left, top, width, height] = [70, chart.subtitle ? 56 : 40, 560, 300];
  const points = chart.series.flatMap((s) => s.points);
  if (!points.length) throw new Error(`${file}: nothing to draw`);
  const [x0, x1] = range(
    points.map((p) => p[0]),
    chart.x.log ?? false,
  );
  const [y0, y1] = range(
    points.map((p) => p[1]),
    chart.y.log ?? false,
  );
  const scale = (v: number, a: number, b: number, log: boolean) =>
    log ? (Math.log(v) - Math.log(a)) / (Math.log(b) - Math.log(a)) : (v - a) / (b - a);
  const px = (v: number) => left + scale(v, x0, x1, chart.x.log ?? false) * width;
  const py = (v: number) => top + height - scale(v, y0, y1, chart.y.log ?? false) * height;
  const legendRows = Math.ceil(chart.series.length / 2);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 30}" height="${top + height + 60 + legendRows * 16}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="20" font-size="14">${escape(chart.title)}</text>`,
  ];
  if (chart.subtitle) parts.push(`<text x="${left}" y="38" fill="#555">${escape(chart.subtitle)}</text>`);
  for (const t of ticks(y0, y1, chart.y.log ?? false)) {
    parts.push(`<line x1="${left}" x2="${left + width}" y1="${py(t)}" y2="${py(t)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${left - 6}" y="${py(t) + 4}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  // Few measured sizes (the usual case): a tick at each, so every point reads off the axis.
  const xs = [...new Set(points.map((p) => p[0]))].sort((a, b) => a - b);
  for (const t of xs.length <= 8 ? xs : ticks(x0, x1, chart.x.log ?? false)) {
    parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${top}" y2="${top + height}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${px(t)}" y="${top + height + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#999"/>`,
    `<text x="${left + width / 2}" y="${top + height + 34}" text-anchor="middle">${escape(chart.x.label)}${chart.x.log ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(16 ${top + height / 2}) rotate(-90)" text-anchor="middle">${escape(chart.y.label)}${chart.y.log ? ' (log scale)' : ''}</text>`,
  );
  chart.series.forEach((s, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const sorted = [...s.points].sort((a, b) => a[0] - b[0]);
    if (sorted.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${sorted.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
      );
    for (const [x, y] of sorted)
      parts.push(
        `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${colour}"><title>${escape(`${s.name}: ${chart.x.label} ${tickLabel(x)}, ${chart.y.label} ${Number(y.toPrecision(4))}`)}</title></circle>`,
      );
    const lx = left + (k % 2) * (width / 2);
    const ly = top + height + 50 + Math.floor(k / 2) * 16;
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${lx + 24}" y="${ly}">${escape(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, file);
  writeFileSync(out, parts.join('\n') + '\n');
  return out;
}
