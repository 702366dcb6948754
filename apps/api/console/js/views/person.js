// A person looked up by id: their code and its history, and "set code" (admins):
// PUT /v1/admin/users/{id}/code.
import { adminApi, describeError } from '../api.js';
import { badge, field, h, show } from '../dom.js';
import { label, timeEl } from '../format.js';
import { t } from '../i18n.js';
import { isAdmin } from '../session.js';
import { timeZone, wallToUtcMs } from '../time-zone.js';

const COLORS = ['green', 'yellow', 'red'];

function lookupForm(navigate, userId) {
  const input = h('input', {
    name: 'userId',
    inputmode: 'numeric',
    pattern: '[1-9][0-9]*',
    required: true,
    value: userId ?? '',
  });
  const form = h(
    'form',
    { class: 'toolbar', role: 'search' },
    field(t('person.userId'), input),
    h('button', { type: 'submit' }, t('person.show')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate(`#/users/${encodeURIComponent(input.value.trim())}`);
  });
  return { form, input };
}

function codeFacts(code) {
  const rows = [
    [
      'person.code',
      h('span', { id: 'person-color', 'data-color': code.color }, badge(code.color, label('color', code.color))),
    ],
    ['person.reason', code.reason],
    ['person.updated', timeEl(code.updatedAt)],
    ['person.expires', timeEl(code.expiresAt)],
    ['person.infectiousFrom', timeEl(code.infectiousFrom)],
  ];
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', null, t(k)), h('dd', null, v)]),
  );
}

function historyTable(history) {
  if (!history?.length) return h('p', { class: 'empty' }, t('person.noHistory'));
  return h(
    'table',
    { class: 'list', 'aria-label': t('person.history') },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['person.when', 'person.change', 'person.reason', 'person.by'].map((k) => h('th', { scope: 'col' }, t(k))),
      ),
    ),
    h(
      'tbody',
      null,
      [...history]
        .reverse()
        .map((e) =>
          h(
            'tr',
            null,
            h('td', null, timeEl(e.at)),
            h(
              'td',
              null,
              e.fromColor ? [badge(e.fromColor, label('color', e.fromColor)), ' → '] : null,
              badge(e.toColor, label('color', e.toColor)),
            ),
            h('td', null, e.reason),
            h('td', null, e.actor),
          ),
        ),
    ),
  );
}

function setCodeForm(code, { say, navigate }) {
  const color = h(
    'select',
    { name: 'color' },
    COLORS.map((c) => h('option', { value: c, selected: c === code.color }, label('color', c))),
  );
  const reason = h('input', { name: 'reason', required: true, maxlength: 200 });
  const infectiousFrom = h('input', { name: 'infectiousFrom', type: 'datetime-local', step: 1 });
  const fromField = field(t('person.infectiousFromField', { zone: timeZone() }), infectiousFrom);
  const syncRed = () => (fromField.hidden = color.value !== 'red');
  color.addEventListener('change', syncRed);
  syncRed();
  const submit = h('button', { type: 'submit' }, t('person.setCode'));
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'set-code-title' },
    h('h2', { id: 'set-code-title' }, t('person.setCode')),
    field(t('person.colour'), color),
    field(t('person.reason'), reason),
    fromField,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const body = { color: color.value, reason: reason.value.trim() };
    const fromMs = color.value === 'red' && infectiousFrom.value ? wallToUtcMs(infectiousFrom.value, timeZone()) : null;
    if (fromMs !== null) body.infectiousFrom = new Date(fromMs).toISOString();
    try {
      const updated = await adminApi.setCode(code.userId, body);
      say(t('person.codeSet', { id: code.userId, color: label('color', updated.color) }), 'ok');
      navigate(`#/users/${encodeURIComponent(code.userId)}`);
    } catch (err) {
      say(describeError(err), 'error');
      submit.disabled = false;
    }
  });
  return form;
}

export async function renderPerson(ctx) {
  const [userId] = ctx.params;
  const lookup = lookupForm(ctx.navigate, userId);
  if (!userId) {
    show(ctx.main, h('h1', null, t('person.title')), lookup.form);
    lookup.input.focus();
    return null;
  }
  let code;
  try {
    code = await adminApi.getCode(userId);
  } catch (err) {
    if (!ctx.stale())
      show(
        ctx.main,
        h('h1', null, t('person.title')),
        lookup.form,
        h('p', { class: 'error', role: 'alert' }, describeError(err)),
      );
    return null;
  }
  if (ctx.stale()) return null;
  show(
    ctx.main,
    h('h1', null, t('person.heading', { id: code.userId })),
    lookup.form,
    codeFacts(code),
    isAdmin() ? setCodeForm(code, ctx) : h('p', { class: 'hint' }, t('person.adminsOnly')),
    h('h2', null, t('person.history')),
    historyTable(code.history),
  );
  return null;
}
