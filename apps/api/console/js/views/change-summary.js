// The facts of one code change as a definition list (shared by the evidence page).
import { badge, h } from '../dom.js';
import { age, duration, when } from '../format.js';

export function changeSummary(change) {
  const rows = [
    ['Status', [badge(change.status), change.auto ? ' (automatic)' : ' (for review)']],
    ['Person', h('a', { href: `#/users/${encodeURIComponent(change.userId)}` }, change.userId)],
    ['Change', [badge(change.fromColor), ' → ', badge(change.toColor)]],
    ['Reason', change.reason],
    ['Exposure', `${duration(change.exposureSeconds)} (${change.exposureSeconds} s)`],
    ['Window', String(change.windowId)],
    ['Created', `${when(change.createdAt)} · ${age(change.createdAt)} ago`],
    ['Decided', change.decidedAt ? `${when(change.decidedAt)} by ${change.decidedBy ?? '—'}` : '—'],
    ['Note', change.note ?? '—'],
  ];
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}
