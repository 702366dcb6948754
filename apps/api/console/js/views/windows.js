// Tracing windows with their status and statistics; admins can rerun a closed window.
import { adminApi, describeError } from '../api.js';
import { badge, field, h, show } from '../dom.js';
import { when } from '../format.js';
import { hashFor } from '../router.js';
import { isAdmin } from '../session.js';

const STATUSES = ['all', 'open', 'closing', 'processing', 'done', 'failed'];
const RERUNNABLE = new Set(['done', 'failed']);

const statsText = (stats) =>
  Object.entries(stats ?? {})
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' · ') || '—';

function rerunButton(w, say) {
  const b = h('button', { type: 'button', 'aria-label': `Rerun window ${w.id}` }, 'Rerun');
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await adminApi.rerunWindow(w.id);
      say(`Window ${w.id} queued for a rerun.`, 'ok');
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
    STATUSES.map((st) => h('option', { value: st, selected: st === status }, st)),
  );
  filter.addEventListener('change', () => navigate(hashFor('windows', { status: filter.value })));
  const table = page.items.length
    ? h(
        'table',
        { class: 'list', 'aria-label': 'Windows' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Window', 'Starts', 'Ends', 'Status', 'Statistics', admin ? 'Action' : null]
              .filter(Boolean)
              .map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          null,
          page.items.map((w) =>
            h(
              'tr',
              null,
              h('td', null, w.id),
              h('td', null, when(w.startsAt)),
              h('td', null, when(w.endsAt)),
              h('td', null, badge(w.status)),
              h('td', { class: 'stats' }, statsText(w.stats)),
              admin ? h('td', null, RERUNNABLE.has(w.status) ? rerunButton(w, say) : null) : null,
            ),
          ),
        ),
      )
    : h('p', { class: 'empty' }, 'No windows.');
  show(
    main,
    h('h1', null, 'Windows'),
    h('div', { class: 'toolbar' }, field('Status', filter)),
    table,
    h(
      'nav',
      { class: 'paging', 'aria-label': 'Pages' },
      cursor ? h('a', { href: hashFor('windows', { status }) }, 'First page') : null,
      page.nextCursor ? h('a', { href: hashFor('windows', { status, cursor: page.nextCursor }) }, 'Next page') : null,
    ),
  );
  return null;
}
