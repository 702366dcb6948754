// The audit trail (admins): who did what to whom and when, with the note, filterable by actor,
// person, action and date; GET /v1/admin/audit, newest first, paged with the total.
import { adminApi } from '../api.js';
import { field, h, listTable, show } from '../dom.js';
import { formatInstant, label, timeEl } from '../format.js';
import { intlLocale, t } from '../i18n.js';
import { hashFor } from '../router.js';
import { timeZone, utcToWall, wallToUtcMs } from '../time-zone.js';
import { pageInfo } from '../filters.js';

/** The actions the system writes today; the filter also takes any other. */
export const AUDIT_ACTIONS = [
  'code_change.bulk_decide',
  'code-change.approve',
  'code-change.reject',
  'code-change.revoke',
  'code_change.evidence.read',
  'code_change.export',
  'code.set',
  'person.code.read',
  'person.history.read',
  'user.revoke-tokens',
  'admin.create',
  'admin.disable',
  'admin.enable',
  'admin.reset-password',
  'session.create',
  'window.rerun',
];
const PAGE_SIZE = 50;

/** An action in words when the catalogue knows it, else its code. */
const actionText = (action) => {
  const text = t(`action.${action}`);
  return text === `action.${action}` ? action : text;
};

function stateFrom(query) {
  const get = (k) => (query.get(k) ?? '').trim();
  const instant = (k) => (Number.isFinite(Date.parse(get(k))) ? new Date(Date.parse(get(k))).toISOString() : undefined);
  return {
    actor: get('actor') || undefined,
    person: /^[1-9]\d{0,17}$/.test(get('person')) ? get('person') : undefined,
    action: get('action') || undefined,
    from: instant('from'),
    to: instant('to'),
    page: Math.max(1, Number.parseInt(get('page'), 10) || 1),
  };
}

function filterForm(state, navigate) {
  const zone = timeZone();
  const wall = (iso) => (iso ? utcToWall(Date.parse(iso), zone) : '');
  const c = {
    actor: h('input', { name: 'actor', value: state.actor ?? '', autocomplete: 'off' }),
    person: h('input', { name: 'person', value: state.person ?? '', inputmode: 'numeric', pattern: '[1-9][0-9]*' }),
    action: h('input', { name: 'action', value: state.action ?? '', list: 'audit-actions', autocomplete: 'off' }),
    from: h('input', { name: 'from', type: 'datetime-local', value: wall(state.from) }),
    to: h('input', { name: 'to', type: 'datetime-local', value: wall(state.to) }),
  };
  const form = h(
    'form',
    { class: 'filters card toolbar', role: 'search', 'aria-label': t('audit.filters') },
    field(t('audit.actor'), c.actor),
    field(t('audit.person'), c.person),
    field(t('audit.action'), c.action),
    h(
      'datalist',
      { id: 'audit-actions' },
      AUDIT_ACTIONS.map((a) => h('option', { value: a }, actionText(a))),
    ),
    field(t('audit.from', { zone }), c.from),
    field(t('audit.to', { zone }), c.to),
    h('button', { type: 'submit' }, t('filters.apply')),
    h('a', { href: '#/audit', class: 'button-link' }, t('filters.clear')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const instant = (input) => {
      const ms = input.value ? wallToUtcMs(input.value, zone) : null;
      return ms === null ? undefined : new Date(ms).toISOString();
    };
    navigate(
      hashFor('audit', {
        actor: c.actor.value.trim(),
        person: c.person.value.trim(),
        action: c.action.value.trim(),
        from: instant(c.from),
        to: instant(c.to),
      }),
    );
  });
  return form;
}

// Fields of an entry's before/after shown in words; internal numbers (a window's id) stay out.
const HIDDEN_FIELDS = new Set(['filter', 'windowId']);
const VALUE_KINDS = {
  color: 'color',
  fromColor: 'color',
  toColor: 'color',
  status: 'status',
  role: 'role',
  decision: 'decision',
};
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function valueText(field, v) {
  if (v === undefined || v === null) return t('common.none');
  if (VALUE_KINDS[field] && typeof v === 'string') return label(VALUE_KINDS[field], v);
  if (typeof v === 'string' && ISO_TIME.test(v) && Number.isFinite(Date.parse(v)))
    return formatInstant(Date.parse(v), intlLocale(), timeZone());
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const fieldText = (field) => {
  const text = t(`field.${field}`);
  return text === `field.${field}` ? field : text;
};

/** before -> after as "field: old → new" parts; a bulk decision reads "approve × 500". */
function changeText(entry) {
  const after = entry.after ?? {};
  const before = entry.before ?? {};
  if (entry.action === 'code_change.bulk_decide' && after.count !== undefined)
    return t('audit.bulk', { decision: label('decision', after.decision), count: Number(after.count) });
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !HIDDEN_FIELDS.has(k));
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) =>
      t(k in before ? 'audit.changed' : 'audit.set', {
        field: fieldText(k),
        from: valueText(k, before[k]),
        to: valueText(k, after[k]),
      }),
    )
    .join(' · ');
}

/** Whom or what an entry is about, as a link where the console has a page for it. */
function target(entry) {
  const id = entry.targetId;
  if (entry.targetType === 'user')
    return h('a', { href: `#/users/${encodeURIComponent(id)}` }, t('audit.targetUser', { id }));
  if (entry.targetType === 'code-change')
    return h('a', { href: `#/changes/${encodeURIComponent(id)}` }, t('audit.targetChange', { id }));
  if (entry.targetType === 'code-changes') return t('audit.targetFiltered');
  if (entry.targetType === 'admin')
    return t('audit.targetAccount', {
      // A login names no username in its row: the one who logged in is the actor.
      username:
        entry.after?.username ?? entry.before?.username ?? (entry.action === 'session.create' ? entry.actor : id),
    });
  if (entry.targetType === 'window') return t('audit.targetWindow', { id });
  return `${entry.targetType} ${id}`;
}

export async function renderAudit({ main, query, navigate, stale }) {
  const state = stateFrom(query);
  const filter = { actor: state.actor, person: state.person, action: state.action, from: state.from, to: state.to };
  const result = await adminApi.listAudit({ ...filter, page: state.page, pageSize: PAGE_SIZE });
  if (stale()) return null;
  const info = pageInfo(result.total, state.page, PAGE_SIZE);
  const hashOf = (page) => hashFor('audit', { ...filter, page: page > 1 ? page : undefined });
  const headings = ['audit.at', 'audit.actor', 'audit.action', 'audit.target', 'audit.change', 'audit.note'];
  const table = result.items.length
    ? listTable(
        t('audit.title'),
        headings.map((k) => t(k)),
        result.items,
        (e) =>
          h(
            'tr',
            { 'data-audit': e.id, 'data-action': e.action },
            h('td', null, timeEl(e.at)),
            h('td', null, e.actor),
            h('td', { title: e.action }, actionText(e.action)),
            h('td', null, target(e)),
            h('td', { class: 'stats' }, changeText(e)),
            h('td', null, e.note ?? ''),
          ),
      )
    : h('p', { class: 'empty' }, t('audit.none'));
  show(
    main,
    h('h1', null, t('audit.title')),
    filterForm(state, navigate),
    h('p', { id: 'audit-count' }, t('audit.count', { count: result.total, first: info.first, last: info.last })),
    table,
    h(
      'nav',
      { class: 'paging', 'aria-label': t('common.pages') },
      info.hasPrevious ? h('a', { href: hashOf(state.page - 1) }, t('queue.previous')) : null,
      h('span', null, t('queue.pageInfo', { page: state.page, pages: info.pages })),
      info.hasNext ? h('a', { href: hashOf(state.page + 1) }, t('queue.next')) : null,
    ),
  );
  return null;
}
