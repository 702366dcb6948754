// The evidence cells as a small grid picture (inline SVG, north up): the geohash grid around the
// cells, with the person's co-located cells filled. No map tiles, no network.
import { h, s } from '../dom.js';
import { cellBounds, metresPerDegree } from '../geohash.js';

const MAX_SIDE = 40; // cells per side drawn as a grid; a wider spread is drawn without grid lines
const SIZE = 360;

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
  return { x0, y1, cols, rows, cellW, cellH, pxPerLon, pxPerLat, metres: { w: cellW * m.lon, h: cellH * m.lat } };
}

/** An SVG picture of geohash cells. */
export function cellGrid(cells) {
  const contact = [...new Set(cells)].map((c) => ({ cell: c, box: cellBounds(c) })).filter((c) => c.box);
  if (!contact.length) return h('p', { class: 'empty' }, 'No cells in the evidence.');
  const g = layout(contact.map((c) => c.box));
  const width = g.cols * g.cellW * g.pxPerLon;
  const height = g.rows * g.cellH * g.pxPerLat;
  const rect = ({ cell, box }) =>
    s(
      'rect',
      {
        class: 'cell-contact',
        x: ((box.west - g.x0) * g.pxPerLon).toFixed(1),
        y: ((g.y1 - box.north) * g.pxPerLat).toFixed(1),
        width: Math.max(3, (box.east - box.west) * g.pxPerLon).toFixed(1),
        height: Math.max(3, (box.north - box.south) * g.pxPerLat).toFixed(1),
      },
      s('title', null, cell),
    );
  const lines = [];
  if (g.cols <= MAX_SIDE && g.rows <= MAX_SIDE) {
    for (let c = 0; c <= g.cols; c++)
      lines.push(
        s('line', {
          class: 'grid-line',
          x1: c * g.cellW * g.pxPerLon,
          x2: c * g.cellW * g.pxPerLon,
          y1: 0,
          y2: height,
        }),
      );
    for (let r = 0; r <= g.rows; r++)
      lines.push(
        s('line', { class: 'grid-line', x1: 0, x2: width, y1: r * g.cellH * g.pxPerLat, y2: r * g.cellH * g.pxPerLat }),
      );
  }
  const picture = s(
    'svg',
    {
      class: 'cell-grid',
      role: 'img',
      'aria-label': `${contact.length} cells where the person was next to a source: ${contact.map((c) => c.cell).join(', ')}`,
      viewBox: `0 0 ${width.toFixed(1)} ${height.toFixed(1)}`,
      width: width.toFixed(0),
      height: height.toFixed(0),
    },
    lines,
    contact.map(rect),
  );
  return h(
    'figure',
    { class: 'picture' },
    picture,
    h(
      'figcaption',
      null,
      h('span', { class: 'key key-contact' }),
      " the person's cells next to a source ",
      `· north up · one square ≈ ${Math.round(g.metres.w)} m × ${Math.round(g.metres.h)} m · `,
      h('span', { class: 'cell-list' }, contact.map((c) => c.cell).join(' ')),
    ),
  );
}
