// The review queue: every filter of the admin API with sorting, previous/next pages with the
// total, decisions on ticked rows or on everything matching the filter, CSV export, claims.
// Keys: j/k move · x tick · o open · a approve · r reject · n/p next/previous page.
import { adminApi, describeError, download } from '../api.js';
import { badge, h, show } from '../dom.js';
import { listQuery, pageInfo, queueHashQuery, queueStateFrom } from '../filters.js';
import { ageEl, duration, label, rangeEl, timeEl } from '../format.js';
import { t, tx } from '../i18n.js';
import { hashFor } from '../router.js';
import { currentSession } from '../session.js';
import { claimPanel, pageDecisions, selectAllMatching } from './queue-bulk.js';
import { filterForm } from './queue-filters.js';

async function oldestPendingLine() {
  const { items, total } = await adminApi.listChanges({ status: 'pending', sort: 'age', order: 'asc', pageSize: 1 });
  const line = h('p', { id: 'oldest-pending', class: 'oldest' });
  if (!items.length) line.append(t('queue.noPending'));
  else
    line.append(
      ...tx('queue.oldestPending', {
        age: h('strong', null, ageEl(items[0].createdAt)),
        since: timeEl(items[0].createdAt),
        count: total,
      }),
    );
  return line;
}

const claimedByOther = (change, me) =>
  change.claimedBy && change.claimedBy !== me && Date.parse(change.claimExpiresAt) > Date.now();

function claimCell(change, me) {
  if (!change.claimedBy || !(Date.parse(change.claimExpiresAt) > Date.now())) return h('td', null);
  return h(
    'td',
    { class: change.claimedBy === me ? 'claim-mine' : 'claim-other' },
    tx('claim.heldBy', { who: change.claimedBy, until: timeEl(change.claimExpiresAt) }),
  );
}

function changeRow(change, selection, me) {
  const decidable = change.status === 'pending' && !claimedByOther(change, me);
  const box = h('input', {
    type: 'checkbox',
    class: 'pick',
    disabled: !decidable,
    'aria-label': t('queue.selectOne', { id: change.id }),
  });
  box.addEventListener('change', () => (box.checked ? selection.add(change.id) : selection.delete(change.id)));
  const row = h(
    'tr',
    { 'data-id': change.id },
    h('td', null, box),
    h('td', null, h('a', { href: `#/changes/${encodeURIComponent(change.id)}` }, `#${change.id}`)),
    h('td', null, h('a', { href: `#/users/${encodeURIComponent(change.userId)}` }, change.userId)),
    h(
      'td',
      null,
      badge(change.fromColor, label('color', change.fromColor)),
      ' → ',
      badge(change.toColor, label('color', change.toColor)),
    ),
    h('td', { class: 'num', 'data-seconds': change.exposureSeconds }, duration(change.exposureSeconds)),
    h('td', null, rangeEl(change.windowStart, change.windowEnd)),
    h('td', null, ageEl(change.createdAt)),
    h(
      'td',
      null,
      badge(change.status, label('status', change.status)),
      ' ',
      t(change.auto ? 'kind.auto' : 'kind.review'),
    ),
    claimCell(change, me),
  );
  return { row, box };
}

function resultsTable(rows, selectAllBox) {
  const headings = [
    'queue.request',
    'queue.person',
    'queue.change',
    'queue.exposure',
    'queue.window',
    'queue.age',
    'queue.status',
    'queue.claim',
  ];
  return h(
    'table',
    { class: 'list', 'aria-label': t('queue.tableLabel') },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, selectAllBox),
        headings.map((k) => h('th', { scope: 'col' }, t(k))),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((r) => r.row),
    ),
  );
}

export async function renderQueue({ main, query, navigate, say, stale }) {
  const state = queueStateFrom(query);
  const [page, oldest] = await Promise.all([adminApi.listChanges(listQuery(state)), oldestPendingLine()]);
  if (stale()) return null;
  if (state.invalid.length) say(t('queue.ignored', { fields: state.invalid.join(', ') }), 'error');

  const me = currentSession()?.username;
  const hashOf = (changes) => hashFor('queue', queueHashQuery({ ...state, ...changes }));
  const refresh = () => navigate(hashOf({}));
  const selection = new Set();
  const rows = page.items.map((c) => changeRow(c, selection, me));
  const info = pageInfo(page.total, state.page, state.pageSize);
  let at = -1;

  const note = h('input', { name: 'note', maxlength: 500, placeholder: t('common.optional') });
  const selectAllBox = h('input', { type: 'checkbox', 'aria-label': t('queue.selectPage') });
  selectAllBox.addEventListener('change', () => {
    for (const { box } of rows) if (!box.disabled && box.checked !== selectAllBox.checked) box.click();
  });
  const selectedIds = () =>
    selection.size ? [...selection] : at >= 0 && !rows[at].box.disabled ? [page.items[at].id] : [];
  const pageBulk = pageDecisions({ note, selectedIds, say, refresh });

  const exportButton = h('button', { type: 'button', id: 'export-csv' }, t('queue.export'));
  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    try {
      // Every matching row, not the page: the export takes the filter and sort only.
      const whole = listQuery({ ...state, page: undefined, pageSize: undefined });
      await download(adminApi.exportUrl(whole), `code-changes-${new Date().toISOString().slice(0, 10)}.csv`);
      say(t('queue.exported', { count: page.total }), 'ok');
    } catch (err) {
      say(describeError(err), 'error');
    } finally {
      exportButton.disabled = false;
    }
  });

  const pendingOnly = state.filter.status === 'pending';
  const decisions = pendingOnly
    ? h(
        'section',
        { class: 'card decisions', 'aria-label': t('bulk.title') },
        h(
          'div',
          { class: 'toolbar' },
          h('label', { class: 'field grow' }, h('span', { class: 'label' }, t('bulk.note')), note),
          pageBulk.buttons,
        ),
        page.total ? selectAllMatching({ filter: state.filter, total: page.total, note, say, refresh }) : null,
        claimPanel({ filter: state.filter, say, refresh }),
      )
    : null;

  const moveTo = (i) => {
    if (!rows.length) return;
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(({ row }, j) => row.classList.toggle('current', j === at));
    const { row, box } = rows[at];
    (box.disabled ? row.querySelector('a') : box).focus();
  };

  const paging = h(
    'nav',
    { class: 'paging', 'aria-label': t('common.pages') },
    info.hasPrevious
      ? h('a', { href: hashOf({ page: state.page - 1 }), id: 'previous-page' }, t('queue.previous'))
      : null,
    h('span', { id: 'page-info' }, t('queue.pageInfo', { page: state.page, pages: info.pages })),
    info.hasNext ? h('a', { href: hashOf({ page: state.page + 1 }), id: 'next-page' }, t('queue.next')) : null,
  );

  show(
    main,
    h('h1', null, t('queue.title')),
    oldest,
    filterForm(state, navigate),
    h(
      'div',
      { class: 'toolbar summary' },
      h('p', { id: 'match-count' }, t('queue.matching', { count: page.total, first: info.first, last: info.last })),
      exportButton,
    ),
    decisions,
    rows.length ? resultsTable(rows, selectAllBox) : h('p', { class: 'empty' }, t('queue.none')),
    paging,
    h('p', { class: 'keys' }, t('queue.keys')),
  );

  return {
    onKey(event) {
      const actions = {
        j: () => moveTo(at + 1),
        k: () => moveTo(at - 1),
        x: () => at >= 0 && !rows[at].box.disabled && rows[at].box.click(),
        o: () => at >= 0 && navigate(`#/changes/${encodeURIComponent(page.items[at].id)}`),
        Enter: () =>
          at >= 0 && event.target === rows[at].box && navigate(`#/changes/${encodeURIComponent(page.items[at].id)}`),
        a: () => pendingOnly && void pageBulk.decide('approve'),
        r: () => pendingOnly && void pageBulk.decide('reject'),
        n: () => info.hasNext && navigate(hashOf({ page: state.page + 1 })),
        p: () => info.hasPrevious && navigate(hashOf({ page: state.page - 1 })),
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    },
  };
}
