// Tracing windows with their time range, status and statistics; admins can rerun a closed window.
import { adminApi, describeError } from '../api.js';
import { badge, field, h, listTable, show } from '../dom.js';
import { label, rangeEl, rangeText } from '../format.js';
import { t } from '../i18n.js';
import { hashFor } from '../router.js';
import { isAdmin } from '../session.js';

const STATUSES = ['all', 'open', 'closing', 'processing', 'done', 'failed'];
const RERUNNABLE = new Set(['done', 'failed']);

const statsText = (stats) =>
  Object.entries(stats ?? {})
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' · ') || t('common.none');

function rerunButton(w, say) {
  const b = h(
    'button',
    { type: 'button', 'aria-label': t('windows.rerunLabel', { range: rangeText(w.startsAt, w.endsAt) }) },
    t('windows.rerun'),
  );
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await adminApi.rerunWindow(w.id);
      say(t('windows.queued', { range: rangeText(w.startsAt, w.endsAt) }), 'ok');
    } catch (err) {
      say(describeError(err), 'error');
      b.disabled = false;
    }
  });
  return b;
}

export async function renderWindows({ main, query, navigate, say, stale }) {
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : 'all';
  const cursor = query.get('cursor') ?? '';
  const page = await adminApi.listWindows({ status: status === 'all' ? undefined : status, limit: 50, cursor });
  if (stale()) return null;
  const admin = isAdmin();
  const filter = h(
    'select',
    { name: 'status' },
    STATUSES.map((st) => h('option', { value: st, selected: st === status }, label('windowStatus', st))),
  );
  filter.addEventListener('change', () => navigate(hashFor('windows', { status: filter.value })));
  const headings = ['windows.time', 'windows.status', 'windows.stats', admin ? 'windows.action' : null].filter(Boolean);
  const table = page.items.length
    ? listTable(
        t('windows.title'),
        headings.map((k) => t(k)),
        page.items,
        (w) =>
          h(
            'tr',
            { 'data-window': w.id },
            h('td', null, rangeEl(w.startsAt, w.endsAt)),
            h('td', null, badge(w.status, label('windowStatus', w.status))),
            h('td', { class: 'stats' }, statsText(w.stats)),
            admin ? h('td', null, RERUNNABLE.has(w.status) ? rerunButton(w, say) : null) : null,
          ),
      )
    : h('p', { class: 'empty' }, t('windows.none'));
  show(
    main,
    h('h1', null, t('windows.title')),
    h('div', { class: 'toolbar' }, field(t('windows.status'), filter)),
    table,
    h(
      'nav',
      { class: 'paging', 'aria-label': t('common.pages') },
      cursor ? h('a', { href: hashFor('windows', { status }) }, t('common.firstPage')) : null,
      page.nextCursor
        ? h('a', { href: hashFor('windows', { status, cursor: page.nextCursor }) }, t('common.nextPage'))
        : null,
    ),
  );
  return null;
}
