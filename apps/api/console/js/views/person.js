// A person's code and its history, and "set code" (admins): PUT /v1/admin/users/{id}/code.
import { adminApi, describeError } from '../api.js';
import { badge, field, h, show } from '../dom.js';
import { when } from '../format.js';
import { isAdmin } from '../session.js';

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
    field('User id', input),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate(`#/users/${encodeURIComponent(input.value.trim())}`);
  });
  return { form, input };
}

function codeFacts(code) {
  const rows = [
    ['Code', h('span', { id: 'person-color' }, badge(code.color))],
    ['Reason', code.reason],
    ['Updated', when(code.updatedAt)],
    ['Expires', when(code.expiresAt)],
    ['Infectious from', when(code.infectiousFrom)],
  ];
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

function historyTable(history) {
  if (!history?.length) return h('p', { class: 'empty' }, 'No history.');
  return h(
    'table',
    { class: 'list', 'aria-label': 'Code history' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['When', 'Change', 'Reason', 'By'].map((t) => h('th', { scope: 'col' }, t)),
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
            h('td', null, when(e.at)),
            h('td', null, e.fromColor ? [badge(e.fromColor), ' → '] : null, badge(e.toColor)),
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
    COLORS.map((c) => h('option', { value: c, selected: c === code.color }, c)),
  );
  const reason = h('input', { name: 'reason', required: true, maxlength: 200 });
  const infectiousFrom = h('input', { name: 'infectiousFrom', type: 'datetime-local', step: 1 });
  const fromField = field('Infectious from (UTC, red only; empty: the default look-back)', infectiousFrom);
  const syncRed = () => (fromField.hidden = color.value !== 'red');
  color.addEventListener('change', syncRed);
  syncRed();
  const submit = h('button', { type: 'submit' }, 'Set code');
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'set-code-title' },
    h('h2', { id: 'set-code-title' }, 'Set code'),
    field('Colour', color),
    field('Reason', reason),
    fromField,
    submit,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    const body = { color: color.value, reason: reason.value.trim() };
    if (color.value === 'red' && infectiousFrom.value)
      body.infectiousFrom = new Date(`${infectiousFrom.value}Z`).toISOString();
    try {
      const updated = await adminApi.setCode(code.userId, body);
      say(`Person ${code.userId} is now ${updated.color}.`, 'ok');
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
    show(ctx.main, h('h1', null, 'People'), lookup.form);
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
        h('h1', null, 'People'),
        lookup.form,
        h('p', { class: 'error', role: 'alert' }, describeError(err)),
      );
    return null;
  }
  if (ctx.stale()) return null;
  show(
    ctx.main,
    h('h1', null, `Person ${code.userId}`),
    lookup.form,
    codeFacts(code),
    isAdmin() ? setCodeForm(code, ctx) : h('p', { class: 'hint' }, 'Only admins set codes.'),
    h('h2', null, 'History'),
    historyTable(code.history),
  );
  return null;
}
