// The co-located slots as a timeline (inline SVG): one row per source, the window as the axis, in
// the official's time zone.
import { h, s } from '../dom.js';
import { clock, utcText } from '../format.js';
import { t } from '../i18n.js';

const WIDTH = 560,
  ROW = 22,
  LABEL = 110,
  AXIS = 20;

/** rows: [{ label, cls, slots: [{ fromMs, toMs }] }]; span: { fromMs, toMs } or null (from the slots). */
export function timeline(rows, span) {
  const all = rows.flatMap((r) => r.slots);
  if (!all.length) return h('p', { class: 'empty' }, t('timeline.empty'));
  const fromMs = Number.isFinite(span?.fromMs)
    ? Math.min(span.fromMs, ...all.map((x) => x.fromMs))
    : Math.min(...all.map((x) => x.fromMs));
  const toMs = Number.isFinite(span?.toMs)
    ? Math.max(span.toMs, ...all.map((x) => x.toMs))
    : Math.max(...all.map((x) => x.toMs));
  const x = (ms) => LABEL + ((ms - fromMs) / Math.max(1, toMs - fromMs)) * (WIDTH - LABEL - 10);
  const height = rows.length * ROW + AXIS;
  const ticks = [fromMs, (fromMs + toMs) / 2, toMs];
  return h(
    'figure',
    { class: 'picture' },
    s(
      'svg',
      {
        class: 'timeline',
        role: 'img',
        'aria-label': t('timeline.label', { from: clock(fromMs), to: clock(toMs) }),
        viewBox: `0 0 ${WIDTH} ${height}`,
        width: WIDTH,
        height,
      },
      rows.map((r, i) => [
        s('text', { x: 0, y: i * ROW + 15, class: 'tl-label' }, r.label),
        s('line', { class: 'tl-track', x1: LABEL, x2: WIDTH - 10, y1: i * ROW + 11, y2: i * ROW + 11 }),
        r.slots.map((slot) =>
          s(
            'rect',
            {
              class: `tl-slot ${r.cls ?? ''}`,
              x: x(slot.fromMs).toFixed(1),
              y: i * ROW + 4,
              width: Math.max(2, x(slot.toMs) - x(slot.fromMs)).toFixed(1),
              height: 14,
            },
            s('title', null, `${clock(slot.fromMs)}–${clock(slot.toMs)} (${utcText(slot.fromMs)})`),
          ),
        ),
      ]),
      ticks.map((ms, i) =>
        s(
          'text',
          { x: x(ms).toFixed(1), y: height - 4, class: 'tl-tick', 'text-anchor': ['start', 'middle', 'end'][i] },
          clock(ms),
        ),
      ),
    ),
    h('figcaption', null, t('timeline.caption')),
  );
}
