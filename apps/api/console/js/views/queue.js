// The review queue: code changes by status (pending first, oldest first), bulk approve/reject,
// cursor paging and shortcuts (j/k move, x select, o open, a approve, r reject, n next page).
import { adminApi, describeError } from '../api.js';
import { badge, field, h, show } from '../dom.js';
import { age, duration, when } from '../format.js';
import { hashFor } from '../router.js';

const STATUSES = ['pending', 'applied', 'rejected', 'superseded', 'revoked', 'all'];
const PAGE_SIZE = 50;

async function oldestPendingLine() {
  const { items } = await adminApi.listChanges({ status: 'pending', limit: 1 });
  const line = h('p', { id: 'oldest-pending', class: 'oldest' });
  if (!items.length) line.textContent = 'No pending requests.';
  else
    line.append('Oldest pending: ', h('strong', null, age(items[0].createdAt)), ` (since ${when(items[0].createdAt)})`);
  return line;
}

function changeRow(change, selection) {
  const pending = change.status === 'pending';
  const box = h('input', {
    type: 'checkbox',
    class: 'pick',
    disabled: !pending,
    'aria-label': `Select request ${change.id}`,
  });
  box.addEventListener('change', () => (box.checked ? selection.add(change.id) : selection.delete(change.id)));
  const row = h(
    'tr',
    { 'data-id': change.id },
    h('td', null, box),
    h('td', null, h('a', { href: `#/changes/${encodeURIComponent(change.id)}` }, `#${change.id}`)),
    h('td', null, h('a', { href: `#/users/${encodeURIComponent(change.userId)}` }, change.userId)),
    h('td', null, badge(change.fromColor), ' → ', badge(change.toColor)),
    h('td', { class: 'num' }, duration(change.exposureSeconds)),
    h('td', { class: 'num' }, change.windowId),
    h('td', { title: when(change.createdAt) }, age(change.createdAt)),
    h('td', null, badge(change.status), change.auto ? ' auto' : ''),
  );
  return { row, box };
}

export async function renderQueue({ main, query, navigate, say, stale }) {
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : 'pending';
  const cursor = query.get('cursor') ?? '';
  const [page, oldest] = await Promise.all([
    adminApi.listChanges({ status: status === 'all' ? undefined : status, limit: PAGE_SIZE, cursor }),
    oldestPendingLine(),
  ]);
  if (stale()) return null;

  const selection = new Set();
  const rows = page.items.map((c) => changeRow(c, selection));
  let at = -1;

  const filter = h(
    'select',
    { name: 'status' },
    STATUSES.map((st) => h('option', { value: st, selected: st === status }, st)),
  );
  filter.addEventListener('change', () => navigate(hashFor('queue', { status: filter.value })));
  const note = h('input', { name: 'note', maxlength: 500, placeholder: 'optional' });
  const approveButton = h('button', { type: 'button', class: 'approve' }, 'Approve selected');
  const rejectButton = h('button', { type: 'button', class: 'reject' }, 'Reject selected');
  const selectAll = h('input', { type: 'checkbox', 'aria-label': 'Select all pending requests on this page' });
  selectAll.addEventListener('change', () => {
    for (const { box } of rows) if (!box.disabled && box.checked !== selectAll.checked) box.click();
  });

  const moveTo = (i) => {
    if (!rows.length) return;
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(({ row }, j) => row.classList.toggle('current', j === at));
    const { row, box } = rows[at];
    (box.disabled ? row.querySelector('a') : box).focus();
  };

  const decide = async (decision) => {
    const ids = selection.size ? [...selection] : at >= 0 && !rows[at].box.disabled ? [page.items[at].id] : [];
    if (!ids.length) {
      say('Select pending requests first (x or the checkboxes).', 'error');
      return;
    }
    approveButton.disabled = rejectButton.disabled = true;
    try {
      const { items } = await adminApi.decide(ids, decision, note.value.trim() || undefined);
      const counts = {};
      // An item someone else decided first comes back with an error code (CONFLICT) and its status.
      for (const item of items) {
        const outcome = item.error ? `${item.error.toLowerCase().replace('_', ' ')} (now ${item.status})` : item.status;
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
      say(
        `${decision === 'approve' ? 'Approved' : 'Rejected'} ${ids.length}: ${Object.entries(counts)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ')}.`,
        'ok',
      );
      navigate(hashFor('queue', { status, cursor }));
    } catch (err) {
      say(describeError(err), 'error');
      approveButton.disabled = rejectButton.disabled = false;
    }
  };
  approveButton.addEventListener('click', () => void decide('approve'));
  rejectButton.addEventListener('click', () => void decide('reject'));

  const table = rows.length
    ? h(
        'table',
        { class: 'list', 'aria-label': 'Code-change requests' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, selectAll),
            h('th', { scope: 'col' }, 'Request'),
            h('th', { scope: 'col' }, 'Person'),
            h('th', { scope: 'col' }, 'Change'),
            h('th', { scope: 'col' }, 'Exposure'),
            h('th', { scope: 'col' }, 'Window'),
            h('th', { scope: 'col' }, 'Age'),
            h('th', { scope: 'col' }, 'Status'),
          ),
        ),
        h(
          'tbody',
          null,
          rows.map((r) => r.row),
        ),
      )
    : h('p', { class: 'empty' }, `No requests with status ${status}.`);

  const paging = h(
    'nav',
    { class: 'paging', 'aria-label': 'Pages' },
    cursor ? h('a', { href: hashFor('queue', { status }) }, 'First page') : null,
    page.nextCursor
      ? h('a', { href: hashFor('queue', { status, cursor: page.nextCursor }), id: 'next-page' }, 'Next page (n)')
      : null,
  );

  show(
    main,
    h('h1', null, 'Review queue'),
    oldest,
    h(
      'div',
      { class: 'toolbar' },
      field('Status', filter),
      status === 'pending' || status === 'all'
        ? [field('Note for the decision', note), approveButton, rejectButton]
        : null,
    ),
    table,
    paging,
    h('p', { class: 'keys' }, 'Keys: j/k move · x select · o open · a approve · r reject · n next page'),
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
        a: () => void decide('approve'),
        r: () => void decide('reject'),
        n: () => page.nextCursor && navigate(hashFor('queue', { status, cursor: page.nextCursor })),
      };
      const action = actions[event.key];
      if (action) {
        event.preventDefault();
        action();
      }
    },
  };
}
