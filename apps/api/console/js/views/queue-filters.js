// The review queue's filter form: every filter of GET /v1/admin/code-changes, the sort and the
// page size. Dates are typed in the official's time zone and kept in the link as UTC instants.
import { field, h } from '../dom.js';
import { KINDS, ORDERS, PAGE_SIZES, SORTS, STATUSES, queueHashQuery } from '../filters.js';
import { duration, formatInstant, label } from '../format.js';
import { intlLocale, t } from '../i18n.js';
import { hashFor } from '../router.js';
import { timeZone, utcToWall, wallToUtcMs } from '../time-zone.js';

const options = (values, current, text) =>
  values.map((v) => h('option', { value: v, selected: String(v) === String(current ?? '') }, text(v)));

function wallInput(name, iso) {
  return h('input', {
    name,
    type: 'datetime-local',
    value: iso ? utcToWall(Date.parse(iso), timeZone()) : '',
  });
}

/** The form; submitting it shows page 1 of the new filter. */
export function filterForm(state, navigate) {
  const f = state.filter;
  const controls = {
    status: h(
      'select',
      { name: 'status' },
      options(['all', ...STATUSES], state.statusAll ? 'all' : f.status, (v) => label('status', v)),
    ),
    kind: h(
      'select',
      { name: 'kind' },
      options(['', ...KINDS], f.kind, (v) => t(v ? `kind.${v}` : 'kind.any')),
    ),
    exposureMin: h('input', { name: 'exposureMin', type: 'number', min: 0, step: 1, value: f.exposureMin ?? '' }),
    exposureMax: h('input', { name: 'exposureMax', type: 'number', min: 0, step: 1, value: f.exposureMax ?? '' }),
    from: wallInput('from', f.from),
    to: wallInput('to', f.to),
    area: h('input', {
      name: 'area',
      value: f.area ?? '',
      maxlength: 8,
      pattern: '[0-9b-hjkmnp-zB-HJKMNP-Z]{1,8}',
      autocomplete: 'off',
      spellcheck: 'false',
    }),
    source: h('input', { name: 'source', value: f.source ?? '', inputmode: 'numeric', pattern: '[1-9][0-9]*' }),
    decidedBy: h('input', { name: 'decidedBy', value: f.decidedBy ?? '', autocomplete: 'off' }),
    sort: h(
      'select',
      { name: 'sort' },
      options(SORTS, state.sort, (v) => t(`sort.${v}`)),
    ),
    order: h(
      'select',
      { name: 'order' },
      options(ORDERS, state.order, (v) => t(`order.${v}`)),
    ),
    pageSize: h(
      'select',
      { name: 'pageSize' },
      options(PAGE_SIZES, state.pageSize, (v) => String(v)),
    ),
  };
  const zone = timeZone();
  const form = h(
    'form',
    { class: 'filters card', role: 'search', 'aria-label': t('filters.title') },
    h(
      'div',
      { class: 'toolbar' },
      field(t('filters.status'), controls.status),
      field(t('filters.kind'), controls.kind),
      field(t('filters.exposureMin'), controls.exposureMin),
      field(t('filters.exposureMax'), controls.exposureMax),
      field(t('filters.area'), controls.area, t('filters.areaHint')),
      field(t('filters.source'), controls.source),
      field(t('filters.decidedBy'), controls.decidedBy),
    ),
    h(
      'div',
      { class: 'toolbar' },
      field(t('filters.from', { zone }), controls.from),
      field(t('filters.to', { zone }), controls.to),
      field(t('filters.sort'), controls.sort),
      field(t('filters.order'), controls.order),
      field(t('filters.pageSize'), controls.pageSize),
      h('button', { type: 'submit' }, t('filters.apply')),
      h('a', { href: '#/queue', class: 'button-link' }, t('filters.clear')),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = (name) => controls[name].value.trim();
    const instant = (name) => {
      const ms = v(name) ? wallToUtcMs(v(name), zone) : null;
      return ms === null ? undefined : new Date(ms).toISOString();
    };
    const next = {
      filter: {
        status: v('status') === 'all' ? undefined : v('status'),
        kind: v('kind') || undefined,
        exposureMin: v('exposureMin'),
        exposureMax: v('exposureMax'),
        from: instant('from'),
        to: instant('to'),
        area: v('area').toLowerCase(),
        source: v('source'),
        decidedBy: v('decidedBy'),
      },
      statusAll: v('status') === 'all',
      sort: v('sort'),
      order: v('order'),
      page: 1,
      pageSize: Number(v('pageSize')),
    };
    navigate(hashFor('queue', queueHashQuery(next)));
  });
  return form;
}

/** The filter in words, for the bulk confirmation: ["Area: u33d", "Exposure from: 20 s", ...]. */
export function describeFilter(filter) {
  const when = (iso) => formatInstant(Date.parse(iso), intlLocale(), timeZone());
  const parts = [];
  const add = (key, value) => value !== undefined && parts.push(t('filters.pair', { name: t(key), value }));
  add('filters.status', filter.status && label('status', filter.status));
  add('filters.kind', filter.kind && t(`kind.${filter.kind}`));
  add('filters.exposureMin', filter.exposureMin !== undefined ? duration(filter.exposureMin) : undefined);
  add('filters.exposureMax', filter.exposureMax !== undefined ? duration(filter.exposureMax) : undefined);
  add('filters.fromShort', filter.from && when(filter.from));
  add('filters.toShort', filter.to && when(filter.to));
  add('filters.area', filter.area);
  add('filters.source', filter.source);
  add('filters.decidedBy', filter.decidedBy);
  return parts;
}
