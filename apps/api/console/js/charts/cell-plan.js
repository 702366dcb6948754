// Where a person met each source, as a local plan (inline SVG, north up, no map tiles): the
// geohash cells of the meetings in one colour per source, each source's closest pings drawn as
// two dots that far apart at the plan's scale, and a scale bar.
import { h, s } from '../dom.js';
import { distance, duration } from '../format.js';
import { cellBounds, metresPerDegree } from '../geohash.js';
import { t } from '../i18n.js';

const MAX_SIDE = 40; // cells per side drawn as a grid; a wider spread is drawn without grid lines
const SIZE = 480;
const PALETTE = 6; // .src-0 .. .src-5 in console.css

function layout(boxes) {
  const south = Math.min(...boxes.map((b) => b.south)),
    north = Math.max(...boxes.map((b) => b.north));
  const west = Math.min(...boxes.map((b) => b.west)),
    east = Math.max(...boxes.map((b) => b.east));
  const cellW = Math.min(...boxes.map((b) => b.east - b.west)),
    cellH = Math.min(...boxes.map((b) => b.north - b.south));
  // One cell of margin around everything, snapped to the geohash grid of the finest cell.
  const x0 = (Math.floor((west + 180) / cellW) - 1) * cellW - 180;
  const y1 = (Math.ceil((north + 90) / cellH) + 1) * cellH - 90;
  const cols = Math.round((east - x0) / cellW) + 1;
  const rows = Math.round((y1 - south) / cellH) + 1;
  const m = metresPerDegree((south + north) / 2);
  // Square metres stay square; the longer side of the picture is SIZE pixels.
  const pxPerLon = SIZE / Math.max(cols * cellW, (rows * cellH * m.lat) / m.lon);
  const pxPerLat = pxPerLon * (m.lat / m.lon);
  return {
    x0,
    y1,
    cols,
    rows,
    cellW,
    cellH,
    pxPerLon,
    pxPerLat,
    pxPerMetre: pxPerLon / m.lon,
    width: cols * cellW * pxPerLon,
    height: rows * cellH * pxPerLat,
  };
}

/** The longest of 1, 2 or 5 times a power of ten metres that fits in `maxMetres`. */
export function niceLength(maxMetres) {
  const power = 10 ** Math.floor(Math.log10(Math.max(maxMetres, 0.1)));
  return [5, 2, 1].map((f) => f * power).find((len) => len <= maxMetres) ?? power;
}

function gridLines(g) {
  if (g.cols > MAX_SIDE || g.rows > MAX_SIDE) return [];
  const lines = [];
  for (let c = 0; c <= g.cols; c++) {
    const x = c * g.cellW * g.pxPerLon;
    lines.push(s('line', { class: 'grid-line', x1: x, x2: x, y1: 0, y2: g.height }));
  }
  for (let r = 0; r <= g.rows; r++) {
    const y = r * g.cellH * g.pxPerLat;
    lines.push(s('line', { class: 'grid-line', x1: 0, x2: g.width, y1: y, y2: y }));
  }
  return lines;
}

function scaleBar(g) {
  const metres = niceLength(g.width / g.pxPerMetre / 4);
  const len = metres * g.pxPerMetre;
  const x = 10,
    y = g.height - 12;
  return s(
    'g',
    { class: 'scale-bar' },
    s('rect', { class: 'scale-back', x: x - 4, y: y - 16, width: len + 8, height: 24 }),
    s('line', { x1: x, x2: x + len, y1: y, y2: y }),
    s('line', { x1: x, x2: x, y1: y - 4, y2: y + 4 }),
    s('line', { x1: x + len, x2: x + len, y1: y - 4, y2: y + 4 }),
    s('text', { x: x + len / 2, y: y - 5, 'text-anchor': 'middle' }, distance(metres)),
  );
}

function northArrow(g) {
  const x = g.width - 16;
  return s(
    'g',
    { class: 'north' },
    s('path', { d: `M ${x} 8 L ${x + 6} 24 L ${x} 20 L ${x - 6} 24 Z` }),
    s('text', { x, y: 36, 'text-anchor': 'middle' }, t('plan.north')),
  );
}

/** Two dots the closest pings' distance apart, at the middle of the source's cells. */
function closestMark(g, boxes, closest, cls) {
  const cx = boxes.reduce((sum, b) => sum + ((b.west + b.east) / 2 - g.x0) * g.pxPerLon, 0) / boxes.length;
  const cy = boxes.reduce((sum, b) => sum + (g.y1 - (b.north + b.south) / 2) * g.pxPerLat, 0) / boxes.length;
  const half = (closest.meters * g.pxPerMetre) / 2;
  const text = t('plan.closest', { distance: distance(closest.meters), apart: duration(closest.secondsApart) });
  return s(
    'g',
    { class: `closest ${cls}` },
    s('line', { x1: cx - half, x2: cx + half, y1: cy, y2: cy }),
    s('circle', { cx: cx - half, cy, r: 3 }),
    s('circle', { cx: cx + half, cy, r: 3 }),
    s('text', { x: cx, y: cy - 7, 'text-anchor': 'middle' }, text),
    s('title', null, text),
  );
}

/** exposures: [{ sourceId, cells, closest: { meters, secondsApart } | null }] */
export function cellPlan(exposures) {
  const sources = exposures.map((e, i) => ({
    ...e,
    cls: `src-${i % PALETTE}`,
    boxes: [...new Set(e.cells)].map((c) => ({ cell: c, ...cellBounds(c) })).filter((b) => Number.isFinite(b.north)),
  }));
  const all = sources.flatMap((src) => src.boxes);
  if (!all.length) return h('p', { class: 'empty' }, t('plan.noCells'));
  const g = layout(all);
  const cellRect = (box, src) =>
    s(
      'rect',
      {
        class: `cell ${src.cls}`,
        x: ((box.west - g.x0) * g.pxPerLon).toFixed(1),
        y: ((g.y1 - box.north) * g.pxPerLat).toFixed(1),
        width: Math.max(3, (box.east - box.west) * g.pxPerLon).toFixed(1),
        height: Math.max(3, (box.north - box.south) * g.pxPerLat).toFixed(1),
      },
      s('title', null, t('plan.cellTitle', { cell: box.cell, source: src.sourceId })),
    );
  const picture = s(
    'svg',
    {
      class: 'cell-plan',
      role: 'img',
      'aria-label': t('plan.label', { count: all.length, sources: sources.length }),
      viewBox: `0 0 ${g.width.toFixed(1)} ${g.height.toFixed(1)}`,
      width: g.width.toFixed(0),
      height: g.height.toFixed(0),
    },
    gridLines(g),
    sources.map((src) => src.boxes.map((box) => cellRect(box, src))),
    sources.map((src) => (src.closest && src.boxes.length ? closestMark(g, src.boxes, src.closest, src.cls) : null)),
    scaleBar(g),
    northArrow(g),
  );
  return h(
    'figure',
    { class: 'picture' },
    picture,
    h(
      'figcaption',
      null,
      h(
        'ul',
        { class: 'legend' },
        sources.map((src) =>
          h(
            'li',
            null,
            h('span', { class: `key ${src.cls}` }),
            ' ',
            t('plan.legend', { source: src.sourceId, cells: src.boxes.map((b) => b.cell).join(' ') }),
          ),
        ),
      ),
      h('p', null, t('plan.caption')),
    ),
  );
}
