import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface BarGroup {
  label: string;
  /** One value per series, in the series' order (0..100). */
  values: number[];
}

const COLOURS = ['#2f6fb0', '#e0883a', '#5a9e4b', '#9a5ab0'];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A grouped bar chart of percentages as a standalone SVG (no scripts, no fonts to fetch), so an
 * operator can open it anywhere; written to `dir/file`. Returns the path.
 */
export function writeBarChart(dir: string, file: string, title: string, series: string[], groups: BarGroup[]): string {
  const barWidth = 18;
  const groupWidth = series.length * barWidth + 40;
  const [left, top, height] = [50, 40, 260];
  const width = Math.max(left + groups.length * groupWidth + 20, left + series.length * 130 + 40);
  const y = (v: number) => top + height - (Math.max(0, Math.min(100, v)) / 100) * height;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 90}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="20" font-size="14">${escape(title)}</text>`,
  ];
  for (const tick of [0, 25, 50, 75, 90, 100]) {
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick}%</text>`);
  }
  groups.forEach((g, i) => {
    const x0 = left + 20 + i * groupWidth;
    g.values.forEach((v, k) => {
      const x = x0 + k * barWidth;
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barWidth - 2}" height="${top + height - y(v)}" fill="${COLOURS[k % COLOURS.length]}"><title>${escape(`${g.label}, ${series[k]}: ${v.toFixed(1)}%`)}</title></rect>`,
      );
    });
    parts.push(
      `<text x="${x0}" y="${top + height + 14}" transform="rotate(20 ${x0} ${top + height + 14})">${escape(g.label)}</text>`,
    );
  });
  series.forEach((s, k) => {
    const x = left + k * 130;
    parts.push(
      `<rect x="${x}" y="${top + height + 62}" width="10" height="10" fill="${COLOURS[k % COLOURS.length]}"/>`,
    );
    parts.push(`<text x="${x + 14}" y="${top + height + 71}">${escape(s)}</text>`);
  });
  parts.push('</svg>');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, file);
  writeFileSync(out, parts.join('\n') + '\n');
  return out;
}
