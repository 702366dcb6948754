// The facts of one code change as a definition list (shared by the evidence page).
import { badge, h } from '../dom.js';
import { ageEl, duration, label, rangeEl, timeEl } from '../format.js';
import { t, tx } from '../i18n.js';

export function changeSummary(change) {
  const rows = [
    [
      'change.status',
      [badge(change.status, label('status', change.status)), ' ', t(change.auto ? 'kind.auto' : 'kind.review')],
    ],
    ['change.person', h('a', { href: `#/users/${encodeURIComponent(change.userId)}` }, change.userId)],
    [
      'change.change',
      [
        badge(change.fromColor, label('color', change.fromColor)),
        ' → ',
        badge(change.toColor, label('color', change.toColor)),
      ],
    ],
    ['change.reason', change.reason],
    ['change.exposure', duration(change.exposureSeconds)],
    ['change.window', rangeEl(change.windowStart, change.windowEnd)],
    ['change.created', tx('change.createdAgo', { at: timeEl(change.createdAt), age: ageEl(change.createdAt) })],
    [
      'change.decided',
      change.decidedAt
        ? tx('change.decidedBy', { at: timeEl(change.decidedAt), who: change.decidedBy ?? t('common.none') })
        : t('common.none'),
    ],
    ['change.note', change.note ?? t('common.none')],
    [
      'change.claim',
      change.claimedBy && Date.parse(change.claimExpiresAt) > Date.now()
        ? tx('claim.heldBy', { who: change.claimedBy, until: timeEl(change.claimExpiresAt) })
        : t('common.none'),
    ],
  ];
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v)]),
  );
}
